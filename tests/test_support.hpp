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

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] looked up in PATH unless it holds a '/'), capturing both streams.
ProcessResult run_process(const std::vector<std::string>& argv);

// The sppo binary under test: $SPPO_BIN (set by ctest).
std::string sppo_binary();

}  // namespace sppo::test
