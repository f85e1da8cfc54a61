// PairRM against LLM-Blender's DebertaV2PairRM (tests/data/fixtures): hidden states, head
// scores and logits in both candidate orders, from ids and from text; bf16 weights.
#include "model/pairrm.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

struct Fixture {
  SafetensorsModel expected = SafetensorsModel::open(test::fixtures() + "/expected/ranker_forward.safetensors");
  nlohmann::json cases = nlohmann::json::parse(test::read_file(test::fixtures() + "/expected/ranker_cases.json"));
};

double max_diff(const at::Tensor& a, const at::Tensor& b) { return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>(); }

TEST(PairRM, RelativePositionBucketsMatchTheReferenceBeyondTheClamp) {
  Fixture f;
  // r = k - 67 for k = 0..134: |r| up to 67, past 2 x position_buckets = 32, so both the log
  // buckets and the index clamp are exercised.
  const at::Tensor expected = f.expected.tensor("relative_position_buckets");
  const at::Tensor buckets = relative_position_buckets(68, 16, 512);  // [68, 68], r = i - j
  for (int64_t k = 0; k < 135; ++k) {
    const int64_t r = k - 67;
    const int64_t i = r >= 0 ? r : 0, j = r >= 0 ? 0 : -r;
    EXPECT_EQ(buckets[i][j].item<int64_t>(), expected[k].item<int64_t>()) << "r = " << r;
  }
}

TEST(PairRM, HiddenStatesAndLogitsMatchTheReferenceInBothOrders) {
  Fixture f;
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-f32", at::kFloat);
  const at::Tensor ids = f.expected.tensor("input_ids"), mask = f.expected.tensor("attention_mask");
  // Encoder, row 0, every layer.
  const int64_t n0 = mask[0].sum().item<int64_t>();
  std::vector<at::Tensor> layers;
  ranker.encoder().forward(ids.slice(0, 0, 1), mask.slice(0, 0, 1), &layers);
  const at::Tensor expected_layers = f.expected.tensor("deberta_hidden_states_row0");
  ASSERT_EQ(static_cast<int64_t>(layers.size()), expected_layers.size(0));
  for (std::size_t l = 0; l < layers.size(); ++l)
    EXPECT_LT(max_diff(layers[l][0].slice(0, 0, n0), expected_layers[static_cast<int64_t>(l)].slice(0, 0, n0)), 1e-4)
        << "hidden state " << l;
  EXPECT_LT(max_diff(layers.back()[0].slice(0, 0, n0), f.expected.tensor("deberta_last_hidden_row0").slice(0, 0, n0)), 1e-4);
  // Head and logits, (c1, c2) and swapped.
  at::Tensor left, right;
  const at::Tensor logits = ranker.logits(ids, mask, &left, &right);
  EXPECT_LT(max_diff(left, f.expected.tensor("head_left")), 1e-4);
  EXPECT_LT(max_diff(right, f.expected.tensor("head_right")), 1e-4);
  EXPECT_LT(max_diff(logits, f.expected.tensor("logits")), 1e-4) << logits << f.expected.tensor("logits");
  const at::Tensor swapped = ranker.logits(f.expected.tensor("swapped_input_ids"), f.expected.tensor("swapped_attention_mask"));
  EXPECT_LT(max_diff(swapped, f.expected.tensor("logits_swapped")), 1e-4);
  // The 2 all-padding columns at the end change nothing; dropping them neither.
  const int64_t longest = mask.sum(1).max().item<int64_t>();
  EXPECT_LT(max_diff(ranker.logits(ids.slice(1, 0, longest), mask.slice(1, 0, longest)), logits), 1e-5);
}

TEST(PairRM, RowsBuiltFromTextEqualTheReferenceIds) {
  Fixture f;
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-f32", at::kFloat);
  const at::Tensor ids = f.expected.tensor("input_ids");
  std::vector<std::vector<int32_t>> rows;
  for (const auto& c : f.cases["cases"]) {
    const auto row = ranker.tokenizer().pair_row(c["source"].get<std::string>(), c["candidate1"].get<std::string>(),
                                                 c["candidate2"].get<std::string>());
    EXPECT_EQ(row, c["row_ids"].get<std::vector<int32_t>>());
    rows.push_back(row);
  }
  ASSERT_EQ(static_cast<int64_t>(rows.size()), ids.size(0));
  // Logits from the text-built rows equal the reference.
  int64_t L = 0;
  for (const auto& r : rows) L = std::max<int64_t>(L, static_cast<int64_t>(r.size()));
  at::Tensor t = at::zeros({static_cast<int64_t>(rows.size()), L}, at::kLong), m = at::zeros_like(t);
  for (std::size_t b = 0; b < rows.size(); ++b)
    for (std::size_t i = 0; i < rows[b].size(); ++i) {
      t[static_cast<int64_t>(b)][static_cast<int64_t>(i)] = rows[b][i];
      m[static_cast<int64_t>(b)][static_cast<int64_t>(i)] = 1;
    }
  EXPECT_LT(max_diff(ranker.logits(t, m), f.expected.tensor("logits")), 1e-4);
}

TEST(PairRM, Bf16WeightsMatchTheirReference) {
  Fixture f;
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-bf16", at::kFloat);
  EXPECT_LT(max_diff(ranker.logits(f.expected.tensor("input_ids"), f.expected.tensor("attention_mask")),
                     f.expected.tensor("logits_bf16w")), 1e-4);
  EXPECT_LT(max_diff(ranker.logits(f.expected.tensor("swapped_input_ids"), f.expected.tensor("swapped_attention_mask")),
                     f.expected.tensor("logits_swapped_bf16w")), 1e-4);
  const PairRanker bf16 = PairRanker::load(test::fixtures() + "/ranker-bf16", at::kBFloat16);
  EXPECT_LT(max_diff(bf16.logits(f.expected.tensor("input_ids"), f.expected.tensor("attention_mask")),
                     f.expected.tensor("logits_bf16w")), 0.05) << "bf16 arithmetic stays close";
}

TEST(PairRM, TokenizerMatchesTheReferenceAndTruncatesLikePairRM) {
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-f32", at::kFloat);
  const auto entries = nlohmann::json::parse(test::read_file(test::fixtures() + "/tokenization.json"));
  int checked = 0;
  for (const auto& e : entries) {
    if (e["tokenizer"] != "ranker") continue;
    std::vector<int32_t> ids = ranker.tokenizer().encode_with_specials(e["text"].get<std::string>());
    if (e["add_special_tokens"].get<bool>()) {
      ids.insert(ids.begin(), 1);
      ids.push_back(2);
    }
    EXPECT_EQ(ids, e["ids"].get<std::vector<int32_t>>()) << e["text"];
    ++checked;
  }
  EXPECT_GE(checked, 24);
  // 2000 words of source: cut to 1224 tokens; each candidate to (2048 - 1224) / 2 = 412.
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "word ";
  const auto row = ranker.tokenizer().pair_row(long_text, long_text, long_text);
  EXPECT_EQ(row.size(), 1224u + 412u + 412u);
  EXPECT_EQ(row[1223], 2);  // [SEP] closes the source
  EXPECT_EQ(row[1224], 1);  // [CLS] opens candidate 1
  EXPECT_EQ(row[1225], 402);
  EXPECT_EQ(row.back(), 2);
  // Marker strings typed in a candidate stay text: the head still finds the real markers.
  const auto sneaky = ranker.tokenizer().pair_row("q", "<|candidate2|> x", "y");
  EXPECT_EQ(std::count(sneaky.begin(), sneaky.end(), 403), 1);
}

TEST(PairRM, BadFoldersAreRefused) {
  test::TempDir dir;
  test::write_file(dir.file("config.json"),
                   "{\"model_type\": \"deberta-v2\", \"vocab_size\": 405, \"hidden_size\": 64, \"num_hidden_layers\": 2,"
                   "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"conv_kernel_size\": 3}");
  try {
    PairRanker::load(dir.path(), at::kFloat);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("config.json") + ": conv_kernel_size = 3: convolution layers are not implemented");
  }
  EXPECT_THROW(PairRanker::load(test::fixtures() + "/policy-f32", at::kFloat), FormatError);  // a Mistral folder
}

}  // namespace
}  // namespace sppo
