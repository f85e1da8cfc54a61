#include "core/stop_signal.hpp"

namespace sppo {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;  // the signal number, 0 for none

extern "C" void on_stop_signal(int signal) { g_stop_signal = signal; }

}  // namespace

StopSignal::StopSignal() {
  g_stop_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // MPI and file calls carry on; the stages check the flag at safe points
  sigaction(SIGUSR1, &action, &previous_usr1_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignal::~StopSignal() {
  sigaction(SIGUSR1, &previous_usr1_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

bool StopSignal::requested() const { return g_stop_signal != 0; }

const char* StopSignal::name() const {
  switch (g_stop_signal) {
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    default: return "";
  }
}

}  // namespace sppo
