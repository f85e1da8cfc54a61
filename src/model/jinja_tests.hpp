#pragma once
// defines: jinja2's tests ("x is defined", "x is string", "x is equalto y", ...), all of them
// but "filter"/"test" on other environments.
#include <string>
#include <string_view>

#include "model/jinja_value.hpp"

namespace sppo::jinja {

bool has_test(std::string_view name);
bool apply_test(Interpreter& interpreter, const std::string& name, const Value& value, CallArgs args);

// Python's `value in seq`: substring for strings, keys for dicts, == for sequences; nothing in
// an undefined value; TypeError otherwise.
bool value_in(const Value& seq, const Value& value);

}  // namespace sppo::jinja
