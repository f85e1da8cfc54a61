#include "io/json_fields.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace sppo {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw_io_error(path, "read", errno);
  return text.str();
}

nlohmann::json parse_json_object(const std::string& text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw FormatError(path + ": expected a JSON object");
  return j;
}

int64_t json_integer(const nlohmann::json& j, const char* key, const std::string& path, int64_t lo, int64_t hi,
                     std::optional<int64_t> fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    throw FormatError(path + ": " + key + " is missing");
  }
  if (!it->is_number_integer()) throw FormatError(path + ": " + key + " = " + it->dump() + ": expected an integer");
  const int64_t v = it->get<int64_t>();
  if (v < lo || v > hi)
    throw FormatError(path + ": " + key + " = " + std::to_string(v) + ": must be in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  return v;
}

namespace {

template <class Json>
void each_line(const std::string& path, const std::function<void(const std::string& at, const Json& object)>& row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string at = path + ":" + std::to_string(n);
    Json j;
    try {
      j = Json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(at + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw FormatError(at + ": expected a JSON object");
    row(at, j);
  }
  if (in.bad()) throw_io_error(path, "read", errno);
}

}  // namespace

void for_each_json_line(const std::string& path,
                        const std::function<void(const std::string& at, const nlohmann::json& object)>& row) {
  each_line<nlohmann::json>(path, row);
}

void for_each_ordered_json_line(const std::string& path,
                        const std::function<void(const std::string& at, const nlohmann::ordered_json& object)>& row) {
  each_line<nlohmann::ordered_json>(path, row);
}

std::string token_id_out_of_range(const std::string& at, const char* field, std::size_t position, int64_t value,
                                  int64_t vocab) {
  return at + ": field \"" + field + "\" position " + std::to_string(position) + " = " + std::to_string(value) +
         ": outside the vocabulary of " + std::to_string(vocab) + " tokens";
}

std::vector<int32_t> json_token_ids(const nlohmann::json& j, const char* field, const std::string& at, int64_t vocab) {
  const auto it = j.find(field);
  if (it == j.end() || !it->is_array() || it->empty())
    throw FormatError(at + ": field \"" + field + "\" must be a non-empty list of token ids");
  std::vector<int32_t> ids;
  ids.reserve(it->size());
  for (std::size_t k = 0; k < it->size(); ++k) {
    const auto& v = (*it)[k];
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
      throw FormatError(at + ": field \"" + field + "\" position " + std::to_string(k) + " = " + v.dump() + ": not a token id");
    if (v.get<int64_t>() >= vocab) throw FormatError(token_id_out_of_range(at, field, k, v.get<int64_t>(), vocab));
    ids.push_back(v.get<int32_t>());
  }
  return ids;
}

}  // namespace sppo
