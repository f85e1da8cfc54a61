#include "model/jinja_globals.hpp"

#include <ctime>

#include "model/jinja_arguments.hpp"
#include "model/jinja_error.hpp"

namespace sppo::jinja {
namespace {

using GlobalFn = Value (*)(Interpreter&, CallArgs args);

class GlobalFunction : public Object {
 public:
  GlobalFunction(const char* name, GlobalFn fn) : name_(name), fn_(fn) {}
  std::string type_name() const override { return "function"; }
  std::string repr() const override { return "<function " + std::string(name_) + ">"; }
  bool callable() const override { return true; }
  Value call(Interpreter& interpreter, CallArgs args) const override { return fn_(interpreter, std::move(args)); }

 private:
  const char* name_;
  GlobalFn fn_;
};

int64_t range_int(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_int() && !v.is_bool()) throw_type_error("'" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.as_integer();
}

Value g_range(Interpreter& in, CallArgs args) {
  if (!args.keyword.empty()) throw_type_error("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3)
    throw_type_error("range expected at least 1 argument, got " + std::to_string(p.size()));
  int64_t start = 0, stop = 0, step = 1;
  if (p.size() == 1) {
    stop = range_int(p[0]);
  } else {
    start = range_int(p[0]);
    stop = range_int(p[1]);
    if (p.size() == 3) step = range_int(p[2]);
  }
  if (step == 0) throw_type_error("range() arg 3 must not be zero");
  // len(range(start, stop, step)) without overflow
  __int128 length = 0;
  if (step > 0 && stop > start) length = (static_cast<__int128>(stop) - start + step - 1) / step;
  if (step < 0 && stop < start) length = (static_cast<__int128>(start) - stop - step - 1) / -step;
  if (length > kMaxRange)
    throw_type_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + std::to_string(kMaxRange) + ").");
  std::vector<Value> items;
  items.reserve(static_cast<std::size_t>(length));
  for (int64_t i = 0; i < static_cast<int64_t>(length); ++i) items.push_back(Value::integer(start + i * step));
  return in.make_list(std::move(items));
}

// dict(mapping_or_pairs, **kwargs) and namespace(...): the same arguments.
DictData mapping_from(CallArgs args, const char* function) {
  DictData d;
  if (args.positional.size() > 1)
    throw_type_error(std::string(function) + " expected at most 1 argument, got " + std::to_string(args.positional.size()));
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_dict()) {
      d = source.as_dict();
    } else {
      std::size_t index = 0;
      for (const Value& pair : iterate(source)) {
        const std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2)
          throw_type_error("dictionary update sequence element #" + std::to_string(index) + " has length " +
                           std::to_string(kv.size()) + "; 2 is required");
        check_hashable(kv[0]);
        d.set(kv[0], kv[1]);
        ++index;
      }
    }
  }
  for (auto& [key, value] : args.keyword) d.set(Value::string(key), std::move(value));
  return d;
}

Value g_dict(Interpreter&, CallArgs args) { return Value::dict(mapping_from(std::move(args), "dict")); }

Value g_namespace(Interpreter& in, CallArgs args) {
  auto ns = std::make_shared<NamespaceData>();
  ns->attributes = mapping_from(std::move(args), "Namespace");
  in.track_namespace(ns);
  return Value::make_namespace(std::move(ns));
}

Value g_raise_exception(Interpreter&, CallArgs args) {
  Arguments a("raise_exception", std::move(args), {"message"});
  throw EvalError(ErrorKind::Raised, to_str(a.required(0)));
}

// datetime.now().strftime(format) at the render's fixed time: %f, %z, %Z as Python's datetime
// handles them for a naive time, the rest by the C library (as Python's time.strftime).
Value g_strftime_now(Interpreter& in, CallArgs args) {
  Arguments a("strftime_now", std::move(args), {"format"});
  const Value& format = a.required(0);
  if (!format.is_string()) throw_type_error("strftime() argument 1 must be str, not " + type_name(format));
  std::string fmt;
  const std::string& f = format.as_string();
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '%' && i + 1 < f.size()) {
      const char c = f[i + 1];
      if (c == 'f') {
        fmt += "000000";
        ++i;
        continue;
      }
      if (c == 'z' || c == 'Z') {
        ++i;
        continue;
      }
      fmt += f.substr(i, 2);
      ++i;
      continue;
    }
    fmt.push_back(f[i]);
  }
  if (fmt.empty()) return in.make_string("");
  std::tm tm = in.settings().now;
  std::string out(256 + fmt.size() * 16, '\0');
  const std::size_t n = std::strftime(out.data(), out.size(), fmt.c_str(), &tm);
  out.resize(n);
  return in.make_string(std::move(out));
}

}  // namespace

Variables builtin_globals() {
  auto fn = [](const char* name, GlobalFn f) { return Value::object(std::make_shared<GlobalFunction>(name, f)); };
  return {
      {"range", fn("range", g_range)},
      {"dict", fn("dict", g_dict)},
      {"namespace", fn("namespace", g_namespace)},
      {"raise_exception", fn("raise_exception", g_raise_exception)},
      {"strftime_now", fn("strftime_now", g_strftime_now)},
  };
}

bool is_unsupported_global(std::string_view name) { return name == "cycler" || name == "joiner" || name == "lipsum"; }

}  // namespace sppo::jinja
