#pragma once
// defines: sppo::HfTokenizer, a Hugging Face tokenizer.json (+ tokenizer_config.json) tokenizer
// that encodes and decodes as transformers' PreTrainedTokenizerFast does: added tokens first
// (special-token strings typed in the text become those tokens), then per stretch of text the
// normalizer, the pre-tokenizer and the BPE model, then the post-processor; decoding maps ids
// back through the decoder and transformers' clean_up_tokenization. See docs/tokenizers.md for
// what is supported and what is refused.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sppo {

class HfTokenizer {
 public:
  // `folder`/tokenizer.json, and `folder`/tokenizer_config.json when present (the chat template
  // from `folder`/chat_template.jinja when the config has none). Throws IoError when
  // tokenizer.json cannot be read, FormatError naming the file and the JSON path otherwise:
  // "<folder>/tokenizer.json: pre_tokenizer.pretokenizers[1].type = \"Digits\": not supported".
  static HfTokenizer load(const std::string& folder);

  // The same from the files' contents; `tokenizer_json_name` and `config_name` name them in errors.
  static HfTokenizer from_json(std::string_view tokenizer_json, const std::string& tokenizer_json_name,
                               std::string_view config_json, const std::string& config_name);

  HfTokenizer(HfTokenizer&&) noexcept;
  HfTokenizer& operator=(HfTokenizer&&) noexcept;
  ~HfTokenizer();

  // Ids of `text` (UTF-8; FormatError at the first invalid byte otherwise). With
  // `add_special_tokens` the post-processor adds its special tokens (e.g. BOS). Thread-safe.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;

  // Text of `ids`; special tokens left out with `skip_special_tokens`; clean_up_tokenization
  // when tokenizer_config.json asks for it. FormatError naming an id without a token.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const;

  // Token strings as in the vocab (byte-level tokens as stored: "Ġhello"). FormatError naming
  // an id without a token.
  std::vector<std::string> tokens(const std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;  // added tokens, then the vocab
  int64_t vocab_size() const;  // highest id + 1, added tokens included
  // A special added token: marked so in added_tokens, or named by tokenizer_config.json
  // (bos_token, ..., additional_special_tokens) while only in the model's vocab.
  bool is_special(int32_t id) const;

  // tokenizer_config.json's bos_token, eos_token, pad_token, unk_token; nullopt when it does not
  // set them (as in transformers: no fallback to the model's unk_token or to eos for padding).
  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  std::optional<int32_t> pad_id() const;
  std::optional<int32_t> unk_id() const;
  std::optional<std::string> bos_token() const;
  std::optional<std::string> eos_token() const;
  std::optional<std::string> pad_token() const;
  std::optional<std::string> unk_token() const;

  // The chat template (Jinja source) named `name`; a config holding one string template has
  // only "default". nullopt when there is none of that name.
  std::optional<std::string> chat_template(const std::string& name = "default") const;

 private:
  struct Impl;
  explicit HfTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// transformers' clean_up_tokenization: " ." -> "." and the like for " ?", " !", " ,", " ' ",
// " n't", " 'm", " 's", " 've", " 're", replaced in that order.
std::string clean_up_tokenization(std::string text);

}  // namespace sppo
