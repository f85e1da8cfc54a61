#include "model/policy_tokenizer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "model/hf_tokenizer.hpp"
#include "model/sentencepiece.hpp"

namespace sppo {
namespace {

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A JSON file of the folder, or null when absent.
nlohmann::json optional_json(const std::string& path) {
  if (!is_file(path)) return nullptr;
  try {
    return nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
}

// tokenizer_config.json spells a special token as "<s>" or {"content": "<s>", ...}.
std::optional<std::string> token_text(const nlohmann::json& config, const char* key) {
  if (!config.is_object()) return std::nullopt;
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) return (*it)["content"].get<std::string>();
  return std::nullopt;
}

// chat_template: a string, or a list of {"name", "template"} whose "default" is taken.
std::optional<std::string> config_chat_template(const nlohmann::json& config, const std::string& path) {
  if (!config.is_object() || !config.contains("chat_template") || config["chat_template"].is_null()) return std::nullopt;
  const auto& t = config["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {
    for (const auto& entry : t)
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") && entry["template"].is_string())
        return entry["template"].get<std::string>();
    return std::nullopt;
  }
  throw FormatError(path + ": chat_template must be a string or a list of {name, template}");
}

}  // namespace

const std::vector<std::string>& tokenizer_files() {
  static const std::vector<std::string> files{"tokenizer.json",          "tokenizer.model",        "tokenizer_config.json",
                                              "special_tokens_map.json", "generation_config.json", "chat_template.jinja",
                                              "added_tokens.json"};
  return files;
}

PolicyTokenizer::~PolicyTokenizer() = default;
PolicyTokenizer::PolicyTokenizer(PolicyTokenizer&&) noexcept = default;
PolicyTokenizer& PolicyTokenizer::operator=(PolicyTokenizer&&) noexcept = default;

PolicyTokenizer::PolicyTokenizer(const std::string& folder) : folder_(folder) {
  const std::string config_path = folder + "/tokenizer_config.json";
  const nlohmann::json config = optional_json(config_path);
  const std::string generation_path = folder + "/generation_config.json";
  const nlohmann::json generation = optional_json(generation_path);

  if (is_file(folder + "/tokenizer.json")) {
    kind_ = Kind::tokenizer_json;
    hf_ = std::make_unique<HfTokenizer>(HfTokenizer::load(folder));
    bos_ = hf_->bos_id();
    if (const auto eos = hf_->eos_id()) eos_ = *eos;
    else throw FormatError(config_path + ": eos_token: missing (sppo ends text responses and generation with it)");
    for (const auto& [key, value] : {std::pair{"bos_token", hf_->bos_token()}, {"eos_token", hf_->eos_token()},
                                     {"unk_token", hf_->unk_token()}, {"pad_token", hf_->pad_token()}})
      if (value) special_tokens_[key] = *value;
  } else {
    const std::string model_path = folder + "/tokenizer.model";
    if (!is_file(model_path))
      throw FormatError(folder + ": no tokenizer: expected tokenizer.json (Hugging Face) or tokenizer.model (SentencePiece)");
    sp_ = std::make_unique<SentencePiece>(model_path);
    int32_t bos = sp_->piece_to_id("<s>");
    eos_ = sp_->piece_to_id("</s>");
    auto resolve = [&](const char* key, int32_t& id) {
      if (auto text = token_text(config, key)) {
        const int32_t found = sp_->piece_to_id(*text);
        if (sp_->is_unknown(found) && *text != sp_->id_to_piece(found))
          throw FormatError(config_path + ": " + key + " \"" + *text + "\" is not a piece of tokenizer.model");
        id = found;
      }
    };
    resolve("bos_token", bos);
    resolve("eos_token", eos_);
    if (sp_->is_unknown(bos) || sp_->is_unknown(eos_))
      throw FormatError(model_path + ": no <s>/</s> pieces and tokenizer_config.json names none");
    bos_ = bos;
    special_tokens_["bos_token"] = sp_->id_to_piece(bos);
    special_tokens_["eos_token"] = sp_->id_to_piece(eos_);
    for (const char* key : {"unk_token", "pad_token"})
      if (const auto text = token_text(config, key)) special_tokens_[key] = *text;
    // additional_special_tokens (Gemma's <start_of_turn>, <end_of_turn>): special as the
    // control pieces are, though SentencePiece stores them as user-defined pieces.
    if (config.is_object() && config.contains("additional_special_tokens") && config["additional_special_tokens"].is_array()) {
      for (const auto& token : config["additional_special_tokens"]) {
        const std::string text = token.is_string() ? token.get<std::string>()
                                 : token.is_object() && token.contains("content") && token["content"].is_string()
                                     ? token["content"].get<std::string>()
                                     : throw FormatError(config_path + ": additional_special_tokens: expected strings");
        const int32_t id = sp_->piece_to_id(text);
        if (sp_->is_unknown(id) && text != sp_->id_to_piece(id))
          throw FormatError(config_path + ": additional_special_tokens: \"" + text + "\" is not a piece of tokenizer.model");
        additional_specials_.emplace_back(text, id);
      }
    }
  }

  // ---- where generation stops
  const int64_t vocab = vocab_size();
  if (generation.is_object() && generation.contains("eos_token_id") && !generation["eos_token_id"].is_null()) {
    const auto& e = generation["eos_token_id"];
    std::vector<nlohmann::json> ids = e.is_array() ? std::vector<nlohmann::json>(e.begin(), e.end()) : std::vector<nlohmann::json>{e};
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string at = generation_path + ": eos_token_id" + (e.is_array() ? "[" + std::to_string(i) + "]" : "");
      if (!ids[i].is_number_integer() || ids[i].get<int64_t>() < 0 || ids[i].get<int64_t>() >= vocab)
        throw FormatError(at + " = " + ids[i].dump() + ": not a token id below the vocabulary size " + std::to_string(vocab));
      stop_ids_.push_back(ids[i].get<int32_t>());
    }
    if (stop_ids_.empty()) throw FormatError(generation_path + ": eos_token_id: an empty list");
    stop_ids_origin_ = generation_path;
  } else {
    stop_ids_ = {eos_};
    stop_ids_origin_ = config_path + " (eos_token)";
  }

  // ---- the folder's chat template
  if ((chat_template_ = config_chat_template(config, config_path))) {
    chat_template_origin_ = config_path + ": chat_template";
  } else if (is_file(folder + "/chat_template.jinja")) {
    chat_template_ = read_text(folder + "/chat_template.jinja");
    chat_template_origin_ = folder + "/chat_template.jinja";
  }
}

std::string PolicyTokenizer::describe() const {
  return kind_ == Kind::tokenizer_json ? "tokenizer.json (Hugging Face BPE)" : "tokenizer.model (SentencePiece)";
}

std::vector<int32_t> PolicyTokenizer::encode(std::string_view text) const {
  if (hf_) return hf_->encode(text, false);
  const std::vector<int> ids = sp_->encode(text);
  return {ids.begin(), ids.end()};
}

std::vector<int32_t> PolicyTokenizer::encode_rendered(std::string_view text) const {
  if (hf_) return hf_->encode(text, false);
  // The special tokens' strings, longest first, split the text; each stretch between them is
  // encoded by SentencePiece with its dummy prefix.
  std::vector<std::pair<std::string, int32_t>> specials;
  for (const auto& [key, piece] : special_tokens_) {
    const int32_t id = sp_->piece_to_id(piece);
    if (!piece.empty() && !(sp_->is_unknown(id) && piece != sp_->id_to_piece(id))) specials.emplace_back(piece, id);
  }
  specials.insert(specials.end(), additional_specials_.begin(), additional_specials_.end());
  std::sort(specials.begin(), specials.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  std::vector<int32_t> out;
  std::size_t start = 0, at = 0;
  auto flush = [&](std::size_t end) {
    if (end > start)
      for (int id : sp_->encode(text.substr(start, end - start))) out.push_back(id);
  };
  while (at < text.size()) {
    const auto match = std::find_if(specials.begin(), specials.end(), [&](const auto& s) { return text.substr(at, s.first.size()) == s.first; });
    if (match == specials.end()) {
      ++at;
      continue;
    }
    flush(at);
    out.push_back(match->second);
    at += match->first.size();
    start = at;
  }
  flush(text.size());
  return out;
}

std::vector<int32_t> PolicyTokenizer::encode_as_hf(std::string_view text, bool add_special_tokens) const {
  if (hf_) return hf_->encode(text, add_special_tokens);
  std::vector<int32_t> out;
  if (add_special_tokens && bos_) out.push_back(*bos_);
  for (int32_t id : encode_rendered(text)) out.push_back(id);
  return out;
}

std::string PolicyTokenizer::decode(const std::vector<int32_t>& ids) const {
  if (hf_) return hf_->decode(ids, true);
  std::vector<int> kept;
  kept.reserve(ids.size());
  for (int32_t id : ids)
    if ((!bos_ || id != *bos_) && id != eos_ && id >= 0 && id < sp_->piece_size() && !is_special(id)) kept.push_back(id);
  return sp_->decode(kept);
}

std::string PolicyTokenizer::decode_as_hf(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  if (hf_) return hf_->decode(ids, skip_special_tokens);
  if (skip_special_tokens) return decode(ids);
  // Control pieces as their strings, the stretches between them decoded by SentencePiece.
  std::string out;
  std::vector<int> run;
  auto flush = [&] {
    if (!run.empty()) out += sp_->decode(run);
    run.clear();
  };
  for (int32_t id : ids) {
    if (id < 0 || id >= sp_->piece_size()) throw FormatError(folder_ + "/tokenizer.model: id " + std::to_string(id) + " has no piece");
    if (is_special(id)) {
      flush();
      out += sp_->id_to_piece(id);
    } else {
      run.push_back(id);
    }
  }
  flush();
  return out;
}

std::vector<std::string> PolicyTokenizer::token_strings(const std::vector<int32_t>& ids) const {
  if (hf_) return hf_->tokens(ids);
  std::vector<std::string> out;
  for (int32_t id : ids) {
    if (id < 0 || id >= sp_->piece_size()) throw FormatError(folder_ + "/tokenizer.model: id " + std::to_string(id) + " has no piece");
    out.push_back(sp_->id_to_piece(id));
  }
  return out;
}

int64_t PolicyTokenizer::vocab_size() const { return hf_ ? hf_->vocab_size() : sp_->piece_size(); }

std::optional<int32_t> PolicyTokenizer::token_to_id(std::string_view token) const {
  if (hf_) return hf_->token_to_id(token);
  const int id = sp_->piece_to_id(token);
  if (sp_->is_unknown(id) && token != sp_->id_to_piece(id)) return std::nullopt;
  return id;
}

bool PolicyTokenizer::is_special(int32_t id) const {
  if (hf_) return hf_->is_special(id);
  if (id < 0 || id >= sp_->piece_size()) return false;
  if (sp_->is_control(id)) return true;
  return std::any_of(additional_specials_.begin(), additional_specials_.end(), [&](const auto& s) { return s.second == id; });
}

}  // namespace sppo
