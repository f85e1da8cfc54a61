// Every registered family with a fixture (tests/data/families, SUMMARY.md there: Llama-3 with
// llama3 rope scaling, Qwen2 with q/k/v biases and a padded vocabulary, Gemma-2 with every
// quirk active) against the Hugging Face reference: logits and response log-prob sums of a
// left-padded batch from the F32 and the BF16 folder, KV-cache decoding (Gemma-2's sliding
// window shorter than the rows), and greedy continuations batched and single. Qwen3 has no
// fixture: its q/k norm is checked against the formula it states.
#include "model/causal_lm.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "generate/engine.hpp"
#include "io/safetensors.hpp"
#include "io/safetensors_writer.hpp"
#include "model/architectures.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

double max_abs_where(const at::Tensor& a, const at::Tensor& b, const at::Tensor& where) {
  return ((a - b).abs() * where.to(at::kFloat)).max().item<double>();
}

class Family : public ::testing::TestWithParam<std::string> {
 protected:
  std::string folder(const std::string& dtype) const { return test::families() + "/" + GetParam() + "-" + dtype; }
  SafetensorsModel expected(const std::string& kind) const {
    return SafetensorsModel::open(test::families() + "/expected/" + GetParam() + "_" + kind + ".safetensors");
  }
};

// Where the reference scores token t: t and t − 1 both real tokens.
at::Tensor scored(const at::Tensor& mask) {
  const at::Tensor m = mask.to(at::kBool);
  return m & at::cat({at::zeros({m.size(0), 1}, at::kBool), m.slice(1, 0, -1)}, 1);
}

at::Tensor response_sums(const at::Tensor& token_logp, const at::Tensor& mask, const at::Tensor& response_start) {
  const at::Tensor t = at::arange(mask.size(1), at::kLong).unsqueeze(0);
  const at::Tensor keep = (t >= response_start.unsqueeze(1)) & scored(mask);
  return (token_logp * keep.to(at::kFloat)).sum(1);
}

void expect_forward_matches(const CausalLM& model, const SafetensorsModel& f, const std::string& suffix) {
  const at::Tensor ids = f.tensor("input_ids"), mask = f.tensor("attention_mask");
  const at::Tensor logits = model.logits(ids, attention_from_mask(mask));
  const at::Tensor valid = mask.to(at::kBool).unsqueeze(-1).expand_as(logits);
  EXPECT_LT(max_abs_where(logits, f.tensor("logits" + suffix), valid), 1e-4);
  const at::Tensor logp = token_logprobs(logits, ids);
  EXPECT_LT(max_abs_where(logp, f.tensor("token_logp" + suffix), scored(mask)), 1e-4);
  const at::Tensor sums = response_sums(logp, mask, f.tensor("response_start"));
  EXPECT_LT((sums - f.tensor("logp_sum_response" + suffix)).abs().max().item<double>(), 1e-4)
      << sums << f.tensor("logp_sum_response" + suffix);
}

TEST_P(Family, F32LogitsAndLogProbSumsMatchTheReference) {
  expect_forward_matches(CausalLM::load(folder("f32"), at::kFloat), expected("forward"), "");
}

TEST_P(Family, Bf16FolderWidenedToF32MatchesItsReference) {
  const CausalLM model = CausalLM::load(folder("bf16"), at::kFloat);
  expect_forward_matches(model, expected("forward"), "_bf16w");
}

TEST_P(Family, Bf16ComputeStaysCloseToF32) {
  const CausalLM model = CausalLM::load(folder("bf16"), at::kBFloat16);
  const auto f = expected("forward");
  const at::Tensor mask = f.tensor("attention_mask");
  const at::Tensor logits = model.logits(f.tensor("input_ids"), attention_from_mask(mask));
  EXPECT_LT(max_abs_where(logits, f.tensor("logits_bf16w"), mask.to(at::kBool).unsqueeze(-1).expand_as(logits)), 0.25);
}

TEST_P(Family, ShardedAndF16FoldersLoadToTheSameModel) {
  // The F32 weights as three shards with an index, and as F16: the shards give the same logits
  // bit for bit, F16 weights within F16's rounding.
  test::TempDir dir;
  const auto source = SafetensorsModel::open(folder("f32"));
  std::vector<NamedTensor> f32, f16;
  for (const auto& name : source.names()) {
    f32.push_back({name, source.tensor(name)});
    f16.push_back({name, source.tensor(name).to(at::kHalf)});
  }
  for (const char* sub : {"sharded", "f16"}) {
    std::filesystem::create_directories(dir.file(sub));
    std::filesystem::copy_file(folder("f32") + "/config.json", dir.file(std::string(sub) + "/config.json"));
  }
  const auto files = write_safetensors_folder(dir.file("sharded"), f32, {{"format", "pt"}}, 200000);
  ASSERT_GE(files.size(), 3u);
  write_safetensors_folder(dir.file("f16"), f16, {{"format", "pt"}});
  const auto f = expected("forward");
  const at::Tensor ids = f.tensor("input_ids"), mask = f.tensor("attention_mask");
  const AttentionInputs attn = attention_from_mask(mask);
  const at::Tensor want = CausalLM::load(folder("f32"), at::kFloat).logits(ids, attn);
  EXPECT_TRUE(at::equal(CausalLM::load(dir.file("sharded"), at::kFloat).logits(ids, attn), want));
  const at::Tensor valid = mask.to(at::kBool).unsqueeze(-1).expand_as(want);
  EXPECT_LT(max_abs_where(CausalLM::load(dir.file("f16"), at::kFloat).logits(ids, attn), want, valid), 0.05);
}

TEST_P(Family, CachedDecodingEqualsTheFullForwardPastTheWindow) {
  const CausalLM model = CausalLM::load(folder("f32"), at::kFloat);
  const auto f = expected("forward");
  const at::Tensor ids = f.tensor("input_ids"), mask = f.tensor("attention_mask");
  const AttentionInputs all = attention_from_mask(mask);
  const at::Tensor full = model.logits(ids, all);
  // Prefill the first columns, then one token at a time: Gemma-2's window (8) is passed many times.
  const int64_t L = ids.size(1), split = L - 20;
  KvCache cache = KvCache::allocate(model.config(), ids.size(0), L, at::kFloat);
  model.logits(ids.slice(1, 0, split), {all.positions.slice(1, 0, split), all.key_valid, 0}, &cache);
  for (int64_t t = split; t < L; ++t) {
    const at::Tensor last = model.last_logits(ids.slice(1, t, t + 1), {all.positions.slice(1, t, t + 1), all.key_valid, t}, &cache);
    EXPECT_LT((last - full.select(1, t)).abs().max().item<double>(), 1e-4) << "step " << t;
  }
}

std::vector<std::vector<int32_t>> greedy_prompts(const SafetensorsModel& g) {
  const at::Tensor ids = g.tensor("prompt_ids"), lengths = g.tensor("prompt_lengths");
  std::vector<std::vector<int32_t>> prompts;
  for (int64_t i = 0; i < ids.size(0); ++i) {
    const int64_t n = lengths[i].item<int64_t>();
    const at::Tensor row = ids[i].slice(0, ids.size(1) - n).contiguous();
    prompts.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + n);
  }
  return prompts;
}

std::vector<int32_t> row_of(const at::Tensor& t, int64_t i) {
  const at::Tensor r = t[i].contiguous();
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

TEST_P(Family, GreedyBatchedAndSingleMatchTheReferenceTokenForToken) {
  const CausalLM model = CausalLM::load(folder("f32"), at::kFloat);
  const auto g = expected("greedy");
  const auto prompts = greedy_prompts(g);
  SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 16;
  p.stop_at_eos = false;  // the reference runs all 16 steps
  const auto batched = generate_samples(model, prompts, {0, 1}, 1, p, {});
  ASSERT_EQ(batched.size(), prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(batched[i].tokens, row_of(g.tensor("greedy_tokens_batched"), static_cast<int64_t>(i))) << "prompt " << i;
    const auto single = generate_samples(model, {prompts[i]}, {static_cast<int64_t>(i)}, 1, p, {});
    EXPECT_EQ(single[0].tokens, row_of(g.tensor("greedy_tokens_single"), static_cast<int64_t>(i))) << "prompt " << i;
  }
}

TEST_P(Family, TiedHeadIsTheEmbeddingMatrix) {
  const CausalLM model = CausalLM::load(folder("f32"), at::kFloat);
  ASSERT_TRUE(model.config().tie_word_embeddings);
  EXPECT_EQ(model.unit(model.num_units() - 1).size(), 1u) << "the head holds only the final norm";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Family, ::testing::Values("llama3", "qwen2", "gemma2"));

// Qwen3 (no reference fixture): a layer equals the formula of families/SUMMARY.md: q and k
// RMSNorm-ed per head (fp32, × w) after the projection and before RoPE, no biases.
TEST(Qwen3, LayerAppliesThePerHeadQkNormBeforeRope) {
  const CausalLmConfig c = parse_causal_lm_config(
      R"({"model_type":"qwen3","vocab_size":64,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,
          "num_key_value_heads":2,"head_dim":16,"intermediate_size":48,"rms_norm_eps":1e-6,"rope_theta":10000.0})",
      "config.json");
  const auto specs = causal_lm_unit_specs(c);
  at::manual_seed(3);
  UnitParams p;
  std::vector<std::string> names;
  for (const auto& spec : specs[1]) {
    names.push_back(spec.name);
    p.push_back(spec.shape.size() == 1 ? 1 + 0.3 * at::randn(spec.shape) : 0.2 * at::randn(spec.shape));
  }
  ASSERT_NE(std::find(names.begin(), names.end(), "model.layers.0.self_attn.q_norm.weight"), names.end());
  ASSERT_NE(std::find(names.begin(), names.end(), "model.layers.0.self_attn.k_norm.weight"), names.end());
  auto param = [&](const std::string& suffix) {
    return p[static_cast<std::size_t>(std::find(names.begin(), names.end(), "model.layers.0." + suffix) - names.begin())];
  };
  const int64_t B = 1, L = 5, H = 4, KV = 2, D = 16;
  const at::Tensor h = at::randn({B, L, 32});
  const AttentionInputs attn = attention_from_mask(at::ones({B, L}, at::kLong));
  const auto [cos, sin] = rotary_tables(c, attn.positions, at::kFloat);
  const AttentionMasks masks(c, attn, L);
  const at::Tensor got = decoder_layer_forward(c, p, h, cos, sin, masks.layer(0));

  auto rms = [](const at::Tensor& x, const at::Tensor& w) { return x * at::rsqrt(x.pow(2).mean(-1, true) + 1e-6) * w; };
  auto rope = [&](const at::Tensor& x) {  // x [B, heads, L, D], rotate-half
    const at::Tensor c4 = cos.unsqueeze(1), s4 = sin.unsqueeze(1);
    const at::Tensor rotated = at::cat({-x.slice(-1, D / 2), x.slice(-1, 0, D / 2)}, -1);
    return x * c4 + rotated * s4;
  };
  const at::Tensor x = rms(h, param("input_layernorm.weight"));
  at::Tensor q = at::linear(x, param("self_attn.q_proj.weight")).view({B, L, H, D}).transpose(1, 2);
  at::Tensor k = at::linear(x, param("self_attn.k_proj.weight")).view({B, L, KV, D}).transpose(1, 2);
  const at::Tensor v = at::linear(x, param("self_attn.v_proj.weight")).view({B, L, KV, D}).transpose(1, 2);
  q = rope(rms(q, param("self_attn.q_norm.weight")));
  k = rope(rms(k, param("self_attn.k_norm.weight")));
  const at::Tensor kr = k.repeat_interleave(H / KV, 1), vr = v.repeat_interleave(H / KV, 1);
  at::Tensor scores = at::matmul(q, kr.transpose(-1, -2)) / std::sqrt(static_cast<double>(D));
  scores = scores.masked_fill(at::ones({L, L}, at::kBool).triu(1), -INFINITY);
  const at::Tensor attn_out = at::matmul(at::softmax(scores, -1), vr).transpose(1, 2).reshape({B, L, H * D});
  const at::Tensor h1 = h + at::linear(attn_out, param("self_attn.o_proj.weight"));
  const at::Tensor y = rms(h1, param("post_attention_layernorm.weight"));
  const at::Tensor mlp = at::linear(at::silu(at::linear(y, param("mlp.gate_proj.weight"))) * at::linear(y, param("mlp.up_proj.weight")),
                                    param("mlp.down_proj.weight"));
  EXPECT_LT((got - (h1 + mlp)).abs().max().item<double>(), 1e-5);
}

TEST(Families, EveryRegisteredFamilyHasItsTensorsNamedAsTransformersDoes) {
  const std::string sizes =
      R"("vocab_size":64,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48)";
  for (const auto& a : architectures()) {
    const CausalLmConfig c = parse_causal_lm_config("{\"model_type\":\"" + std::string(a.model_type) + "\"," + sizes + "}", "c");
    const auto specs = causal_lm_unit_specs(c);
    ASSERT_EQ(specs.size(), 4u) << a.model_type;
    EXPECT_EQ(specs[0].front().name, "model.embed_tokens.weight");
    EXPECT_EQ(specs[3].front().name, "model.norm.weight");
    EXPECT_EQ(specs[3].size(), c.tie_word_embeddings ? 1u : 2u) << a.model_type;
    const std::string model_type = a.model_type;
    std::size_t expected_layer_tensors = 9;  // 4 attention + 3 MLP + 2 norms
    if (model_type == "qwen2") expected_layer_tensors += 3;  // q/k/v biases
    if (model_type == "qwen3") expected_layer_tensors += 2;  // q_norm, k_norm
    if (model_type == "gemma2") expected_layer_tensors += 2; // pre/post feed-forward norms
    EXPECT_EQ(specs[1].size(), expected_layer_tensors) << a.model_type;
  }
}

}  // namespace
}  // namespace sppo
