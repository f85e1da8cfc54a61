#include "model/bpe_trainer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/byte_level.hpp"
#include "model/family_chat_templates.hpp"
#include "model/hf_tokenizer.hpp"
#include "test_support.hpp"
#include "tokenizer_fixtures.hpp"

namespace sppo {
namespace {

using json = nlohmann::ordered_json;
using Merges = std::vector<std::pair<std::string, std::string>>;

// Splits at runs of non-spaces (each space is then a word of its own, with no pair), so that
// hand-derived counts stay simple.
constexpr const char* kNonSpaceRuns = R"(\S+)";

TrainedBpe train(const std::string& text, int64_t merges, const std::string& regex = kNonSpaceRuns) {
  return train_byte_level_bpe(BpeTrainingInput{text, regex, 256 + merges});
}

std::string refusal(const std::string& text, int64_t vocab_size, const std::string& regex = kNonSpaceRuns) {
  try {
    train_byte_level_bpe(BpeTrainingInput{text, regex, vocab_size});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// ------------------------------------------------------------------ the trainer, by hand

TEST(BpeTrainer, MergesDerivedByHand) {
  struct Case {
    const char* why;
    std::string text;
    std::string regex;
    Merges merges;
  };
  const std::vector<Case> cases = {
      // (a,a) is counted at both of its positions in "aaab": 2 per word x 2 words = 4. After
      // "aa a b", (a,b) and (aa,a) tie at 2 and ("a","b") < ("aa","a"); then "aa ab" -> "aaab".
      {"overlapping pairs, then a tie", "aaab aaab", kNonSpaceRuns, {{"a", "a"}, {"a", "b"}, {"aa", "ab"}}},
      // Equal counts: string order, not the order of appearance.
      {"ties by string order", "zy zy ab ab", kNonSpaceRuns, {{"a", "b"}, {"z", "y"}}},
      // The most frequent pair first whatever its text: (x,y) 2 < (q,r) 3.
      {"frequency before order", "xy qr qr xy qr", kNonSpaceRuns, {{"q", "r"}, {"x", "y"}}},
      // A word seen once holding the pair twice counts twice; (b,a) once is never merged.
      {"twice within one word", "abab", kNonSpaceRuns, {{"a", "b"}}},
      // Llama-3's split: "the" and " the" (Ġthe) are two words; (h,e) < (t,h) at 2 each, then
      // (t,he) at 2; (Ġ,t) was seen once.
      {"family regex, GPT-2 space", "the the", std::string(pre_tokenizer_regex(TokenizerLayout::llama3)),
       {{"h", "e"}, {"t", "he"}}},
      // Bytes, not characters: é is C3 A9, spelled "Ã©".
      {"multi-byte characters", "é é", kNonSpaceRuns, {{"Ã", "©"}}},
      // Llama-3 keeps up to three digits together: "123 123" gives (1,2), then (12,3) (ties:
      // "1 2" < "2 3"). Qwen splits off every digit, so it has no pair at all (below).
      {"digits in threes (Llama-3)", "123 123", std::string(pre_tokenizer_regex(TokenizerLayout::llama3)),
       {{"1", "2"}, {"12", "3"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    const TrainedBpe bpe = train(c.text, static_cast<int64_t>(c.merges.size()), c.regex);
    EXPECT_EQ(bpe.merges, c.merges);
    ASSERT_EQ(bpe.tokens.size(), 256 + c.merges.size());
    for (std::size_t k = 0; k < c.merges.size(); ++k) EXPECT_EQ(bpe.tokens[256 + k], c.merges[k].first + c.merges[k].second);
    // One merge more than the corpus gives is refused.
    EXPECT_NE(refusal(c.text, 257 + static_cast<int64_t>(c.merges.size()), c.regex), "(no error)");
  }
  EXPECT_EQ(refusal("123 123", 257, std::string(pre_tokenizer_regex(TokenizerLayout::qwen2))),
            "tokenizer_text: the corpus gives only 0 merges (pairs seen at least twice); vocab_size 257 needs 1: give more "
            "text or a smaller vocab_size");
}

TEST(BpeTrainer, StopsAtTheAskedSize) {
  const TrainedBpe bpe = train("aaab aaab", 1);
  EXPECT_EQ(bpe.merges, (Merges{{"a", "a"}}));
  EXPECT_EQ(bpe.tokens.size(), 257u);
  EXPECT_EQ(train("aaab aaab", 0).merges, Merges{});
}

TEST(BpeTrainer, ByteSymbolsComeInGpt2ByteMapOrder) {
  const TrainedBpe bpe = train("", 0);
  ASSERT_EQ(bpe.tokens.size(), 256u);
  EXPECT_EQ(bpe.tokens[0], "!");
  EXPECT_EQ(bpe.tokens[93], "~");
  EXPECT_EQ(bpe.tokens[94], "¡");
  EXPECT_EQ(bpe.tokens[188], "Ā");  // byte 0x00, the first byte that is not printable
  EXPECT_EQ(bpe.tokens[220], "Ġ");  // the space
  EXPECT_EQ(bpe.tokens[255], "Ń");  // 0xAD
  // The same 256 as the fixture's Llama-3 and Qwen2 vocabularies (and the real ones) begin with.
  for (const char* family : {"llama3-f32", "qwen2-f32"}) {
    const json fixture = json::parse(test::read_file(std::string("tests/data/families/") + family + "/tokenizer.json"));
    int id = 0;
    for (const auto& [token, fixture_id] : fixture["model"]["vocab"].items()) {
      if (id == 256) break;
      EXPECT_EQ(fixture_id.get<int>(), id);
      EXPECT_EQ(token, bpe.tokens[id]) << family << " id " << id;
      ++id;
    }
  }
}

TEST(BpeTrainer, RefusesACorpusTooSmallForTheVocabSize) {
  EXPECT_EQ(refusal("ab ab cd", 258),
            "tokenizer_text: the corpus gives only 1 merges (pairs seen at least twice); vocab_size 258 needs 2: give more "
            "text or a smaller vocab_size");
  EXPECT_EQ(refusal("the the", 300, std::string(pre_tokenizer_regex(TokenizerLayout::llama3))),
            "tokenizer_text: the corpus gives only 2 merges (pairs seen at least twice); vocab_size 300 needs 44: give more "
            "text or a smaller vocab_size");
  EXPECT_EQ(refusal("ab ab", 255), "tokenizer_text: vocab_size 255: must be at least 256 (one id per byte)");
  EXPECT_EQ(refusal("ab \xff ab", 257), "tokenizer_text: not valid UTF-8 at byte 3");
}

// ------------------------------------------------------------------ a trained tokenizer, written and loaded

// English prose with some numbers, code, emoji, CJK and Greek, each line at least twice, so that
// pairs inside multi-byte characters merge too.
std::string corpus() {
  const std::string prose =
      "The old lighthouse keeper walked down to the harbour every morning before the boats went out.\n"
      "He said the weather had been kind that year, and the fishermen agreed with him.\n"
      "In 2024 the town counted 366 days, 12 storms and 3 new boats; the keeper wrote each one down.\n"
      "\"Why do you keep a record?\" asked his brother. \"Because the sea forgets,\" he said.\n"
      "She'll say it's fine, they've said it'd work, and we're sure you'll agree.\n"
      "def keep(x):\n    return x * 2  # twice the light\n"
      "Thanks! 🙂 The rocket 🚀 flew over the harbour, and the children cheered.\n"
      "中文 text and 中文 words; ελληνικά и русский appear here as well.\n"
      "Tabs\tand\r\nwindows lines\r\n   three leading spaces and  double  spaces.\n";
  return prose + prose + "A second paragraph repeats the harbour, the weather and the keeper.\n";
}

constexpr int64_t kTrainedVocab = 256 + 200;

const TrainedBpe& trained(TokenizerLayout layout) {
  static const TrainedBpe llama3 = train_byte_level_bpe(
      BpeTrainingInput{corpus(), std::string(pre_tokenizer_regex(TokenizerLayout::llama3)), kTrainedVocab});
  static const TrainedBpe qwen = train_byte_level_bpe(
      BpeTrainingInput{corpus(), std::string(pre_tokenizer_regex(TokenizerLayout::qwen2)), kTrainedVocab});
  return layout == TokenizerLayout::llama3 ? llama3 : qwen;
}

std::string_view chat_template_of(TokenizerLayout layout) {
  switch (layout) {
    case TokenizerLayout::llama3: return kLlama3InstructChatTemplate;
    case TokenizerLayout::qwen2: return kQwen25InstructChatTemplate;
    case TokenizerLayout::qwen3: return kQwen3ChatTemplate;
  }
  return {};
}

TokenizerFiles files_of(TokenizerLayout layout) {
  return byte_level_tokenizer_files(trained(layout), layout, chat_template_of(layout));
}

HfTokenizer load(const TokenizerFiles& files) {
  return HfTokenizer::from_json(files.tokenizer_json, "t/tokenizer.json", files.tokenizer_config_json, "t/tokenizer_config.json");
}

const char* layout_name(TokenizerLayout layout) {
  switch (layout) {
    case TokenizerLayout::llama3: return "llama3";
    case TokenizerLayout::qwen2: return "qwen2";
    case TokenizerLayout::qwen3: return "qwen3";
  }
  return "?";
}

constexpr TokenizerLayout kLayouts[] = {TokenizerLayout::llama3, TokenizerLayout::qwen2, TokenizerLayout::qwen3};

TEST(BpeTrainerFiles, EncodeThenDecodeGivesTheTextBackByteForByte) {
  // NFC texts (Qwen normalizes to NFC) without " ." and the like (Llama-3 cleans those up).
  const std::vector<std::string> texts = {
      "Hello world",
      " Hello world",
      "The keeper's lighthouse stood by the harbour.",
      "   three leading spaces and  double  spaces",
      "line one\nline two\n\nline four\n",
      "Tabs\tand\r\nwindows lines\r\n",
      "The year 2024 had 366 days; 3.14159 is pi.",
      "1234567890",
      "café naïve résumé über",
      "Thanks! 🙂 and 🚀",
      "中文 text",
      "ελληνικά и русский",
      "zebra quixotic jukebox",  // letters the corpus barely has: byte symbols only
      "",
      " ",
      "x",
  };
  for (const TokenizerLayout layout : kLayouts) {
    SCOPED_TRACE(layout_name(layout));
    const TokenizerFiles files = files_of(layout);
    const HfTokenizer tokenizer = load(files);
    EXPECT_EQ(tokenizer.vocab_size(), files.vocab_size);
    for (const std::string& text : texts) {
      const std::vector<int32_t> ids = tokenizer.encode(text, false);
      for (const int32_t id : ids) EXPECT_LT(id, kTrainedVocab) << "text \"" << text << "\": an added token";
      EXPECT_EQ(tokenizer.decode(ids, false), text) << test::ids_text(ids);
    }
    // Trained merges do their work: the corpus's most frequent word is one token.
    EXPECT_EQ(tokenizer.encode(" the", false).size(), 1u);
  }
}

TEST(BpeTrainerFiles, EveryMergeIsReachable) {
  for (const TokenizerLayout layout : kLayouts) {
    SCOPED_TRACE(layout_name(layout));
    const TrainedBpe& bpe = trained(layout);
    const HfTokenizer tokenizer = load(files_of(layout));
    int encoded_alone = 0;
    for (std::size_t k = 0; k < bpe.merges.size(); ++k) {
      const auto& [left, right] = bpe.merges[k];
      const std::string& result = bpe.tokens[256 + k];
      ASSERT_EQ(result, left + right) << "merge " << k;
      const auto left_id = tokenizer.token_to_id(left), right_id = tokenizer.token_to_id(right);
      ASSERT_TRUE(left_id && right_id) << "merge " << k;
      EXPECT_LT(*left_id, 256 + static_cast<int32_t>(k));
      EXPECT_LT(*right_id, 256 + static_cast<int32_t>(k));
      EXPECT_EQ(tokenizer.token_to_id(result), 256 + static_cast<int32_t>(k));
      // The token's own text encodes to it (Qwen applies the merges one by one; Llama-3's
      // ignore_merges takes a whole word found in the vocab). Tokens that end inside a UTF-8
      // character have no text of their own.
      std::string bytes;
      ASSERT_TRUE(append_bytes_of_byte_level(result, bytes));
      std::string valid;
      append_utf8_lossy(bytes, valid);
      if (valid != bytes) continue;
      EXPECT_EQ(tokenizer.encode(bytes, false), std::vector<int32_t>{256 + static_cast<int32_t>(k)})
          << "merge " << k << " \"" << left << " " << right << "\"";
      ++encoded_alone;
    }
    EXPECT_GT(encoded_alone, 190);  // of 200: only tokens ending inside a multi-byte character have no text
  }
}

TEST(BpeTrainerFiles, SpecialTokensInTextAndTheBos) {
  {
    const TokenizerFiles files = files_of(TokenizerLayout::llama3);
    const HfTokenizer tokenizer = load(files);
    EXPECT_EQ(files.vocab_size, kTrainedVocab + 10);
    EXPECT_EQ(files.bos_id, kTrainedVocab);
    EXPECT_EQ(files.eos_id, kTrainedVocab + 9);
    EXPECT_EQ(files.end_of_turn_id, kTrainedVocab + 9);
    EXPECT_EQ(files.pad_id, -1);
    EXPECT_EQ(files.generation_eos_ids, (std::vector<int32_t>{static_cast<int32_t>(kTrainedVocab) + 1, files.eos_id}));
    EXPECT_EQ(tokenizer.bos_id(), files.bos_id);
    EXPECT_EQ(tokenizer.eos_id(), files.eos_id);
    EXPECT_EQ(tokenizer.token_to_id("<|start_header_id|>"), kTrainedVocab + 6);
    EXPECT_EQ(tokenizer.token_to_id("<|reserved_special_token_4|>"), kTrainedVocab + 8);
    const std::vector<int32_t> hello = tokenizer.encode("Hello", false);
    std::vector<int32_t> with_bos = {files.bos_id};
    with_bos.insert(with_bos.end(), hello.begin(), hello.end());
    EXPECT_EQ(tokenizer.encode("Hello", true), with_bos);
    const std::vector<int32_t> ids = tokenizer.encode("<|begin_of_text|>Hi<|eot_id|> there", false);
    ASSERT_GE(ids.size(), 3u);
    EXPECT_EQ(ids.front(), files.bos_id);
    EXPECT_NE(std::find(ids.begin(), ids.end(), files.eos_id), ids.end());
    EXPECT_EQ(tokenizer.decode(ids, true), "Hi there");
  }
  for (const TokenizerLayout layout : {TokenizerLayout::qwen2, TokenizerLayout::qwen3}) {
    SCOPED_TRACE(layout_name(layout));
    const TokenizerFiles files = files_of(layout);
    const HfTokenizer tokenizer = load(files);
    EXPECT_EQ(files.vocab_size, kTrainedVocab + (layout == TokenizerLayout::qwen2 ? 5 : 9));
    EXPECT_EQ(files.bos_id, kTrainedVocab);
    EXPECT_EQ(files.pad_id, kTrainedVocab);
    EXPECT_EQ(files.eos_id, kTrainedVocab + 2);
    EXPECT_EQ(files.end_of_turn_id, kTrainedVocab + 2);
    EXPECT_EQ(files.generation_eos_ids, (std::vector<int32_t>{files.eos_id, static_cast<int32_t>(kTrainedVocab)}));
    EXPECT_FALSE(tokenizer.bos_id().has_value());
    EXPECT_EQ(tokenizer.eos_id(), files.eos_id);
    EXPECT_EQ(tokenizer.pad_id(), files.pad_id);
    EXPECT_EQ(tokenizer.encode("Hello", true), tokenizer.encode("Hello", false));
    const std::vector<int32_t> ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>\n<tool_call>", false);
    EXPECT_EQ(ids.front(), kTrainedVocab + 1);
    EXPECT_NE(std::find(ids.begin(), ids.end(), files.eos_id), ids.end());
    EXPECT_EQ(ids.back(), kTrainedVocab + 3);
    EXPECT_TRUE(tokenizer.is_special(kTrainedVocab + 1));
    EXPECT_FALSE(tokenizer.is_special(kTrainedVocab + 3));  // <tool_call> is not special
    EXPECT_EQ(tokenizer.decode(ids, true), "user\nHi\n<tool_call>");
    if (layout == TokenizerLayout::qwen3) {
      EXPECT_EQ(tokenizer.encode("<think>", false), std::vector<int32_t>{static_cast<int32_t>(kTrainedVocab) + 7});
      EXPECT_EQ(tokenizer.token_to_id("</tool_response>"), kTrainedVocab + 6);
    }
    EXPECT_TRUE(files.special_tokens_map_json.empty());
  }
}

TEST(BpeTrainerFiles, TwoRunsWriteByteIdenticalFiles) {
  for (const TokenizerLayout layout : kLayouts) {
    SCOPED_TRACE(layout_name(layout));
    const BpeTrainingInput input{corpus(), std::string(pre_tokenizer_regex(layout)), kTrainedVocab};
    const TokenizerFiles a = byte_level_tokenizer_files(train_byte_level_bpe(input), layout, chat_template_of(layout));
    const TokenizerFiles b = byte_level_tokenizer_files(train_byte_level_bpe(input), layout, chat_template_of(layout));
    EXPECT_EQ(a.tokenizer_json, b.tokenizer_json);
    EXPECT_EQ(a.tokenizer_config_json, b.tokenizer_config_json);
    EXPECT_EQ(a.special_tokens_map_json, b.special_tokens_map_json);
    EXPECT_EQ(a.generation_config_json, b.generation_config_json);
    EXPECT_EQ(a.vocab_json, b.vocab_json);
    EXPECT_EQ(a.merges_txt, b.merges_txt);
  }
}

// ------------------------------------------------------------------ the layout of the real files

// Every object key in document order as a path ("model/dropout"), array elements as "[]";
// the contents of the vocab, the merges and the added tokens after the first are left out.
void key_paths(const json& j, const std::string& at, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      const std::string path = at.empty() ? key : at + "/" + key;
      out.push_back(path);
      if (path != "model/vocab") key_paths(value, path, out);
    }
  } else if (j.is_array()) {
    if (at == "model/merges" || at == "added_tokens") {
      if (!j.empty()) key_paths(j[0], at + "[]", out);
      return;
    }
    for (const json& element : j) key_paths(element, at + "[]", out);
  }
}

std::vector<std::string> key_paths(const json& j) {
  std::vector<std::string> out;
  key_paths(j, "", out);
  return out;
}

TEST(BpeTrainerFiles, TokenizerJsonHasTheKeysOfTheFixtureFiles) {
  for (const auto& [layout, folder] :
       {std::pair{TokenizerLayout::llama3, "llama3-f32"}, std::pair{TokenizerLayout::qwen2, "qwen2-f32"}}) {
    SCOPED_TRACE(folder);
    const std::string dir = std::string("tests/data/families/") + folder + "/";
    const TokenizerFiles files = files_of(layout);
    const json ours = json::parse(files.tokenizer_json);
    const json fixture = json::parse(test::read_file(dir + "tokenizer.json"));
    EXPECT_EQ(key_paths(ours), key_paths(fixture));
    for (const char* part : {"normalizer", "pre_tokenizer", "decoder"}) EXPECT_EQ(ours[part], fixture[part]) << part;
    EXPECT_EQ(ours["model"]["merges"][0].type(), fixture["model"]["merges"][0].type());
    for (const char* config : {"tokenizer_config.json", "generation_config.json"}) {
      const json ours_config = json::parse(config == std::string("tokenizer_config.json") ? files.tokenizer_config_json
                                                                                            : files.generation_config_json);
      std::vector<std::string> ours_keys, fixture_keys;
      for (const auto& [key, value] : ours_config.items()) ours_keys.push_back(key);
      const json fixture_config = json::parse(test::read_file(dir + config));
      for (const auto& [key, value] : fixture_config.items()) fixture_keys.push_back(key);
      EXPECT_EQ(ours_keys, fixture_keys) << config;
    }
  }
}

// The fixture's own merges written out again give the fixture's files byte for byte: the writer
// is the fixture generator's, formatting included.
TrainedBpe fixture_bpe(const std::string& folder) {
  const json fixture = json::parse(test::read_file("tests/data/families/" + folder + "/tokenizer.json"));
  TrainedBpe bpe;
  for (const auto& [token, id] : fixture["model"]["vocab"].items()) {
    EXPECT_EQ(id.get<std::size_t>(), bpe.tokens.size());
    bpe.tokens.push_back(token);
  }
  for (const json& merge : fixture["model"]["merges"]) {
    const std::string text = merge.get<std::string>();
    bpe.merges.emplace_back(text.substr(0, text.find(' ')), text.substr(text.find(' ') + 1));
  }
  return bpe;
}

TEST(BpeTrainerFiles, TheFixtureMergesWriteTheFixtureFilesByteForByte) {
  {
    const std::string dir = "tests/data/families/llama3-f32/";
    const TokenizerFiles files =
        byte_level_tokenizer_files(fixture_bpe("llama3-f32"), TokenizerLayout::llama3, kLlama3InstructChatTemplate);
    EXPECT_EQ(files.tokenizer_json, test::read_file(dir + "tokenizer.json"));
    EXPECT_EQ(files.tokenizer_config_json, test::read_file(dir + "tokenizer_config.json"));
    EXPECT_EQ(files.special_tokens_map_json, test::read_file(dir + "special_tokens_map.json"));
    EXPECT_EQ(files.generation_config_json, test::read_file(dir + "generation_config.json"));
    EXPECT_EQ(files.vocab_size, 568);  // the fixture's config.json vocab_size
    EXPECT_EQ(files.vocab_json, "");
  }
  {
    const std::string dir = "tests/data/families/qwen2-f32/";
    const TokenizerFiles files =
        byte_level_tokenizer_files(fixture_bpe("qwen2-f32"), TokenizerLayout::qwen2, kQwen25InstructChatTemplate);
    EXPECT_EQ(files.tokenizer_json, test::read_file(dir + "tokenizer.json"));
    EXPECT_EQ(files.tokenizer_config_json, test::read_file(dir + "tokenizer_config.json"));
    EXPECT_EQ(files.generation_config_json, test::read_file(dir + "generation_config.json"));
    EXPECT_EQ(files.vocab_json, test::read_file(dir + "vocab.json"));
    EXPECT_EQ(files.merges_txt, test::read_file(dir + "merges.txt"));
    EXPECT_EQ(files.vocab_size, 561);
  }
}

// Qwen3 has no fixture folder: its layout is checked against the real Qwen3 tokenizer.json.
TEST(BpeTrainerFiles, Qwen3FollowsTheRealQwen3File) {
  const std::string real_text = test::read_file(test::tokenizer_folder("qwen3") + "/tokenizer.json");
  // Drops the 151k-entry vocab and merges while parsing (an ordered_json object inserts by
  // linear search).
  const json real = json::parse(real_text, [](int depth, json::parse_event_t event, json& parsed) {
    return !(depth == 2 && event == json::parse_event_t::key && (parsed == "vocab" || parsed == "merges"));
  });
  const json ours = json::parse(files_of(TokenizerLayout::qwen3).tokenizer_json);
  std::vector<std::string> ours_paths = key_paths(ours);
  std::vector<std::string> real_paths = key_paths(real);
  for (const char* dropped : {"model/vocab", "model/merges"})
    ours_paths.erase(std::remove_if(ours_paths.begin(), ours_paths.end(),
                                    [&](const std::string& p) { return p.rfind(dropped, 0) == 0; }),
                     ours_paths.end());
  EXPECT_EQ(ours_paths, real_paths);
  for (const char* part : {"normalizer", "pre_tokenizer", "post_processor", "decoder"}) EXPECT_EQ(ours[part], real[part]) << part;
  for (const auto& [key, value] : real["model"].items()) EXPECT_EQ(ours["model"][key], value) << key;
  EXPECT_TRUE(ours["model"]["merges"][0].is_array());
  EXPECT_NE(real_text.find("\"merges\": [\n      [\n"), std::string::npos);  // the real one too

  // Our added tokens are a subset of the real ones, in the real order, flags included.
  std::size_t next = 0;
  for (const json& token : ours["added_tokens"]) {
    while (next < real["added_tokens"].size() && real["added_tokens"][next]["content"] != token["content"]) ++next;
    ASSERT_LT(next, real["added_tokens"].size()) << token["content"];
    json expected = real["added_tokens"][next];
    expected["id"] = token["id"];
    EXPECT_EQ(token, expected);
  }

  const json real_config = json::parse(test::read_file(test::tokenizer_folder("qwen3") + "/tokenizer_config.json"));
  const json ours_config = json::parse(files_of(TokenizerLayout::qwen3).tokenizer_config_json);
  std::vector<std::string> ours_keys, real_keys;
  for (const auto& [key, value] : ours_config.items()) ours_keys.push_back(key);
  for (const auto& [key, value] : real_config.items()) real_keys.push_back(key);
  EXPECT_EQ(ours_keys, real_keys);
  for (const char* key : {"add_bos_token", "add_prefix_space", "bos_token", "chat_template", "clean_up_tokenization_spaces",
                          "eos_token", "errors", "model_max_length", "pad_token", "split_special_tokens", "tokenizer_class",
                          "unk_token"})
    EXPECT_EQ(ours_config[key], real_config[key]) << key;
}

TEST(BpeTrainerFiles, RefusesWhatIsNotATrainedBpe) {
  auto error_of = [](const TrainedBpe& bpe, int32_t reserved = 5) {
    try {
      byte_level_tokenizer_files(bpe, TokenizerLayout::llama3, kLlama3InstructChatTemplate, reserved);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const TrainedBpe good = train("aaab aaab", 3);
  EXPECT_EQ(error_of(good), "(no error)");
  EXPECT_EQ(error_of(good, 4),
            "byte_level_tokenizer_files: llama3_reserved_special_tokens = 4: must be at least 5 (Llama-3 places reserved "
            "tokens 0..3 before <|start_header_id|> and 4 before <|eot_id|>)");
  TrainedBpe bad = good;
  bad.tokens.resize(10);
  EXPECT_EQ(error_of(bad), "byte_level_tokenizer_files: expected at least 256 tokens (the byte symbols), got 10");
  bad = good;
  std::swap(bad.tokens[0], bad.tokens[1]);
  EXPECT_EQ(error_of(bad), "byte_level_tokenizer_files: token 0 = \"\"\": expected the byte symbol \"!\"");
  bad = good;
  bad.tokens.push_back("aa");
  EXPECT_EQ(error_of(bad), "byte_level_tokenizer_files: token 259 = \"aa\" appears twice");
  bad = good;
  bad.merges.emplace_back("aaab", "x");
  EXPECT_EQ(error_of(bad), "byte_level_tokenizer_files: merge 3 = \"aaab x\": a part or the result is not a token");

  // More reserved tokens go after <|eot_id|>, as in Llama-3 (which has 251 of them).
  const TokenizerFiles files = byte_level_tokenizer_files(good, TokenizerLayout::llama3, kLlama3InstructChatTemplate, 7);
  const json added = json::parse(files.tokenizer_json)["added_tokens"];
  ASSERT_EQ(added.size(), 12u);
  EXPECT_EQ(added[9]["content"], "<|eot_id|>");
  EXPECT_EQ(added[10]["content"], "<|reserved_special_token_5|>");
  EXPECT_EQ(added[11]["content"], "<|reserved_special_token_6|>");
  EXPECT_EQ(added[11]["id"], 259 + 11);
}

}  // namespace
}  // namespace sppo
