#include "model/hf_tokenizer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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

// adversarial.json: texts the public set leaves out (Unicode whitespace, long words, special
// tokens back to back, ...), their ids derived by tools/reference_tokenizer.py, a second
// implementation that agrees with all of cases.json and chat.json.
TEST(HfTokenizer, MatchesTheSecondImplementationOnAdversarialTexts) {
  const nlohmann::json& cases = tokenizer_reference("adversarial.json");
  int checked = 0;
  for (const std::string& family : tokenizer_families()) {
    const HfTokenizer& tok = family_tokenizer(family);
    for (const nlohmann::json& c : cases["cases"]) {
      const std::string text = c["text"];
      const nlohmann::json& r = c["by_family"][family];
      SCOPED_TRACE(family + " / " + c["name"].get<std::string>());
      EXPECT_EQ(ids_text(tok.encode(text, true)), ids_text(ids_of(r["ids_add_special"])));
      EXPECT_EQ(ids_text(tok.encode(text, false)), ids_text(ids_of(r["ids_no_special"])));
      EXPECT_EQ(tok.decode(ids_of(r["ids_add_special"]), false), r["decode_add_special"].get<std::string>());
      EXPECT_EQ(tok.decode(ids_of(r["ids_add_special"]), true), r["decode_add_special_skip_special"].get<std::string>());
      EXPECT_EQ(tok.decode(ids_of(r["ids_no_special"]), false), r["decode_no_special"].get<std::string>());
      checked += 5;
    }
  }
  EXPECT_GE(checked, 5 * 40 * 5);
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

// ---------------------------------------------------------------- small hand-made tokenizers

// A byte-level BPE over "a", "b", " " with two merges, and a few special tokens.
nlohmann::json small_tokenizer() {
  return nlohmann::json::parse(R"({
    "version": "1.0", "truncation": null, "padding": null,
    "added_tokens": [
      {"id": 5, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 6, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 7, "content": "<tool>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false}],
    "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
      "special_tokens": {"<s>": {"id": "<s>", "ids": [5], "tokens": ["<s>"]}}},
    "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
      "vocab": {"a": 0, "b": 1, "\u0120": 2, "\u0120a": 3, "ab": 4},
      "merges": ["\u0120 a", ["a", "b"]]}})");
}

HfTokenizer small(const nlohmann::json& tokenizer, const std::string& config = "{}") {
  return HfTokenizer::from_json(tokenizer.dump(), "t/tokenizer.json", config, "t/tokenizer_config.json");
}

std::string load_error(const nlohmann::json& tokenizer, const std::string& config = "{}") {
  try {
    small(tokenizer, config);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string text_error(const std::string& tokenizer_text) {
  try {
    HfTokenizer::from_json(tokenizer_text, "t/tokenizer.json", "", "t/tokenizer_config.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(HfTokenizer, SmallByteLevelTokenizerEndToEnd) {
  const HfTokenizer tok = small(small_tokenizer(), R"({"bos_token": "<s>", "eos_token": {"content": "</s>"}})");
  EXPECT_EQ(ids_text(tok.encode("ab a", true)), "[5, 4, 3]");
  EXPECT_EQ(ids_text(tok.encode("ab</s><tool>a", false)), "[4, 6, 7, 0]");
  EXPECT_EQ(tok.decode({5, 4, 3, 6, 7}, false), "<s>ab a</s><tool>");
  EXPECT_EQ(tok.decode({5, 4, 3, 6, 7}, true), "ab a<tool>");  // <tool> is not special
  EXPECT_EQ(tok.tokens({3, 7}), (std::vector<std::string>{"\xC4\xA0" "a", "<tool>"}));
  EXPECT_EQ(tok.bos_id(), 5);
  EXPECT_EQ(tok.eos_id(), 6);
  EXPECT_EQ(tok.eos_token(), "</s>");
  EXPECT_FALSE(tok.pad_id().has_value());
  EXPECT_EQ(tok.vocab_size(), 8);
  EXPECT_FALSE(tok.chat_template().has_value());
}

TEST(HfTokenizer, ConfigDrivenBehaviour) {
  // A list of named templates: "default" is the one exposed by default.
  const HfTokenizer named = small(small_tokenizer(),
                                  R"({"chat_template": [{"name": "default", "template": "{{ x }}"}, {"name": "tool_use", "template": "T"}]})");
  EXPECT_EQ(named.chat_template(), "{{ x }}");
  EXPECT_EQ(named.chat_template("tool_use"), "T");
  // clean_up_tokenization_spaces, transformers' rule.
  EXPECT_EQ(clean_up_tokenization("a , b . c 's d n't e ' f ?"), "a, b. c's dn't e'f?");
  nlohmann::json spaced = small_tokenizer();
  spaced["decoder"] = nullptr;  // no decoder: tokens joined by a space
  EXPECT_EQ(small(spaced, R"({"clean_up_tokenization_spaces": true})").decode({4, 2, 4}, false), "ab \xC4\xA0 ab");
  // LlamaTokenizerFast / GemmaTokenizerFast rebuild the template from add_bos_token / add_eos_token.
  const std::string llama = R"({"tokenizer_class": "LlamaTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                                "add_bos_token": false, "add_eos_token": true})";
  EXPECT_EQ(ids_text(small(small_tokenizer(), llama).encode("a", true)), "[0, 6]");
  EXPECT_EQ(ids_text(small(small_tokenizer(), R"({"tokenizer_class": "GemmaTokenizer", "bos_token": "<s>"})").encode("a", true)),
            "[5, 0]");
  // PreTrainedTokenizerFast keeps tokenizer.json's template whatever add_bos_token says.
  EXPECT_EQ(ids_text(small(small_tokenizer(), R"({"tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": false})").encode("a", true)),
            "[5, 0]");
  // split_special_tokens: special tokens typed in text stay text.
  EXPECT_EQ(ids_text(small(small_tokenizer(), R"({"split_special_tokens": true})").encode("a<tool>", false)), "[0, 7]");
  // A named special token that is only in the vocab becomes a special added token.
  const HfTokenizer promoted = small(small_tokenizer(), R"({"pad_token": "ab"})");
  EXPECT_EQ(promoted.pad_id(), 4);
  EXPECT_TRUE(promoted.is_special(4));
  EXPECT_EQ(promoted.decode({0, 4, 1}, true), "ab");
}

TEST(HfTokenizer, SentencePieceStyleTokenizerEndToEnd) {
  nlohmann::json t = nlohmann::json::parse(R"({
    "added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true}],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": true},
    "post_processor": null,
    "decoder": {"type": "Sequence", "decoders": [{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"},
                                                 {"type": "ByteFallback"}, {"type": "Fuse"}]},
    "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
      "vocab": {"<unk>": 0, "<s>": 1, "\u2581": 2, "a": 3, "b": 4, "\u2581a": 5, "<0xC3>": 6, "<0xA9>": 7},
      "merges": [["\u2581", "a"]]}})");
  const HfTokenizer tok = small(t);
  EXPECT_EQ(ids_text(tok.encode("A b\xC3\xA9", true)), "[5, 2, 4, 6, 7]");  // ▁a ▁ b é-as-bytes
  EXPECT_EQ(ids_text(tok.encode("<s>ab", false)), "[1, 3, 4]");           // no ▁ after an added token ("first")
  EXPECT_EQ(ids_text(tok.encode("\xEF\xBC\xA1\xE4\xBD\xA0\xE4\xBD\xA0", false)), "[5, 0]");  // NFKC Ａ->a; 你你 -> one unk
  EXPECT_EQ(tok.decode({5, 2, 4, 6, 7}, false), "a b\xC3\xA9");
  EXPECT_EQ(tok.unk_id(), std::nullopt);  // the config names none
}

// Bad files: one error each, naming the file and the JSON path.
TEST(HfTokenizer, RefusesBadTokenizerFiles) {
  auto with = [](const std::string& pointer, const nlohmann::json& value) {
    nlohmann::json t = small_tokenizer();
    t[nlohmann::json::json_pointer(pointer)] = value;
    return t;
  };
  EXPECT_EQ(load_error(with("/model/type", "Unigram")), "t/tokenizer.json: model.type = \"Unigram\": not supported (only BPE)");
  EXPECT_EQ(load_error(with("/pre_tokenizer", nlohmann::json::parse(
                                                  R"({"type":"Sequence","pretokenizers":[{"type":"ByteLevel"},{"type":"Digits"}]})"))),
            "t/tokenizer.json: pre_tokenizer.pretokenizers[1].type = \"Digits\": not supported");
  EXPECT_EQ(load_error(with("/normalizer", nlohmann::json::parse(R"({"type":"BertNormalizer"})"))),
            "t/tokenizer.json: normalizer.type = \"BertNormalizer\": not supported");
  EXPECT_EQ(load_error(with("/post_processor", nlohmann::json::parse(R"({"type":"BertProcessing"})"))),
            "t/tokenizer.json: post_processor.type = \"BertProcessing\": not supported");
  EXPECT_EQ(load_error(with("/decoder", nlohmann::json::parse(R"({"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"CTC"}]})"))),
            "t/tokenizer.json: decoder.decoders[1].type = \"CTC\": not supported");
  EXPECT_EQ(load_error(with("/model/dropout", 0.1)),
            "t/tokenizer.json: model.dropout = 0.1: must be null (BPE dropout is not implemented)");
  EXPECT_EQ(load_error(with("/model/merges/1", "a c")),
            "t/tokenizer.json: model.merges[1] = [\"a\", \"c\"]: \"c\" is not in model.vocab");
  EXPECT_EQ(load_error(with("/pre_tokenizer", nlohmann::json::parse(
                                                  R"({"type":"Split","pattern":{"Regex":"(?<x"},"behavior":"Isolated","invert":false})"))),
            "t/tokenizer.json: pre_tokenizer.pattern.Regex: syntax error in subpattern name (missing terminator?) at offset 4 of \"(?<x\"");
  nlohmann::json no_vocab = small_tokenizer();
  no_vocab["model"].erase("vocab");
  EXPECT_EQ(load_error(no_vocab), "t/tokenizer.json: model.vocab is missing");
  nlohmann::json no_model = small_tokenizer();
  no_model.erase("model");
  EXPECT_EQ(load_error(no_model), "t/tokenizer.json: model is missing");
  EXPECT_EQ(load_error(with("/added_tokens/1/id", 5)), "t/tokenizer.json: added_tokens[1].id = 5: id listed twice in added_tokens");
  EXPECT_EQ(load_error(with("/added_tokens/0/content", "")), "t/tokenizer.json: added_tokens[0].content = \"\": must not be empty");
  EXPECT_EQ(load_error(with("/model/vocab/b", "1")),
            "t/tokenizer.json: model.vocab[\"b\"] = \"1\": expected an integer id in [0, 2147483647]");
  EXPECT_EQ(load_error(with("/post_processor/single/0/SpecialToken/id", "<bos>")),
            "t/tokenizer.json: post_processor.single[0].SpecialToken.id = \"<bos>\": not in post_processor.special_tokens");
  EXPECT_EQ(text_error("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []"),
            "t/tokenizer.json: not valid JSON: [json.exception.parse_error.101] parse error at line 1, column 58: "
            "syntax error while parsing object - unexpected end of input; expected '}'");
  EXPECT_EQ(text_error("[]"), "t/tokenizer.json: expected a JSON object");
}

TEST(HfTokenizer, RefusesBadConfigs) {
  EXPECT_EQ(load_error(small_tokenizer(), R"({"pad_token": "<pad>"})"),
            "t/tokenizer_config.json: pad_token = \"<pad>\": not a token of t/tokenizer.json");
  EXPECT_EQ(load_error(small_tokenizer(), R"({"bos_token": 5})"),
            "t/tokenizer_config.json: bos_token = 5: expected a string or {\"content\": ...}");
  EXPECT_EQ(load_error(small_tokenizer(), R"({"tokenizer_class": "LlamaTokenizer"})"),
            "t/tokenizer_config.json: add_bos_token is true but bos_token is not set");
  EXPECT_EQ(load_error(small_tokenizer(), R"({"chat_template": 3})"),
            "t/tokenizer_config.json: chat_template = 3: expected a string or a list of {\"name\", \"template\"}");
  EXPECT_EQ(load_error(small_tokenizer(), R"({"chat_template": [{"template": "x"}]})"),
            "t/tokenizer_config.json: chat_template[0].name is missing");
  EXPECT_EQ(load_error(small_tokenizer(), R"({"clean_up_tokenization_spaces": "yes"})"),
            "t/tokenizer_config.json: clean_up_tokenization_spaces = \"yes\": expected true or false");
  EXPECT_NE(load_error(small_tokenizer(), "{,}").find("t/tokenizer_config.json: not valid JSON: "), std::string::npos);
}

TEST(HfTokenizer, LoadsAFolder) {
  test::TempDir dir;
  EXPECT_THROW(HfTokenizer::load(dir.path()), IoError);
  test::write_file(dir.file("tokenizer.json"), small_tokenizer().dump());
  const HfTokenizer bare = HfTokenizer::load(dir.path());  // tokenizer_config.json is optional
  EXPECT_EQ(ids_text(bare.encode("ab", true)), "[5, 4]");
  test::write_file(dir.file("chat_template.jinja"), "{{ messages }}");
  EXPECT_EQ(HfTokenizer::load(dir.path()).chat_template(), "{{ messages }}");
  test::write_file(dir.file("tokenizer_config.json"), R"({"chat_template": "inline"})");
  EXPECT_EQ(HfTokenizer::load(dir.path()).chat_template(), "inline");  // the config's wins
  test::write_file(dir.file("tokenizer_config.json"), R"({"eos_token": "<eos>"})");
  try {
    HfTokenizer::load(dir.path());
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("tokenizer_config.json") + ": eos_token = \"<eos>\": not a token of " +
                                         dir.file("tokenizer.json"));
  }
}

// The Llama-3 file: loads in well under a second, encodes concurrently and consistently.
TEST(HfTokenizer, LoadsQuicklyAndEncodesFromManyThreads) {
  const auto t0 = std::chrono::steady_clock::now();
  const HfTokenizer tok = HfTokenizer::load(test::tokenizer_folder("llama3"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 3.0);  // ~0.2 s measured; generous for a loaded CI machine
  const std::string text = test::read_file("data/tokenizer_corpus.txt");
  const std::vector<int32_t> expected = tok.encode(text, true);
  EXPECT_EQ(tok.decode(expected, true), text);
  std::vector<std::thread> threads;
  std::vector<int> agree(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] { agree[static_cast<std::size_t>(t)] = tok.encode(text, true) == expected; });
  for (auto& th : threads) th.join();
  EXPECT_EQ(agree, (std::vector<int>{1, 1, 1, 1}));
}

}  // namespace
}  // namespace sppo
