#include "model/disentangled_scores.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <tuple>

#include "model/deberta.hpp"

namespace sppo {
namespace {

// A batch of 3 rows of lengths 37, 29 and 40 (padding at the end, and one row with a hole),
// 4 heads, 16 relative buckets each way: the CPU loop gives the tensor expression's
// probabilities to the bit, with either term or both (bfloat16 takes the tensor path).
TEST(DisentangledProbs, TheCpuLoopEqualsTheTensorExpressionBitForBit) {
  at::manual_seed(5);
  const int64_t B = 3, heads = 4, L = 40, S = 16;
  at::Tensor keep = at::ones({B, L}, at::kBool);
  keep[0].slice(0, 37).fill_(false);
  keep[1].slice(0, 29).fill_(false);
  keep[2][7] = false;
  const at::Tensor rel_index = (relative_position_buckets(L, S, 64) + S).clamp(0, 2 * S - 1);
  for (const auto& [type, with_c2p, with_p2c] : std::vector<std::tuple<at::ScalarType, bool, bool>>{
           {at::kFloat, true, true}, {at::kFloat, true, false}, {at::kFloat, false, true}, {at::kBFloat16, true, true}}) {
    const at::Tensor content = (at::randn({B, heads, L, L}) * 2).to(type);
    const at::Tensor c2p = with_c2p ? (at::randn({B, heads, L, 2 * S}) * 3).to(type) : at::Tensor();
    const at::Tensor p2c = with_p2c ? (at::randn({B, heads, L, 2 * S}) * 3).to(type) : at::Tensor();
    const double scale = std::sqrt(3.0 * 16);
    const at::Tensor expected = disentangled_probs_tensors(content, c2p, p2c, rel_index, keep, scale);
    const at::Tensor got = disentangled_probs(content.clone(), c2p, p2c, rel_index, keep, scale);
    ASSERT_EQ(got.sizes(), expected.sizes());
    ASSERT_EQ(got.scalar_type(), type);
    EXPECT_TRUE(got.equal(expected)) << at::toString(type) << " c2p " << with_c2p << " p2c " << with_p2c << ": max diff "
                                     << (got.to(at::kFloat) - expected.to(at::kFloat)).abs().max().item<float>();
    // Padding queries see nothing; real queries give padding keys nothing and sum to one.
    EXPECT_EQ(got[1].slice(1, 29).abs().sum().item<float>(), 0.0f);
    EXPECT_EQ(got[2].select(1, 7).abs().sum().item<float>(), 0.0f);
    EXPECT_EQ(got[0].slice(1, 0, 37).slice(2, 37).abs().sum().item<float>(), 0.0f);
    EXPECT_NEAR(got[0][0][3].to(at::kFloat).sum().item<float>(), 1.0f, type == at::kFloat ? 1e-5 : 2e-2);
  }
}

// The row-by-row, head-by-head attention equals the batched tensor form within rounding:
// rows padded at the end (its keys after the row's end are left out), a row with a hole
// inside (masked in place), a row with no token at all (zero context), and either relative
// term missing.
TEST(DisentangledContext, RowByRowEqualsTheBatchedTensorForm) {
  at::manual_seed(11);
  const int64_t B = 4, heads = 3, L = 33, d = 8, S = 8;
  at::Tensor keep = at::ones({B, L}, at::kBool);
  keep[0].slice(0, 20).fill_(false);
  keep[1][4] = false;
  keep[2].fill_(false);
  const at::Tensor rel_index = (relative_position_buckets(L, S, 32) + S).clamp(0, 2 * S - 1);
  // [B, L, heads, d] projections seen as [B, heads, L, d], as the encoder's layer has them
  auto heads_view = [&](const at::Tensor& x) { return x.view({B, L, heads, d}).transpose(1, 2); };
  const at::Tensor q = heads_view(at::randn({B, L, heads * d})), k = heads_view(at::randn({B, L, heads * d}));
  const at::Tensor v = heads_view(at::randn({B, L, heads * d}));
  const at::Tensor pos_key = at::randn({1, heads, 2 * S, d}), pos_query = at::randn({1, heads, 2 * S, d});
  const double scale = std::sqrt(3.0 * d);
  for (const auto& [with_c2p, with_p2c] : std::vector<std::pair<bool, bool>>{{true, true}, {true, false}, {false, true}}) {
    const at::Tensor kr = with_c2p ? pos_key : at::Tensor(), qr = with_p2c ? pos_query : at::Tensor();
    const at::Tensor expected = disentangled_context_tensors(q, k, v, kr, qr, rel_index, keep, scale);
    const at::Tensor got = disentangled_context(q, k, v, kr, qr, rel_index, keep, scale);
    ASSERT_EQ(got.sizes(), (std::vector<int64_t>{B, L, heads * d}));
    EXPECT_LT((got - expected).abs().max().item<float>(), 1e-6) << "c2p " << with_c2p << " p2c " << with_p2c;
    EXPECT_EQ(got[0].slice(0, 20).abs().sum().item<float>(), 0.0f) << "padding queries";
    EXPECT_EQ(got[1][4].abs().sum().item<float>(), 0.0f) << "a hole";
    EXPECT_EQ(got[2].abs().sum().item<float>(), 0.0f) << "an empty row";
    EXPECT_GT(got[3].abs().min().item<float>(), 0.0f) << "a full row has context everywhere";
  }
}

}  // namespace
}  // namespace sppo
