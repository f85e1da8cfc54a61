#include "io/prompts.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/error.hpp"
#include "io/utf8.hpp"

namespace sppo {
namespace {

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r\n") == std::string::npos; }

// A conversation as chat templates take it.
void check_messages(const nlohmann::json& messages, const std::string& at) {
  if (!messages.is_array() || messages.empty())
    throw FormatError(at + ": field \"messages\" must be a non-empty list of {\"role\", \"content\"} objects");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const std::string where = at + ": messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw FormatError(where + ": expected an object with \"role\" and \"content\"");
    for (const char* key : {"role", "content"})
      if (!m.contains(key) || !m[key].is_string()) throw FormatError(where + "." + key + ": must be a string");
  }
}

}  // namespace

std::vector<int32_t> truncate_prompt(std::vector<int32_t> ids, int64_t max_length) {
  if (static_cast<int64_t>(ids.size()) <= max_length || max_length < 1) return ids;
  std::vector<int32_t> kept{ids.front()};
  kept.insert(kept.end(), ids.end() - (max_length - 1), ids.end());
  return kept;
}

std::vector<Prompt> read_prompts(const std::string& path, const std::string& prompt_field,
                                 const std::optional<std::string>& id_field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  return parse_prompts(in, path, prompt_field, id_field);
}

std::vector<Prompt> parse_prompts(std::istream& in, const std::string& path, const std::string& prompt_field,
                                  const std::optional<std::string>& id_field) {
  std::vector<Prompt> prompts;
  std::unordered_map<std::string, int64_t> line_of_id;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string at = path + ":" + std::to_string(line_number);
    if (line.size() > kMaxPromptLineBytes)
      throw FormatError(at + ": line of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                        std::to_string(kMaxPromptLineBytes));
    if (is_blank(line)) continue;
    if (auto bad = first_invalid_utf8(line))
      throw FormatError(at + ": invalid UTF-8 at byte " + std::to_string(*bad + 1));
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(at + ": not valid JSON: " + e.what());
    }
    if (!record.is_object()) throw FormatError(at + ": expected a JSON object");
    Prompt p;
    p.index = static_cast<int64_t>(prompts.size());
    p.line = line_number;
    auto text = record.find(prompt_field);
    if (text != record.end()) {
      if (!text->is_string()) throw FormatError(at + ": field \"" + prompt_field + "\" must be a string");
      p.text = text->get<std::string>();
      if (p.text.empty()) throw FormatError(at + ": field \"" + prompt_field + "\" is empty");
    } else if (record.contains("messages")) {
      check_messages(record["messages"], at);
      p.messages = nlohmann::ordered_json::parse(line)["messages"].dump();  // key order as written
    } else if (record.contains("prompt_ids")) {
      const auto& ids = record["prompt_ids"];
      if (!ids.is_array() || ids.empty()) throw FormatError(at + ": field \"prompt_ids\" must be a non-empty list of token ids");
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!ids[i].is_number_integer() || ids[i].get<int64_t>() < 0)
          throw FormatError(at + ": field \"prompt_ids\" position " + std::to_string(i) + " = " + ids[i].dump() +
                            ": not a token id");
        p.token_ids.push_back(ids[i].get<int64_t>());
      }
    } else {
      throw FormatError(at + ": field \"" + prompt_field + "\" is missing");
    }
    if (id_field) {
      auto id = record.find(*id_field);
      if (id == record.end()) throw FormatError(at + ": field \"" + *id_field + "\" is missing");
      if (id->is_string()) p.id = id->get<std::string>();
      else if (id->is_number_integer()) p.id = id->dump();
      else throw FormatError(at + ": field \"" + *id_field + "\" must be a string or an integer");
      auto [it, fresh] = line_of_id.emplace(p.id, line_number);
      if (!fresh)
        throw FormatError(at + ": id \"" + p.id + "\" already used on line " + std::to_string(it->second));
    } else {
      p.id = std::to_string(p.index);
    }
    prompts.push_back(std::move(p));
  }
  if (in.bad()) throw_io_error(path, "read", errno);
  if (prompts.empty()) throw FormatError(path + ": no prompts (the file is empty or blank)");
  return prompts;
}

}  // namespace sppo
