#pragma once
// defines: sppo::Error and its kinds, the one exception hierarchy of the project.
// Errors are thrown with the file/object they concern and caught once, in app/main.cpp.
#include <stdexcept>
#include <string>

namespace sppo {

// Base of every error sppo throws on purpose. what() is one line, ready to print.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A config file, a --set override or a command-line flag is wrong.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A file's bytes do not follow its format (safetensors, JSONL, HDF5 schema, model folder).
class FormatError : public Error {
 public:
  using Error::Error;
};

// The operating system refused an operation on a path (open, read, write, rename).
class IoError : public Error {
 public:
  using Error::Error;
};

// A collective or the MPI/NCCL runtime failed.
class DistError : public Error {
 public:
  using Error::Error;
};

// An error every rank of the job raises together (rank 0 found it and told the others):
// only rank 0 prints it, and the ranks end together without aborting the job.
class CollectiveError : public Error {
 public:
  CollectiveError(const std::string& what, int rank) : Error(what), rank_(rank) {}
  int rank() const { return rank_; }

 private:
  int rank_;
};

// IoError for the failed system call `operation` on `path`, with strerror(errno_value).
[[noreturn]] void throw_io_error(const std::string& path, const std::string& operation, int errno_value);

}  // namespace sppo
