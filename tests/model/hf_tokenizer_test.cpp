#include "model/hf_tokenizer.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/error.hpp"
#include "test_support.hpp"
#include "tokenizer_fixtures.hpp"

namespace sppo {
namespace {

using test::family_tokenizer;
using test::ids_text;
using test::tokenizer_families;
using test::tokenizer_reference;

std::vector<int32_t> ids_of(const nlohmann::json& j) { return j.get<std::vector<int32_t>>(); }

// ---------------------------------------------------------------- the reference cases

// cases.json: 20 texts x 5 families, every field (see tests/data/tokenizers/README.md).
TEST(HfTokenizer, MatchesEveryReferenceCase) {
  const nlohmann::json& cases = tokenizer_reference("cases.json");
  int checked = 0;
  for (const std::string& family : tokenizer_families()) {
    const HfTokenizer& tok = family_tokenizer(family);
    for (const nlohmann::json& c : cases["cases"]) {
      const std::string text = c["text"];
      const nlohmann::json& r = c["by_family"][family];
      SCOPED_TRACE(family + " / " + c["name"].get<std::string>());
      const std::vector<int32_t> with_special = tok.encode(text, true);
      const std::vector<int32_t> without = tok.encode(text, false);
      EXPECT_EQ(ids_text(with_special), ids_text(ids_of(r["ids_add_special"])));
      EXPECT_EQ(ids_text(without), ids_text(ids_of(r["ids_no_special"])));
      EXPECT_EQ(tok.tokens(ids_of(r["ids_no_special"])), r["tokens_no_special"].get<std::vector<std::string>>());
      EXPECT_EQ(tok.decode(ids_of(r["ids_add_special"]), false), r["decode_add_special"].get<std::string>());
      EXPECT_EQ(tok.decode(ids_of(r["ids_add_special"]), true), r["decode_add_special_skip_special"].get<std::string>());
      EXPECT_EQ(tok.decode(ids_of(r["ids_no_special"]), false), r["decode_no_special"].get<std::string>());
      checked += 6;
    }
  }
  EXPECT_EQ(checked, 5 * 20 * 6);
}

// chat.json: rendered templates (special tokens inside the text) encoded without specials.
TEST(HfTokenizer, MatchesEveryChatEncoding) {
  const nlohmann::json& chat = tokenizer_reference("chat.json");
  int checked = 0;
  for (const nlohmann::json& conv : chat["conversations"]) {
    for (const auto& [family, e] : conv["by_family"].items()) {
      if (!e.contains("prompt_text")) continue;  // the template raised (Mistral with a system turn)
      const HfTokenizer& tok = family_tokenizer(family);
      const std::string eot = chat["families"][family]["end_of_turn_token"];
      const int32_t eot_id = chat["families"][family]["end_of_turn_id"];
      SCOPED_TRACE(family + " / " + conv["name"].get<std::string>());
      const std::string prompt = e["prompt_text"];
      const std::string response = conv["response"];
      EXPECT_EQ(ids_text(tok.encode(prompt, false)), ids_text(ids_of(e["prompt_ids"])));
      EXPECT_EQ(ids_text(tok.encode(prompt, true)), ids_text(ids_of(e["prompt_ids_if_add_special_tokens"])));
      EXPECT_EQ(ids_text(tok.encode(prompt + response + eot, false)), ids_text(ids_of(e["joint_text_with_eot_ids"])));
      std::vector<int32_t> separate = tok.encode(response, false);
      separate.push_back(eot_id);
      EXPECT_EQ(ids_text(separate), ids_text(ids_of(e["response_ids_separate"])));
      if (e.contains("full_text")) {
        EXPECT_EQ(ids_text(tok.encode(e["full_text"].get<std::string>(), false)), ids_text(ids_of(e["full_ids"])));
        ++checked;
      }
      EXPECT_EQ(tok.token_to_id(eot), eot_id);
      checked += 4;
    }
  }
  EXPECT_GE(checked, 50);
}

TEST(HfTokenizer, ChatTemplatesAndSpecialTokensOfTheFamilies) {
  const nlohmann::json& cases = tokenizer_reference("cases.json");
  for (const std::string& family : tokenizer_families()) {
    SCOPED_TRACE(family);
    const HfTokenizer& tok = family_tokenizer(family);
    const nlohmann::json& f = cases["families"][family];
    if (f["bos_token_id"].is_null()) EXPECT_FALSE(tok.bos_id().has_value());
    else EXPECT_EQ(tok.bos_id(), f["bos_token_id"].get<int32_t>());
    EXPECT_EQ(tok.eos_id(), f["eos_token_id"].get<int32_t>());
    EXPECT_TRUE(tok.chat_template().has_value());
    EXPECT_FALSE(tok.chat_template("tool_use").has_value());
    EXPECT_TRUE(tok.is_special(*tok.eos_id()));
  }
  const nlohmann::json config = nlohmann::json::parse(test::read_file(test::tokenizer_folder("qwen3") + "/tokenizer_config.json"));
  EXPECT_EQ(family_tokenizer("qwen3").chat_template(), config["chat_template"].get<std::string>());
  EXPECT_EQ(family_tokenizer("qwen3").pad_id(), 151643);
  EXPECT_FALSE(family_tokenizer("llama3").pad_id().has_value());
  EXPECT_FALSE(family_tokenizer("llama3").unk_id().has_value());
  EXPECT_EQ(family_tokenizer("mistral").unk_id(), 0);
  EXPECT_EQ(family_tokenizer("gemma3").pad_id(), 0);
  EXPECT_EQ(family_tokenizer("gemma3").unk_token(), "<unk>");
  EXPECT_EQ(family_tokenizer("llama3").vocab_size(), 128256);
  EXPECT_EQ(family_tokenizer("qwen3").vocab_size(), 151669);
  EXPECT_EQ(family_tokenizer("gemma3").vocab_size(), 262145);
  EXPECT_EQ(family_tokenizer("mistral").vocab_size(), 32000);
  EXPECT_FALSE(family_tokenizer("qwen3").is_special(151668));  // </think> is added but not special
  EXPECT_TRUE(family_tokenizer("qwen3").is_special(151644));
  EXPECT_EQ(family_tokenizer("llama3").token_to_id("Ġhello"), 24748);
  EXPECT_FALSE(family_tokenizer("llama3").token_to_id("no such token").has_value());
}

TEST(HfTokenizer, DecodingAnIdWithoutATokenNamesIt) {
  const HfTokenizer& tok = family_tokenizer("llama3");
  const std::string file = test::tokenizer_folder("llama3") + "/tokenizer.json";
  try {
    tok.decode({64, 128256}, false);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), file + ": id 128256 has no token (vocabulary size 128256)");
  }
  EXPECT_THROW(tok.tokens({-1}), FormatError);
  EXPECT_THROW(tok.decode({1 << 30}, true), FormatError);
  EXPECT_EQ(tok.decode({}, false), "");
}

TEST(HfTokenizer, RefusesTextThatIsNotUtf8) {
  try {
    family_tokenizer("qwen3").encode("ab\xC3(", false);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "text to encode: not valid UTF-8 at byte 2");
  }
}

}  // namespace
}  // namespace sppo
