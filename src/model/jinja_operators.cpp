#include "model/jinja_operators.hpp"

#include <cmath>
#include <limits>

#include "model/jinja_error.hpp"
#include "model/jinja_interpreter.hpp"

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
    if (!s.empty() && static_cast<uint64_t>(times) > limit / s.size()) in.charge_bytes(limit + 1);
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
  if (a_seq && (b.is_int() || b.is_bool())) return repeat(in, a, b.as_integer());
  if (b_seq && (a.is_int() || a.is_bool())) return repeat(in, b, a.as_integer());
  if (a_seq && !b_seq && b.is_float()) throw_type_error("can't multiply sequence by non-int of type 'float'");
  if (b_seq && !a_seq && a.is_float()) throw_type_error("can't multiply sequence by non-int of type 'float'");
  if (a_seq && !b.is_number()) throw_type_error("can't multiply sequence by non-int of type '" + type_name(b) + "'");
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

}  // namespace

Value binary_operation(Interpreter& in, BinaryOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  switch (op) {
    case BinaryOp::Add: return add(in, a, b);
    case BinaryOp::Mul: return multiply(in, a, b);
    default: break;
  }
  if (op == BinaryOp::Mod && a.is_string())
    throw_unsupported("printf-style formatting (str % values) is not supported");
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
