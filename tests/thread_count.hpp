#pragma once
// defines: test::ThreadCount, ATen's intra-op thread count set for a scope and restored at its
// end (header-only: the torch-free test support library does not link ATen).
#include <ATen/Parallel.h>

namespace sppo::test {

class ThreadCount {
 public:
  explicit ThreadCount(int threads) : previous_(at::get_num_threads()) { at::set_num_threads(threads); }
  ~ThreadCount() { at::set_num_threads(previous_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int previous_;
};

}  // namespace sppo::test
