#include "model/split_matmul.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "thread_count.hpp"

namespace sppo {
namespace {

double largest_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(SplitMatmul, EqualsOneProductAtEveryThreadCountIntoAWiderBuffer) {
  at::manual_seed(3);
  // 1001 output columns: not a multiple of the thread count; written into columns [5, 1006)
  // of rows 1009 long, whose other columns must stay as they were.
  const at::Tensor x = at::randn({7, 256}), w = at::randn({1001, 256}) * 0.05;
  const at::Tensor expected = at::mm(x, w.t());
  for (int threads : {1, 2, 3}) {
    const test::ThreadCount count(threads);
    at::Tensor buffer = at::full({7, 1009}, 42.0f);
    at::Tensor out = buffer.slice(1, 5, 1006);
    split_matmul_out(out, x, w);
    EXPECT_LT(largest_difference(out, expected), 1e-5) << threads << " threads";
    EXPECT_TRUE(buffer.slice(1, 0, 5).eq(42.0f).all().item<bool>());
    EXPECT_TRUE(buffer.slice(1, 1006).eq(42.0f).all().item<bool>());
  }
}

TEST(SplitMatmul, SmallMatricesAndNestedCallsTakeOneCall) {
  const test::ThreadCount two(2);
  at::manual_seed(4);
  const at::Tensor x = at::randn({3, 16}), w = at::randn({3, 16});  // fewer rows than 2 per thread
  at::Tensor out = at::empty({3, 3});
  split_matmul_out(out, x, w);
  EXPECT_TRUE(out.equal(at::mm(x, w.t())));
  // Inside a parallel region each task multiplies on its own thread, unsplit.
  const at::Tensor big = at::randn({64, 16});
  std::vector<at::Tensor> outs(2);
  at::parallel_for(0, 2, 1, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      outs[static_cast<std::size_t>(i)] = at::empty({3, 64});
      split_matmul_out(outs[static_cast<std::size_t>(i)], x, big);
    }
  });
  for (const auto& o : outs) EXPECT_LT(largest_difference(o, at::mm(x, big.t())), 1e-5);
}

}  // namespace
}  // namespace sppo
