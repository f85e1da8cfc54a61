#include "io/run_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "io/run_layout.hpp"

extern char** environ;

namespace sppo {
namespace {

// Field 22 of /proc/<pid>/stat (the start time in clock ticks since boot) and field 3 (the
// state), read after the command name's closing parenthesis, which may itself hold spaces.
struct ProcStat {
  char state = '?';
  std::string start_time;
};

std::optional<ProcStat> proc_stat(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  ProcStat s;
  std::string field;
  fields >> s.state;  // field 3
  for (int f = 4; f <= 22 && fields >> field; ++f)
    if (f == 22) s.start_time = field;
  return s;
}

bool system_process_alive(int64_t pid, const std::string& start_time) {
  if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) return false;
  const auto stat = proc_stat(pid);
  if (!stat) return true;  // no /proc to look closer: kill says it exists
  if (stat->state == 'Z' || stat->state == 'X') return false;  // dead, not yet reaped
  return start_time.empty() || stat->start_time == start_time;  // another start time: the pid was reused
}

// `squeue -h -j <id> -o %T`: the job's state, or nullopt when squeue cannot be run.
std::optional<bool> system_slurm_job_running(const std::string& id) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const std::string job = id;
  char* argv[] = {const_cast<char*>("squeue"), const_cast<char*>("-h"), const_cast<char*>("-j"), const_cast<char*>(job.c_str()),
                  const_cast<char*>("-o"), const_cast<char*>("%T"), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "squeue", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  char buf[256];
  if (spawned == 0)
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) return std::nullopt;  // no squeue on PATH
  if (WEXITSTATUS(status) != 0) return false;  // "Invalid job id": long finished
  out.erase(out.find_last_not_of(" \t\r\n") + 1);
  static const std::set<std::string> alive{"RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "STOPPED",
                                            "RESIZING", "SIGNALING", "STAGE_OUT"};
  return alive.count(out) > 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// An exclusive flock on the run folder while a lock is checked and replaced, so that two jobs
// taking over one stale lock at the same moment do not both win (where the file system has
// flock; elsewhere the window is the few microseconds between the check and the create).
class FolderFlock {
 public:
  explicit FolderFlock(const std::string& folder) : fd_(::open(folder.c_str(), O_RDONLY | O_DIRECTORY)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FolderFlock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }
  FolderFlock(const FolderFlock&) = delete;
  FolderFlock& operator=(const FolderFlock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string LockHolder::describe() const {
  std::string s = host + ":" + std::to_string(pid) + " (";
  if (!slurm_job.empty()) s += "Slurm job " + slurm_job + ", ";
  return s + command + ")";
}

std::string LockHolder::file_text() const {
  return "host=" + host + "\npid=" + std::to_string(pid) + "\nstart_time=" + start_time + "\nslurm_job=" + slurm_job +
         "\ncommand=" + command + "\n";
}

LockHolder LockHolder::parse(const std::string& text, const std::string& path) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  LockHolder h;
  h.host = fields["host"];
  h.start_time = fields["start_time"];
  h.slurm_job = fields["slurm_job"];
  h.command = fields["command"];
  char* end = nullptr;
  h.pid = std::strtoll(fields["pid"].c_str(), &end, 10);
  if (h.host.empty() || fields["pid"].empty() || *end != '\0' || h.pid <= 0)
    throw FormatError(path + ": not a lock file sppo wrote (host and pid missing)");
  return h;
}

LockProbe LockProbe::system(const std::string& command) {
  LockProbe p;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  p.self.host = host;
  p.self.pid = getpid();
  if (const auto stat = proc_stat(p.self.pid)) p.self.start_time = stat->start_time;
  if (const char* job = std::getenv("SLURM_JOB_ID")) p.self.slurm_job = job;
  p.self.command = command;
  p.process_alive = system_process_alive;
  p.slurm_job_running = system_slurm_job_running;
  return p;
}

std::string stale_reason(const LockHolder& holder, const LockProbe& probe) {
  if (holder.host == probe.self.host) {
    if (!probe.process_alive(holder.pid, holder.start_time))
      return "its process " + std::to_string(holder.pid) + " no longer runs on " + holder.host;
    return "";
  }
  if (holder.slurm_job.empty()) return "";
  if (holder.slurm_job == probe.self.slurm_job)
    return "it is an earlier run of this Slurm job (" + holder.slurm_job + ", requeued)";
  const auto running = probe.slurm_job_running(holder.slurm_job);
  if (running && !*running) return "its Slurm job " + holder.slurm_job + " no longer runs";
  return "";
}

RunLock::RunLock(const std::string& folder, const LockProbe& probe, const Log& log)
    : path_(folder + "/sppo.lock"), mine_(probe.self.file_text()) {
  make_directories(folder);
  const FolderFlock guard(folder);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      const bool written = ::write(fd, mine_.data(), mine_.size()) == static_cast<ssize_t>(mine_.size()) && ::fsync(fd) == 0;
      ::close(fd);
      if (!written) {
        ::unlink(path_.c_str());
        throw_io_error(path_, "write", errno);
      }
      return;
    }
    if (errno != EEXIST) throw_io_error(path_, "create", errno);
    const std::string text = read_text(path_);
    std::string reason;
    std::string holder = "an unreadable lock";
    try {
      const LockHolder h = LockHolder::parse(text, path_);
      holder = h.describe();
      reason = stale_reason(h, probe);
      if (reason.empty())
        throw ConfigError(path_ + ": the run directory is in use by " + holder + "; wait for that job to end or stop it" +
                          (h.host != probe.self.host && h.slurm_job.empty()
                               ? " (it runs on another host and outside Slurm, so sppo cannot tell whether it is gone: if "
                                 "it is, remove " + path_ + ")"
                               : ""));
    } catch (const FormatError&) {
      reason = "it is empty or unreadable (a job killed while taking it)";
    }
    log.warn("run: took over " + path_ + " from " + holder + ": " + reason);
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) throw_io_error(path_, "remove a stale lock", errno);
  }
  throw IoError(path_ + ": could not take the lock (it reappeared three times)");
}

RunLock::~RunLock() {
  if (read_text(path_) == mine_) ::unlink(path_.c_str());
}

}  // namespace sppo
