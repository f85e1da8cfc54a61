#pragma once
// defines: jinja::Value, the dynamic value of the chat-template interpreter, with Python's
// semantics as jinja2 sees them: undefined, None, bool, int (64-bit), float, str (UTF-8, with
// markupsafe's Markup flag), list / tuple / dict views, dict (insertion-ordered), namespace
// (mutable, shared), and host objects (loop, macro, builtin functions and bound methods).
// Also the Python behaviours of values: truth, str(), repr(), ==, <, type names.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace sppo::jinja {

class Interpreter;
class Value;

enum class ValueKind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Object };

// What a List holds: Python list, tuple, or one of dict's views (items() etc.).
enum class SequenceKind { List, Tuple, DictKeys, DictValues, DictItems };

struct UndefinedData {
  std::string message;  // what UndefinedError says when the value is used
  bool security = false;  // an unsafe attribute: SecurityError rather than UndefinedError
};

struct StringData {
  std::string text;
  bool markup = false;  // markupsafe.Markup: + escapes the other operand
};

// Lists, dicts and objects holding values may nest at most this deep (Python's repr and json
// stop near 1000): deeper, making them is a Limit EvalError. It keeps every recursion over
// values (repr, ==, tojson, and freeing them) far from the end of the stack.
constexpr int kMaxValueDepth = 256;

struct ListData {
  std::vector<Value> items;
  SequenceKind kind = SequenceKind::List;
  int depth = 1;
};

// Insertion-ordered mapping with Python's key equality (1 == 1.0 == True).
class DictData {
 public:
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);
  std::size_t size() const { return entries_.size(); }
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  int depth() const { return depth_; }  // 1 + the deepest key or value

 private:
  std::vector<std::pair<Value, Value>> entries_;
  int depth_ = 1;
  std::unordered_map<std::string, std::size_t> string_index_;
};

// jinja2's namespace(): the only object a template may change (ns.attr = value).
struct NamespaceData {
  DictData attributes;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// A host object: the loop variable, a macro, a global function, a bound method.
class Object {
 public:
  virtual ~Object() = default;
  // Python's type(x).__name__ and object_type_repr(x) (used in error messages).
  virtual std::string type_name() const = 0;
  virtual std::string qualified_type_name() const { return type_name(); }
  virtual std::string repr() const;
  // Attribute lookup (loop.index, ...): false when the object has no such attribute.
  virtual bool get_attribute(const std::string& name, Value& out) const;
  virtual bool callable() const { return false; }
  virtual Value call(Interpreter& interpreter, CallArgs args) const;
  virtual bool truthy() const { return true; }
  // How deep the values it holds nest (see kMaxValueDepth).
  virtual int depth() const { return 1; }
  // `for x in object`: false when the object is not iterable (a generator is, once).
  virtual bool iterate(std::vector<Value>& out) const;
};

class Value {
 public:
  Value() : data_(std::shared_ptr<const UndefinedData>()) {}  // undefined, no message

  static Value undefined(std::string message, bool security = false);
  static Value none() { return Value(Data(std::in_place_index<1>, nullptr)); }
  static Value boolean(bool b) { return Value(Data(std::in_place_index<2>, b)); }
  static Value integer(int64_t i) { return Value(Data(std::in_place_index<3>, i)); }
  static Value number(double d) { return Value(Data(std::in_place_index<4>, d)); }
  static Value string(std::string text, bool markup = false);
  static Value list(std::vector<Value> items, SequenceKind kind = SequenceKind::List);
  static Value tuple(std::vector<Value> items) { return list(std::move(items), SequenceKind::Tuple); }
  static Value dict(DictData data);
  static Value make_namespace(std::shared_ptr<NamespaceData> data);
  static Value object(std::shared_ptr<const Object> object);

  ValueKind kind() const { return static_cast<ValueKind>(data_.index()); }
  bool is_undefined() const { return kind() == ValueKind::Undefined; }
  bool is_none() const { return kind() == ValueKind::None; }
  bool is_bool() const { return kind() == ValueKind::Bool; }
  bool is_int() const { return kind() == ValueKind::Int; }
  bool is_float() const { return kind() == ValueKind::Float; }
  bool is_string() const { return kind() == ValueKind::String; }
  bool is_list() const { return kind() == ValueKind::List; }
  bool is_dict() const { return kind() == ValueKind::Dict; }
  bool is_namespace() const { return kind() == ValueKind::Namespace; }
  bool is_object() const { return kind() == ValueKind::Object; }
  // int, float or bool (Python's numbers.Number; bool is an int).
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_markup() const { return is_string() && std::get<5>(data_)->markup; }

  bool as_bool() const { return std::get<2>(data_); }
  int64_t as_int() const { return std::get<3>(data_); }
  double as_float() const { return std::get<4>(data_); }
  // int value of an int or a bool
  int64_t as_integer() const { return is_bool() ? as_bool() : as_int(); }
  // float value of any number
  double as_double() const { return is_float() ? as_float() : static_cast<double>(as_integer()); }
  const std::string& as_string() const { return std::get<5>(data_)->text; }
  const ListData& as_list() const { return *std::get<6>(data_); }
  const std::vector<Value>& items() const { return as_list().items; }
  SequenceKind sequence_kind() const { return as_list().kind; }
  bool is_tuple() const { return is_list() && sequence_kind() == SequenceKind::Tuple; }
  const DictData& as_dict() const { return *std::get<7>(data_); }
  NamespaceData& as_namespace() const { return *std::get<8>(data_); }
  const Object& as_object() const { return *std::get<9>(data_); }
  const UndefinedData* undefined_data() const { return std::get<0>(data_).get(); }
  // Identity of a shared value (namespaces and objects compare by identity, as in Python).
  const void* identity() const;

 private:
  using Data = std::variant<std::shared_ptr<const UndefinedData>, std::nullptr_t, bool, int64_t, double,
                            std::shared_ptr<const StringData>, std::shared_ptr<const ListData>,
                            std::shared_ptr<const DictData>, std::shared_ptr<NamespaceData>,
                            std::shared_ptr<const Object>>;
  explicit Value(Data data) : data_(std::move(data)) {}
  Data data_;
};

// ------------------------------------------------------------------ Python behaviours
bool truthy(const Value& v);                           // bool(v)
std::string to_str(const Value& v);                    // str(v); undefined -> ""
std::string repr(const Value& v);                      // repr(v)
bool equals(const Value& a, const Value& b);           // a == b
// a < b etc. ("<", "<=", ">", ">="); TypeError / UndefinedError as Python raises them.
bool compare(const Value& a, const Value& b, std::string_view op);
std::string type_name(const Value& v);                 // type(v).__name__
std::string object_type_repr(const Value& v);          // jinja2's object_type_repr(v)
// TypeError "unhashable type: 'list'" for values that cannot be dict keys.
void check_hashable(const Value& v);
// Raises the UndefinedError (or SecurityError) an undefined value carries.
[[noreturn]] void fail_undefined(const Value& v);
// The items `for x in v` visits: a list's items, a dict's keys, a string's characters;
// nothing for undefined; TypeError "'int' object is not iterable" otherwise.
std::vector<Value> iterate(const Value& v);
// 0 for scalars, 1 + the deepest item for lists, dicts and objects (a namespace counts 1: its
// attributes change, and are dropped when the render ends).
int value_depth(const Value& v);
// Limit EvalError when a container of depth `depth` would be too deep.
void check_depth(int depth);

std::string float_repr(double d);                      // repr(float): 0.1, 1e+16, inf, nan
std::string python_string_repr(std::string_view text); // repr(str): 'it\'s' -> "it's"
std::string html_escape(std::string_view text);        // markupsafe.escape()

// JSON (ordered, as Python's json.loads keeps keys) -> Value: objects become dicts, arrays
// lists; an integer beyond 64 bits throws EvalError (Unsupported).
Value from_json(const nlohmann::ordered_json& json);

}  // namespace sppo::jinja
