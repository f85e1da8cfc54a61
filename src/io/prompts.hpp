#pragma once
// defines: sppo::Prompt and read_prompts, the reader of prompt sets in JSONL
// (one JSON object per line, the prompt text under a configurable field).
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sppo {

// One prompt of a prompt set, given one of three ways: a text (one user message), a
// "messages" list (a conversation the chat template renders as it is), or "prompt_ids" (token
// ids, already templated, used as given).
struct Prompt {
  int64_t index = 0;  // position in the prompt set: /prompts/id of samples.h5
  std::string id;     // the id field's value, or the index as text when there is none
  std::string text;
  std::string messages;            // the "messages" list as JSON text (key order kept), or ""
  std::vector<int64_t> token_ids;  // "prompt_ids", or empty
  int64_t line = 0;                // 1-based line in the file, for messages
};

// Longest line accepted; a longer one is an error, not an allocation.
constexpr std::size_t kMaxPromptLineBytes = 4u << 20;

// Reads every non-blank line of `path`. Each must be a JSON object whose `prompt_field` is a
// non-empty string, or that holds "messages" (a non-empty list of {"role", "content"} objects
// with string values) or "prompt_ids" (a non-empty list of non-negative integers, checked
// against a vocabulary by whoever tokenizes); with `id_field`, that field (string or integer)
// must be present and unique.
// Lines must be valid UTF-8. Throws FormatError "<path>:<line>: ..." on the first bad line,
// and when the file holds no prompt at all.
std::vector<Prompt> read_prompts(const std::string& path, const std::string& prompt_field,
                                 const std::optional<std::string>& id_field);

// A templated prompt cut to `max_length` tokens the official trainer's way: its first token
// (BOS) and its last max_length − 1 tokens (the end holds the question). Generation and the
// training set truncate with it, so that a response is scored on the prompt it was sampled for.
std::vector<int32_t> truncate_prompt(std::vector<int32_t> ids, int64_t max_length);

// The same over a stream; `path` names it in errors.
std::vector<Prompt> parse_prompts(std::istream& in, const std::string& path, const std::string& prompt_field,
                                  const std::optional<std::string>& id_field);

}  // namespace sppo
