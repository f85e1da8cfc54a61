#include "model/jinja_operators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "model/jinja_error.hpp"
#include "model/jinja_interpreter.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

const char* symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::FloorDiv: return "//";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Pow: return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported_operands(BinaryOp op, const Value& a, const Value& b) {
  throw_type_error(std::string("unsupported operand type(s) for ") + symbol(op) + ": '" + type_name(a) + "' and '" +
                   type_name(b) + "'");
}

[[noreturn]] void too_big() { throw_unsupported("integers beyond 64 bits are not supported"); }

// a op b for 64-bit ints, refusing what Python would give as a bigger integer.
int64_t checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) too_big();
  return r;
}
int64_t checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) too_big();
  return r;
}
int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) too_big();
  return r;
}

// CPython's float_divmod: the floor quotient and the modulo with the divisor's sign.
void float_divmod(double vx, double wx, double& floordiv, double& mod) {
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0.0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

Value repeat(Interpreter& in, const Value& seq, int64_t times) {
  if (times <= 0) return seq.is_string() ? Value::string("", seq.is_markup()) : in.make_list({}, seq.sequence_kind());
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    const std::size_t limit = in.settings().limits.max_output_bytes;
    if (!s.empty() && static_cast<uint64_t>(times) > limit / s.size())
      throw EvalError(ErrorKind::Limit, "a string of the template would exceed " + std::to_string(limit) + " bytes");
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(times));
    for (int64_t i = 0; i < times; ++i) out += s;
    return in.make_string(std::move(out), seq.is_markup());
  }
  const auto& items = seq.items();
  if (!items.empty() && static_cast<uint64_t>(times) > in.settings().limits.max_allocated_bytes / items.size())
    in.charge_bytes(in.settings().limits.max_allocated_bytes + 1);
  in.charge_bytes(items.size() * static_cast<std::size_t>(times) * sizeof(Value));
  std::vector<Value> out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return in.make_list(std::move(out), seq.sequence_kind());
}

bool is_plain_sequence(const Value& v) {
  return v.is_list() && (v.sequence_kind() == SequenceKind::List || v.sequence_kind() == SequenceKind::Tuple);
}

Value add(Interpreter& in, const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return Value::number(a.as_double() + b.as_double());
    return Value::integer(checked_add(a.as_integer(), b.as_integer()));
  }
  if (a.is_string() && b.is_string()) {
    // markupsafe: Markup + str escapes the str (and str + Markup too); the result is Markup.
    if (a.is_markup() || b.is_markup()) {
      const std::string left = a.is_markup() ? a.as_string() : html_escape(a.as_string());
      const std::string right = b.is_markup() ? b.as_string() : html_escape(b.as_string());
      return in.make_string(left + right, true);
    }
    return in.make_string(a.as_string() + b.as_string());
  }
  if (a.is_markup()) unsupported_operands(BinaryOp::Add, a, b);
  if (a.is_string()) throw_type_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
  if (is_plain_sequence(a)) {
    if (!b.is_list() || b.sequence_kind() != a.sequence_kind()) {
      const char* kind = a.is_tuple() ? "tuple" : "list";
      throw_type_error(std::string("can only concatenate ") + kind + " (not \"" + type_name(b) + "\") to " + kind);
    }
    std::vector<Value> items = a.items();
    items.insert(items.end(), b.items().begin(), b.items().end());
    return in.make_list(std::move(items), a.sequence_kind());
  }
  unsupported_operands(BinaryOp::Add, a, b);
}

Value multiply(Interpreter& in, const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return Value::number(a.as_double() * b.as_double());
    return Value::integer(checked_mul(a.as_integer(), b.as_integer()));
  }
  const bool a_seq = a.is_string() || is_plain_sequence(a);
  const bool b_seq = b.is_string() || is_plain_sequence(b);
  // Markup.__mul__ hands any operand to str.__mul__, which wants an index.
  if ((a.is_markup() && !(b.is_int() || b.is_bool())) || (b.is_markup() && !(a.is_int() || a.is_bool())))
    throw_type_error("'" + type_name(a.is_markup() ? b : a) + "' object cannot be interpreted as an integer");
  if (a_seq && (b.is_int() || b.is_bool())) return repeat(in, a, b.as_integer());
  if (b_seq && (a.is_int() || a.is_bool())) return repeat(in, b, a.as_integer());
  if (a_seq && !b_seq && b.is_float()) throw_type_error("can't multiply sequence by non-int of type 'float'");
  if (b_seq && !a_seq && a.is_float()) throw_type_error("can't multiply sequence by non-int of type 'float'");
  if (a_seq) throw_type_error("can't multiply sequence by non-int of type '" + type_name(b) + "'");
  if (b_seq) throw_type_error("can't multiply sequence by non-int of type '" + type_name(a) + "'");
  unsupported_operands(BinaryOp::Mul, a, b);
}

Value power(const Value& a, const Value& b) {
  if (!a.is_float() && !b.is_float()) {
    const int64_t base = a.as_integer(), exp = b.as_integer();
    if (exp < 0) {
      if (base == 0) throw_type_error("0.0 cannot be raised to a negative power");
      return Value::number(std::pow(static_cast<double>(base), static_cast<double>(exp)));
    }
    int64_t result = 1, x = base;
    for (int64_t e = exp; e > 0; e >>= 1) {
      if (e & 1) result = checked_mul(result, x);
      if (e > 1) x = checked_mul(x, x);
    }
    return Value::integer(result);
  }
  const double x = a.as_double(), y = b.as_double();
  if (x == 0.0 && y < 0) throw_type_error("0.0 cannot be raised to a negative power");
  if (x < 0 && std::isfinite(y) && y != std::floor(y)) throw_unsupported("complex numbers are not supported");
  return Value::number(std::pow(x, y));
}

// One conversion of str % args: its flags, width, precision and type.
struct Conversion {
  bool left = false, plus = false, space = false, alternate = false, zero = false;
  int width = -1, precision = -1;
  char type = 's';
};

std::string pad(std::string text, const Conversion& c) {
  const auto len = static_cast<int>(code_point_count(text));
  if (c.width <= len) return text;
  const std::string fill(static_cast<std::size_t>(c.width - len), ' ');
  return c.left ? text + fill : fill + text;
}

// %d %x %o %e %f %g ... through the C library, which Python's formatting matches for them.
std::string format_number(const Value& arg, const Conversion& c) {
  std::string spec = "%";
  if (c.left) spec += '-';
  if (c.plus) spec += '+';
  if (c.space) spec += ' ';
  if (c.alternate) spec += '#';
  if (c.zero) spec += '0';
  if (c.width >= 0) spec += std::to_string(c.width);
  if (c.precision >= 0) spec += "." + std::to_string(c.precision);
  char buf[512];
  const char t = c.type;
  if (t == 'd' || t == 'i' || t == 'u' || t == 'x' || t == 'X' || t == 'o') {
    if (arg.is_float() && (t == 'd' || t == 'i' || t == 'u')) {
      if (!std::isfinite(arg.as_float())) throw_type_error("cannot convert float infinity to integer");
      std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), static_cast<long long>(std::trunc(arg.as_float())));
      return buf;
    }
    if (!(arg.is_int() || arg.is_bool())) {
      const bool real = t == 'd' || t == 'i' || t == 'u';
      throw_type_error(std::string("%") + t + " format: " + (real ? "a real number" : "an integer") + " is required, not " +
                       type_name(arg));
    }
    const long long v = arg.as_integer();
    if (t == 'x' || t == 'X' || t == 'o') {
      // C prints the two's complement of a negative number; Python a minus sign.
      spec += t == 'o' ? "llo" : t == 'x' ? "llx" : "llX";
      const unsigned long long magnitude = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
      std::snprintf(buf, sizeof buf, spec.c_str(), magnitude);
      std::string out = buf;
      if (c.alternate && t == 'o') {  // Python writes 0o, C a single 0
        const std::size_t at = out.find_first_not_of(' ');
        out.insert(at + 1, "o");
        if (!c.left && c.width > 0 && out.front() == ' ') out.erase(0, 1);
      }
      if (v < 0) {
        const std::size_t at = out.find_first_not_of(' ');
        out.insert(at, "-");
        if (!c.left && c.width > 0 && out.front() == ' ') out.erase(0, 1);
      }
      return out;
    }
    std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), v);
    return buf;
  }
  if (!arg.is_number()) throw_type_error("must be real number, not " + type_name(arg));
  std::snprintf(buf, sizeof buf, (spec + t).c_str(), arg.as_double());
  return buf;
}

}  // namespace

Value percent_format(Interpreter& in, const Value& format, const Value& args) {
  const std::string& f = format.as_string();
  const bool markup = format.is_markup();
  std::vector<Value> positional;
  const Value* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.items();
  } else {
    positional.push_back(args);
    if (args.is_dict()) mapping = &args;
  }
  // Python takes anything with __getitem__ but a tuple or a str (a dict, a list, jinja2's
  // Undefined) for a mapping: then unused arguments are no error.
  const bool lenient = mapping || args.is_undefined() || args.is_namespace() ||
                       (args.is_list() && args.sequence_kind() == SequenceKind::List);
  std::size_t next = 0;
  std::string out;
  auto take = [&]() -> const Value& {
    if (next >= positional.size()) throw_type_error("not enough arguments for format string");
    return positional[next++];
  };
  auto as_text = [&](std::string s, const Value& arg) {
    return markup && !arg.is_markup() ? html_escape(s) : s;
  };
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out.push_back(f[i]);
      continue;
    }
    ++i;
    if (i >= f.size()) throw_type_error("incomplete format");
    const Value* keyed = nullptr;
    Value key_value;
    if (f[i] == '(') {
      if (args.is_undefined()) fail_undefined(args);
      if (args.is_list() && lenient) throw_type_error("list indices must be integers or slices, not str");
      if (!mapping) throw_type_error("format requires a mapping");
      int depth = 1;
      const std::size_t key_start = ++i;
      while (i < f.size() && depth > 0) {
        if (f[i] == '(') ++depth;
        if (f[i] == ')') --depth;
        if (depth > 0) ++i;
      }
      if (i >= f.size()) throw_type_error("incomplete format key");
      const std::string key = f.substr(key_start, i - key_start);
      ++i;
      const Value* found = mapping->as_dict().find(std::string_view(key));
      if (!found) throw_type_error("'" + key + "'");  // KeyError
      key_value = *found;
      keyed = &key_value;
    }
    Conversion c;
    for (; i < f.size(); ++i) {
      if (f[i] == '-') c.left = true;
      else if (f[i] == '+') c.plus = true;
      else if (f[i] == ' ') c.space = true;
      else if (f[i] == '#') c.alternate = true;
      else if (f[i] == '0') c.zero = true;
      else break;
    }
    auto number = [&](int& field) {
      if (i < f.size() && f[i] == '*') {
        const Value& w = keyed ? *keyed : take();
        if (!(w.is_int() || w.is_bool())) throw_type_error("* wants int");
        field = static_cast<int>(std::clamp<int64_t>(w.as_integer(), -4096, 4096));
        if (field < 0) {
          c.left = true;
          field = -field;
        }
        ++i;
        return;
      }
      if (i < f.size() && f[i] >= '0' && f[i] <= '9') {
        field = 0;
        for (; i < f.size() && f[i] >= '0' && f[i] <= '9'; ++i) field = std::min(field * 10 + (f[i] - '0'), 4096);
      }
    };
    number(c.width);
    if (i < f.size() && f[i] == '.') {
      ++i;
      c.precision = 0;
      number(c.precision);
    }
    while (i < f.size() && (f[i] == 'h' || f[i] == 'l' || f[i] == 'L')) ++i;
    if (i >= f.size()) throw_type_error("incomplete format");
    c.type = f[i];
    if (c.type == '%') {
      out.push_back('%');
      continue;
    }
    const Value& arg = keyed ? *keyed : take();
    switch (c.type) {
      case 's': {
        std::string text = to_str(arg);
        if (c.precision >= 0) text = to_utf8(to_code_points(text).substr(0, static_cast<std::size_t>(c.precision)));
        out += pad(as_text(text, arg), c);
        break;
      }
      case 'r':
      case 'a': {
        std::string text = repr(arg);
        if (c.precision >= 0) text = to_utf8(to_code_points(text).substr(0, static_cast<std::size_t>(c.precision)));
        out += pad(as_text(text, arg), c);
        break;
      }
      case 'c': {
        std::string ch;
        if (arg.is_int() || arg.is_bool()) {
          const int64_t cp = arg.as_integer();
          if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw_type_error("%c arg not in range(0x110000)");
          append_utf8(ch, static_cast<char32_t>(cp));
        } else if (arg.is_string() && code_point_count(arg.as_string()) == 1) {
          ch = arg.as_string();
        } else {
          throw_type_error("%c requires int or char");
        }
        out += pad(as_text(ch, arg), c);
        break;
      }
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        if (arg.is_undefined()) fail_undefined(arg);
        out += format_number(arg, c);
        break;
      default: {
        char buf[96];
        std::snprintf(buf, sizeof buf, "unsupported format character '%c' (0x%x) at index %zu", c.type,
                      static_cast<unsigned>(static_cast<unsigned char>(c.type)), i);
        throw_type_error(buf);
      }
    }
    if (out.size() > in.settings().limits.max_output_bytes) in.charge_bytes(in.settings().limits.max_allocated_bytes + 1);
  }
  if (!lenient && next < positional.size()) throw_type_error("not all arguments converted during string formatting");
  return in.make_string(std::move(out), markup);
}

Value binary_operation(Interpreter& in, BinaryOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  // str % Undefined formats (Undefined passes for a mapping); every other use of it fails.
  if (op == BinaryOp::Mod && a.is_string()) return percent_format(in, a, b);
  if (b.is_undefined()) fail_undefined(b);
  switch (op) {
    case BinaryOp::Add: return add(in, a, b);
    case BinaryOp::Mul: return multiply(in, a, b);
    default: break;
  }
  if (!a.is_number() || !b.is_number()) unsupported_operands(op, a, b);
  const bool floats = a.is_float() || b.is_float();
  switch (op) {
    case BinaryOp::Sub: {
      if (floats) return Value::number(a.as_double() - b.as_double());
      return Value::integer(checked_sub(a.as_integer(), b.as_integer()));
    }
    case BinaryOp::Div:
      if (b.as_double() == 0.0) throw_type_error(floats ? "float division by zero" : "division by zero");
      return Value::number(a.as_double() / b.as_double());
    case BinaryOp::FloorDiv:
    case BinaryOp::Mod: {
      if (floats) {
        if (b.as_double() == 0.0)
          throw_type_error(op == BinaryOp::Mod ? "float modulo" : "float floor division by zero");
        double q, m;
        float_divmod(a.as_double(), b.as_double(), q, m);
        return Value::number(op == BinaryOp::Mod ? m : q);
      }
      const int64_t x = a.as_integer(), y = b.as_integer();
      if (y == 0) throw_type_error(op == BinaryOp::Mod ? "integer modulo by zero" : "integer division or modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) {
        if (op == BinaryOp::Mod) return Value::integer(0);
        too_big();
      }
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        m += y;
        --q;
      }
      return Value::integer(op == BinaryOp::Mod ? m : q);
    }
    case BinaryOp::Pow: return power(a, b);
    default: break;
  }
  unsupported_operands(op, a, b);
}

Value negate(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_float()) return Value::number(-v.as_float());
  if (v.is_int() || v.is_bool()) {
    if (v.as_integer() == std::numeric_limits<int64_t>::min()) too_big();
    return Value::integer(-v.as_integer());
  }
  throw_type_error("bad operand type for unary -: '" + type_name(v) + "'");
}

Value unary_plus(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_float() || v.is_int()) return v;
  if (v.is_bool()) return Value::integer(v.as_integer());
  throw_type_error("bad operand type for unary +: '" + type_name(v) + "'");
}

}  // namespace sppo::jinja
