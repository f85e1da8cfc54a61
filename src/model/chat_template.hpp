#pragma once
// defines: sppo::JinjaChatTemplate, a model's chat template (the Jinja text in its
// tokenizer_config.json) parsed once and rendered for conversations the way transformers'
// apply_chat_template renders it (jinja2 sandboxed, trim_blocks, lstrip_blocks, loop
// controls, raise_exception, tojson, strftime_now), byte for byte.
// Named so as not to clash with the sppo::ChatTemplate enum of core/config.hpp.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/jinja_interpreter.hpp"

namespace sppo {

namespace jinja {
struct Program;
}

struct ChatMessage {
  std::string role;
  std::string content;
};

struct ChatRenderOptions {
  bool add_generation_prompt = true;
  // bos_token, eos_token, unk_token, pad_token (see chat_special_tokens); a token left out is
  // undefined in the template, as transformers leaves out the unset ones.
  std::map<std::string, std::string> special_tokens;
  // More template variables: tools, documents, enable_thinking, date_string, ... (a JSON
  // object; its values override the ones above).
  nlohmann::ordered_json extra_variables = nlohmann::ordered_json::object();
  // The moment strftime_now() formats ("YYYY-MM-DD HH:MM:SS", naive local time like Python's
  // datetime.now()): fixed, so that every rank and every stage renders the same prompt.
  std::string now = "2024-07-26 00:00:00";
  jinja::RenderLimits limits;
};

class JinjaChatTemplate {
 public:
  // TemplateSyntaxError / TemplateUnsupportedError "<origin>:<line>: ..." when `source_text` is
  // not a template this interpreter can render.
  static JinjaChatTemplate parse(const std::string& source_text, const std::string& origin);

  // The chat_template of a tokenizer_config.json: a string, or a list of {"name", "template"}
  // from which `name` is taken. FormatError "<origin>: ..." when there is none.
  static JinjaChatTemplate from_tokenizer_config(const nlohmann::ordered_json& config, const std::string& origin,
                                                 const std::string& name = "default");

  // `messages` is the conversation as a JSON list of message objects (extra keys, such as
  // tool_calls, are visible to the template; missing ones are undefined). Keys keep their
  // order, as Python's json does: parse JSONL lines as nlohmann::ordered_json.
  // TemplateRaisedError carries a raise_exception() message exactly; other TemplateErrors say
  // what failed and on which line.
  std::string render(const nlohmann::ordered_json& messages, const ChatRenderOptions& options) const;
  std::string render(const nlohmann::json& messages, const ChatRenderOptions& options) const;
  std::string render(const std::vector<ChatMessage>& messages, const ChatRenderOptions& options) const;

  const std::string& origin() const;

 private:
  explicit JinjaChatTemplate(std::shared_ptr<const jinja::Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const jinja::Program> program_;
};

// The special tokens of a tokenizer_config.json that the reference passes to templates:
// bos_token, eos_token, unk_token and pad_token, each a string or {"content": "..."}; absent or
// null ones are left out.
std::map<std::string, std::string> chat_special_tokens(const nlohmann::ordered_json& tokenizer_config);

}  // namespace sppo
