#include "model/policy_tokenizer.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace sppo {
namespace {

// tokenizer_config.json spells a special token as "<s>" or {"content": "<s>", ...}.
std::optional<std::string> token_text(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) return (*it)["content"].get<std::string>();
  return std::nullopt;
}

constexpr std::string_view kInstOpen = "[INST] ";
constexpr std::string_view kInstClose = " [/INST]";

}  // namespace

PolicyTokenizer::PolicyTokenizer(const std::string& folder) : sp_(folder + "/tokenizer.model") {
  bos_ = sp_.piece_to_id("<s>");
  eos_ = sp_.piece_to_id("</s>");
  const std::string config_path = folder + "/tokenizer_config.json";
  std::ifstream in(config_path);
  if (in) {
    nlohmann::json config;
    try {
      config = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(config_path + ": not valid JSON: " + e.what());
    }
    auto resolve = [&](const char* key, int32_t& id) {
      if (auto text = token_text(config, key)) {
        const int32_t found = sp_.piece_to_id(*text);
        if (sp_.is_unknown(found) && *text != sp_.id_to_piece(found))
          throw FormatError(config_path + ": " + key + " \"" + *text + "\" is not a piece of tokenizer.model");
        id = found;
      }
    };
    resolve("bos_token", bos_);
    resolve("eos_token", eos_);
  }
  if (sp_.is_unknown(bos_) || sp_.is_unknown(eos_))
    throw FormatError(folder + "/tokenizer.model: no <s>/</s> pieces and tokenizer_config.json names none");
}

std::vector<int32_t> PolicyTokenizer::encode(std::string_view text) const {
  const std::vector<int> ids = sp_.encode(text);
  return {ids.begin(), ids.end()};
}

std::string PolicyTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::vector<int> kept;
  kept.reserve(ids.size());
  for (int32_t id : ids)
    if (id != bos_ && id != eos_ && id >= 0 && id < sp_.piece_size()) kept.push_back(id);
  return sp_.decode(kept);
}

std::vector<int32_t> PolicyTokenizer::prompt_ids(std::string_view prompt, ChatTemplate chat_template) const {
  std::vector<int32_t> ids{bos_};
  std::string text;
  if (chat_template == ChatTemplate::mistral) text = std::string(kInstOpen) + std::string(prompt) + std::string(kInstClose);
  else text = std::string(prompt);
  for (int32_t id : encode(text)) ids.push_back(id);
  return ids;
}

std::vector<int32_t> PolicyTokenizer::response_ids(std::string_view response) const {
  std::vector<int32_t> ids = encode(response);
  ids.push_back(eos_);
  return ids;
}

std::string strip_chat_template(const std::string& decoded_prompt, ChatTemplate chat_template) {
  if (chat_template != ChatTemplate::mistral) return decoded_prompt;
  std::string_view s = decoded_prompt;
  if (s.substr(0, kInstOpen.size()) == kInstOpen && s.size() >= kInstOpen.size() + kInstClose.size() &&
      s.substr(s.size() - kInstClose.size()) == kInstClose)
    return std::string(s.substr(kInstOpen.size(), s.size() - kInstOpen.size() - kInstClose.size()));
  return decoded_prompt;
}

}  // namespace sppo
