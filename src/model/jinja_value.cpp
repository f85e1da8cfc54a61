#include "model/jinja_value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "model/jinja_error.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {

// ------------------------------------------------------------------ DictData
const Value* DictData::find(std::string_view key) const {
  const auto it = string_index_.find(std::string(key));
  return it == string_index_.end() ? nullptr : &entries_[it->second].second;
}

const Value* DictData::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : entries_)
    if (!k.is_string() && equals(k, key)) return &v;
  return nullptr;
}

void DictData::set(Value key, Value value) {
  depth_ = std::max(depth_, 1 + std::max(value_depth(key), value_depth(value)));
  if (key.is_string()) {
    const auto [it, inserted] = string_index_.emplace(key.as_string(), entries_.size());
    if (!inserted) {
      entries_[it->second].second = std::move(value);
      return;
    }
    entries_.emplace_back(std::move(key), std::move(value));
    return;
  }
  for (auto& [k, v] : entries_) {
    if (!k.is_string() && equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

// ------------------------------------------------------------------ Object
std::string Object::repr() const { return "<" + type_name() + " object>"; }
bool Object::get_attribute(const std::string&, Value&) const { return false; }
bool Object::iterate(std::vector<Value>&) const { return false; }
Value Object::call(Interpreter&, CallArgs) const { throw_type_error("'" + type_name() + "' object is not callable"); }

// ------------------------------------------------------------------ Value
Value Value::undefined(std::string message, bool security) {
  return Value(Data(std::in_place_index<0>, std::make_shared<const UndefinedData>(UndefinedData{std::move(message), security})));
}

Value Value::string(std::string text, bool markup) {
  return Value(Data(std::in_place_index<5>, std::make_shared<const StringData>(StringData{std::move(text), markup})));
}

Value Value::list(std::vector<Value> items, SequenceKind kind) {
  int depth = 1;
  for (const Value& item : items) depth = std::max(depth, 1 + value_depth(item));
  check_depth(depth);
  return Value(Data(std::in_place_index<6>, std::make_shared<const ListData>(ListData{std::move(items), kind, depth})));
}

Value Value::dict(DictData data) {
  check_depth(data.depth());
  return Value(Data(std::in_place_index<7>, std::make_shared<const DictData>(std::move(data))));
}

int value_depth(const Value& v) {
  switch (v.kind()) {
    case ValueKind::List: return v.as_list().depth;
    case ValueKind::Dict: return v.as_dict().depth();
    case ValueKind::Namespace: return 1;
    case ValueKind::Object: return v.as_object().depth();
    default: return 0;
  }
}

void check_depth(int depth) {
  if (depth > kMaxValueDepth)
    throw EvalError(ErrorKind::Limit, "values nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
}

Value Value::make_namespace(std::shared_ptr<NamespaceData> data) { return Value(Data(std::in_place_index<8>, std::move(data))); }

Value Value::object(std::shared_ptr<const Object> object) { return Value(Data(std::in_place_index<9>, std::move(object))); }

const void* Value::identity() const {
  switch (kind()) {
    case ValueKind::Namespace: return std::get<8>(data_).get();
    case ValueKind::Object: return std::get<9>(data_).get();
    case ValueKind::List: return std::get<6>(data_).get();
    case ValueKind::Dict: return std::get<7>(data_).get();
    case ValueKind::String: return std::get<5>(data_).get();
    default: return nullptr;
  }
}

// ------------------------------------------------------------------ numbers and strings
std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0.0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string sci(buf, result.ptr);  // shortest round trip: "-1.2345e+17"
  const bool negative = sci[0] == '-';
  const std::size_t e = sci.find('e');
  std::string digits;
  for (std::size_t i = negative ? 1 : 0; i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  const int exponent = std::stoi(sci.substr(e + 1));
  const int decpt = exponent + 1;  // digits before the decimal point
  std::string out = negative ? "-" : "";
  if (decpt > -4 && decpt <= 16) {  // CPython's repr: fixed notation in this range
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
      out += digits + std::string(static_cast<std::size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp[16];
  std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp;
}

std::string python_string_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t c = next_code_point(text, pos);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x7F && c >= 0x20) {
      out.push_back(static_cast<char>(c));
    } else if (!is_printable(c)) {
      char buf[16];
      if (c < 0x100)
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      else if (c < 0x10000)
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      else
        std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    } else {
      append_utf8(out, c);
    }
  }
  out.push_back(quote);
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// ------------------------------------------------------------------ Python behaviours
bool truthy(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Undefined:
    case ValueKind::None: return false;
    case ValueKind::Bool: return v.as_bool();
    case ValueKind::Int: return v.as_int() != 0;
    case ValueKind::Float: return v.as_float() != 0.0;
    case ValueKind::String: return !v.as_string().empty();
    case ValueKind::List: return !v.items().empty();
    case ValueKind::Dict: return v.as_dict().size() != 0;
    case ValueKind::Namespace: return true;
    case ValueKind::Object: return v.as_object().truthy();
  }
  return false;
}

namespace {

// The namespaces whose repr is in progress: Python prints a dict met again inside its own repr
// as {...}, which is how a namespace that holds itself prints.
using ReprStack = std::vector<const NamespaceData*>;

std::string repr_in(const Value& v, ReprStack& stack);

std::string join_repr(const std::vector<Value>& items, ReprStack& stack) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += repr_in(items[i], stack);
  }
  return out;
}

std::string dict_repr(const DictData& d, ReprStack& stack) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : d.entries()) {
    if (!first) out += ", ";
    first = false;
    out += repr_in(k, stack) + ": " + repr_in(v, stack);
  }
  return out + "}";
}

std::string repr_in(const Value& v, ReprStack& stack) {
  switch (v.kind()) {
    case ValueKind::List:
      switch (v.sequence_kind()) {
        case SequenceKind::List: return "[" + join_repr(v.items(), stack) + "]";
        case SequenceKind::Tuple:
          return v.items().size() == 1 ? "(" + repr_in(v.items()[0], stack) + ",)" : "(" + join_repr(v.items(), stack) + ")";
        case SequenceKind::DictKeys: return "dict_keys([" + join_repr(v.items(), stack) + "])";
        case SequenceKind::DictValues: return "dict_values([" + join_repr(v.items(), stack) + "])";
        case SequenceKind::DictItems: return "dict_items([" + join_repr(v.items(), stack) + "])";
      }
      break;
    case ValueKind::Dict: return dict_repr(v.as_dict(), stack);
    case ValueKind::Namespace: {
      const NamespaceData* ns = &v.as_namespace();
      if (std::find(stack.begin(), stack.end(), ns) != stack.end()) return "<Namespace {...}>";
      if (static_cast<int>(stack.size()) >= kMaxValueDepth)
        throw EvalError(ErrorKind::Limit, "values nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
      stack.push_back(ns);
      std::string out = "<Namespace " + dict_repr(ns->attributes, stack) + ">";
      stack.pop_back();
      return out;
    }
    default: break;
  }
  return repr(v);
}

}  // namespace

std::string repr(const Value& v) {
  switch (v.kind()) {
    case ValueKind::List:
    case ValueKind::Dict:
    case ValueKind::Namespace: {
      ReprStack stack;
      return repr_in(v, stack);
    }
    case ValueKind::Undefined: return "Undefined";
    case ValueKind::String:
      return v.is_markup() ? "Markup(" + python_string_repr(v.as_string()) + ")" : python_string_repr(v.as_string());
    default: break;
  }
  return to_str(v);
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Undefined: return "";
    case ValueKind::None: return "None";
    case ValueKind::Bool: return v.as_bool() ? "True" : "False";
    case ValueKind::Int: return std::to_string(v.as_int());
    case ValueKind::Float: return float_repr(v.as_float());
    case ValueKind::String: return v.as_string();
    case ValueKind::Object: return v.as_object().repr();
    default: return repr(v);
  }
}

namespace {

// a == b for two numbers (bool, int, float), exactly as Python compares int with float.
bool numbers_equal(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) {
    if (a.is_float() && b.is_float()) return a.as_float() == b.as_float();
    const double f = a.is_float() ? a.as_float() : b.as_float();
    const int64_t i = a.is_float() ? b.as_integer() : a.as_integer();
    return static_cast<long double>(f) == static_cast<long double>(i);
  }
  return a.as_integer() == b.as_integer();
}

// -1, 0, 1 for two numbers (not NaN).
int numbers_order(const Value& a, const Value& b) {
  if (!a.is_float() && !b.is_float()) return a.as_integer() < b.as_integer() ? -1 : a.as_integer() > b.as_integer();
  const long double x = a.is_float() ? a.as_float() : static_cast<long double>(a.as_integer());
  const long double y = b.is_float() ? b.as_float() : static_cast<long double>(b.as_integer());
  return x < y ? -1 : x > y;
}

bool apply_order(int order, std::string_view op) {
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

}  // namespace

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return numbers_equal(a, b);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::Undefined:
    case ValueKind::None: return true;
    case ValueKind::String: return a.as_string() == b.as_string();
    case ValueKind::List: {
      const bool a_list = a.sequence_kind() == SequenceKind::List, b_list = b.sequence_kind() == SequenceKind::List;
      if (a.sequence_kind() != b.sequence_kind() && !(a_list && b_list)) return false;
      if (a.items().size() != b.items().size()) return false;
      for (std::size_t i = 0; i < a.items().size(); ++i)
        if (!equals(a.items()[i], b.items()[i])) return false;
      return true;
    }
    case ValueKind::Dict: {
      if (a.as_dict().size() != b.as_dict().size()) return false;
      for (const auto& [k, v] : a.as_dict().entries()) {
        const Value* other = b.as_dict().find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    default: return a.identity() == b.identity();
  }
}

bool compare(const Value& a, const Value& b, std::string_view op) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) {
    if ((a.is_float() && std::isnan(a.as_float())) || (b.is_float() && std::isnan(b.as_float()))) return false;
    return apply_order(numbers_order(a, b), op);
  }
  if (a.is_string() && b.is_string()) return apply_order(a.as_string().compare(b.as_string()), op);
  if (a.is_list() && b.is_list() && a.sequence_kind() == b.sequence_kind() &&
      (a.sequence_kind() == SequenceKind::List || a.sequence_kind() == SequenceKind::Tuple)) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return compare(x[i], y[i], op);
    }
    return apply_order(x.size() < y.size() ? -1 : x.size() > y.size(), op);
  }
  throw_type_error("'" + std::string(op) + "' not supported between instances of '" + type_name(a) + "' and '" +
                   type_name(b) + "'");
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Undefined: return "Undefined";
    case ValueKind::None: return "NoneType";
    case ValueKind::Bool: return "bool";
    case ValueKind::Int: return "int";
    case ValueKind::Float: return "float";
    case ValueKind::String: return v.is_markup() ? "Markup" : "str";
    case ValueKind::List:
      switch (v.sequence_kind()) {
        case SequenceKind::List: return "list";
        case SequenceKind::Tuple: return "tuple";
        case SequenceKind::DictKeys: return "dict_keys";
        case SequenceKind::DictValues: return "dict_values";
        case SequenceKind::DictItems: return "dict_items";
      }
      break;
    case ValueKind::Dict: return "dict";
    case ValueKind::Namespace: return "Namespace";
    case ValueKind::Object: return v.as_object().type_name();
  }
  return "object";
}

std::string object_type_repr(const Value& v) {
  switch (v.kind()) {
    case ValueKind::None: return "None";
    case ValueKind::Undefined: return "jinja2.runtime.Undefined object";
    case ValueKind::Namespace: return "jinja2.utils.Namespace object";
    case ValueKind::String:
      if (v.is_markup()) return "markupsafe.Markup object";
      break;
    case ValueKind::Object: return v.as_object().qualified_type_name() + " object";
    default: break;
  }
  return type_name(v) + " object";
}

void check_hashable(const Value& v) {
  if (v.is_dict() || (v.is_list() && !v.is_tuple())) throw_type_error("unhashable type: '" + type_name(v) + "'");
  if (v.is_tuple())
    for (const Value& item : v.items()) check_hashable(item);
}

void fail_undefined(const Value& v) {
  const UndefinedData* data = v.undefined_data();
  if (!data) throw EvalError(ErrorKind::Undefined, "undefined value");
  throw EvalError(data->security ? ErrorKind::Security : ErrorKind::Undefined, data->message);
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Undefined: return {};
    case ValueKind::List: return v.items();
    case ValueKind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().size());
      for (const auto& entry : v.as_dict().entries()) keys.push_back(entry.first);
      return keys;
    }
    case ValueKind::String: {
      std::vector<Value> chars;
      const std::string& s = v.as_string();
      for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t start = pos;
        next_code_point(s, pos);
        chars.push_back(Value::string(s.substr(start, pos - start), v.is_markup()));
      }
      return chars;
    }
    case ValueKind::Object: {
      std::vector<Value> items;
      if (v.as_object().iterate(items)) return items;
      break;
    }
    default: break;
  }
  throw_type_error("'" + type_name(v) + "' object is not iterable");
}

namespace {

Value from_json_at(const nlohmann::ordered_json& json, int depth);

}  // namespace

Value from_json(const nlohmann::ordered_json& json) { return from_json_at(json, 0); }

namespace {

Value from_json_at(const nlohmann::ordered_json& json, int depth) {
  if (json.is_structured()) check_depth(depth + 1);
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value::boolean(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::integer(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = json.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw_unsupported("the integer " + std::to_string(u) + " does not fit in 64 bits");
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::number(json.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::string(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json_at(item, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      DictData d;
      for (const auto& [key, item] : json.items()) d.set(Value::string(key), from_json_at(item, depth + 1));
      return Value::dict(std::move(d));
    }
    default: break;
  }
  throw_unsupported("JSON binary values cannot be template variables");
}

}  // namespace

}  // namespace sppo::jinja
