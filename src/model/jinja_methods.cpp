#include "model/jinja_methods.hpp"

#include <algorithm>
#include <cstring>

#include "model/jinja_arguments.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_interpreter.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

using MethodFn = Value (*)(Interpreter&, const Value& self, CallArgs args);

class BoundMethod : public Object {
 public:
  BoundMethod(Value self, std::string name, MethodFn fn) : self_(std::move(self)), name_(std::move(name)), fn_(fn) {
    check_depth(depth());
  }
  std::string type_name() const override { return "builtin_function_or_method"; }
  int depth() const override { return 1 + value_depth(self_); }
  std::string repr() const override { return "<built-in method " + name_ + " of " + jinja::type_name(self_) + " object>"; }
  bool callable() const override { return true; }
  Value call(Interpreter& interpreter, CallArgs args) const override {
    if (!fn_) throw_unsupported("the method " + jinja::type_name(self_) + "." + name_ + "() is not supported");
    return fn_(interpreter, self_, std::move(args));
  }

 private:
  Value self_;
  std::string name_;
  MethodFn fn_;
};

bool is_space_text(std::string_view t) {
  if (t.empty()) return false;
  for (std::size_t pos = 0; pos < t.size();)
    if (!is_space(next_code_point(t, pos))) return false;
  return true;
}

// ------------------------------------------------------------------ string helpers
std::size_t cp_to_byte(std::string_view s, int64_t cp_index) {
  std::size_t pos = 0;
  for (int64_t i = 0; i < cp_index && pos < s.size(); ++i) next_code_point(s, pos);
  return pos;
}

int64_t byte_to_cp(std::string_view s, std::size_t byte) { return static_cast<int64_t>(code_point_count(s.substr(0, byte))); }

// Python's slice bounds start/end (None allowed) clamped to [0, len] in code points.
void bounds(const Arguments& a, std::size_t start_i, std::size_t end_i, int64_t len, int64_t& start, int64_t& end) {
  auto clamp = [&](const Value& v, int64_t fallback) -> int64_t {
    if (!v.is_int() && !v.is_bool()) {
      if (v.is_none() || v.is_undefined()) return fallback;
      throw_type_error("slice indices must be integers or None or have an __index__ method");
    }
    int64_t x = v.as_integer();
    if (x < 0) x += len;
    return std::clamp<int64_t>(x, 0, len);
  };
  start = a.has(start_i) ? clamp(a.get(start_i), 0) : 0;
  end = a.has(end_i) ? clamp(a.get(end_i), len) : len;
}

const std::string& string_arg(const Arguments& a, std::size_t i, const char* what) {
  const Value& v = a.required(i);
  if (!v.is_string()) throw_type_error(std::string(what) + ", not " + type_name(v));
  return v.as_string();
}

Value text_result(Interpreter& in, const Value& self, std::string text) { return in.make_string(std::move(text), self.is_markup()); }

// An argument of a Markup method is escaped first (markupsafe's _simple_escaping_wrapper).
std::string escaped_arg(const Value& self, const Value& arg) {
  const std::string s = arg.is_string() ? arg.as_string() : to_str(arg);
  return self.is_markup() && !arg.is_markup() ? html_escape(s) : s;
}

Value m_upper(Interpreter& in, const Value& self, CallArgs args) {
  Arguments("upper", std::move(args), {});
  return text_result(in, self, to_upper(self.as_string()));
}
Value m_lower(Interpreter& in, const Value& self, CallArgs args) {
  Arguments("lower", std::move(args), {});
  return text_result(in, self, to_lower(self.as_string()));
}
Value m_title(Interpreter& in, const Value& self, CallArgs args) {
  Arguments("title", std::move(args), {});
  return text_result(in, self, to_title(self.as_string()));
}
Value m_capitalize(Interpreter& in, const Value& self, CallArgs args) {
  Arguments("capitalize", std::move(args), {});
  return text_result(in, self, to_capitalized(self.as_string()));
}

Value strip_method(Interpreter& in, const Value& self, CallArgs args, const char* name, bool left, bool right) {
  Arguments a(name, std::move(args), {"chars"});
  Value chars = a.get_or(0, Value::none());
  if (!chars.is_none() && !chars.is_string())
    throw_type_error(std::string(name) + " arg must be None or str");
  if (chars.is_string() && self.is_markup()) chars = Value::string(escaped_arg(self, chars));
  return text_result(in, self, strip_string(self.as_string(), chars, left, right));
}
Value m_strip(Interpreter& in, const Value& self, CallArgs args) { return strip_method(in, self, std::move(args), "strip", true, true); }
Value m_lstrip(Interpreter& in, const Value& self, CallArgs args) { return strip_method(in, self, std::move(args), "lstrip", true, false); }
Value m_rstrip(Interpreter& in, const Value& self, CallArgs args) { return strip_method(in, self, std::move(args), "rstrip", false, true); }

Value split_method(Interpreter& in, const Value& self, CallArgs args, bool from_right) {
  Arguments a(from_right ? "rsplit" : "split", std::move(args), {"sep", "maxsplit"});
  const Value sep = a.get_or(0, Value::none());
  if (!sep.is_none() && !sep.is_string()) throw_type_error("must be str or None, not " + type_name(sep));
  const int64_t maxsplit = a.integer(1, -1);
  std::vector<std::string> parts;
  if (!from_right) {
    parts = split_string(self.as_string(), sep, maxsplit);
  } else {
    // rsplit: split the reversed code points with the reversed separator, then reverse back.
    const std::u32string text = to_code_points(self.as_string());
    const std::u32string rtext(text.rbegin(), text.rend());
    Value rsep = sep;
    if (sep.is_string()) {
      const std::u32string s = to_code_points(sep.as_string());
      rsep = Value::string(to_utf8(std::u32string(s.rbegin(), s.rend())));
    }
    for (const std::string& p : split_string(to_utf8(rtext), rsep, maxsplit)) {
      const std::u32string cps = to_code_points(p);
      parts.push_back(to_utf8(std::u32string(cps.rbegin(), cps.rend())));
    }
    std::reverse(parts.begin(), parts.end());
  }
  std::vector<Value> items;
  for (std::string& p : parts) items.push_back(in.make_string(std::move(p), self.is_markup()));
  return in.make_list(std::move(items));
}
Value m_split(Interpreter& in, const Value& self, CallArgs args) { return split_method(in, self, std::move(args), false); }
Value m_rsplit(Interpreter& in, const Value& self, CallArgs args) { return split_method(in, self, std::move(args), true); }

Value m_splitlines(Interpreter& in, const Value& self, CallArgs args) {
  Arguments a("splitlines", std::move(args), {"keepends"});
  std::vector<Value> items;
  for (std::string& line : split_lines(self.as_string(), a.truth(0, false)))
    items.push_back(in.make_string(std::move(line), self.is_markup()));
  return in.make_list(std::move(items));
}

// startswith / endswith: a str or a tuple of str, within [start, end).
Value affix_method(const Value& self, CallArgs args, bool prefix) {
  Arguments a(prefix ? "startswith" : "endswith", std::move(args), {"affix", "start", "end"});
  const Value& affix = a.required(0);
  std::vector<std::string> candidates;
  if (affix.is_string()) {
    candidates.push_back(affix.as_string());
  } else if (affix.is_tuple()) {
    for (const Value& v : affix.items()) {
      if (!v.is_string())
        throw_type_error("tuple for " + a.function() + " must only contain str, not " + type_name(v));
      candidates.push_back(v.as_string());
    }
  } else {
    throw_type_error(a.function() + " first arg must be str or a tuple of str, not " + type_name(affix));
  }
  std::string_view text = self.as_string();
  if (a.has(1) || a.has(2)) {
    int64_t start, end;
    bounds(a, 1, 2, static_cast<int64_t>(code_point_count(text)), start, end);
    if (start > end) return Value::boolean(false);
    const std::size_t b0 = cp_to_byte(text, start), b1 = cp_to_byte(text, end);
    text = text.substr(b0, b1 - b0);
  }
  for (const std::string& c : candidates) {
    if (c.size() > text.size()) continue;
    if (prefix ? text.compare(0, c.size(), c) == 0 : text.compare(text.size() - c.size(), c.size(), c) == 0)
      return Value::boolean(true);
  }
  return Value::boolean(false);
}
Value m_startswith(Interpreter&, const Value& self, CallArgs args) { return affix_method(self, std::move(args), true); }
Value m_endswith(Interpreter&, const Value& self, CallArgs args) { return affix_method(self, std::move(args), false); }

// find / rfind / index / rindex / count over [start, end) in code points.
struct Window {
  std::string_view text;
  int64_t offset;  // code points before the window
};
Window window(const Arguments& a, std::string_view text) {
  if (!a.has(1) && !a.has(2)) return {text, 0};
  int64_t start, end;
  bounds(a, 1, 2, static_cast<int64_t>(code_point_count(text)), start, end);
  if (start > end) return {std::string_view(), -1};
  const std::size_t b0 = cp_to_byte(text, start), b1 = cp_to_byte(text, end);
  return {text.substr(b0, b1 - b0), start};
}

Value find_method_impl(const Value& self, CallArgs args, const char* name, bool from_right, bool raise) {
  Arguments a(name, std::move(args), {"sub", "start", "end"});
  const std::string& sub = string_arg(a, 0, "must be str");
  const Window w = window(a, self.as_string());
  std::size_t at = std::string::npos;
  if (w.offset >= 0) at = from_right ? w.text.rfind(sub) : w.text.find(sub);
  if (at == std::string::npos) {
    if (raise) throw_type_error("substring not found");
    return Value::integer(-1);
  }
  return Value::integer(w.offset + byte_to_cp(w.text, at));
}
Value m_find(Interpreter&, const Value& s, CallArgs a) { return find_method_impl(s, std::move(a), "find", false, false); }
Value m_rfind(Interpreter&, const Value& s, CallArgs a) { return find_method_impl(s, std::move(a), "rfind", true, false); }
Value m_index(Interpreter&, const Value& s, CallArgs a) { return find_method_impl(s, std::move(a), "index", false, true); }
Value m_rindex(Interpreter&, const Value& s, CallArgs a) { return find_method_impl(s, std::move(a), "rindex", true, true); }

Value m_count(Interpreter&, const Value& self, CallArgs args) {
  Arguments a("count", std::move(args), {"sub", "start", "end"});
  const std::string& sub = string_arg(a, 0, "must be str");
  const Window w = window(a, self.as_string());
  if (w.offset < 0) return Value::integer(0);
  if (sub.empty()) return Value::integer(static_cast<int64_t>(code_point_count(w.text)) + 1);
  int64_t n = 0;
  for (std::size_t at = w.text.find(sub); at != std::string::npos; at = w.text.find(sub, at + sub.size())) ++n;
  return Value::integer(n);
}

Value m_replace(Interpreter& in, const Value& self, CallArgs args) {
  Arguments a("replace", std::move(args), {"old", "new", "count"});
  const Value& old_v = a.required(0);
  const Value& new_v = a.required(1);
  if (!old_v.is_string() || !new_v.is_string()) throw_type_error("replace() argument must be str");
  const int64_t count = a.integer(2, -1);
  std::string out = replace_string(self.as_string(), escaped_arg(self, old_v), escaped_arg(self, new_v), count);
  return text_result(in, self, std::move(out));
}

Value m_join(Interpreter& in, const Value& self, CallArgs args) {
  Arguments a("join", std::move(args), {"iterable"});
  const std::vector<Value> items = iterate(a.required(0));
  std::string out;
  bool markup = self.is_markup();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string())
      throw_type_error("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(items[i]) + " found");
    if (i) out += self.as_string();
    // Markup.join escapes the items that are not Markup.
    out += markup && !items[i].is_markup() ? html_escape(items[i].as_string()) : items[i].as_string();
    in.charge_bytes(items[i].as_string().size());
  }
  return in.make_string(std::move(out), markup);
}

Value pad_method(Interpreter& in, const Value& self, CallArgs args, const char* name, int where) {
  Arguments a(name, std::move(args), {"width", "fillchar"});
  const int64_t width = a.integer(0, 0);
  std::string fill = " ";
  if (a.has(1)) {
    const Value& f = a.get(1);
    if (!f.is_string() || code_point_count(f.as_string()) != 1)
      throw_type_error("The fill character must be exactly one character long");
    fill = f.as_string();
  }
  const int64_t len = static_cast<int64_t>(code_point_count(self.as_string()));
  if (width <= len) return self;
  in.charge_bytes(static_cast<std::size_t>(width - len) * fill.size());
  const int64_t marg = width - len;
  int64_t left = where < 0 ? 0 : where > 0 ? marg : marg / 2 + (marg & width & 1);  // CPython's pad()
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += self.as_string();
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return text_result(in, self, std::move(out));
}
Value m_center(Interpreter& in, const Value& s, CallArgs a) { return pad_method(in, s, std::move(a), "center", 0); }
Value m_ljust(Interpreter& in, const Value& s, CallArgs a) { return pad_method(in, s, std::move(a), "ljust", -1); }
Value m_rjust(Interpreter& in, const Value& s, CallArgs a) { return pad_method(in, s, std::move(a), "rjust", 1); }

Value m_zfill(Interpreter& in, const Value& self, CallArgs args) {
  Arguments a("zfill", std::move(args), {"width"});
  const int64_t width = a.integer(0, 0);
  const std::string& s = self.as_string();
  const int64_t len = static_cast<int64_t>(code_point_count(s));
  if (width <= len) return self;
  in.charge_bytes(static_cast<std::size_t>(width - len));
  const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
  std::string out = sign ? s.substr(0, 1) : "";
  out += std::string(static_cast<std::size_t>(width - len), '0');
  out += sign ? s.substr(1) : s;
  return text_result(in, self, std::move(out));
}

Value partition_method(Interpreter& in, const Value& self, CallArgs args, bool from_right) {
  Arguments a(from_right ? "rpartition" : "partition", std::move(args), {"sep"});
  const std::string& sep = string_arg(a, 0, "must be str");
  if (sep.empty()) throw_type_error("empty separator");
  const std::string& s = self.as_string();
  const std::size_t at = from_right ? s.rfind(sep) : s.find(sep);
  const bool m = self.is_markup();
  if (at == std::string::npos) {
    if (from_right) return in.make_list({Value::string("", m), Value::string("", m), self}, SequenceKind::Tuple);
    return in.make_list({self, Value::string("", m), Value::string("", m)}, SequenceKind::Tuple);
  }
  return in.make_list({in.make_string(s.substr(0, at), m), in.make_string(sep, m), in.make_string(s.substr(at + sep.size()), m)},
                      SequenceKind::Tuple);
}
Value m_partition(Interpreter& in, const Value& s, CallArgs a) { return partition_method(in, s, std::move(a), false); }
Value m_rpartition(Interpreter& in, const Value& s, CallArgs a) { return partition_method(in, s, std::move(a), true); }

Value affix_remove(Interpreter& in, const Value& self, CallArgs args, bool prefix) {
  Arguments a(prefix ? "removeprefix" : "removesuffix", std::move(args), {"affix"});
  const std::string& affix = string_arg(a, 0, "must be str");
  const std::string& s = self.as_string();
  if (affix.empty() || affix.size() > s.size()) return self;
  if (prefix && s.compare(0, affix.size(), affix) == 0) return text_result(in, self, s.substr(affix.size()));
  if (!prefix && s.compare(s.size() - affix.size(), affix.size(), affix) == 0)
    return text_result(in, self, s.substr(0, s.size() - affix.size()));
  return self;
}
Value m_removeprefix(Interpreter& in, const Value& s, CallArgs a) { return affix_remove(in, s, std::move(a), true); }
Value m_removesuffix(Interpreter& in, const Value& s, CallArgs a) { return affix_remove(in, s, std::move(a), false); }

// is...() predicates: exact for ASCII text; other text needs Unicode categories this
// interpreter does not carry (refused rather than guessed).
Value ascii_predicate(const Value& self, CallArgs args, const char* name, bool (*pred)(unsigned char)) {
  Arguments(name, std::move(args), {});
  const std::string& s = self.as_string();
  if (s.empty()) return Value::boolean(false);
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80)
      throw_unsupported(std::string("str.") + name + "() on non-ASCII text is not supported");
  }
  return Value::boolean(std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }));
}
bool ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool ascii_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_alnum(unsigned char c) { return ascii_digit(c) || ascii_alpha(c); }
Value m_isdigit(Interpreter&, const Value& s, CallArgs a) { return ascii_predicate(s, std::move(a), "isdigit", ascii_digit); }
Value m_isdecimal(Interpreter&, const Value& s, CallArgs a) { return ascii_predicate(s, std::move(a), "isdecimal", ascii_digit); }
Value m_isnumeric(Interpreter&, const Value& s, CallArgs a) { return ascii_predicate(s, std::move(a), "isnumeric", ascii_digit); }
Value m_isalpha(Interpreter&, const Value& s, CallArgs a) { return ascii_predicate(s, std::move(a), "isalpha", ascii_alpha); }
Value m_isalnum(Interpreter&, const Value& s, CallArgs a) { return ascii_predicate(s, std::move(a), "isalnum", ascii_alnum); }
Value m_isspace(Interpreter&, const Value& self, CallArgs args) {
  Arguments("isspace", std::move(args), {});
  return Value::boolean(is_space_text(self.as_string()));
}
Value m_islower(Interpreter&, const Value& self, CallArgs args) {
  Arguments("islower", std::move(args), {});
  return Value::boolean(is_lower_text(self.as_string()));
}
Value m_isupper(Interpreter&, const Value& self, CallArgs args) {
  Arguments("isupper", std::move(args), {});
  return Value::boolean(is_upper_text(self.as_string()));
}
Value m_isascii(Interpreter&, const Value& self, CallArgs args) {
  Arguments("isascii", std::move(args), {});
  const std::string& s = self.as_string();
  return Value::boolean(std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
}
Value m_isprintable(Interpreter&, const Value& self, CallArgs args) {
  Arguments("isprintable", std::move(args), {});
  const std::string& s = self.as_string();
  for (std::size_t pos = 0; pos < s.size();)
    if (!is_printable(next_code_point(s, pos))) return Value::boolean(false);
  return Value::boolean(true);
}

// ------------------------------------------------------------------ dict
Value m_dict_get(Interpreter&, const Value& self, CallArgs args) {
  Arguments a("get", std::move(args), {"key", "default"});
  const Value& key = a.required(0);
  check_hashable(key);
  const Value* found = self.as_dict().find(key);
  return found ? *found : a.get_or(1, Value::none());
}

Value dict_view(Interpreter& in, const Value& self, CallArgs args, const char* name, SequenceKind kind) {
  Arguments(name, std::move(args), {});
  std::vector<Value> items;
  items.reserve(self.as_dict().size());
  for (const auto& [k, v] : self.as_dict().entries()) {
    if (kind == SequenceKind::DictKeys) items.push_back(k);
    else if (kind == SequenceKind::DictValues) items.push_back(v);
    else items.push_back(in.make_list({k, v}, SequenceKind::Tuple));
  }
  return in.make_list(std::move(items), kind);
}
Value m_dict_items(Interpreter& in, const Value& s, CallArgs a) { return dict_view(in, s, std::move(a), "items", SequenceKind::DictItems); }
Value m_dict_keys(Interpreter& in, const Value& s, CallArgs a) { return dict_view(in, s, std::move(a), "keys", SequenceKind::DictKeys); }
Value m_dict_values(Interpreter& in, const Value& s, CallArgs a) { return dict_view(in, s, std::move(a), "values", SequenceKind::DictValues); }
Value m_dict_copy(Interpreter&, const Value& self, CallArgs args) {
  Arguments("copy", std::move(args), {});
  return Value::dict(self.as_dict());
}

// ------------------------------------------------------------------ list / tuple
Value m_seq_count(Interpreter&, const Value& self, CallArgs args) {
  Arguments a("count", std::move(args), {"value"});
  const Value& x = a.required(0);
  return Value::integer(std::count_if(self.items().begin(), self.items().end(), [&](const Value& v) { return equals(v, x); }));
}
Value m_seq_index(Interpreter&, const Value& self, CallArgs args) {
  Arguments a("index", std::move(args), {"value"});
  const Value& x = a.required(0);
  const auto& items = self.items();
  for (std::size_t i = 0; i < items.size(); ++i)
    if (equals(items[i], x)) return Value::integer(static_cast<int64_t>(i));
  throw_type_error(repr(x) + " is not in " + (self.is_tuple() ? "tuple" : "list"));
}
Value m_list_copy(Interpreter& in, const Value& self, CallArgs args) {
  Arguments("copy", std::move(args), {});
  return in.make_list(self.items());
}

struct MethodEntry {
  const char* name;
  MethodFn fn;  // null: Python has it, this interpreter does not (Unsupported when called)
};

const MethodEntry kStringMethods[] = {
    {"capitalize", m_capitalize}, {"casefold", nullptr}, {"center", m_center}, {"count", m_count},
    {"encode", nullptr}, {"endswith", m_endswith}, {"expandtabs", nullptr}, {"find", m_find},
    {"format", nullptr}, {"format_map", nullptr}, {"index", m_index}, {"isalnum", m_isalnum},
    {"isalpha", m_isalpha}, {"isascii", m_isascii}, {"isdecimal", m_isdecimal}, {"isdigit", m_isdigit},
    {"isidentifier", nullptr}, {"islower", m_islower}, {"isnumeric", m_isnumeric}, {"isprintable", m_isprintable},
    {"isspace", m_isspace}, {"istitle", nullptr}, {"isupper", m_isupper}, {"join", m_join},
    {"ljust", m_ljust}, {"lower", m_lower}, {"lstrip", m_lstrip}, {"maketrans", nullptr},
    {"partition", m_partition}, {"removeprefix", m_removeprefix}, {"removesuffix", m_removesuffix},
    {"replace", m_replace}, {"rfind", m_rfind}, {"rindex", m_rindex}, {"rjust", m_rjust},
    {"rpartition", m_rpartition}, {"rsplit", m_rsplit}, {"rstrip", m_rstrip}, {"split", m_split},
    {"splitlines", m_splitlines}, {"startswith", m_startswith}, {"strip", m_strip}, {"swapcase", nullptr},
    {"title", m_title}, {"translate", nullptr}, {"upper", m_upper}, {"zfill", m_zfill},
};
const MethodEntry kDictMethods[] = {
    {"copy", m_dict_copy}, {"fromkeys", nullptr}, {"get", m_dict_get}, {"items", m_dict_items},
    {"keys", m_dict_keys}, {"values", m_dict_values},
};
const char* const kDictMutating[] = {"clear", "pop", "popitem", "setdefault", "update"};
const MethodEntry kListMethods[] = {{"copy", m_list_copy}, {"count", m_seq_count}, {"index", m_seq_index}};
const char* const kListMutating[] = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
const MethodEntry kTupleMethods[] = {{"count", m_seq_count}, {"index", m_seq_index}};

template <std::size_t N>
bool find_in(const MethodEntry (&table)[N], const Value& receiver, const std::string& name, Value& out) {
  for (const MethodEntry& e : table) {
    if (name == e.name) {
      out = Value::object(std::make_shared<BoundMethod>(receiver, name, e.fn));
      return true;
    }
  }
  return false;
}

template <std::size_t N>
bool find_mutating(const char* const (&names)[N], const char* type, const std::string& name, Value& out) {
  for (const char* n : names) {
    if (name == n) {
      out = Value::undefined("access to attribute '" + name + "' of '" + type + "' object is unsafe.", true);
      return true;
    }
  }
  return false;
}

}  // namespace

bool find_method(const Value& receiver, const std::string& name, Value& out) {
  switch (receiver.kind()) {
    case ValueKind::String: return find_in(kStringMethods, receiver, name, out);
    case ValueKind::Dict: return find_in(kDictMethods, receiver, name, out) || find_mutating(kDictMutating, "dict", name, out);
    case ValueKind::List:
      if (receiver.sequence_kind() == SequenceKind::List)
        return find_in(kListMethods, receiver, name, out) || find_mutating(kListMutating, "list", name, out);
      if (receiver.sequence_kind() == SequenceKind::Tuple) return find_in(kTupleMethods, receiver, name, out);
      return false;
    default: return false;
  }
}

std::vector<std::string> split_string(std::string_view text, const Value& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  uint64_t left = maxsplit < 0 ? UINT64_MAX : static_cast<uint64_t>(maxsplit);
  if (sep.is_string()) {
    const std::string& s = sep.as_string();
    if (s.empty()) throw_type_error("empty separator");
    std::size_t start = 0;
    for (std::size_t at = text.find(s); at != std::string_view::npos && left > 0; at = text.find(s, start), --left) {
      out.emplace_back(text.substr(start, at - start));
      start = at + s.size();
    }
    out.emplace_back(text.substr(start));
    return out;
  }
  // CPython's split_whitespace.
  const std::u32string cps = to_code_points(text);
  const std::size_t n = cps.size();
  std::size_t i = 0;
  while (left-- > 0) {
    while (i < n && is_space(cps[i])) ++i;
    if (i == n) break;
    const std::size_t j = i++;
    while (i < n && !is_space(cps[i])) ++i;
    out.push_back(to_utf8(std::u32string_view(cps).substr(j, i - j)));
  }
  if (i < n) {
    while (i < n && is_space(cps[i])) ++i;
    if (i != n) out.push_back(to_utf8(std::u32string_view(cps).substr(i)));
  }
  return out;
}

std::string strip_string(std::string_view text, const Value& chars, bool left, bool right) {
  std::u32string set;
  const bool whitespace = !chars.is_string();
  if (!whitespace) set = to_code_points(chars.as_string());
  auto strip_it = [&](char32_t c) { return whitespace ? is_space(c) : set.find(c) != std::u32string::npos; };
  std::size_t begin = 0, end = text.size();
  if (left) {
    while (begin < end) {
      std::size_t next = begin;
      if (!strip_it(next_code_point(text, next))) break;
      begin = next;
    }
  }
  if (right) {
    while (end > begin) {
      std::size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      std::size_t pos = start;
      if (!strip_it(next_code_point(text, pos))) break;
      end = start;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

std::vector<std::string> split_lines(std::string_view text, bool keep_ends) {
  // Python's line boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029.
  std::vector<std::string> out;
  std::size_t start = 0, pos = 0;
  while (pos < text.size()) {
    const std::size_t at = pos;
    const char32_t c = next_code_point(text, pos);
    const bool boundary = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                          c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!boundary) continue;
    if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
    out.emplace_back(text.substr(start, (keep_ends ? pos : at) - start));
    start = pos;
  }
  if (start < text.size()) out.emplace_back(text.substr(start));
  return out;
}

std::string replace_string(std::string_view text, std::string_view old, std::string_view replacement, int64_t count) {
  uint64_t left = count < 0 ? UINT64_MAX : static_cast<uint64_t>(count);
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every code point and at the end.
    std::size_t pos = 0;
    while (pos < text.size() && left > 0) {
      out.append(replacement);
      --left;
      const std::size_t start = pos;
      next_code_point(text, pos);
      out.append(text.substr(start, pos - start));
    }
    out.append(text.substr(pos));
    if (left > 0 && pos == text.size()) out.append(replacement);
    return out;
  }
  std::size_t start = 0;
  for (std::size_t at = text.find(old); at != std::string_view::npos && left > 0; at = text.find(old, start), --left) {
    out.append(text.substr(start, at - start));
    out.append(replacement);
    start = at + old.size();
  }
  out.append(text.substr(start));
  return out;
}

}  // namespace sppo::jinja
