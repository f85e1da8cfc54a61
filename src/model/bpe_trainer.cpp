#include "model/bpe_trainer.hpp"

#include <algorithm>              // defines: std::sort, std::push_heap, std::pop_heap
#include <nlohmann/json.hpp>      // defines: nlohmann::ordered_json (keys kept in the order written)
#include <stdexcept>              // defines: std::logic_error
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"          // defines: ConfigError
#include "io/utf8.hpp"             // defines: first_invalid_utf8
#include "model/byte_level.hpp"    // defines: byte_level_char, append_utf8
#include "model/pcre_regex.hpp"    // defines: PcreRegex
#include "model/pre_tokenizer.hpp" // defines: split_ranges (HF's Split with the Isolated behavior)

namespace sppo {
namespace {

constexpr int64_t kByteSymbols = 256;

constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// ===================================== training =====================================

// The byte-level spelling of the 256 byte symbols, by id: sorted by the code point standing for
// each byte, which is GPT-2's bytes_to_unicode order (printable bytes are themselves and come
// first, in byte order; the other bytes take U+0100.. in byte order).
std::vector<std::string> byte_symbol_tokens() {
  std::vector<int> bytes(kByteSymbols);
  for (int b = 0; b < kByteSymbols; ++b) bytes[b] = b;
  std::sort(bytes.begin(), bytes.end(), [](int a, int b) {
    return byte_level_char(static_cast<uint8_t>(a)) < byte_level_char(static_cast<uint8_t>(b));
  });
  std::vector<std::string> tokens(kByteSymbols);
  for (int id = 0; id < kByteSymbols; ++id) append_utf8(byte_level_char(static_cast<uint8_t>(bytes[id])), tokens[id]);
  return tokens;
}

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
int32_t key_left(uint64_t key) { return static_cast<int32_t>(key >> 32); }
int32_t key_right(uint64_t key) { return static_cast<int32_t>(key & 0xFFFFFFFFu); }

struct Word {
  std::vector<int32_t> symbols;  // ids, merged as training goes
  int64_t count = 0;             // times the word occurs in the corpus
};

struct PairStats {
  int64_t count = 0;           // Σ over words of (occurrences in the word × the word's count)
  std::vector<int32_t> words;  // words the pair was seen in, each once; some may no longer hold it
};

// A pair's count when it was pushed. Counts of pairs only fall (a merge turns the adjacencies
// it touches into pairs with the new symbol), so an entry is either current or too high: the
// top entry, once checked against the current count, is the best pair ("lazy" max-heap).
struct Candidate {
  int64_t count = 0;
  int32_t left = 0;
  int32_t right = 0;
};

class BpeTrainer {
 public:
  BpeTrainer(std::vector<Word> words, std::vector<std::string> tokens) : words_(std::move(words)), tokens_(std::move(tokens)) {
    for (std::size_t id = 0; id < tokens_.size(); ++id) token_ids_.emplace(tokens_[id], static_cast<int32_t>(id));
    for (std::size_t w = 0; w < words_.size(); ++w) {
      const Word& word = words_[w];
      for (std::size_t i = 0; i + 1 < word.symbols.size(); ++i) {
        PairStats& stats = pairs_[pair_key(word.symbols[i], word.symbols[i + 1])];
        stats.count += word.count;
        if (stats.words.empty() || stats.words.back() != static_cast<int32_t>(w)) stats.words.push_back(static_cast<int32_t>(w));
      }
    }
    for (const auto& [key, stats] : pairs_) push(key, stats.count);
  }

  // Merges the best pair seen at least twice; false when there is none.
  bool merge_best() {
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), ranks_below());
      const Candidate top = heap_.back();
      heap_.pop_back();
      const uint64_t key = pair_key(top.left, top.right);
      const auto it = pairs_.find(key);
      const int64_t current = it == pairs_.end() ? 0 : it->second.count;
      if (current != top.count) {
        push(key, current);
        continue;
      }
      merge(top.left, top.right);
      return true;
    }
    return false;
  }

  std::vector<std::string>& tokens() { return tokens_; }
  std::vector<std::pair<std::string, std::string>>& merges() { return merges_; }

 private:
  // a ranks below b: a lower count, or the same count and a larger (left, right) in code-point
  // order (std::string compares bytes as unsigned, and UTF-8 byte order is code-point order).
  // Comparing the parts one by one equals comparing "left right" as one string, because every
  // byte-level character sorts above the space.
  struct RanksBelow {
    const std::vector<std::string>& tokens;
    bool operator()(const Candidate& a, const Candidate& b) const {
      if (a.count != b.count) return a.count < b.count;
      const int by_left = tokens[a.left].compare(tokens[b.left]);
      if (by_left != 0) return by_left > 0;
      return tokens[a.right].compare(tokens[b.right]) > 0;
    }
  };
  RanksBelow ranks_below() const { return RanksBelow{tokens_}; }

  void push(uint64_t key, int64_t count) {
    if (count < 2) return;  // counts only fall: a pair below two never comes back
    heap_.push_back(Candidate{count, key_left(key), key_right(key)});
    std::push_heap(heap_.begin(), heap_.end(), ranks_below());
  }

  void merge(int32_t left, int32_t right) {
    const uint64_t merged_key = pair_key(left, right);
    std::string text = tokens_[left] + tokens_[right];
    const auto [at, is_new] = token_ids_.try_emplace(text, static_cast<int32_t>(tokens_.size()));
    if (is_new) tokens_.push_back(std::move(text));
    const int32_t merged = at->second;
    merges_.emplace_back(tokens_[left], tokens_[right]);

    const std::vector<int32_t> holders = std::move(pairs_[merged_key].words);
    std::vector<uint64_t> with_merged;  // pairs holding the new symbol, whose counts rose
    for (const int32_t w : holders) {
      Word& word = words_[w];
      std::vector<int32_t>& s = word.symbols;
      bool holds = false;
      for (std::size_t i = 0; i + 1 < s.size() && !holds; ++i) holds = s[i] == left && s[i + 1] == right;
      if (!holds) continue;
      for (std::size_t i = 0; i + 1 < s.size(); ++i) pairs_[pair_key(s[i], s[i + 1])].count -= word.count;
      std::size_t out = 0;
      for (std::size_t i = 0; i < s.size();) {
        if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
          s[out++] = merged;
          i += 2;
        } else {
          s[out++] = s[i++];
        }
      }
      s.resize(out);
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        const uint64_t key = pair_key(s[i], s[i + 1]);
        PairStats& stats = pairs_[key];
        stats.count += word.count;
        if (s[i] != merged && s[i + 1] != merged) continue;
        if (stats.words.empty() || stats.words.back() != w) stats.words.push_back(w);
        with_merged.push_back(key);
      }
    }
    pairs_.erase(merged_key);
    std::sort(with_merged.begin(), with_merged.end());
    with_merged.erase(std::unique(with_merged.begin(), with_merged.end()), with_merged.end());
    for (const uint64_t key : with_merged) push(key, pairs_[key].count);
  }

  std::vector<Word> words_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> token_ids_;
  std::vector<std::pair<std::string, std::string>> merges_;
  std::unordered_map<uint64_t, PairStats> pairs_;
  std::vector<Candidate> heap_;
};

// The corpus's words (regex matches and the gaps between them), each once with its count, in
// byte order, spelled as byte symbol ids.
std::vector<Word> corpus_words(const std::string& text, const std::string& regex) {
  const PcreRegex split = PcreRegex::compile_oniguruma(regex, "tokenizer_text: pre_tokenizer_regex");
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  split.find_all(text, matches);
  std::unordered_map<std::string_view, int64_t> counts;
  for (const auto& [begin, end] : split_ranges(text.size(), matches, SplitBehavior::Isolated, false))
    ++counts[std::string_view(text).substr(begin, end - begin)];
  std::vector<std::pair<std::string_view, int64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());

  const std::vector<std::string> symbols = byte_symbol_tokens();
  int32_t symbol_of_byte[kByteSymbols];
  for (int32_t id = 0; id < kByteSymbols; ++id) {
    std::string byte;
    append_bytes_of_byte_level(symbols[id], byte);
    symbol_of_byte[static_cast<uint8_t>(byte[0])] = id;
  }
  std::vector<Word> words;
  words.reserve(sorted.size());
  for (const auto& [word, count] : sorted) {
    Word w;
    w.count = count;
    w.symbols.reserve(word.size());
    for (const char c : word) w.symbols.push_back(symbol_of_byte[static_cast<uint8_t>(c)]);
    words.push_back(std::move(w));
  }
  return words;
}

// ===================================== writing =====================================

using ojson = nlohmann::ordered_json;

// Python's int(1e30), transformers' VERY_LARGE_INTEGER, which tokenizer_config.json files hold
// when the model sets no limit. It fits no JSON library's integer, so it is written as the
// double 1e30 and its text replaced afterwards.
constexpr const char* kVeryLargeIntegerText = "1000000000000000019884624838656";

struct AddedToken {
  std::string content;
  bool special = true;
};

std::vector<AddedToken> added_tokens_of(TokenizerLayout layout, int32_t llama3_reserved) {
  std::vector<AddedToken> added;
  if (layout == TokenizerLayout::llama3) {
    auto reserved = [&](int32_t n) { added.push_back({"<|reserved_special_token_" + std::to_string(n) + "|>"}); };
    added.push_back({"<|begin_of_text|>"});
    added.push_back({"<|end_of_text|>"});
    for (int32_t n = 0; n < 4; ++n) reserved(n);
    added.push_back({"<|start_header_id|>"});
    added.push_back({"<|end_header_id|>"});
    reserved(4);
    added.push_back({"<|eot_id|>"});
    for (int32_t n = 5; n < llama3_reserved; ++n) reserved(n);
    return added;
  }
  added = {{"<|endoftext|>"}, {"<|im_start|>"}, {"<|im_end|>"}, {"<tool_call>", false}, {"</tool_call>", false}};
  if (layout == TokenizerLayout::qwen3)
    for (const char* t : {"<tool_response>", "</tool_response>", "<think>", "</think>"}) added.push_back({t, false});
  return added;
}

std::string json_text(const ojson& j) { return j.dump(2) + "\n"; }

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos)
    throw std::logic_error("byte_level_tokenizer_files: expected one \"" + from + "\" in the written JSON");
  text.replace(at, from.size(), to);
}

ojson byte_level_step(bool add_prefix_space, bool trim_offsets, bool use_regex) {
  ojson j;
  j["type"] = "ByteLevel";
  j["add_prefix_space"] = add_prefix_space;
  j["trim_offsets"] = trim_offsets;
  j["use_regex"] = use_regex;
  return j;
}

// Llama-3-Instruct's post-processor: the BOS before each sequence of a single text or a pair.
ojson bos_template(const std::string& bos, int32_t bos_id) {
  auto special = [&](int type_id) { return ojson{{"SpecialToken", ojson{{"id", bos}, {"type_id", type_id}}}}; };
  auto sequence = [](const char* id, int type_id) { return ojson{{"Sequence", ojson{{"id", id}, {"type_id", type_id}}}}; };
  ojson j;
  j["type"] = "TemplateProcessing";
  j["single"] = ojson::array({special(0), sequence("A", 0)});
  j["pair"] = ojson::array({special(0), sequence("A", 0), special(1), sequence("B", 1)});
  j["special_tokens"] = ojson::object();
  j["special_tokens"][bos] = ojson{{"id", bos}, {"ids", ojson::array({bos_id})}, {"tokens", ojson::array({bos})}};
  return j;
}

ojson tokenizer_json(const TrainedBpe& bpe, TokenizerLayout layout, const std::vector<AddedToken>& added) {
  const bool llama3 = layout == TokenizerLayout::llama3;
  const int64_t first_added = static_cast<int64_t>(bpe.tokens.size());
  ojson j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = ojson::array();
  for (std::size_t i = 0; i < added.size(); ++i) {
    ojson t;
    t["id"] = first_added + static_cast<int64_t>(i);
    t["content"] = added[i].content;
    t["single_word"] = false;
    t["lstrip"] = false;
    t["rstrip"] = false;
    t["normalized"] = false;
    t["special"] = added[i].special;
    j["added_tokens"].push_back(std::move(t));
  }
  j["normalizer"] = llama3 ? ojson(nullptr) : ojson{{"type", "NFC"}};

  ojson split;
  split["type"] = "Split";
  split["pattern"] = ojson{{"Regex", std::string(pre_tokenizer_regex(layout))}};
  split["behavior"] = "Isolated";
  split["invert"] = false;
  ojson pre;
  pre["type"] = "Sequence";
  pre["pretokenizers"] = ojson::array({split, byte_level_step(false, llama3, false)});
  j["pre_tokenizer"] = std::move(pre);

  if (llama3) {
    ojson post;
    post["type"] = "Sequence";
    post["processors"] = ojson::array(
        {byte_level_step(true, false, true), bos_template(added[0].content, static_cast<int32_t>(first_added))});
    j["post_processor"] = std::move(post);
    j["decoder"] = byte_level_step(true, true, true);
  } else {
    j["post_processor"] = byte_level_step(false, false, false);
    j["decoder"] = byte_level_step(false, false, false);
  }

  ojson model;
  model["type"] = "BPE";
  model["dropout"] = nullptr;
  model["unk_token"] = nullptr;
  model["continuing_subword_prefix"] = llama3 ? ojson(nullptr) : ojson("");
  model["end_of_word_suffix"] = llama3 ? ojson(nullptr) : ojson("");
  model["fuse_unk"] = false;
  model["byte_fallback"] = false;
  model["ignore_merges"] = llama3;
  model["vocab"] = ojson::object();
  for (std::size_t id = 0; id < bpe.tokens.size(); ++id) model["vocab"][bpe.tokens[id]] = id;
  model["merges"] = ojson::array();
  for (const auto& [a, b] : bpe.merges) {
    // Qwen3's file was written by tokenizers >= 0.20, which stores a merge as a [left, right] pair.
    if (layout == TokenizerLayout::qwen3) model["merges"].push_back(ojson::array({a, b}));
    else model["merges"].push_back(a + " " + b);
  }
  j["model"] = std::move(model);
  return j;
}

ojson added_tokens_decoder(const std::vector<AddedToken>& added, int64_t first_added) {
  ojson j = ojson::object();
  for (std::size_t i = 0; i < added.size(); ++i) {
    ojson t;
    t["content"] = added[i].content;
    t["lstrip"] = false;
    t["normalized"] = false;
    t["rstrip"] = false;
    t["single_word"] = false;
    t["special"] = added[i].special;
    j[std::to_string(first_added + static_cast<int64_t>(i))] = std::move(t);
  }
  return j;
}

std::string tokenizer_config_json(TokenizerLayout layout, const std::vector<AddedToken>& added, int64_t first_added,
                                  std::string_view chat_template) {
  ojson j;
  if (layout == TokenizerLayout::llama3) {
    j["added_tokens_decoder"] = added_tokens_decoder(added, first_added);
    j["bos_token"] = "<|begin_of_text|>";
    j["chat_template"] = std::string(chat_template);
    j["clean_up_tokenization_spaces"] = true;
    j["eos_token"] = "<|eot_id|>";
    j["model_input_names"] = ojson::array({"input_ids", "attention_mask"});
    j["model_max_length"] = 1e30;
    j["tokenizer_class"] = "PreTrainedTokenizerFast";
    std::string text = json_text(j);
    replace_once(text, "\"model_max_length\": 1e+30,", std::string("\"model_max_length\": ") + kVeryLargeIntegerText + ",");
    return text;
  }
  j["add_bos_token"] = false;
  j["add_prefix_space"] = false;
  j["added_tokens_decoder"] = added_tokens_decoder(added, first_added);
  j["additional_special_tokens"] = ojson::array({"<|im_start|>", "<|im_end|>"});
  j["bos_token"] = nullptr;
  j["chat_template"] = std::string(chat_template);
  j["clean_up_tokenization_spaces"] = false;
  j["eos_token"] = "<|im_end|>";
  j["errors"] = "replace";
  j["model_max_length"] = 131072;
  j["pad_token"] = "<|endoftext|>";
  j["split_special_tokens"] = false;
  j["tokenizer_class"] = "Qwen2Tokenizer";
  j["unk_token"] = nullptr;
  return json_text(j);
}

std::string special_tokens_map_json(TokenizerLayout layout) {
  if (layout != TokenizerLayout::llama3) return "";
  auto token = [](const char* content) {
    return ojson{{"content", content}, {"lstrip", false}, {"normalized", false}, {"rstrip", false}, {"single_word", false}};
  };
  ojson j;
  j["bos_token"] = token("<|begin_of_text|>");
  j["eos_token"] = token("<|eot_id|>");
  return json_text(j);
}

// The real families' generation_config.json: Meta-Llama-3-8B-Instruct, Qwen2.5-Instruct, Qwen3.
std::string generation_config_json(TokenizerLayout layout, const TokenizerFiles& ids) {
  ojson j;
  if (layout == TokenizerLayout::llama3) {
    j["bos_token_id"] = ids.bos_id;
    j["do_sample"] = true;
    j["eos_token_id"] = ids.generation_eos_ids;
    j["max_length"] = 4096;
    j["temperature"] = 0.6;
    j["top_p"] = 0.9;
    j["transformers_version"] = "4.47.1";
  } else if (layout == TokenizerLayout::qwen2) {
    j["bos_token_id"] = ids.bos_id;
    j["pad_token_id"] = ids.pad_id;
    j["do_sample"] = true;
    j["eos_token_id"] = ids.generation_eos_ids;
    j["repetition_penalty"] = 1.1;
    j["temperature"] = 0.7;
    j["top_p"] = 0.8;
    j["top_k"] = 20;
    j["transformers_version"] = "4.47.1";
  } else {
    j["bos_token_id"] = ids.bos_id;
    j["do_sample"] = true;
    j["eos_token_id"] = ids.generation_eos_ids;
    j["pad_token_id"] = ids.pad_id;
    j["temperature"] = 0.6;
    j["top_k"] = 20;
    j["top_p"] = 0.95;
    j["transformers_version"] = "4.51.0";  // the first with Qwen3
  }
  return json_text(j);
}

// The 256 byte symbols first, every token once (added tokens included), every merge's parts and
// result in the vocab.
void check_trained(const TrainedBpe& bpe, const std::vector<AddedToken>& added) {
  const std::string at = "byte_level_tokenizer_files: ";
  const std::vector<std::string> symbols = byte_symbol_tokens();
  if (bpe.tokens.size() < symbols.size())
    throw ConfigError(at + "expected at least 256 tokens (the byte symbols), got " + std::to_string(bpe.tokens.size()));
  std::unordered_set<std::string_view> seen;
  for (std::size_t id = 0; id < bpe.tokens.size(); ++id) {
    if (id < symbols.size() && bpe.tokens[id] != symbols[id])
      throw ConfigError(at + "token " + std::to_string(id) + " = \"" + bpe.tokens[id] + "\": expected the byte symbol \"" +
                        symbols[id] + "\"");
    if (!seen.insert(bpe.tokens[id]).second)
      throw ConfigError(at + "token " + std::to_string(id) + " = \"" + bpe.tokens[id] + "\" appears twice");
  }
  for (const AddedToken& t : added)
    if (seen.count(t.content)) throw ConfigError(at + "added token \"" + t.content + "\" is also a BPE token");
  for (std::size_t k = 0; k < bpe.merges.size(); ++k) {
    const auto& [a, b] = bpe.merges[k];
    if (!seen.count(a) || !seen.count(b) || !seen.count(a + b))
      throw ConfigError(at + "merge " + std::to_string(k) + " = \"" + a + " " + b + "\": a part or the result is not a token");
  }
}

}  // namespace

std::string_view pre_tokenizer_regex(TokenizerLayout layout) {
  return layout == TokenizerLayout::llama3 ? kLlama3Regex : kQwen2Regex;
}

TrainedBpe train_byte_level_bpe(const BpeTrainingInput& input) {
  if (input.vocab_size < kByteSymbols)
    throw ConfigError("tokenizer_text: vocab_size " + std::to_string(input.vocab_size) +
                      ": must be at least 256 (one id per byte)");
  if (const auto bad = first_invalid_utf8(input.text))
    throw ConfigError("tokenizer_text: not valid UTF-8 at byte " + std::to_string(*bad));

  BpeTrainer trainer(corpus_words(input.text, input.pre_tokenizer_regex), byte_symbol_tokens());
  while (static_cast<int64_t>(trainer.tokens().size()) < input.vocab_size) {
    if (trainer.merge_best()) continue;
    const int64_t found = static_cast<int64_t>(trainer.merges().size());
    const int64_t needed = found + (input.vocab_size - static_cast<int64_t>(trainer.tokens().size()));
    throw ConfigError("tokenizer_text: the corpus gives only " + std::to_string(found) +
                      " merges (pairs seen at least twice); vocab_size " + std::to_string(input.vocab_size) + " needs " +
                      std::to_string(needed) + ": give more text or a smaller vocab_size");
  }
  return TrainedBpe{std::move(trainer.tokens()), std::move(trainer.merges())};
}

TokenizerFiles byte_level_tokenizer_files(const TrainedBpe& bpe, TokenizerLayout layout, std::string_view chat_template,
                                          int32_t llama3_reserved_special_tokens) {
  if (layout == TokenizerLayout::llama3 && llama3_reserved_special_tokens < 5)
    throw ConfigError("byte_level_tokenizer_files: llama3_reserved_special_tokens = " +
                      std::to_string(llama3_reserved_special_tokens) +
                      ": must be at least 5 (Llama-3 places reserved tokens 0..3 before <|start_header_id|> and 4 "
                      "before <|eot_id|>)");
  if (const auto bad = first_invalid_utf8(chat_template))
    throw ConfigError("byte_level_tokenizer_files: chat_template: not valid UTF-8 at byte " + std::to_string(*bad));
  const std::vector<AddedToken> added = added_tokens_of(layout, llama3_reserved_special_tokens);
  check_trained(bpe, added);

  const int64_t first_added = static_cast<int64_t>(bpe.tokens.size());
  auto id_of = [&](const std::string& content) {
    for (std::size_t i = 0; i < added.size(); ++i)
      if (added[i].content == content) return static_cast<int32_t>(first_added + static_cast<int64_t>(i));
    throw std::logic_error("byte_level_tokenizer_files: no added token " + content);
  };

  TokenizerFiles files;
  files.vocab_size = first_added + static_cast<int64_t>(added.size());
  if (layout == TokenizerLayout::llama3) {
    files.bos_id = id_of("<|begin_of_text|>");
    files.eos_id = id_of("<|eot_id|>");
    files.end_of_turn_id = files.eos_id;
    files.generation_eos_ids = {id_of("<|end_of_text|>"), id_of("<|eot_id|>")};
  } else {
    files.bos_id = id_of("<|endoftext|>");
    files.eos_id = id_of("<|im_end|>");
    files.pad_id = id_of("<|endoftext|>");
    files.end_of_turn_id = files.eos_id;
    files.generation_eos_ids = {id_of("<|im_end|>"), id_of("<|endoftext|>")};
  }
  files.tokenizer_json = json_text(tokenizer_json(bpe, layout, added));
  files.tokenizer_config_json = tokenizer_config_json(layout, added, first_added, chat_template);
  files.special_tokens_map_json = special_tokens_map_json(layout);
  files.generation_config_json = generation_config_json(layout, files);
  if (layout != TokenizerLayout::llama3) {
    ojson vocab = ojson::object();
    for (std::size_t id = 0; id < bpe.tokens.size(); ++id) vocab[bpe.tokens[id]] = id;
    files.vocab_json = json_text(vocab);
    files.merges_txt = "#version: 0.2\n";
    for (const auto& [a, b] : bpe.merges) files.merges_txt += a + " " + b + "\n";
  }
  return files;
}

}  // namespace sppo
