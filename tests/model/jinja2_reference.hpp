#pragma once
// defines: the chat-template tests' second renderer (Python's jinja2 set up as transformers
// sets it up, tests/data/render_chat_template.py, run once for a batch of renders) and a
// one-line render with the C++ interpreter.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sppo::test {

struct Jinja2Request {
  std::string source;               // template text
  nlohmann::ordered_json context;   // the variables, messages included
  std::string now = "2024-07-26 00:00:00";
};

// jinja2's result for each request: {"text": ...} or {"error": ..., "kind": ...}; nullopt
// (with the reason in `why_not`) when python3 or its jinja2 is missing.
std::optional<nlohmann::ordered_json> render_with_jinja2(const std::vector<Jinja2Request>& requests, std::string& why_not);

// "<text>" or "error: <message>" for one result.
std::string jinja2_outcome(const nlohmann::ordered_json& result);

// The C++ interpreter's rendering of `source` with `variables` (messages default to []):
// the text, or "error: <message>".
std::string render_jinja(const std::string& source, const nlohmann::ordered_json& variables = nlohmann::ordered_json::object());

// Where two texts first differ, with some context, for a failure message.
std::string first_difference(const std::string& expected, const std::string& actual);

}  // namespace sppo::test
