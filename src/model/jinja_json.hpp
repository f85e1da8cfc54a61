#pragma once
// defines: jinja::dump_json, Python's json.dumps for template values, which is what
// transformers' tojson filter is (json.dumps(x, ensure_ascii=False, indent=..., separators=...,
// sort_keys=...), without jinja2's HTML escaping), byte for byte.
#include <optional>
#include <string>

#include "model/jinja_value.hpp"

namespace sppo::jinja {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // None: one line
  std::optional<std::string> item_separator, key_separator;  // None: Python's defaults
  bool sort_keys = false;
};

// TypeError "Object of type Undefined is not JSON serializable" (and the like) as Python raises.
std::string dump_json(const Value& value, const JsonDumpOptions& options);

// json.dumps' quoting of one string.
void append_json_string(std::string& out, std::string_view text, bool ensure_ascii);

}  // namespace sppo::jinja
