#include "train/stop_signal.hpp"

namespace sppo {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void on_stop_signal(int) { g_stop_requested = 1; }

}  // namespace

StopSignal::StopSignal() {
  g_stop_requested = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // MPI and file calls carry on; the step boundary checks the flag
  sigaction(SIGUSR1, &action, &previous_);
}

StopSignal::~StopSignal() { sigaction(SIGUSR1, &previous_, nullptr); }

bool StopSignal::requested() const { return g_stop_requested != 0; }

}  // namespace sppo
