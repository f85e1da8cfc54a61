#pragma once
// defines: Python's arithmetic on template values (+ - * / // % ** and unary - +), with
// Python's results and error messages: int/float promotion, floor division and modulo signs,
// str/list concatenation and repetition, str % args, markupsafe's escaping + and %, 64-bit
// integers checked.
#include "model/jinja_ast.hpp"
#include "model/jinja_value.hpp"

namespace sppo::jinja {

Value binary_operation(Interpreter& interpreter, BinaryOp op, const Value& a, const Value& b);
Value negate(const Value& v);
// Python's printf-style `format % args` (args: a tuple, a mapping for %(key)s, or one value).
Value percent_format(Interpreter& interpreter, const Value& format, const Value& args);
Value unary_plus(const Value& v);

}  // namespace sppo::jinja
