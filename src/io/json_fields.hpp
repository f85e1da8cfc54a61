#pragma once
// defines: the checked reads shared by the parsers of Hugging Face JSON files (config.json
// of a policy or a ranker): one field, its type and range, an error naming file and field.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sppo {

// The whole file as text; IoError naming it when it cannot be read.
std::string read_text_file(const std::string& path);

// A JSON object parsed from `text`; FormatError "<path>: not valid JSON: ..." otherwise.
nlohmann::json parse_json_object(const std::string& text, const std::string& path);

// j[key] as an integer in [lo, hi]; `fallback` when absent or null (else "<path>: key is missing").
int64_t json_integer(const nlohmann::json& j, const char* key, const std::string& path, int64_t lo, int64_t hi,
                     std::optional<int64_t> fallback = std::nullopt);

// j[field] as token ids: a non-empty list of integers in [0, vocab). FormatError
// "<at>: field \"<field>\" position <k> = <v>: outside the vocabulary of <vocab> tokens"
// (or "not a token id"), or "<at>: field \"<field>\" must be a non-empty list of token ids".
std::vector<int32_t> json_token_ids(const nlohmann::json& j, const char* field, const std::string& at, int64_t vocab);
// The message for token id `value` at `position` of `field` outside [0, vocab).
std::string token_id_out_of_range(const std::string& at, const char* field, std::size_t position, int64_t value,
                                  int64_t vocab);

// Calls row("<path>:<line>", object) for every non-blank line of a JSONL file; a line that
// is not a JSON object is a FormatError naming the file and the line.
void for_each_json_line(const std::string& path,
                        const std::function<void(const std::string& at, const nlohmann::json& object)>& row);
// The same with the keys of each object in the order the line writes them (what a chat
// template sees of a message, as Python's json keeps it).
void for_each_ordered_json_line(const std::string& path,
                        const std::function<void(const std::string& at, const nlohmann::ordered_json& object)>& row);

}  // namespace sppo
