#pragma once
// defines: the jinja2 filters chat templates use (trim, tojson, selectattr, map, join, ...)
// with jinja2's semantics and transformers' tojson; has_filter() tells the parser which names
// exist.
#include <string>
#include <string_view>

#include "model/jinja_value.hpp"

namespace sppo::jinja {

bool has_filter(std::string_view name);
Value apply_filter(Interpreter& interpreter, const std::string& name, const Value& value, CallArgs args);

}  // namespace sppo::jinja
