#include "test_support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <chrono>
#include <iterator>
#include <algorithm>
#include <cstdlib>
#include <thread>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sppo::test {

TempDir::TempDir() {
  std::string pattern = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/sppo-test-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  const std::string command = "rm -rf '" + path_ + "'";
  if (std::system(command.c_str()) != 0) {
    // nothing to do: a leftover temporary folder is harmless
  }
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string fixtures() { return "tests/data/fixtures"; }
std::string families() { return "tests/data/families"; }

std::string sppo_binary() {
  const char* bin = std::getenv("SPPO_BIN");
  return bin ? bin : "build/bin/sppo";
}

namespace {
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
  TempDir scratch;
  const std::string out_path = scratch.file("stdout"), err_path = scratch.file("stderr");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    // A child of an MPI test process must not inherit its MPI identity.
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMIX_NAMESPACE"})
      unsetenv(name);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const int out = open(out_path.c_str(), O_RDONLY), err = open(err_path.c_str(), O_RDONLY);
  result.out = drain(out);
  result.err = drain(err);
  close(out);
  close(err);
  return result;
}

int spawn_in_group(const std::vector<std::string>& argv, const std::string& output) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    const int null = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int first_rank(int launcher) { return std::atoi(run_process({"pgrep", "-P", std::to_string(launcher)}).out.c_str()); }

bool wait_for_lines(const std::string& path, int lines, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::count(text.begin(), text.end(), '\n') > lines) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool kill_one_rank_and_wait(int launcher, const std::string& marker) {
  const pid_t rank = static_cast<pid_t>(first_rank(launcher));
  if (rank > 0) ::kill(rank, SIGKILL);
  int status = 0;
  bool ended = false;
  for (int i = 0; i < 600 && !ended; ++i) {
    ended = waitpid(launcher, &status, WNOHANG) != 0;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ended) {
    ::kill(-launcher, SIGKILL);
    waitpid(launcher, &status, 0);
  }
  run_process({"pkill", "-9", "-f", marker});  // no rank may outlive its job
  return rank > 0 && ended;
}

std::vector<std::string> mpi_sppo(int ranks, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"mpiexec", "--oversubscribe", "--bind-to", "none", "-n", std::to_string(ranks), sppo_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void kill_job(int launcher, const std::string& marker) {
  ::kill(-launcher, SIGKILL);
  int status = 0;
  waitpid(launcher, &status, 0);
  run_process({"pkill", "-9", "-f", marker});
}

}  // namespace sppo::test
