#pragma once
// defines: sppo::ChatFormat, how a conversation becomes a policy's prompt ids and a text
// response its response ids (policy.chat_template, SPEC.md §1 and §5):
//   auto        the folder's own Jinja chat_template (tokenizer_config.json or
//               chat_template.jinja), rendered as transformers' apply_chat_template with
//               add_generation_prompt, then tokenized without adding specials again;
//   <file>.jinja  the same with that file's template;
//   mistral     the built-in [BOS] + encode("[INST] {prompt} [/INST]") of the official
//               Mistral-7B recipe (special-token strings typed by a user stay text);
//   none        [BOS] + encode(prompt).
// A text response ends with the end-of-turn token: what the template writes after an
// assistant message (<|eot_id|>, <|im_end|>, <end_of_turn>, </s>), policy.end_of_turn when set,
// else the tokenizer's EOS.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/policy_tokenizer.hpp"

namespace sppo {

class JinjaChatTemplate;

class ChatFormat {
 public:
  // `setting` is policy.chat_template; `tokenizer` must outlive the format. Throws ConfigError naming the key when the folder has
  // no template for auto, when a .jinja file cannot be read, or when policy.end_of_turn is not
  // one token; TemplateError naming the construct and its line for a template this
  // interpreter cannot render.
  static ChatFormat resolve(const std::string& setting, const std::optional<std::string>& end_of_turn,
                            const PolicyTokenizer& tokenizer);
  ~ChatFormat();
  ChatFormat(ChatFormat&&) noexcept;
  ChatFormat& operator=(ChatFormat&&) noexcept;

  // "built-in mistral", "none", "<folder>/tokenizer_config.json: chat_template", "<file>.jinja".
  const std::string& origin() const { return origin_; }
  const PolicyTokenizer& tokenizer() const { return *tokenizer_; }
  bool uses_template() const { return static_cast<bool>(template_); }

  // The rendered prompt text of `messages` (a JSON list of {role, content, ...}) with the
  // generation prompt; one user message for a plain prompt. The built-in formats take one user
  // message only. A template's raise_exception() is a TemplateRaisedError with its message.
  std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt = true) const;
  std::vector<int32_t> conversation_ids(const nlohmann::ordered_json& messages) const;
  std::vector<int32_t> prompt_ids(std::string_view user_message) const;  // one user message
  // encode(response) + the end-of-turn id.
  std::vector<int32_t> response_ids(std::string_view response) const;
  int32_t end_of_turn_id() const { return end_of_turn_id_; }
  const std::string& end_of_turn_token() const { return end_of_turn_token_; }

  // The prompt as PairRM sees it, as the official pipeline passes it: the rendered prompt text
  // (decoded back from its ids, special tokens kept).
  std::string judge_source(const std::vector<int32_t>& prompt_ids) const;
  // A decoded prompt without the built-in mistral wrapping ("[INST] hi [/INST]" -> "hi"), for
  // export's prompt column; other formats give the decoded text unchanged.
  std::string strip(const std::string& decoded_prompt) const;

 private:
  enum class Kind { jinja, mistral, none };
  ChatFormat(const PolicyTokenizer& tokenizer, Kind kind);

  const PolicyTokenizer* tokenizer_;
  Kind kind_;
  std::string origin_;
  std::unique_ptr<JinjaChatTemplate> template_;
  int32_t end_of_turn_id_ = 0;
  std::string end_of_turn_token_;
};

// One user message as a messages list: [{"role": "user", "content": text}].
nlohmann::ordered_json user_message(std::string_view text);

}  // namespace sppo
