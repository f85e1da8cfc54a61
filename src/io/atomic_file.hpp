#pragma once
// defines: sppo::AtomicFile, a file written under "<path>.tmp.<pid>" and renamed to `path`
// by commit() after an fsync; destroyed without commit, the temporary is removed and `path`
// is untouched. And publish_partial, the same last step for a file the ranks of a job wrote
// together under "<path>.partial" (samples.h5, checkpoints).
#include <cstddef>
#include <string>

#include "dist/rank_group.hpp"

namespace sppo {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // throws IoError naming the temporary path
  ~AtomicFile();                          // removes the temporary unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t bytes);  // throws IoError (e.g. disk full) naming the path
  void commit();                                    // fsync, close, rename onto the final path

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `text` as the file `path`, through an AtomicFile: the old file or the new one,
// never half of it.
void write_file_atomically(const std::string& path, const std::string& text);

// Collective over `group`: rank 0 renames the finished `partial` onto `path`; no rank returns
// before the file is whole at its name, and a failed rename is every rank's IoError-worded
// CollectiveError (a crash before it never leaves a file at `path` that looks whole).
void publish_partial(const RankGroup& group, const std::string& partial, const std::string& path);

}  // namespace sppo
