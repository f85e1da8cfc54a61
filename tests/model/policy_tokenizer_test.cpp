#include "model/policy_tokenizer.hpp"

#include <ATen/ATen.h>
#include <algorithm>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
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
    if (e["add_special_tokens"].get<bool>()) ids.insert(ids.begin(), *tok.bos_id());
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

TEST(PolicyTokenizer, RenderedTemplatesTurnSpecialStringsIntoTheirIdsAndStopIdsFallBackToEos) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  EXPECT_EQ(tok.kind(), PolicyTokenizer::Kind::sentencepiece);
  // "<s>" typed as text stays text in encode; a rendered template's "<s>" is BOS.
  EXPECT_NE(tok.encode("<s>[INST] hi"), tok.encode_rendered("<s>[INST] hi"));
  std::vector<int32_t> expected{1};
  for (int32_t id : tok.encode("[INST] hi")) expected.push_back(id);
  EXPECT_EQ(tok.encode_rendered("<s>[INST] hi"), expected);
  EXPECT_EQ(tok.encode_as_hf("[INST] hi", true), expected);
  EXPECT_EQ(tok.stop_ids(), std::vector<int32_t>{2}) << "no generation_config.json: the tokenizer's EOS";
  EXPECT_EQ(tok.special_tokens().at("bos_token"), "<s>");
  EXPECT_FALSE(tok.chat_template().has_value());
  EXPECT_EQ(tok.decode_as_hf({1, 22, 2}, false).substr(0, 3), "<s>");
}

TEST(PolicyTokenizer, GenerationConfigStopIdsAndTheFolderTemplateAreRead) {
  test::TempDir dir;
  test::run_process({"cp", "-r", test::fixtures() + "/policy-f32", dir.file("p")});
  test::write_file(dir.file("p/generation_config.json"), "{\"eos_token_id\": [2, 7]}");
  test::write_file(dir.file("p/chat_template.jinja"), "{{ bos_token }}{{ messages[0]['content'] }}");
  const PolicyTokenizer tok(dir.file("p"));
  EXPECT_EQ(tok.stop_ids(), (std::vector<int32_t>{2, 7}));
  EXPECT_EQ(tok.stop_ids_origin(), dir.file("p/generation_config.json"));
  ASSERT_TRUE(tok.chat_template().has_value());
  EXPECT_EQ(tok.chat_template_origin(), dir.file("p/chat_template.jinja"));
  test::write_file(dir.file("p/generation_config.json"), "{\"eos_token_id\": [2, 99999]}");
  try {
    PolicyTokenizer bad(dir.file("p"));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("p/generation_config.json") +
                                         ": eos_token_id[1] = 99999: not a token id below the vocabulary size 512");
  }
  test::run_process({"rm", dir.file("p/tokenizer.model")});
  EXPECT_THROW(PolicyTokenizer(dir.file("p")), FormatError) << "no tokenizer at all";
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
