#include "train/response_head.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "model/causal_lm.hpp"
#include "train/losses.hpp"

namespace sppo {
namespace {

std::vector<int64_t> values(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

TEST(CountedTokens, PositionsThatPredictResponseTokensInsideTheMask) {
  // Row 0: prompt 0..1, response 2..3, padding 4. Row 1: prompt 0..2, response 3..4.
  const at::Tensor ids = at::tensor({11, 12, 13, 14, 0, 21, 22, 23, 24, 25}, at::kLong).view({2, 5});
  const at::Tensor mask = at::tensor({1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, at::kLong).view({2, 5});
  const CountedTokens t = counted_tokens(ids, mask, at::tensor({2, 3}, at::kLong));
  EXPECT_EQ(values(t.source), (std::vector<int64_t>{1, 2, 7, 8}));  // b × 5 + t − 1
  EXPECT_EQ(values(t.target), (std::vector<int64_t>{13, 14, 24, 25}));
  EXPECT_EQ(values(t.row), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(t.count(), 4);
  // A response that starts at 0 never counts token 0: nothing predicts it.
  EXPECT_EQ(values(counted_tokens(ids, mask, at::tensor({0, 5}, at::kLong)).target),
            (std::vector<int64_t>{12, 13, 14}));
}

struct Case {
  std::optional<double> cap;
  at::ScalarType dtype;
  HeadChunking chunking;
  const char* name;
};

// The head by hand against autograd over the full logits (head_forward's matmul and cap, then
// response_logp), for a loss Σ_b w_b logp_b with arbitrary weights.
TEST(ResponseHead, MatchesAutogradOverTheFullLogits) {
  const Case cases[] = {
      {std::nullopt, at::kFloat, {}, "float32, defaults (one chunk, kept)"},
      {std::nullopt, at::kFloat, {3, 0}, "float32, chunks of 3, kept"},
      {std::nullopt, at::kFloat, {3, 1}, "float32, chunks of 3, recomputed"},
      {4.0, at::kFloat, {5, 0}, "float32, capped, chunks of 5, kept"},
      {4.0, at::kFloat, {5, 1}, "float32, capped, chunks of 5, recomputed"},
      {std::nullopt, at::kBFloat16, {4, 0}, "bfloat16, chunks of 4"},
      {4.0, at::kBFloat16, {4, 1}, "bfloat16, capped, recomputed"},
  };
  at::manual_seed(3);
  const int64_t B = 3, L = 9, H = 16, V = 61;
  const at::Tensor x32 = at::randn({B, L, H});
  const at::Tensor w32 = at::randn({V, H}) * 0.8;  // logits of a few units: the cap bends them
  const at::Tensor ids = at::randint(0, V, {B, L}, at::kLong);
  const at::Tensor mask = at::tensor({1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0},
                                     at::kLong)
                              .view({B, L});
  const at::Tensor start = at::tensor({3, 2, 4}, at::kLong);
  const at::Tensor weight = at::tensor({0.5f, -1.5f, 2.0f});
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    CausalLmConfig c;
    c.final_logit_softcap = k.cap;
    const at::Tensor x = x32.to(k.dtype), w = w32.to(k.dtype);
    const at::Tensor xr = x.clone().requires_grad_(true), wr = w.clone().requires_grad_(true);
    const at::Tensor want = response_logp(output_logits(c, wr, xr).to(at::kFloat), ids, mask, start);
    (want * weight).sum().backward();

    ResponseHead head(c, x, w, counted_tokens(ids, mask, start), /*keep=*/true, k.chunking);
    const at::Tensor got = head.logp();
    const HeadGradients g = head.backward(weight);
    const double tol = k.dtype == at::kFloat ? 1e-5 : 2e-2;
    EXPECT_LT((got - want.detach()).abs().max().item<double>(), tol * want.abs().max().item<double>());
    ASSERT_EQ(g.input.sizes(), x.sizes());
    ASSERT_EQ(g.output.scalar_type(), k.dtype);
    const at::Tensor dx = xr.grad().to(at::kFloat), dw = wr.grad().to(at::kFloat);
    EXPECT_LT((g.input.to(at::kFloat) - dx).abs().max().item<double>(), tol * dx.abs().max().item<double>());
    EXPECT_LT((g.output.to(at::kFloat) - dw).abs().max().item<double>(), tol * dw.abs().max().item<double>());
    // positions predicting no counted token get no gradient
    EXPECT_EQ(g.input[0][0].abs().sum().item<double>(), 0.0);
    EXPECT_EQ(g.input[2][L - 1].abs().sum().item<double>(), 0.0);
  }
}

TEST(ResponseHead, ForwardOnlyKeepsNothingAndGivesTheSameSums) {
  at::manual_seed(5);
  CausalLmConfig c;
  const at::Tensor x = at::randn({2, 6, 8}), w = at::randn({40, 8});
  const at::Tensor ids = at::randint(0, 40, {2, 6}, at::kLong), mask = at::ones({2, 6}, at::kLong);
  const at::Tensor start = at::tensor({1, 4}, at::kLong);
  ResponseHead kept(c, x, w, counted_tokens(ids, mask, start), true, {2, 0});
  ResponseHead forward(c, x, w, counted_tokens(ids, mask, start), false, {2, 0});
  EXPECT_TRUE(at::equal(kept.logp(), forward.logp()));
  EXPECT_TRUE(at::allclose(forward.logp(), response_logp(output_logits(c, w, x), ids, mask, start)));
}

TEST(ResponseHead, ChunksStayUnderTheCpuBudget) {
  EXPECT_EQ(ResponseHead::chunk_tokens(32000, false), (16 << 20) / (32000 * 4));
  EXPECT_EQ(ResponseHead::chunk_tokens(128256, true), (256 << 20) / (128256 * 4));
  EXPECT_EQ(ResponseHead::chunk_tokens(int64_t{1} << 30, false), 1);
}

}  // namespace
}  // namespace sppo
