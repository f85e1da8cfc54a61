#include "model/jinja_tests.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/jinja_arguments.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_filters.hpp"
#include "model/jinja_interpreter.hpp"
#include "model/jinja_operators.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

const char* const kTests[] = {
    "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true",
    "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable",
    "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan", "ge", ">=", "<",
    "lt", "lessthan", "<=", "le",
};

// value % n == r, with Python's % (a string value is printf-formatted, as in jinja2).
bool modulo_is(Interpreter& in, const Value& value, const Value& n, int64_t r) {
  return equals(binary_operation(in, BinaryOp::Mod, value, n), Value::integer(r));
}

bool is_sequence(const Value& v) {
  // jinja2: len(value) and value.__getitem__ both work.
  switch (v.kind()) {
    case ValueKind::Undefined:
    case ValueKind::String:
    case ValueKind::Dict: return true;
    case ValueKind::List:
      return v.sequence_kind() == SequenceKind::List || v.sequence_kind() == SequenceKind::Tuple;
    default: return false;
  }
}

bool is_iterable(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Undefined:
    case ValueKind::String:
    case ValueKind::List:
    case ValueKind::Dict: return true;
    case ValueKind::Object: {
      const std::string t = v.as_object().type_name();
      return t == "LoopContext" || t == "generator" || t == "list_reverseiterator" || t == "reversed" ||
             t == "dict_reversekeyiterator";
    }
    default: return false;
  }
}

bool is_callable(const Value& v) {
  if (v.is_undefined()) return true;  // Undefined defines __call__ (which raises)
  return v.is_object() && v.as_object().callable();
}

bool same_as(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::None: return true;
    case ValueKind::Bool: return a.as_bool() == b.as_bool();
    case ValueKind::Int: return a.as_int() == b.as_int() && a.as_int() >= -5 && a.as_int() <= 256;  // CPython's small ints
    default: return a.identity() != nullptr && a.identity() == b.identity();
  }
}

// `value in seq` (the "in" test and the in operator share it).
bool contains(const Value& seq, const Value& value) {
  switch (seq.kind()) {
    case ValueKind::Undefined: return false;
    case ValueKind::String:
      if (!value.is_string())
        throw_type_error("'in <string>' requires string as left operand, not " + type_name(value));
      return seq.as_string().find(value.as_string()) != std::string::npos;
    case ValueKind::List:
      if (seq.sequence_kind() == SequenceKind::DictKeys) check_hashable(value);
      for (const Value& item : seq.items())
        if (equals(item, value)) return true;
      return false;
    case ValueKind::Dict:
      check_hashable(value);
      return seq.as_dict().find(value) != nullptr;
    case ValueKind::Object: {
      std::vector<Value> items;
      if (!seq.as_object().iterate(items)) break;
      return std::any_of(items.begin(), items.end(), [&](const Value& item) { return equals(item, value); });
    }
    default: break;
  }
  throw_type_error("argument of type '" + type_name(seq) + "' is not iterable");
}

}  // namespace

bool value_in(const Value& seq, const Value& value) { return contains(seq, value); }

bool has_test(std::string_view name) {
  for (const char* t : kTests)
    if (name == t) return true;
  return false;
}

bool apply_test(Interpreter& in, const std::string& name, const Value& v, CallArgs args) {
  const auto one_arg = [&](const char* fn) -> Value {
    Arguments a(fn, std::move(args), {"other"});
    return a.required(0);
  };
  const auto no_arg = [&](const char* fn) { Arguments(fn, std::move(args), {}); };
  if (name == "defined") return no_arg("test_defined"), !v.is_undefined();
  if (name == "undefined") return no_arg("test_undefined"), v.is_undefined();
  if (name == "none") return no_arg("test_none"), v.is_none();
  if (name == "string") return no_arg("test_string"), v.is_string();
  if (name == "number") return no_arg("test_number"), v.is_number();
  if (name == "integer") return no_arg("test_integer"), v.is_int();
  if (name == "float") return no_arg("test_float"), v.is_float();
  if (name == "boolean") return no_arg("test_boolean"), v.is_bool();
  if (name == "true") return no_arg("test_true"), v.is_bool() && v.as_bool();
  if (name == "false") return no_arg("test_false"), v.is_bool() && !v.as_bool();
  if (name == "mapping") return no_arg("test_mapping"), v.is_dict();
  if (name == "sequence") return no_arg("test_sequence"), is_sequence(v);
  if (name == "iterable") return no_arg("test_iterable"), is_iterable(v);
  if (name == "callable") return no_arg("callable"), is_callable(v);
  if (name == "escaped") return no_arg("test_escaped"), v.is_markup();
  if (name == "lower") return no_arg("test_lower"), is_lower_text(to_str(v));
  if (name == "upper") return no_arg("test_upper"), is_upper_text(to_str(v));
  if (name == "odd") return no_arg("test_odd"), modulo_is(in, v, Value::integer(2), 1);
  if (name == "even") return no_arg("test_even"), modulo_is(in, v, Value::integer(2), 0);
  if (name == "divisibleby") {
    Arguments a("test_divisibleby", std::move(args), {"num"});
    return modulo_is(in, v, a.required(0), 0);
  }
  if (name == "sameas") return same_as(v, one_arg("test_sameas"));
  if (name == "in") {
    Arguments a("test_in", std::move(args), {"seq"});
    return contains(a.required(0), v);
  }
  if (name == "filter") return no_arg("test_filter"), v.is_string() && has_filter(v.as_string());
  if (name == "test") return no_arg("test_test"), v.is_string() && has_test(v.as_string());
  if (name == "==" || name == "eq" || name == "equalto") return equals(v, one_arg("eq"));
  if (name == "!=" || name == "ne") return !equals(v, one_arg("ne"));
  if (name == ">" || name == "gt" || name == "greaterthan") return compare(v, one_arg("gt"), ">");
  if (name == ">=" || name == "ge") return compare(v, one_arg("ge"), ">=");
  if (name == "<" || name == "lt" || name == "lessthan") return compare(v, one_arg("lt"), "<");
  if (name == "<=" || name == "le") return compare(v, one_arg("le"), "<=");
  throw_unsupported("unknown test \"" + name + "\"");
}

}  // namespace sppo::jinja
