#include "model/policy_tokenizer.hpp"

#include <ATen/ATen.h>
#include <algorithm>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

const std::string kSpecials[] = {"<s>", "</s>", "<unk>"};

bool has_special_text(const std::string& text) {
  for (const auto& s : kSpecials)
    if (text.find(s) != std::string::npos) return true;
  return false;
}

TEST(PolicyTokenizer, IdsEqualTheReferenceForPlainText) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  const auto entries = nlohmann::json::parse(test::read_file(test::fixtures() + "/tokenization.json"));
  int checked = 0;
  for (const auto& e : entries) {
    if (e["tokenizer"] != "policy") continue;
    const std::string text = e["text"];
    std::vector<int32_t> ids = tok.encode(text);
    if (e["add_special_tokens"].get<bool>()) ids.insert(ids.begin(), tok.bos_id());
    if (has_special_text(text)) {
      // Deliberate (SPEC.md §1): special-token strings in user text are text, never control
      // ids, so these match SentencePiece's own encoding rather than HF's.
      EXPECT_EQ(ids, e["raw_sentencepiece_ids"].get<std::vector<int32_t>>()) << text;
    } else {
      EXPECT_EQ(ids, e["ids"].get<std::vector<int32_t>>()) << text;
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(PolicyTokenizer, MistralTemplateGivesTheGreedyPrompts) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const auto greedy = SafetensorsModel::open(test::fixtures() + "/expected/policy_greedy.safetensors");
  const at::Tensor ids = greedy.tensor("prompt_ids"), lengths = greedy.tensor("prompt_lengths");
  const char* prompts[] = {"What is the capital of France?", "Write a short poem about the sea.",
                           "How many legs does a cat have?"};
  for (int i = 0; i < 3; ++i) {
    const int64_t n = lengths[i].item<int64_t>();
    at::Tensor row = ids[i].slice(0, ids.size(1) - n);  // left-padded
    std::vector<int32_t> expected(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + n);
    EXPECT_EQ(tok.prompt_ids(prompts[i], ChatTemplate::mistral), expected) << prompts[i];
  }
  std::vector<int32_t> plain{tok.bos_id()};
  for (int32_t id : tok.encode("hi")) plain.push_back(id);
  EXPECT_EQ(tok.prompt_ids("hi", ChatTemplate::none), plain);
}

TEST(PolicyTokenizer, PromptPlusResponseRowsEqualTheTrainingFixture) {
  // sppo_step rows are HF's encoding of "[INST] {p} [/INST] {r}</s>" with BOS: our prompt
  // and response pieces, concatenated, must give the same ids.
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const auto step = SafetensorsModel::open(test::fixtures() + "/expected/sppo_step.safetensors");
  const at::Tensor ids = step.tensor("input_ids"), mask = step.tensor("attention_mask");
  const std::pair<const char*, const char*> rows[] = {{"Name a fruit that is yellow.", "A banana is yellow."},
                                                      {"Name a fruit that is yellow.", "The sky is blue today."},
                                                      {"What is 2 + 3?", "2 + 3 = 5."},
                                                      {"What is 2 + 3?", "I think the answer is 6."}};
  for (int i = 0; i < 4; ++i) {
    std::vector<int32_t> ours = tok.prompt_ids(rows[i].first, ChatTemplate::mistral);
    const int64_t response_start = step.tensor("response_start")[i].item<int64_t>();
    EXPECT_EQ(static_cast<int64_t>(ours.size()), response_start) << i;
    for (int32_t id : tok.response_ids(rows[i].second)) ours.push_back(id);
    const int64_t n = mask[i].sum().item<int64_t>();
    std::vector<int32_t> expected(ids[i].data_ptr<int64_t>(), ids[i].data_ptr<int64_t>() + n);
    EXPECT_EQ(ours, expected) << rows[i].second;
  }
}

TEST(PolicyTokenizer, DecodeDropsControlTokensAndTemplatesStrip) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const auto ids = tok.prompt_ids("caf\u00e9 \xF0\x9F\x99\x82", ChatTemplate::mistral);
  const std::string text = tok.decode(ids);
  EXPECT_EQ(text, "[INST] caf\u00e9 \xF0\x9F\x99\x82 [/INST]");
  EXPECT_EQ(strip_chat_template(text, ChatTemplate::mistral), "caf\u00e9 \xF0\x9F\x99\x82");
  EXPECT_EQ(strip_chat_template("plain", ChatTemplate::mistral), "plain");
  EXPECT_EQ(tok.decode(tok.response_ids("Hello world")), "Hello world");
}

TEST(PolicyTokenizer, DecodeEqualsTheReferenceWithSpecialTokensSkipped) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const auto entries = nlohmann::json::parse(test::read_file(test::fixtures() + "/decode.json"));
  int checked = 0;
  for (const auto& e : entries) {
    if (e["tokenizer"] != "policy" || !e["skip_special_tokens"].get<bool>()) continue;
    const auto ids = e["ids"].get<std::vector<int32_t>>();
    if (std::find(ids.begin(), ids.end(), 0) != ids.end()) continue;  // <unk>: HF drops it, sentencepiece writes " ⁇ "
    EXPECT_EQ(tok.decode(ids), e["text"].get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

}  // namespace
}  // namespace sppo
