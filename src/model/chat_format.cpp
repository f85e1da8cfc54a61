#include "model/chat_format.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "model/chat_template.hpp"
#include "model/jinja_error.hpp"

namespace sppo {
namespace {

constexpr std::string_view kInstOpen = "[INST] ";
constexpr std::string_view kInstClose = " [/INST]";
// An assistant message no template would write, to find what the template writes after one.
constexpr const char* kProbe = "SPPO-END-OF-TURN-PROBE";

// The content of the one user message the built-in formats take.
std::string only_user_message(const nlohmann::ordered_json& messages, const std::string& format) {
  if (messages.is_array() && messages.size() == 1 && messages[0].is_object() && messages[0].value("role", "") == "user" &&
      messages[0].contains("content") && messages[0]["content"].is_string())
    return messages[0]["content"].get<std::string>();
  throw ConfigError("policy.chat_template = " + format + ": takes one user message per prompt; for message lists use "
                    "auto (the model's own template) or a .jinja file");
}

std::string read_template_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("policy.chat_template = " + path + ": cannot read the template file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

nlohmann::ordered_json user_message(std::string_view text) {
  return nlohmann::ordered_json::array({{{"role", "user"}, {"content", std::string(text)}}});
}

ChatFormat::ChatFormat(const PolicyTokenizer& tokenizer, Kind kind) : tokenizer_(&tokenizer), kind_(kind) {}
ChatFormat::~ChatFormat() = default;
ChatFormat::ChatFormat(ChatFormat&&) noexcept = default;
ChatFormat& ChatFormat::operator=(ChatFormat&&) noexcept = default;

ChatFormat ChatFormat::resolve(const std::string& setting, const std::optional<std::string>& end_of_turn,
                               const PolicyTokenizer& tokenizer) {
  const Kind kind = setting == "mistral" ? Kind::mistral : setting == "none" ? Kind::none : Kind::jinja;
  ChatFormat f(tokenizer, kind);
  if (kind == Kind::mistral) f.origin_ = "built-in mistral";
  if (kind == Kind::none) f.origin_ = "none";
  if (kind == Kind::jinja) {
    std::string text;
    if (setting == "auto") {
      if (!tokenizer.chat_template())
        throw ConfigError("policy.chat_template = auto: " + tokenizer.folder() +
                          " has no chat template (tokenizer_config.json chat_template or chat_template.jinja); set "
                          "policy.chat_template to mistral, none or a .jinja file");
      text = *tokenizer.chat_template();
      f.origin_ = tokenizer.chat_template_origin();
    } else {
      text = read_template_file(setting);
      f.origin_ = setting;
    }
    f.template_ = std::make_unique<JinjaChatTemplate>(JinjaChatTemplate::parse(text, f.origin_));
  }

  // ---- the end-of-turn token
  f.end_of_turn_id_ = tokenizer.eos_id();
  if (end_of_turn) {
    const auto id = tokenizer.token_to_id(*end_of_turn);
    if (!id) throw ConfigError("policy.end_of_turn = \"" + *end_of_turn + "\": not a token of " + tokenizer.folder());
    f.end_of_turn_id_ = *id;
  } else if (f.template_) {
    // What the template writes right after an assistant message, when that is a special token.
    try {
      nlohmann::ordered_json probe = user_message("Hi");
      probe.push_back({{"role", "assistant"}, {"content", kProbe}});
      const std::string text = f.render(probe, false);
      const auto at = text.find(kProbe);
      if (at != std::string::npos) {
        const std::vector<int32_t> after = tokenizer.encode_rendered(text.substr(at + std::string(kProbe).size()));
        if (!after.empty() && tokenizer.is_special(after.front())) f.end_of_turn_id_ = after.front();
      }
    } catch (const TemplateError&) {
      // A template that refuses this conversation keeps the tokenizer's EOS.
    }
  }
  f.end_of_turn_token_ = tokenizer.token_strings({f.end_of_turn_id_}).front();
  return f;
}

std::string ChatFormat::render(const nlohmann::ordered_json& messages, bool add_generation_prompt) const {
  const auto& specials = tokenizer_->special_tokens();
  const std::string bos = specials.count("bos_token") ? specials.at("bos_token") : "";
  switch (kind_) {
    case Kind::mistral: return bos + std::string(kInstOpen) + only_user_message(messages, "mistral") + std::string(kInstClose);
    case Kind::none: return bos + only_user_message(messages, "none");
    case Kind::jinja: {
      ChatRenderOptions options;
      options.add_generation_prompt = add_generation_prompt;
      options.special_tokens = specials;
      return template_->render(messages, options);
    }
  }
  return "";
}

std::vector<int32_t> ChatFormat::conversation_ids(const nlohmann::ordered_json& messages) const {
  if (kind_ == Kind::jinja) return tokenizer_->encode_rendered(render(messages, true));
  // The built-in formats: BOS, then the text tokenized as plain text (special-token strings
  // typed by the user stay text).
  std::vector<int32_t> ids;
  if (tokenizer_->bos_id()) ids.push_back(*tokenizer_->bos_id());
  const std::string content = only_user_message(messages, kind_ == Kind::mistral ? "mistral" : "none");
  const std::string text =
      kind_ == Kind::mistral ? std::string(kInstOpen) + content + std::string(kInstClose) : content;
  for (int32_t id : tokenizer_->encode(text)) ids.push_back(id);
  return ids;
}

std::vector<int32_t> ChatFormat::prompt_ids(std::string_view user_text) const { return conversation_ids(user_message(user_text)); }

std::vector<int32_t> ChatFormat::response_ids(std::string_view response) const {
  std::vector<int32_t> ids = tokenizer_->encode(response);
  ids.push_back(end_of_turn_id_);
  return ids;
}

std::string ChatFormat::judge_source(const std::vector<int32_t>& prompt_ids) const {
  if (kind_ == Kind::jinja) return tokenizer_->decode_as_hf(prompt_ids, /*skip_special_tokens=*/false);
  const auto& specials = tokenizer_->special_tokens();
  // The official pipeline shows PairRM the templated prompt with its "<s>".
  const std::string bos = kind_ == Kind::mistral && specials.count("bos_token") ? specials.at("bos_token") : "";
  return bos + tokenizer_->decode(prompt_ids);
}

std::string ChatFormat::strip(const std::string& decoded_prompt) const {
  if (kind_ != Kind::mistral) return decoded_prompt;
  std::string_view s = decoded_prompt;
  if (s.substr(0, kInstOpen.size()) == kInstOpen && s.size() >= kInstOpen.size() + kInstClose.size() &&
      s.substr(s.size() - kInstClose.size()) == kInstClose)
    return std::string(s.substr(kInstOpen.size(), s.size() - kInstOpen.size() - kInstClose.size()));
  return decoded_prompt;
}

}  // namespace sppo
