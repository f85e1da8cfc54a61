// sppo tokenize --model DIR --input FILE.jsonl: a folder's tokenizer and chat template, line
// by line, as Hugging Face's encode / decode / apply_chat_template give them, for users who
// check a folder and for comparing with the references.
//   {"text": s, "add_special_tokens": b}               -> {"ids": [...], "tokens": [...]}
//   {"messages": [...], "add_generation_prompt": b}    -> {"text": rendered, "ids": [...]}
//   {"ids": [...], "skip_special_tokens": b}           -> {"text": decoded}
// A line that fails (a template that raises, an id out of range) gives {"error": message} and
// the next line goes on; a line that is none of these stops the command.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "model/chat_format.hpp"

namespace sppo {
namespace {

bool flag_of(const nlohmann::ordered_json& j, const char* key, bool fallback, const std::string& at) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_boolean()) throw FormatError(at + ": field \"" + std::string(key) + "\" must be true or false");
  return j[key].get<bool>();
}

// The line's answer; what the tokenizer or the template refuses is the line's {"error"}.
nlohmann::ordered_json answer(const nlohmann::ordered_json& j, const std::string& at, const PolicyTokenizer& tokenizer,
                              const std::function<const ChatFormat&()>& format) {
  auto failed = [](const Error& e) { return nlohmann::ordered_json{{"error", std::string(e.what())}}; };
  if (j.contains("text")) {
    if (!j["text"].is_string()) throw FormatError(at + ": field \"text\" must be a string");
    const bool add = flag_of(j, "add_special_tokens", true, at);
    try {
      const auto ids = tokenizer.encode_as_hf(j["text"].get<std::string>(), add);
      return {{"ids", ids}, {"tokens", tokenizer.token_strings(ids)}};
    } catch (const Error& e) {
      return failed(e);
    }
  }
  if (j.contains("messages")) {
    if (!j["messages"].is_array()) throw FormatError(at + ": field \"messages\" must be a list of messages");
    const bool generation_prompt = flag_of(j, "add_generation_prompt", true, at);
    try {
      const std::string text = format().render(j["messages"], generation_prompt);
      return {{"text", text}, {"ids", tokenizer.encode_rendered(text)}};
    } catch (const Error& e) {
      return failed(e);
    }
  }
  if (j.contains("ids")) {
    if (!j["ids"].is_array()) throw FormatError(at + ": field \"ids\" must be a list of token ids");
    const bool skip = flag_of(j, "skip_special_tokens", false, at);
    std::vector<int32_t> ids;
    for (const auto& v : j["ids"]) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= tokenizer.vocab_size())
        return failed(Error("id " + v.dump() + " is not below the vocabulary size " + std::to_string(tokenizer.vocab_size())));
      ids.push_back(v.get<int32_t>());
    }
    try {
      return {{"text", tokenizer.decode_as_hf(ids, skip)}};
    } catch (const Error& e) {
      return failed(e);
    }
  }
  throw FormatError(at + ": expected a field \"text\", \"messages\" or \"ids\"");
}

}  // namespace

int tokenize_command(const CommandLine& cl) {
  const Config defaults = parse_config("", "<defaults>", cl.overrides);
  const PolicyTokenizer tokenizer(*cl.flag("model"));
  std::optional<ChatFormat> chat;  // resolved at the first "messages" line
  const std::function<const ChatFormat&()> format = [&]() -> const ChatFormat& {
    if (!chat) chat.emplace(ChatFormat::resolve(defaults.policy.chat_template, defaults.policy.end_of_turn, tokenizer));
    return *chat;
  };
  for_each_ordered_json_line(*cl.flag("input"), [&](const std::string& at, const nlohmann::ordered_json& j) {
    const nlohmann::ordered_json out = answer(j, at, tokenizer, format);
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
  });
  return 0;
}

}  // namespace sppo
