#pragma once
// defines: sppo::PolicyTokenizer, the policy's SentencePiece tokenizer with its BOS/EOS and
// the chat templates of SPEC.md §1: prompt = [BOS] + encode("[INST] {prompt} [/INST]"),
// response = encode(response) + [EOS]. Special-token strings inside user text stay text:
// "</s>" typed by a user is encoded as characters, never as the EOS id.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "model/sentencepiece.hpp"

namespace sppo {

class PolicyTokenizer {
 public:
  // `folder`/tokenizer.model, with BOS/EOS from tokenizer_config.json when it names them
  // (else SentencePiece's own <s> and </s>). Throws FormatError naming the file.
  explicit PolicyTokenizer(const std::string& folder);

  std::vector<int32_t> encode(std::string_view text) const;  // plain SentencePiece, no BOS/EOS
  // Text of `ids` without BOS/EOS/control pieces (byte pieces are joined back into UTF-8).
  std::string decode(const std::vector<int32_t>& ids) const;

  std::vector<int32_t> prompt_ids(std::string_view prompt, ChatTemplate chat_template) const;
  std::vector<int32_t> response_ids(std::string_view response) const;

  int32_t bos_id() const { return bos_; }
  int32_t eos_id() const { return eos_; }
  int64_t vocab_size() const { return sp_.piece_size(); }

 private:
  SentencePiece sp_;
  int32_t bos_ = 1;
  int32_t eos_ = 2;
};

// The prompt text a chat template wraps, recovered from its decoded form
// ("[INST] hi [/INST]" -> "hi"); text that does not look templated is returned unchanged.
std::string strip_chat_template(const std::string& decoded_prompt, ChatTemplate chat_template);

}  // namespace sppo
