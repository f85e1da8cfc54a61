#pragma once
// defines: sppo::train_byte_level_bpe, a deterministic byte-level BPE trainer (the algorithm of
// the family fixtures' generator: GPT-2 byte map, the family's pre-tokenizer regex, the most
// frequent pair first, ties by string order, only pairs seen at least twice), and
// sppo::byte_level_tokenizer_files, which writes the trained merges as the tokenizer files of a
// real model family (Llama-3-Instruct, Qwen2.5-Instruct, Qwen3), key for key in their layout,
// so that tiny test policies tokenize as the real ones do.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sppo {

struct BpeTrainingInput {
  std::string text;  // the corpus, UTF-8 (split as given: no normalizer is applied)
  // Oniguruma, as tokenizer.json's Split holds it: its matches and the gaps between them are the words.
  std::string pre_tokenizer_regex;
  int64_t vocab_size = 0;  // BPE ids wanted, added tokens not counted: 256 byte symbols + the merges
};

struct TrainedBpe {
  // Byte-level spelling of each id ("Ġthe"): 0..255 are the 256 byte symbols in GPT-2 byte-map
  // order ('!' .. '~', '¡' .. '¬', '®' .. 'ÿ', then 'Ā' .. 'Ń' for the other bytes, as the Llama-3
  // and Qwen vocabularies begin), then one id per merge result in merge order.
  std::vector<std::string> tokens;
  // Rank order. merges[k] makes tokens[256 + k], unless its result is a token an earlier merge
  // already made from other parts (possible, rare): then it is kept, as Hugging Face's trainer
  // keeps it, and adds no id.
  std::vector<std::pair<std::string, std::string>> merges;
};

// Splits the text with the regex into words, spells each word's bytes with the byte-level
// alphabet and repeats: count every adjacent pair of symbols over all words (a word seen n times
// counts n times), merge the pair with the highest count (equal counts: the smallest
// (left, right) in code-point order) everywhere, left to right, until tokens.size() == vocab_size.
// Throws ConfigError when vocab_size < 256, when the text is not valid UTF-8, and when no pair
// is seen at least twice before vocab_size is reached:
//   "tokenizer_text: the corpus gives only N merges (pairs seen at least twice); vocab_size M
//    needs K: give more text or a smaller vocab_size"
// FormatError when the regex does not compile.
TrainedBpe train_byte_level_bpe(const BpeTrainingInput& input);

// llama3: Meta-Llama-3-8B-Instruct's files (no normalizer, the BOS added by the post-processor,
//   ignore_merges; added tokens listed at byte_level_tokenizer_files).
// qwen2: Qwen2.5-Instruct's (NFC normalizer, no BOS; added tokens <|endoftext|>, <|im_start|>,
//   <|im_end|>, then <tool_call>, </tool_call> which are not special).
// qwen3: Qwen3's: Qwen2.5's with <tool_response>, </tool_response>, <think>, </think> added (not
//   special) and the merges written as [a, b] pairs, as tokenizers >= 0.20 writes them.
enum class TokenizerLayout { llama3, qwen2, qwen3 };

// The family's pre-tokenizer regex: Llama-3 groups digits in runs of at most three (\p{N}{1,3}),
// Qwen2 / Qwen2.5 / Qwen3 take one digit per word (\p{N}). Train with it: it is the Split pattern
// byte_level_tokenizer_files writes.
std::string_view pre_tokenizer_regex(TokenizerLayout layout);

// The texts of a tokenizer folder, each as Python's json.dumps(indent=2, ensure_ascii=False)
// followed by a newline (as the real and the fixture files are written). Ids: the BPE vocab,
// then the added tokens in the family's order.
struct TokenizerFiles {
  std::string tokenizer_json;
  std::string tokenizer_config_json;    // with the chat template
  std::string special_tokens_map_json;  // empty: the family ships none (Qwen)
  std::string generation_config_json;   // the family's sampling defaults and stop ids
  std::string vocab_json;               // Qwen's slow-tokenizer files (empty for llama3)
  std::string merges_txt;
  int64_t vocab_size = 0;  // highest id + 1, added tokens included
  int32_t bos_id = -1;     // bos_token_id: <|begin_of_text|>; Qwen: <|endoftext|> (its tokenizer adds no BOS)
  int32_t eos_id = -1;     // tokenizer_config.json's eos_token: <|eot_id|>, <|im_end|>
  int32_t pad_id = -1;     // tokenizer_config.json's pad_token: <|endoftext|>; -1: none (llama3)
  int32_t end_of_turn_id = -1;              // what an assistant turn of the chat template ends with
  std::vector<int32_t> generation_eos_ids;  // generation_config.json's eos_token_id: [<|end_of_text|>,
                                            // <|eot_id|>], Qwen [<|im_end|>, <|endoftext|>]
};

// Writes `bpe` (as train_byte_level_bpe returns it) in `layout`, with `chat_template` (the
// family's, see family_chat_templates.hpp) in tokenizer_config.json. Llama-3's added tokens are
// <|begin_of_text|>, <|end_of_text|>, <|reserved_special_token_0..3|>, <|start_header_id|>,
// <|end_header_id|>, <|reserved_special_token_4|>, <|eot_id|>, then reserved 5.. up to
// `llama3_reserved_special_tokens` (at least 5; Llama-3 has 251); Qwen's are listed above.
// ConfigError when `bpe` does not hold the 256 byte symbols first, repeats a token, or has a
// merge whose parts or result are not tokens.
TokenizerFiles byte_level_tokenizer_files(const TrainedBpe& bpe, TokenizerLayout layout, std::string_view chat_template,
                                          int32_t llama3_reserved_special_tokens = 5);

}  // namespace sppo
