#pragma once
// defines: sppo::PolicyTokenizer, the tokenizer of a policy folder: its tokenizer.json (Hugging
// Face, preferred when both exist, as transformers does) or its SentencePiece tokenizer.model,
// with the special tokens of tokenizer_config.json, the stop ids of generation_config.json and
// the folder's chat template. How a prompt becomes ids is the chat format's business
// (model/chat_format.hpp); this class only turns text into ids and back.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sppo {

class HfTokenizer;
class SentencePiece;

class PolicyTokenizer {
 public:
  enum class Kind { sentencepiece, tokenizer_json };

  // Reads `folder`/tokenizer.json or `folder`/tokenizer.model, tokenizer_config.json and
  // generation_config.json when present. A folder with only tokenizer files (no weights) is
  // enough. Throws FormatError/IoError naming the file and the field.
  explicit PolicyTokenizer(const std::string& folder);
  ~PolicyTokenizer();
  PolicyTokenizer(PolicyTokenizer&&) noexcept;
  PolicyTokenizer& operator=(PolicyTokenizer&&) noexcept;

  Kind kind() const { return kind_; }
  const std::string& folder() const { return folder_; }
  // "tokenizer.json (Hugging Face BPE)" or "tokenizer.model (SentencePiece)", for messages.
  std::string describe() const;

  // Text to ids, nothing added. tokenizer.json: special-token strings typed in the text become
  // those tokens (Hugging Face's behaviour); tokenizer.model: they stay text (SPEC.md §1).
  std::vector<int32_t> encode(std::string_view text) const;
  // A rendered chat template to ids, nothing added (no second BOS): the special-token strings
  // the template wrote become their ids whichever tokenizer; for SentencePiece each stretch
  // between them is encoded on its own, with the dummy prefix (the legacy Llama/Mistral rule).
  std::vector<int32_t> encode_rendered(std::string_view text) const;
  // Hugging Face's encode(text, add_special_tokens): for `sppo tokenize`. SentencePiece adds BOS.
  std::vector<int32_t> encode_as_hf(std::string_view text, bool add_special_tokens) const;

  // Text of `ids` without special tokens (user-facing: exports, judges' candidates).
  std::string decode(const std::vector<int32_t>& ids) const;
  // Hugging Face's decode(ids, skip_special_tokens).
  std::string decode_as_hf(const std::vector<int32_t>& ids, bool skip_special_tokens) const;
  // The vocabulary's strings of `ids` ("Ġhello", "▁the"). FormatError naming an unknown id.
  std::vector<std::string> token_strings(const std::vector<int32_t>& ids) const;

  int64_t vocab_size() const;
  std::optional<int32_t> token_to_id(std::string_view token) const;
  bool is_special(int32_t id) const;
  std::optional<int32_t> bos_id() const { return bos_; }
  int32_t eos_id() const { return eos_; }
  // bos_token, eos_token, unk_token, pad_token as the folder names them: what chat templates see.
  const std::map<std::string, std::string>& special_tokens() const { return special_tokens_; }
  // Where generation stops: generation_config.json's eos_token_id (an int or a list: Llama-3
  // stops at <|eot_id|> and <|end_of_text|>), else the tokenizer's EOS.
  const std::vector<int32_t>& stop_ids() const { return stop_ids_; }
  std::string stop_ids_origin() const { return stop_ids_origin_; }
  // The folder's chat template (Jinja source) and where it came from, if it has one.
  const std::optional<std::string>& chat_template() const { return chat_template_; }
  const std::string& chat_template_origin() const { return chat_template_origin_; }

 private:
  std::string folder_;
  Kind kind_ = Kind::sentencepiece;
  std::unique_ptr<HfTokenizer> hf_;
  std::unique_ptr<SentencePiece> sp_;
  std::optional<int32_t> bos_;
  int32_t eos_ = 2;
  std::map<std::string, std::string> special_tokens_;
  std::vector<std::pair<std::string, int32_t>> additional_specials_;  // SentencePiece: tokenizer_config's additional_special_tokens
  std::vector<int32_t> stop_ids_;
  std::string stop_ids_origin_;
  std::optional<std::string> chat_template_;
  std::string chat_template_origin_;
};

// The files of a policy folder that describe its tokenizer and prompt format, in the order
// sppo reads them: what an exported policy carries along and what fingerprints cover.
const std::vector<std::string>& tokenizer_files();

}  // namespace sppo
