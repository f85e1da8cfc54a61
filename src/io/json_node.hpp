#pragma once
// defines: sppo::JsonNode, one value of a parsed JSON file together with the file's name and
// the value's JSON path ("pre_tokenizer.pretokenizers[1].type"), and checked reads whose
// FormatError names both: "tokenizer.json: model.dropout = 0.1: must be null".
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sppo {

class JsonNode {
 public:
  // `value` must outlive the node (nodes are views into a document).
  JsonNode(const nlohmann::json& value, std::string file, std::string path);

  const nlohmann::json& value() const { return *value_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }  // "" for the document itself

  bool is_null() const { return value_->is_null(); }
  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }

  // The member `key`; nullopt when absent or null. Throws when this node is not an object.
  std::optional<JsonNode> find(const char* key) const;
  // The member `key`; "<file>: <path>.<key> is missing" when absent or null.
  JsonNode at(const char* key) const;
  // Element `index` of an array (callers iterate over size()).
  JsonNode element(std::size_t index) const;
  std::size_t size() const;  // elements of an array; throws when this node is not an array

  // Typed reads of this node: "<file>: <path> = <value>: expected a string" otherwise.
  std::string string() const;
  bool boolean() const;
  int64_t integer(int64_t lo, int64_t hi) const;  // within [lo, hi]

  // Typed reads of an optional member: `fallback` when absent or null.
  std::string string_or(const char* key, const std::string& fallback) const;
  bool boolean_or(const char* key, bool fallback) const;

  // FormatError "<file>: <path> = <value, shortened>: <why>".
  [[noreturn]] void fail(const std::string& why) const;
  // FormatError "<file>: <path>: <why>" (for objects and arrays, whose dump says little).
  [[noreturn]] void fail_here(const std::string& why) const;

  // The path of member `key` below `path` ("a.b", or "b" at the top).
  static std::string member_path(const std::string& path, std::string_view key);

 private:
  void require_object() const;

  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
};

// `value` dumped as JSON, cut to about `max_chars` with "..." (for error messages).
std::string short_json(const nlohmann::json& value, std::size_t max_chars = 80);

}  // namespace sppo
