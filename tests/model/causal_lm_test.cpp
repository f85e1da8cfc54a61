// The policy against the Hugging Face reference (tests/data/fixtures, SUMMARY.md there):
// logits of a left-padded batch, teacher-forced log-probs, bf16 weights, and the KV cache.
#include "model/causal_lm.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/safetensors.hpp"
#include "io/safetensors_writer.hpp"
#include "test_support.hpp"
#include "thread_count.hpp"

namespace sppo {
namespace {

// Largest |a - b| where `where` is true, with its index, for failure messages.
std::string worst(const at::Tensor& a, const at::Tensor& b, const at::Tensor& where, double* out) {
  at::Tensor diff = (a - b).abs() * where.to(at::kFloat);
  const int64_t at_index = diff.flatten().argmax().item<int64_t>();
  *out = diff.max().item<double>();
  return "worst |diff| " + std::to_string(*out) + " at flat index " + std::to_string(at_index);
}

struct Forward {
  at::Tensor ids, mask, response_start;
  SafetensorsModel expected = SafetensorsModel::open(test::fixtures() + "/expected/policy_forward.safetensors");
  Forward() {
    ids = expected.tensor("input_ids");
    mask = expected.tensor("attention_mask");
    response_start = expected.tensor("response_start");
  }
  // Response log-prob sums: positions t >= response_start with mask 1.
  at::Tensor response_sums(const at::Tensor& token_logp) const {
    at::Tensor t = at::arange(ids.size(1), at::kLong).unsqueeze(0);
    at::Tensor keep = (t >= response_start.unsqueeze(1)) & mask.to(at::kBool);
    return (token_logp * keep.to(at::kFloat)).sum(1);
  }
};

TEST(CausalLM, F32LogitsAndLogProbsMatchTheReference) {
  Forward f;
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  EXPECT_EQ(model.num_units(), 4);
  at::Tensor logits = model.logits(f.ids, attention_from_mask(f.mask));
  double d = 0;
  const at::Tensor valid = f.mask.to(at::kBool).unsqueeze(-1).expand_as(logits);
  const std::string where = worst(logits, f.expected.tensor("logits"), valid, &d);
  EXPECT_LT(d, 1e-5) << where;
  at::Tensor logp = token_logprobs(logits, f.ids);
  // The reference scores t only where t and t-1 are both real tokens.
  at::Tensor both = f.mask.to(at::kBool) & at::cat({at::zeros({2, 1}, at::kBool), f.mask.to(at::kBool).slice(1, 0, -1)}, 1);
  const std::string logp_where = worst(logp, f.expected.tensor("token_logp"), both, &d);
  EXPECT_LT(d, 1e-4) << logp_where;
  EXPECT_TRUE(at::allclose(f.response_sums(logp * both.to(at::kFloat)), f.expected.tensor("logp_sum_response"), 0, 1e-4))
      << f.response_sums(logp) << f.expected.tensor("logp_sum_response");
}

TEST(CausalLM, Bf16WeightsInF32MatchTheirReference) {
  Forward f;
  // bf16 weights widened exactly to f32, all arithmetic in f32: the *_bf16w fixtures.
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-bf16", at::kFloat);
  at::Tensor logits = model.logits(f.ids, attention_from_mask(f.mask));
  double d = 0;
  const std::string where =
      worst(logits, f.expected.tensor("logits_bf16w"), f.mask.to(at::kBool).unsqueeze(-1).expand_as(logits), &d);
  EXPECT_LT(d, 1e-5) << where;
  at::Tensor both = f.mask.to(at::kBool) & at::cat({at::zeros({2, 1}, at::kBool), f.mask.to(at::kBool).slice(1, 0, -1)}, 1);
  at::Tensor logp = token_logprobs(logits, f.ids) * both.to(at::kFloat);
  EXPECT_TRUE(at::allclose(f.response_sums(logp), f.expected.tensor("logp_sum_response_bf16w"), 0, 1e-4));
}

TEST(CausalLM, Bf16ComputeStaysCloseToF32) {
  Forward f;
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-bf16", at::kBFloat16);
  EXPECT_EQ(model.unit(1).front().scalar_type(), at::kBFloat16);
  at::Tensor logits = model.logits(f.ids, attention_from_mask(f.mask));
  double d = 0;
  worst(logits, f.expected.tensor("logits_bf16w"), f.mask.to(at::kBool).unsqueeze(-1).expand_as(logits), &d);
  EXPECT_LT(d, 0.1) << "bf16 arithmetic drifts, but not by much on a 2-layer model";
}

TEST(CausalLM, CachedDecodingEqualsTheFullForward) {
  Forward f;
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  const at::Tensor full = model.logits(f.ids, attention_from_mask(f.mask));
  // Prefill the first 20 columns, then feed the remaining 12 one at a time through the cache.
  const int64_t split = 20, L = f.ids.size(1);
  KvCache cache = KvCache::allocate(model.config(), 2, L, at::kFloat);
  AttentionInputs all = attention_from_mask(f.mask);
  AttentionInputs prefill{all.positions.slice(1, 0, split), all.key_valid, 0};
  at::Tensor first = model.logits(f.ids.slice(1, 0, split), prefill, &cache);
  const at::Tensor valid = f.mask.to(at::kBool);
  double d = 0;
  worst(first, full.slice(1, 0, split), valid.slice(1, 0, split).unsqueeze(-1).expand_as(first), &d);
  EXPECT_LT(d, 1e-5);
  for (int64_t t = split; t < L; ++t) {
    AttentionInputs step{all.positions.slice(1, t, t + 1), all.key_valid, t};
    at::Tensor last = model.last_logits(f.ids.slice(1, t, t + 1), step, &cache);
    EXPECT_LT((last - full.select(1, t)).abs().max().item<double>(), 1e-4) << "step " << t;
  }
}

// The largest difference between one product at 1 and at 2 threads, of the shape of the
// output head over `rows` positions: whether the BLAS alone rounds differently when its thread
// count changes.
double blas_thread_spread(int64_t rows, int64_t in, int64_t out) {
  at::manual_seed(3);
  const at::Tensor x = at::randn({rows, in}), w = at::randn({out, in});
  at::Tensor one, two;
  {
    const test::ThreadCount count(1);
    one = at::linear(x, w);
  }
  {
    const test::ThreadCount count(2);
    two = at::linear(x, w);
  }
  return (one - two).abs().max().item<double>();
}

// Inference at 2 threads cuts the batch into row blocks for attention, one per thread; the
// blocks run the same operations on their rows as one thread runs on the whole batch. The
// result is the same to the bit wherever the BLAS's own products are (Debian's OpenBLAS with
// its SkylakeX, Cooperlake or generic kernels); its Haswell kernels split a product over two
// threads so that it rounds differently (2.5e-6 on a Zen 5 EPYC with OPENBLAS_CORETYPE=Haswell),
// and then only that rounding may remain.
TEST(CausalLM, AttentionOnRowBlocksPerThreadEqualsOneThread) {
  Forward f;
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  const at::NoGradGuard no_grad;
  const double bound =
      blas_thread_spread(f.ids.numel(), model.config().hidden_size, model.config().vocab_size) == 0 ? 0.0 : 1e-5;
  at::Tensor one, two, cached;
  {
    const test::ThreadCount count(1);
    one = model.logits(f.ids, attention_from_mask(f.mask));
  }
  {
    const test::ThreadCount count(2);
    two = model.logits(f.ids, attention_from_mask(f.mask));
    KvCache cache = KvCache::allocate(model.config(), f.ids.size(0), f.ids.size(1), at::kFloat);
    cached = model.logits(f.ids, attention_from_mask(f.mask), &cache);
  }
  const at::Tensor valid = f.mask.to(at::kBool).unsqueeze(-1).expand_as(one);
  EXPECT_LE((one - two).abs().masked_select(valid).max().item<double>(), bound);
  EXPECT_LE((one - cached).abs().masked_select(valid).max().item<double>(), bound);
}

TEST(CausalLM, BadFoldersNameTheTensor) {
  test::TempDir dir;
  test::run_process({"cp", test::fixtures() + "/policy-f32/config.json", dir.path()});
  const auto source = SafetensorsModel::open(test::fixtures() + "/policy-f32");
  std::vector<NamedTensor> tensors;
  for (const auto& name : source.names())
    if (name != "model.norm.weight") tensors.push_back({name, source.tensor(name)});
  write_safetensors(dir.file("model.safetensors"), tensors);
  try {
    CausalLM::load(dir.path(), at::kFloat);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path() + ": tensor model.norm.weight is missing");
  }
  tensors.push_back({"model.norm.weight", at::ones({63})});
  write_safetensors(dir.file("model.safetensors"), tensors);
  try {
    CausalLM::load(dir.path(), at::kFloat);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("model.safetensors") +
                                         ": tensor model.norm.weight has shape [63], config.json implies [64]");
  }
  tensors.back().tensor = at::ones({64});
  tensors.push_back({"model.layers.0.self_attn.extra", at::ones({1})});
  write_safetensors(dir.file("model.safetensors"), tensors);
  EXPECT_THROW(CausalLM::load(dir.path(), at::kFloat), FormatError);
}

}  // namespace
}  // namespace sppo
