#include "io/json_node.hpp"

#include "core/error.hpp"

namespace sppo {

JsonNode::JsonNode(const nlohmann::json& value, std::string file, std::string path)
    : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

std::string JsonNode::member_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void JsonNode::require_object() const {
  if (!value_->is_object()) {
    if (path_.empty()) throw FormatError(file_ + ": expected a JSON object");
    fail("expected an object");
  }
}

std::optional<JsonNode> JsonNode::find(const char* key) const {
  require_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonNode(*it, file_, member_path(path_, key));
}

JsonNode JsonNode::at(const char* key) const {
  std::optional<JsonNode> member = find(key);
  if (!member) throw FormatError(file_ + ": " + member_path(path_, key) + " is missing");
  return *member;
}

JsonNode JsonNode::element(std::size_t index) const {
  return JsonNode((*value_)[index], file_, path_ + "[" + std::to_string(index) + "]");
}

std::size_t JsonNode::size() const {
  if (!value_->is_array()) fail("expected an array");
  return value_->size();
}

std::string JsonNode::string() const {
  if (!value_->is_string()) fail("expected a string");
  return value_->get<std::string>();
}

bool JsonNode::boolean() const {
  if (!value_->is_boolean()) fail("expected true or false");
  return value_->get<bool>();
}

int64_t JsonNode::integer(int64_t lo, int64_t hi) const {
  if (!value_->is_number_integer()) fail("expected an integer");
  if (value_->is_number_unsigned() && value_->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail("must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  const int64_t v = value_->get<int64_t>();
  if (v < lo || v > hi) fail("must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

std::string JsonNode::string_or(const char* key, const std::string& fallback) const {
  std::optional<JsonNode> member = find(key);
  return member ? member->string() : fallback;
}

bool JsonNode::boolean_or(const char* key, bool fallback) const {
  std::optional<JsonNode> member = find(key);
  return member ? member->boolean() : fallback;
}

void JsonNode::fail(const std::string& why) const {
  const std::string where = path_.empty() ? file_ : file_ + ": " + path_;
  throw FormatError(where + " = " + short_json(*value_) + ": " + why);
}

void JsonNode::fail_here(const std::string& why) const {
  const std::string where = path_.empty() ? file_ : file_ + ": " + path_;
  throw FormatError(where + ": " + why);
}

std::string short_json(const nlohmann::json& value, std::size_t max_chars) {
  // dump() throws on invalid UTF-8; strings parsed by nlohmann are valid, built ones may not be.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_chars) {
    std::size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters only
    text = text.substr(0, cut) + "...";
  }
  return text;
}

}  // namespace sppo
