#pragma once
// defines: helpers shared by the test files: a temporary folder that removes itself,
// file writing, the fixture folder, and running the sppo binary as a user would.
#include <string>
#include <vector>

namespace sppo::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

// tests/data/fixtures (ctest runs every test from the source folder).
std::string fixtures();
// tests/data/families: the Llama-3, Qwen2 and Gemma-2 fixtures (families/SUMMARY.md).
std::string families();

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] looked up in PATH unless it holds a '/'), capturing both streams.
ProcessResult run_process(const std::vector<std::string>& argv);

// Starts `argv` in a process group of its own with its output discarded; returns its pid.
int spawn_in_group(const std::vector<std::string>& argv, const std::string& output = "/dev/null");

// For an `mpiexec` started by spawn_in_group: SIGKILLs one of its ranks (a child process),
// waits up to 30 s for the job to end, and reports whether it ended by itself (if not, the
// whole group is killed). Stray ranks whose command line holds `marker` are killed too.
bool kill_one_rank_and_wait(int launcher, const std::string& marker);

// The sppo binary under test: $SPPO_BIN (set by ctest).
std::string sppo_binary();

// Polls `path` every 20 ms until it holds more than `lines` lines (a job's progress, e.g. its
// metrics.csv); false if `timeout_ms` passed first.
bool wait_for_lines(const std::string& path, int lines, int timeout_ms);

// The pid of one rank (a child process) of an `mpiexec` started by spawn_in_group; 0 if none.
int first_rank(int launcher);

// `mpiexec --oversubscribe --bind-to none -n <ranks> <sppo> <args...>` as an argv.
std::vector<std::string> mpi_sppo(int ranks, const std::vector<std::string>& args);

// For an `mpiexec` started by spawn_in_group: SIGKILLs the whole job (launcher and ranks),
// then every process whose command line holds `marker`, and reaps the launcher.
void kill_job(int launcher, const std::string& marker);

}  // namespace sppo::test
