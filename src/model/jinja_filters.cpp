#include "model/jinja_filters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "model/jinja_arguments.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_interpreter.hpp"
#include "model/jinja_json.hpp"
#include "model/jinja_methods.hpp"
#include "model/jinja_operators.hpp"
#include "model/jinja_tests.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

using FilterFn = Value (*)(Interpreter&, const Value& value, CallArgs args);

// What jinja2's generator filters (items, map, select, unique, batch, ...) and reverse return:
// an iterator, consumed by the first loop over it, always true, without len() or indexing. Its
// items are computed at once, but an error in computing them waits, as in Python, until the
// iterator is used.
class Generator : public Object {
 public:
  Generator(std::string type, std::string function, std::vector<Value> items)
      : type_(std::move(type)), function_(std::move(function)), items_(std::move(items)) {
    for (const Value& item : items_) depth_ = std::max(depth_, 1 + value_depth(item));
    check_depth(depth_);
  }
  Generator(std::string type, std::string function, EvalError error)
      : type_(std::move(type)), function_(std::move(function)), error_(std::make_unique<EvalError>(std::move(error))) {}
  std::string type_name() const override { return type_; }
  int depth() const override { return depth_; }
  std::string repr() const override {
    return type_ == "generator" ? "<generator object " + function_ + " at 0x0>" : "<" + type_ + " object at 0x0>";
  }
  bool iterate(std::vector<Value>& out) const override {
    if (error_) throw *error_;
    if (!consumed_) out = items_;
    consumed_ = true;
    return true;
  }

 private:
  std::string type_, function_;
  std::vector<Value> items_;
  std::unique_ptr<EvalError> error_;
  mutable bool consumed_ = false;
  int depth_ = 1;
};

template <typename Body>
Value generator(std::string type, std::string function, Body body) {
  try {
    return Value::object(std::make_shared<Generator>(std::move(type), std::move(function), body()));
  } catch (const EvalError& e) {
    if (e.kind() == ErrorKind::Limit || e.kind() == ErrorKind::Unsupported) throw;
    return Value::object(std::make_shared<Generator>(std::move(type), std::move(function), e));
  }
}

// soft_str(): strings (and Markup) as they are, anything else through str().
Value soft_str(Interpreter& in, const Value& v) { return v.is_string() ? v : in.make_string(to_str(v)); }

// ignore_case(): strings compare lower-cased unless case_sensitive.
Value ignore_case(const Value& v) { return v.is_string() ? Value::string(to_lower(v.as_string())) : v; }

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then the integer 0, each with getitem.
Value attribute_path(Interpreter& in, Value item, const Value& attribute) {
  if (attribute.is_none()) return item;
  if (!attribute.is_string()) return in.get_item(item, attribute);
  const std::string& path = attribute.as_string();
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && part.size() < 19)
      item = in.get_item(item, Value::integer(std::stoll(part)));
    else
      item = in.get_item(item, Value::string(part));
    if (dot == std::string::npos) return item;
    start = dot + 1;
  }
}

std::vector<Value> key_list(Interpreter& in, const Value& item, const Value& attribute, bool case_sensitive) {
  // make_multi_attrgetter: "age,name" sorts by both.
  std::vector<Value> keys;
  if (attribute.is_string() && attribute.as_string().find(',') != std::string::npos) {
    for (const std::string& part : split_string(attribute.as_string(), Value::string(","), -1)) {
      Value k = attribute_path(in, item, Value::string(part));
      keys.push_back(case_sensitive ? k : ignore_case(k));
    }
  } else {
    Value k = attribute_path(in, item, attribute);
    keys.push_back(case_sensitive ? k : ignore_case(k));
  }
  return keys;
}

bool keys_less(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (!equals(a[i], b[i])) return compare(a[i], b[i], "<");
  return a.size() < b.size();
}

// ------------------------------------------------------------------ text
Value f_trim(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_trim", std::move(args), {"chars"});
  const Value s = soft_str(in, v);
  return in.make_string(strip_string(s.as_string(), a.get_or(0, Value::none()), true, true), s.is_markup());
}
Value f_upper(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_upper", std::move(args), {});
  const Value s = soft_str(in, v);
  return in.make_string(to_upper(s.as_string()), s.is_markup());
}
Value f_lower(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_lower", std::move(args), {});
  const Value s = soft_str(in, v);
  return in.make_string(to_lower(s.as_string()), s.is_markup());
}
Value f_capitalize(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_capitalize", std::move(args), {});
  const Value s = soft_str(in, v);
  return in.make_string(to_capitalized(s.as_string()), s.is_markup());
}
Value f_title(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_title", std::move(args), {});
  // "".join(item[0].upper() + item[1:].lower() for item in re.split(r"([-\s({\[<]+)", s) if item)
  const std::u32string s = to_code_points(soft_str(in, v).as_string());
  auto is_boundary = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || is_space(c); };
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    const bool boundary = is_boundary(s[i]);
    while (j < s.size() && is_boundary(s[j]) == boundary) ++j;
    const std::u32string_view item(s.data() + i, j - i);
    out += to_upper(to_utf8(item.substr(0, 1)));
    out += to_lower(to_utf8(item.substr(1)));
    i = j;
  }
  return in.make_string(std::move(out));
}
Value f_replace(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_replace", std::move(args), {"old", "new", "count"});
  const int64_t count = a.has(2) && !a.get(2).is_none() ? a.integer(2, -1) : -1;
  return in.make_string(replace_string(to_str(v), to_str(a.required(0)), to_str(a.required(1)), count));
}
Value f_string(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("soft_str", std::move(args), {});
  return soft_str(in, v);
}
Value f_safe(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_mark_safe", std::move(args), {});
  return v.is_markup() ? v : in.make_string(to_str(v), true);
}
Value f_escape(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("escape", std::move(args), {});
  return v.is_markup() ? v : in.make_string(html_escape(to_str(v)), true);
}
Value f_forceescape(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_forceescape", std::move(args), {});
  return in.make_string(html_escape(to_str(v)), true);
}
Value f_center(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_center", std::move(args), {"width"});
  const Value s = soft_str(in, v);
  CallArgs call;
  call.positional.push_back(Value::integer(a.integer(0, 80)));
  Value method;
  find_method(s, "center", method);
  return in.call(method, std::move(call));
}
Value f_indent(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_indent", std::move(args), {"width", "first", "blank"});
  std::string indention;
  if (a.has(0) && a.get(0).is_string()) {
    indention = a.get(0).as_string();
  } else {
    const int64_t width = a.integer(0, 4);
    if (width > 0) {
      in.charge_bytes(static_cast<std::size_t>(width));
      indention.assign(static_cast<std::size_t>(width), ' ');
    }
  }
  if (!v.is_string()) {
    // jinja2 starts with s += "\n": a list grows, then has no splitlines(); others fail there.
    if (v.is_list() && v.sequence_kind() == SequenceKind::List) throw_type_error("'list' object has no attribute 'splitlines'");
    if (v.is_undefined()) fail_undefined(v);
    if (v.is_tuple()) throw_type_error("can only concatenate tuple (not \"str\") to tuple");
    throw_type_error("unsupported operand type(s) for +=: '" + type_name(v) + "' and 'str'");
  }
  const std::string s = v.as_string() + "\n";  // jinja2's quirk for splitlines
  const std::vector<std::string> lines = split_lines(s, false);
  std::string rv;
  if (a.truth(2, false)) {
    for (std::size_t i = 0; i < lines.size(); ++i) rv += (i ? "\n" + indention : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    if (lines.size() > 1) {
      rv += "\n";
      for (std::size_t i = 1; i < lines.size(); ++i) {
        if (i > 1) rv += "\n";
        rv += lines[i].empty() ? lines[i] : indention + lines[i];
      }
    }
  }
  if (a.truth(1, false)) rv = indention + rv;
  return in.make_string(std::move(rv), v.is_markup());
}
Value f_truncate(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_truncate", std::move(args), {"length", "killwords", "end", "leeway"});
  const int64_t length = a.integer(0, 255);
  const std::string end = a.string(2, "...");
  const int64_t leeway = a.has(3) && !a.get(3).is_none() ? a.integer(3, 5) : 5;
  const std::u32string end_cps = to_code_points(end);
  if (length < static_cast<int64_t>(end_cps.size()))
    throw_type_error("expected length >= " + std::to_string(end_cps.size()) + ", got " + std::to_string(length));
  if (leeway < 0) throw_type_error("expected leeway >= 0, got " + std::to_string(leeway));
  const std::u32string s = to_code_points(to_str(v));
  if (static_cast<int64_t>(s.size()) <= length + leeway) return v.is_string() ? v : in.make_string(to_str(v));
  const std::u32string head = s.substr(0, static_cast<std::size_t>(length) - end_cps.size());
  if (a.truth(1, false)) return in.make_string(to_utf8(head) + end);
  const std::size_t space = head.rfind(U' ');
  return in.make_string(to_utf8(space == std::u32string::npos ? head : head.substr(0, space)) + end);
}

// ------------------------------------------------------------------ sequences
Value f_length(Interpreter&, const Value& v, CallArgs args) {
  Arguments("len", std::move(args), {});
  switch (v.kind()) {
    case ValueKind::Undefined: return Value::integer(0);
    case ValueKind::String: return Value::integer(static_cast<int64_t>(code_point_count(v.as_string())));
    case ValueKind::List: return Value::integer(static_cast<int64_t>(v.items().size()));
    case ValueKind::Dict: return Value::integer(static_cast<int64_t>(v.as_dict().size()));
    case ValueKind::Object: {
      Value length;
      if (v.as_object().get_attribute("length", length)) return length;
      break;
    }
    default: break;
  }
  throw_type_error("object of type '" + type_name(v) + "' has no len()");
}
Value f_list(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_list", std::move(args), {});
  return in.make_list(iterate(v));
}
Value f_first(Interpreter&, const Value& v, CallArgs args) {
  Arguments("do_first", std::move(args), {});
  const std::vector<Value> items = iterate(v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}
Value f_last(Interpreter&, const Value& v, CallArgs args) {
  Arguments("do_last", std::move(args), {});
  if (!(v.is_undefined() || v.is_string() || v.is_dict() || (v.is_list() && v.sequence_kind() != SequenceKind::DictItems)))
    throw_type_error("'" + type_name(v) + "' object is not reversible");
  const std::vector<Value> items = iterate(v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}
Value f_reverse(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_reverse", std::move(args), {});
  if (v.is_string()) {
    const std::u32string s = to_code_points(v.as_string());
    return in.make_string(to_utf8(std::u32string(s.rbegin(), s.rend())), v.is_markup());
  }
  const bool reversible = v.is_undefined() || v.is_dict() ||
                          (v.is_list() && (v.sequence_kind() == SequenceKind::List || v.sequence_kind() == SequenceKind::Tuple));
  std::vector<Value> items;
  try {
    items = iterate(v);
  } catch (const EvalError& e) {
    if (e.kind() != ErrorKind::Type) throw;
    throw_type_error("argument must be iterable");
  }
  std::reverse(items.begin(), items.end());
  if (!reversible) return in.make_list(std::move(items));  // jinja2 falls back to a reversed list
  const char* type = v.is_dict() ? "dict_reversekeyiterator" : v.is_list() && !v.is_tuple() ? "list_reverseiterator" : "reversed";
  return Value::object(std::make_shared<Generator>(type, "", std::move(items)));
}
Value f_join(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_join", std::move(args), {"d", "attribute"});
  const std::string d = a.has(0) ? to_str(a.get(0)) : "";
  const Value attribute = a.get_or(1, Value::none());
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += d;
    first = false;
    out += to_str(attribute.is_none() ? item : attribute_path(in, item, attribute));
  }
  return in.make_string(std::move(out));
}
Value f_items(Interpreter& in, const Value& v, CallArgs args) {
  Arguments("do_items", std::move(args), {});
  return generator("generator", "do_items", [&] {
    std::vector<Value> items;
    if (v.is_undefined()) return items;
    if (!v.is_dict()) throw_type_error("Can only get item pairs from a mapping.");
    for (const auto& [k, val] : v.as_dict().entries()) items.push_back(in.make_list({k, val}, SequenceKind::Tuple));
    return items;
  });
}
Value f_default(Interpreter&, const Value& v, CallArgs args) {
  Arguments a("do_default", std::move(args), {"default_value", "boolean"});
  if (v.is_undefined() || (a.truth(1, false) && !truthy(v))) return a.get_or(0, Value::string(""));
  return v;
}
Value f_attr(Interpreter&, const Value& v, CallArgs args) {
  Arguments a("do_attr", std::move(args), {"name"});
  const std::string name = to_str(a.required(0));
  Value out;
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_namespace()) {
    if (const Value* found = v.as_namespace().attributes.find(std::string_view(name))) return *found;
  } else if (v.is_object()) {
    if (v.as_object().get_attribute(name, out)) return out;
  } else if (find_method(v, name, out)) {
    return out;
  }
  if (name.size() > 4 && name.compare(0, 2, "__") == 0 && name.compare(name.size() - 2, 2, "__") == 0)
    return Value::undefined("access to attribute '" + name + "' of '" + type_name(v) + "' object is unsafe.", true);
  return Value::undefined(python_string_repr(object_type_repr(v)) + " has no attribute " + python_string_repr(name));
}

// map / select / reject / selectattr / rejectattr (jinja2's prepare_map, select_or_reject)
Value f_map(Interpreter& in, const Value& v, CallArgs args) {
  return generator("generator", "sync_do_map", [&]() -> std::vector<Value> {
    std::vector<Value> out;
    if (!truthy(v)) return {};
    const std::vector<Value> items = iterate(v);
    if (args.positional.empty()) {
      Arguments a("do_map", std::move(args), {"attribute", "default"});
      if (!a.has(0)) throw_type_error("map requires a filter argument");
      const Value attribute = a.get(0);
      const Value fallback = a.get_or(1, Value::none());
      for (const Value& item : items) {
        Value x = attribute_path(in, item, attribute);
        if (!fallback.is_none() && x.is_undefined()) x = fallback;
        out.push_back(std::move(x));
      }
    } else {
      const std::string name = to_str(args.positional.front());
      args.positional.erase(args.positional.begin());
      for (const Value& item : items) out.push_back(in.apply_filter(name, item, args));
    }
    return out;
  });
}
Value select_or_reject(Interpreter& in, const Value& v, CallArgs args, bool keep_if, bool lookup_attr) {
  return generator("generator", "select_or_reject", [&]() -> std::vector<Value> {
    if (!truthy(v)) return {};
    Value attribute;
    std::size_t off = 0;
    if (lookup_attr) {
      if (args.positional.empty()) throw_type_error("Missing parameter for attribute name");
      attribute = args.positional[0];
      off = 1;
    }
    std::string test;
    const bool has_test_name = args.positional.size() > off;
    if (has_test_name) test = to_str(args.positional[off]);
    CallArgs test_args;
    for (std::size_t i = off + 1; i < args.positional.size(); ++i) test_args.positional.push_back(args.positional[i]);
    test_args.keyword = args.keyword;
    std::vector<Value> out;
    for (const Value& item : iterate(v)) {
      const Value x = lookup_attr ? attribute_path(in, item, attribute) : item;
      const bool ok = has_test_name ? in.apply_test(test, x, test_args) : truthy(x);
      if (ok == keep_if) out.push_back(item);
    }
    return out;
  });
}
Value f_select(Interpreter& in, const Value& v, CallArgs a) { return select_or_reject(in, v, std::move(a), true, false); }
Value f_reject(Interpreter& in, const Value& v, CallArgs a) { return select_or_reject(in, v, std::move(a), false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs a) { return select_or_reject(in, v, std::move(a), true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs a) { return select_or_reject(in, v, std::move(a), false, true); }

Value f_unique(Interpreter& in, const Value& v, CallArgs args) {
  return generator("generator", "do_unique", [&]() -> std::vector<Value> {
    Arguments a("do_unique", std::move(args), {"case_sensitive", "attribute"});
    const bool case_sensitive = a.truth(0, false);
    const Value attribute = a.get_or(1, Value::none());
    std::vector<Value> seen, out;
    for (const Value& item : iterate(v)) {
      Value key = attribute_path(in, item, attribute);
      if (!case_sensitive) key = ignore_case(key);
      check_hashable(key);
      in.charge_steps(seen.size());
      if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return out;
  });
}
Value f_sort(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_sort", std::move(args), {"reverse", "case_sensitive", "attribute"});
  const bool reverse = a.truth(0, false);
  const bool case_sensitive = a.truth(1, false);
  const Value attribute = a.get_or(2, Value::none());
  std::vector<Value> items = iterate(v);
  std::vector<std::pair<std::vector<Value>, std::size_t>> keyed;
  for (std::size_t i = 0; i < items.size(); ++i) keyed.emplace_back(key_list(in, items[i], attribute, case_sensitive), i);
  in.charge_steps(items.size() * 8);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? keys_less(y.first, x.first) : keys_less(x.first, y.first);
  });
  std::vector<Value> out;
  for (const auto& k : keyed) out.push_back(items[k.second]);
  return in.make_list(std::move(out));
}

Value f_dictsort(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_dictsort", std::move(args), {"case_sensitive", "by", "reverse"});
  if (v.is_undefined()) fail_undefined(v);
  const bool case_sensitive = a.truth(0, false);
  const std::string by = a.string(1, "key");
  const bool reverse = a.truth(2, false);
  if (by != "key" && by != "value") throw_type_error("You can only sort by either \"key\" or \"value\"");
  if (!v.is_dict()) throw_type_error("'" + type_name(v) + "' object has no attribute 'items'");
  std::vector<std::pair<Value, Value>> entries = v.as_dict().entries();
  auto key = [&](const std::pair<Value, Value>& e) {
    const Value& k = by == "key" ? e.first : e.second;
    return case_sensitive ? k : ignore_case(k);
  };
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
    return reverse ? compare(key(y), key(x), "<") : compare(key(x), key(y), "<");
  });
  std::vector<Value> out;
  for (auto& [k, val] : entries) out.push_back(in.make_list({k, val}, SequenceKind::Tuple));
  return in.make_list(std::move(out));
}

Value min_or_max(Interpreter& in, const Value& v, CallArgs args, const char* name, bool want_max) {
  Arguments a(name, std::move(args), {"case_sensitive", "attribute"});
  const bool case_sensitive = a.truth(0, false);
  const Value attribute = a.get_or(1, Value::none());
  const std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  std::size_t best = 0;
  std::vector<Value> best_key = key_list(in, items[0], attribute, case_sensitive);
  for (std::size_t i = 1; i < items.size(); ++i) {
    std::vector<Value> k = key_list(in, items[i], attribute, case_sensitive);
    if (want_max ? keys_less(best_key, k) : keys_less(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}
Value f_min(Interpreter& in, const Value& v, CallArgs a) { return min_or_max(in, v, std::move(a), "do_min", false); }
Value f_max(Interpreter& in, const Value& v, CallArgs a) { return min_or_max(in, v, std::move(a), "do_max", true); }

Value f_sum(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("do_sum", std::move(args), {"attribute", "start"});
  const Value attribute = a.get_or(0, Value::none());
  Value total = a.get_or(1, Value::integer(0));
  if (total.is_string()) throw_type_error("sum() can't sum strings [use ''.join(seq) instead]");
  for (const Value& item : iterate(v)) total = binary_operation(in, BinaryOp::Add, total, attribute_path(in, item, attribute));
  return total;
}

Value f_batch(Interpreter& in, const Value& v, CallArgs args) {
  return generator("generator", "do_batch", [&]() -> std::vector<Value> {
    Arguments a("do_batch", std::move(args), {"linecount", "fill_with"});
    const int64_t count = a.integer(0, 0);
    if (count <= 0) throw_type_error("batch linecount must be positive");
    const Value fill = a.get_or(1, Value::none());
    std::vector<Value> out, tmp;
    for (const Value& item : iterate(v)) {
      if (static_cast<int64_t>(tmp.size()) == count) {
        out.push_back(in.make_list(std::move(tmp)));
        tmp.clear();
      }
      tmp.push_back(item);
    }
    if (!tmp.empty()) {
      if (!fill.is_none())
        while (static_cast<int64_t>(tmp.size()) < count) tmp.push_back(fill);
      out.push_back(in.make_list(std::move(tmp)));
    }
    return out;
  });
}
Value f_slice(Interpreter& in, const Value& v, CallArgs args) {
  return generator("generator", "sync_do_slice", [&]() -> std::vector<Value> {
    Arguments a("do_slice", std::move(args), {"slices", "fill_with"});
    const int64_t slices = a.integer(0, 0);
    if (slices <= 0) throw_type_error("slice count must be positive");
    const Value fill = a.get_or(1, Value::none());
    const std::vector<Value> seq = iterate(v);
    const int64_t length = static_cast<int64_t>(seq.size());
    const int64_t per = length / slices, with_extra = length % slices;
    int64_t offset = 0;
    std::vector<Value> out;
    for (int64_t i = 0; i < slices; ++i) {
      const int64_t start = offset + i * per;
      if (i < with_extra) ++offset;
      const int64_t end = offset + (i + 1) * per;
      std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
      if (!fill.is_none() && i >= with_extra) tmp.push_back(fill);
      out.push_back(in.make_list(std::move(tmp)));
    }
    return out;
  });
}
// ------------------------------------------------------------------ numbers
Value f_abs(Interpreter&, const Value& v, CallArgs args) {
  Arguments("abs", std::move(args), {});
  if (v.is_float()) return Value::number(std::fabs(v.as_float()));
  if (v.is_int() || v.is_bool()) {
    const int64_t i = v.as_integer();
    if (i == std::numeric_limits<int64_t>::min()) throw_unsupported("integers beyond 64 bits are not supported");
    return Value::integer(i < 0 ? -i : i);
  }
  throw_type_error("bad operand type for abs(): '" + type_name(v) + "'");
}

// Python's int(text, base) for base 10 (the only base jinja2's int filter is given in practice).
bool parse_python_int(const std::string& text, int64_t base, int64_t& out) {
  std::string t = strip_string(text, Value::none(), true, true);
  bool negative = false;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
  if (base == 0 || base == 16 || base == 8 || base == 2) {
    if (t.size() > i + 1 && t[i] == '0') {
      const char p = static_cast<char>(t[i + 1] | 0x20);
      const int64_t b = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (b && (base == 0 || base == b)) {
        base = b;
        i += 2;
        if (i < t.size() && t[i] == '_') ++i;
      }
    }
    if (base == 0) base = 10;
  }
  if (i >= t.size()) return false;
  uint64_t value = 0;
  bool digit_before = false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '_') {
      if (!digit_before || i + 1 >= t.size() || t[i + 1] == '_') return false;
      continue;
    }
    int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return false;
    if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      throw_unsupported("integers beyond 64 bits are not supported");
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    digit_before = true;
  }
  out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return true;
}

// Python's float(text): decimal, exponent, underscores between digits, inf/nan, surrounding space.
bool parse_python_float(const std::string& text, double& out) {
  std::string t = strip_string(text, Value::none(), true, true);
  std::string lower = to_lower(t);
  std::size_t i = 0;
  bool negative = false;
  if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) negative = lower[i++] == '-';
  const std::string rest = lower.substr(i);
  if (rest == "inf" || rest == "infinity") {
    out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (rest == "nan") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  std::string clean;
  bool digits = false, exponent = false;
  for (std::size_t k = 0; k < rest.size(); ++k) {
    const char c = rest[k];
    if (c == '_') {
      const bool between = k > 0 && k + 1 < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k - 1])) &&
                           std::isdigit(static_cast<unsigned char>(rest[k + 1]));
      if (!between) return false;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == 'e') {
      if (!digits || exponent) return false;
      exponent = true;
    } else if (c != '.' && c != '+' && c != '-') {
      return false;
    }
    clean.push_back(c);
  }
  if (!digits) return false;
  char* end = nullptr;
  const double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return false;
  out = negative ? -d : d;
  return true;
}

Value f_int(Interpreter&, const Value& v, CallArgs args) {
  Arguments a("do_int", std::move(args), {"default", "base"});
  const Value fallback = a.get_or(0, Value::integer(0));
  const int64_t base = a.integer(1, 10);
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_int()) return v;
  if (v.is_bool()) return Value::integer(v.as_integer());
  double d = 0;
  if (v.is_string()) {
    int64_t i = 0;
    if (parse_python_int(v.as_string(), base, i)) return Value::integer(i);
    if (!parse_python_float(v.as_string(), d)) return fallback;
  } else if (v.is_float()) {
    d = v.as_float();
  } else {
    return fallback;
  }
  if (std::isnan(d)) return fallback;
  if (std::isinf(d)) throw_type_error("cannot convert float infinity to integer");
  if (std::fabs(d) >= 9.2e18) throw_unsupported("integers beyond 64 bits are not supported");
  return Value::integer(static_cast<int64_t>(std::trunc(d)));
}

Value f_float(Interpreter&, const Value& v, CallArgs args) {
  Arguments a("do_float", std::move(args), {"default"});
  const Value fallback = a.get_or(0, Value::number(0.0));
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_float()) return v;
  if (v.is_int() || v.is_bool()) return Value::number(static_cast<double>(v.as_integer()));
  double d = 0;
  if (v.is_string() && parse_python_float(v.as_string(), d)) return Value::number(d);
  return fallback;
}

Value f_round(Interpreter&, const Value& v, CallArgs args) {
  Arguments a("do_round", std::move(args), {"precision", "method"});
  const int64_t precision = a.integer(0, 0);
  const std::string method = a.string(1, "common");
  if (method != "common" && method != "ceil" && method != "floor")
    throw_type_error("method must be common, ceil or floor");
  if (!v.is_number()) throw_type_error("type " + type_name(v) + " doesn't define __round__ method");
  if (method != "common") {
    const double scale = std::pow(10.0, static_cast<double>(precision));
    const double x = v.as_double() * scale;
    return Value::number((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
  }
  if (!v.is_float()) {
    if (precision >= 0) return Value::integer(v.as_integer());
    throw_unsupported("round() of an integer to negative digits is not supported");
  }
  const double x = v.as_float();
  if (!std::isfinite(x)) return v;
  if (precision >= 0 && precision <= 300) {
    // printf rounds the exact binary value half-to-even, as Python's round() does.
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), x);
    return Value::number(std::strtod(buf, nullptr));
  }
  if (precision > 300) return v;
  const double scale = std::pow(10.0, static_cast<double>(-precision));
  return Value::number(std::nearbyint(x / scale) * scale);
}

Value f_format(Interpreter& in, const Value& v, CallArgs args) {
  // soft_str(value) % (kwargs or args)
  if (!args.positional.empty() && !args.keyword.empty())
    throw_type_error("can't handle positional and keyword arguments at the same time");
  Value operands;
  if (!args.keyword.empty()) {
    DictData d;
    for (auto& [k, val] : args.keyword) d.set(Value::string(k), std::move(val));
    operands = Value::dict(std::move(d));
  } else {
    operands = in.make_list(std::move(args.positional), SequenceKind::Tuple);
  }
  return percent_format(in, soft_str(in, v), operands);
}

// ------------------------------------------------------------------ tojson (transformers')
Value f_tojson(Interpreter& in, const Value& v, CallArgs args) {
  Arguments a("tojson", std::move(args), {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions options;
  options.ensure_ascii = a.truth(0, false);
  if (a.has(1) && !a.get(1).is_none()) {
    const Value& indent = a.get(1);
    if (indent.is_string()) {
      options.indent = indent.as_string();
    } else if (indent.is_int() || indent.is_bool()) {
      options.indent = std::string(static_cast<std::size_t>(std::clamp<int64_t>(indent.as_integer(), 0, 1 << 16)), ' ');
    } else {
      throw_type_error("can't multiply sequence by non-int of type '" + type_name(indent) + "'");
    }
  }
  if (a.has(2) && !a.get(2).is_none()) {
    const Value& s = a.get(2);
    if (!s.is_list() || s.items().size() != 2 || !s.items()[0].is_string() || !s.items()[1].is_string())
      throw_type_error("separators must be a pair of strings");
    options.item_separator = s.items()[0].as_string();
    options.key_separator = s.items()[1].as_string();
  }
  options.sort_keys = a.truth(3, false);
  return in.make_string(dump_json(v, options));
}

struct FilterEntry {
  const char* name;
  FilterFn fn;
};

const FilterEntry kFilters[] = {
    {"abs", f_abs}, {"attr", f_attr}, {"batch", f_batch}, {"capitalize", f_capitalize}, {"center", f_center},
    {"count", f_length}, {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort}, {"e", f_escape},
    {"escape", f_escape}, {"first", f_first}, {"float", f_float}, {"forceescape", f_forceescape}, {"format", f_format},
    {"indent", f_indent}, {"int", f_int}, {"items", f_items}, {"join", f_join}, {"last", f_last},
    {"length", f_length}, {"list", f_list}, {"lower", f_lower}, {"map", f_map}, {"max", f_max}, {"min", f_min},
    {"reject", f_reject}, {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
    {"round", f_round}, {"safe", f_safe}, {"select", f_select}, {"selectattr", f_selectattr}, {"slice", f_slice},
    {"sort", f_sort}, {"string", f_string}, {"sum", f_sum}, {"title", f_title}, {"tojson", f_tojson},
    {"trim", f_trim}, {"truncate", f_truncate}, {"unique", f_unique}, {"upper", f_upper},
};

}  // namespace

bool has_filter(std::string_view name) {
  for (const FilterEntry& e : kFilters)
    if (name == e.name) return true;
  return false;
}

Value apply_filter(Interpreter& interpreter, const std::string& name, const Value& value, CallArgs args) {
  for (const FilterEntry& e : kFilters)
    if (name == e.name) return e.fn(interpreter, value, std::move(args));
  throw_unsupported("unknown filter \"" + name + "\"");
}

}  // namespace sppo::jinja
