#pragma once
// defines: the methods of Python's builtin types that templates call (message.content.strip(),
// message.get('x'), items(), split(), startswith(), ...), with the sandbox's refusal of the
// mutating ones (list.append, dict.update: SecurityError when used).
#include <string>
#include <string_view>
#include <vector>

#include "model/jinja_value.hpp"

namespace sppo::jinja {

// True when Python's `receiver` has an attribute `name` that is a method: `out` is then the
// bound method, or for a mutating method the undefined value the sandbox substitutes.
bool find_method(const Value& receiver, const std::string& name, Value& out);

// str.split / str.strip and friends, for the filters that reuse them.
std::vector<std::string> split_string(std::string_view text, const Value& sep, int64_t maxsplit);
std::string strip_string(std::string_view text, const Value& chars, bool left, bool right);
std::vector<std::string> split_lines(std::string_view text, bool keep_ends);
std::string replace_string(std::string_view text, std::string_view old, std::string_view replacement, int64_t count);

}  // namespace sppo::jinja
