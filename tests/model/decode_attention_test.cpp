#include "model/decode_attention.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>

#include "thread_count.hpp"

namespace sppo {
namespace {

// The definition, in double: softmax over the keys of scale · q·k (soft-capped, then the lowest
// float where masked), times v.
at::Tensor by_definition(const at::Tensor& qg, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                         double scale, std::optional<double> cap) {
  const int64_t B = qg.size(0), T = k.size(2);
  at::Tensor s = at::matmul(qg.to(at::kDouble), k.to(at::kDouble).transpose(2, 3)) * scale;  // [B, kvh, g, T]
  if (cap) s = at::tanh(s / *cap) * *cap;
  s = s.masked_fill(allowed.reshape({B, 1, 1, T}).logical_not(), std::numeric_limits<float>::lowest());
  return at::matmul(at::softmax(s, -1), v.to(at::kDouble)).to(at::kFloat);
}

struct Case {
  int64_t rows, kv_heads, groups, head_dim, keys;
};

// Inputs as the engine hands them over: k and v views of a cache longer than the keys in use,
// some keys of every row masked (left padding), q a permuted view.
struct Inputs {
  at::Tensor qg, k, v, allowed;
  explicit Inputs(const Case& c, unsigned seed) {
    at::manual_seed(seed);
    qg = at::randn({c.rows, c.groups, c.kv_heads, c.head_dim}).transpose(1, 2);  // not contiguous
    k = at::randn({c.rows, c.kv_heads, c.keys + 7, c.head_dim}).slice(2, 0, c.keys);
    v = at::randn({c.rows, c.kv_heads, c.keys + 7, c.head_dim}).slice(2, 0, c.keys);
    allowed = at::rand({c.rows, 1, 1, 1, c.keys}) > 0.2;
    allowed.select(4, c.keys - 1).fill_(true);  // the step's own key is always seen
  }
};

// Head dims with and without a tail past the blocks of 16 (and of 4), odd group counts (a pair
// and a single head), key counts with and without a tail past the blocks of four keys, one key.
const Case kCases[] = {{3, 4, 2, 32, 190}, {2, 2, 3, 20, 37}, {4, 1, 4, 8, 5}, {2, 2, 1, 36, 1}, {5, 3, 2, 64, 66}};

TEST(DecodeAttention, MatchesTheDefinition) {
  for (const Case& c : kCases)
    for (std::optional<double> cap : {std::optional<double>{}, std::optional<double>{2.5}}) {
      const Inputs in(c, 11);
      const double scale = 1.0 / std::sqrt(static_cast<double>(c.head_dim));
      const at::Tensor out = decode_attention(in.qg, in.k, in.v, in.allowed, scale, cap);
      ASSERT_EQ(out.sizes(), at::IntArrayRef({c.rows, c.kv_heads, c.groups, c.head_dim}));
      const double d = (out - by_definition(in.qg, in.k, in.v, in.allowed, scale, cap)).abs().max().item<double>();
      EXPECT_LT(d, 2e-6) << "head_dim " << c.head_dim << ", groups " << c.groups << ", keys " << c.keys
                         << (cap ? ", soft-capped" : "");
    }
}

// As explicit_attention: a row that sees no key (all left padding) averages every key instead
// of giving NaN.
TEST(DecodeAttention, ARowThatSeesNoKeyAveragesEveryKey) {
  const Case c{2, 2, 2, 16, 9};
  Inputs in(c, 5);
  in.allowed.select(0, 1).fill_(false);
  const at::Tensor out = decode_attention(in.qg, in.k, in.v, in.allowed, 0.25, {});
  const at::Tensor mean = in.v.select(0, 1).mean(1, /*keepdim=*/true).expand({c.kv_heads, c.groups, c.head_dim});
  EXPECT_LT((out.select(0, 1) - mean).abs().max().item<double>(), 1e-6);
  EXPECT_FALSE(out.isnan().any().item<bool>());
}

// A row's result is the same bits alone, in any batch, and at any thread count: the engine's
// samples do not depend on which rows share a step or on the threads.
TEST(DecodeAttention, EachRowIsTheSameBitsAloneInABatchAndAtAnyThreadCount) {
  const Case c{37, 4, 2, 32, 61};  // more rows than one block of scores, split unevenly over threads
  const Inputs in(c, 7);
  at::Tensor one_thread;
  {
    const test::ThreadCount count(1);
    one_thread = decode_attention(in.qg, in.k, in.v, in.allowed, 0.17, {});
  }
  for (int threads : {2, 3}) {
    const test::ThreadCount count(threads);
    EXPECT_TRUE(at::equal(decode_attention(in.qg, in.k, in.v, in.allowed, 0.17, {}), one_thread)) << threads;
  }
  for (int64_t row : {0, 18, 36}) {
    auto one = [&](const at::Tensor& t) { return t.slice(0, row, row + 1); };
    EXPECT_TRUE(at::equal(decode_attention(one(in.qg), one(in.k), one(in.v), one(in.allowed), 0.17, {}),
                          one(one_thread)))
        << "row " << row;
  }
}

TEST(DecodeAttention, AppliesOnlyToOneFloatQueryPositionWithoutAutograd) {
  const at::Tensor q = at::randn({2, 4, 2, 8}), k = at::randn({2, 4, 5, 8});
  EXPECT_TRUE(decode_attention_applies(q, k, 2));
  EXPECT_FALSE(decode_attention_applies(at::randn({2, 4, 6, 8}), k, 2));  // 3 query positions: prefill
  EXPECT_FALSE(decode_attention_applies(q.to(at::kBFloat16), k.to(at::kBFloat16), 2));
  EXPECT_FALSE(decode_attention_applies(q.clone().requires_grad_(), k, 2));
}

}  // namespace
}  // namespace sppo
