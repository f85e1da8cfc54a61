#include "model/chat_template.hpp"

#include <cstdio>
#include <ctime>

#include "core/error.hpp"
#include "io/utf8.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_parser.hpp"

namespace sppo {
namespace {

// "YYYY-MM-DD[ HH:MM:SS]" as a broken-down time with its weekday and day of the year.
std::tm parse_now(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char extra = 0;
  const int n = std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &year, &month, &day, &hour, &minute, &second, &extra);
  if (!(n == 3 || n == 6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    throw ConfigError("chat template option now = \"" + text + "\": expected \"YYYY-MM-DD HH:MM:SS\"");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);  // normalises and fills tm_wday / tm_yday
  std::tm out{};
  gmtime_r(&t, &out);
  if (out.tm_mday != day) throw ConfigError("chat template option now = \"" + text + "\": no such date");
  return out;
}

void check_utf8_strings(const nlohmann::ordered_json& j, const std::string& origin, int depth = 0) {
  if (depth > jinja::kMaxValueDepth)
    throw FormatError(origin + ": template variables nested deeper than " + std::to_string(jinja::kMaxValueDepth) + " levels");
  if (j.is_string()) {
    if (first_invalid_utf8(j.get_ref<const std::string&>()))
      throw FormatError(origin + ": a message string is not valid UTF-8");
  } else if (j.is_structured()) {
    for (const auto& [key, item] : j.items()) {
      if (first_invalid_utf8(key)) throw FormatError(origin + ": a message key is not valid UTF-8");
      check_utf8_strings(item, origin, depth + 1);
    }
  }
}

// Whether `j` nests deeper than the interpreter's values may (checked before nlohmann's own
// recursive dump could run out of stack).
bool too_deep(const nlohmann::json& j, int depth = 0) {
  if (depth > jinja::kMaxValueDepth) return true;
  if (j.is_structured())
    for (const auto& item : j)
      if (too_deep(item, depth + 1)) return true;
  return false;
}

}  // namespace

JinjaChatTemplate JinjaChatTemplate::parse(const std::string& source_text, const std::string& origin) {
  return JinjaChatTemplate(jinja::parse_template(source_text, origin));
}

JinjaChatTemplate JinjaChatTemplate::from_tokenizer_config(const nlohmann::ordered_json& config, const std::string& origin,
                                                           const std::string& name) {
  const auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) throw FormatError(origin + ": no chat_template");
  if (it->is_string()) return parse(it->get<std::string>(), origin + ": chat_template");
  if (it->is_array()) {
    for (const auto& entry : *it) {
      if (entry.is_object() && entry.value("name", "") == name && entry.contains("template") && entry["template"].is_string())
        return parse(entry["template"].get<std::string>(), origin + ": chat_template " + name);
    }
    throw FormatError(origin + ": chat_template has no template named \"" + name + "\"");
  }
  throw FormatError(origin + ": chat_template must be a string or a list of {name, template}");
}

const std::string& JinjaChatTemplate::origin() const { return program_->origin; }

std::string JinjaChatTemplate::render(const nlohmann::ordered_json& messages, const ChatRenderOptions& options) const {
  if (!messages.is_array()) throw FormatError(program_->origin + ": the messages to render must be a JSON list");
  if (!options.extra_variables.is_object())
    throw ConfigError(program_->origin + ": the extra template variables must be a JSON object");
  check_utf8_strings(messages, program_->origin);
  check_utf8_strings(options.extra_variables, program_->origin);
  jinja::RenderSettings settings;
  settings.limits = options.limits;
  settings.now = parse_now(options.now);
  jinja::Variables variables;
  try {
    variables.emplace_back("messages", jinja::from_json(messages));
    variables.emplace_back("add_generation_prompt", jinja::Value::boolean(options.add_generation_prompt));
    for (const auto& [name, token] : options.special_tokens) variables.emplace_back(name, jinja::Value::string(token));
    for (const auto& [name, value] : options.extra_variables.items()) variables.emplace_back(name, jinja::from_json(value));
  } catch (const jinja::EvalError& e) {
    throw FormatError(program_->origin + ": template variables: " + e.message());
  }
  jinja::Interpreter interpreter(*program_, settings);
  return interpreter.render(variables);
}

std::string JinjaChatTemplate::render(const nlohmann::json& messages, const ChatRenderOptions& options) const {
  if (too_deep(messages))
    throw FormatError(program_->origin + ": messages nested deeper than " + std::to_string(jinja::kMaxValueDepth) + " levels");
  return render(nlohmann::ordered_json::parse(messages.dump()), options);
}

std::string JinjaChatTemplate::render(const std::vector<ChatMessage>& messages, const ChatRenderOptions& options) const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ChatMessage& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  return render(list, options);
}

std::map<std::string, std::string> chat_special_tokens(const nlohmann::ordered_json& tokenizer_config) {
  std::map<std::string, std::string> tokens;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    const auto it = tokenizer_config.find(key);
    if (it == tokenizer_config.end()) continue;
    if (it->is_string()) {
      tokens[key] = it->get<std::string>();
    } else if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
      tokens[key] = (*it)["content"].get<std::string>();
    }
  }
  return tokens;
}

}  // namespace sppo
