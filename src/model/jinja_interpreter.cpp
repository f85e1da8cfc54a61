#include "model/jinja_interpreter.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include "model/jinja_error.hpp"
#include "model/jinja_filters.hpp"
#include "model/jinja_globals.hpp"
#include "model/jinja_methods.hpp"
#include "model/jinja_operators.hpp"
#include "model/jinja_tests.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

[[noreturn]] void limit(const std::string& message) { throw EvalError(ErrorKind::Limit, message); }

bool is_dunder(const std::string& name) {
  return name.size() > 4 && name.compare(0, 2, "__") == 0 && name.compare(name.size() - 2, 2, "__") == 0;
}

Value unsafe_attribute(const Value& object, const std::string& name) {
  return Value::undefined("access to attribute '" + name + "' of '" + type_name(object) + "' object is unsafe.", true);
}

Value no_attribute(const Value& object, const std::string& name) {
  return Value::undefined(python_string_repr(object_type_repr(object)) + " has no attribute " + python_string_repr(name));
}

// ------------------------------------------------------------------ the loop variable
struct LoopState {
  std::vector<Value> items;
  int depth = 1;  // 1 + the deepest item
  std::size_t index0 = 0;
  bool changed_called = false;
  std::vector<Value> last_changed;
};

class LoopMethod : public Object {
 public:
  LoopMethod(std::shared_ptr<LoopState> state, bool cycle) : state_(std::move(state)), cycle_(cycle) {}
  std::string type_name() const override { return "method"; }
  int depth() const override { return 1 + state_->depth; }
  std::string repr() const override { return cycle_ ? "<bound method LoopContext.cycle>" : "<bound method LoopContext.changed>"; }
  bool callable() const override { return true; }
  Value call(Interpreter&, CallArgs args) const override {
    if (!args.keyword.empty()) throw_type_error(std::string(cycle_ ? "cycle" : "changed") + "() got an unexpected keyword argument");
    if (cycle_) {
      if (args.positional.empty()) throw_type_error("no items for cycling given");
      return args.positional[state_->index0 % args.positional.size()];
    }
    const bool same = state_->changed_called && state_->last_changed.size() == args.positional.size() &&
                      std::equal(args.positional.begin(), args.positional.end(), state_->last_changed.begin(), equals);
    if (same) return Value::boolean(false);
    state_->changed_called = true;
    state_->last_changed = std::move(args.positional);
    return Value::boolean(true);
  }

 private:
  std::shared_ptr<LoopState> state_;
  bool cycle_;
};

class LoopObject : public Object {
 public:
  explicit LoopObject(std::shared_ptr<LoopState> state) : state_(std::move(state)) {}
  std::string type_name() const override { return "LoopContext"; }
  std::string qualified_type_name() const override { return "jinja2.runtime.LoopContext"; }
  std::string repr() const override {
    return "<LoopContext " + std::to_string(state_->index0 + 1) + "/" + std::to_string(state_->items.size()) + ">";
  }
  bool callable() const override { return true; }
  Value call(Interpreter&, CallArgs) const override {
    throw_type_error("The loop must have the 'recursive' marker to be called recursively.");
  }
  bool get_attribute(const std::string& name, Value& out) const override {
    const auto i = static_cast<int64_t>(state_->index0);
    const auto n = static_cast<int64_t>(state_->items.size());
    if (name == "index") out = Value::integer(i + 1);
    else if (name == "index0") out = Value::integer(i);
    else if (name == "revindex") out = Value::integer(n - i);
    else if (name == "revindex0") out = Value::integer(n - i - 1);
    else if (name == "first") out = Value::boolean(i == 0);
    else if (name == "last") out = Value::boolean(i + 1 == n);
    else if (name == "length") out = Value::integer(n);
    else if (name == "depth") out = Value::integer(1);
    else if (name == "depth0") out = Value::integer(0);
    else if (name == "previtem") out = i > 0 ? state_->items[static_cast<std::size_t>(i - 1)] : Value::undefined("there is no previous item");
    else if (name == "nextitem") out = i + 1 < n ? state_->items[static_cast<std::size_t>(i + 1)] : Value::undefined("there is no next item");
    else if (name == "cycle") out = Value::object(std::make_shared<LoopMethod>(state_, true));
    else if (name == "changed") out = Value::object(std::make_shared<LoopMethod>(state_, false));
    else return false;
    return true;
  }
  bool truthy() const override { return !state_->items.empty(); }
  int depth() const override { return state_->depth; }

 private:
  std::shared_ptr<LoopState> state_;
};

// ------------------------------------------------------------------ macros
// A macro holds its scope weakly (the scope usually holds the macro); the interpreter owns the
// scope until the render ends (keep_for_render), so the macro can always be called.
class MacroObject : public Object {
 public:
  MacroObject(std::shared_ptr<const MacroDefinition> macro, const std::shared_ptr<Frame>& closure)
      : macro_(std::move(macro)), closure_(closure) {}
  std::string type_name() const override { return "Macro"; }
  std::string qualified_type_name() const override { return "jinja2.runtime.Macro"; }
  std::string repr() const override { return "<Macro " + python_string_repr(macro_->name) + ">"; }
  bool callable() const override { return true; }
  Value call(Interpreter& interpreter, CallArgs args) const override {
    const std::shared_ptr<Frame> closure = closure_.lock();
    if (!closure) throw EvalError(ErrorKind::Runtime, "macro " + python_string_repr(macro_->name) + " outlived its render");
    return interpreter.call_macro(*macro_, closure, std::move(args));
  }
  bool get_attribute(const std::string& name, Value& out) const override {
    if (name == "name") {
      out = Value::string(macro_->name);
    } else if (name == "arguments") {
      std::vector<Value> names;
      for (const MacroParam& p : macro_->params) names.push_back(Value::string(p.name));
      out = Value::tuple(std::move(names));
    } else if (name == "catch_kwargs") {
      out = Value::boolean(macro_->uses_kwargs);
    } else if (name == "catch_varargs") {
      out = Value::boolean(macro_->uses_varargs);
    } else if (name == "caller") {
      out = Value::boolean(macro_->uses_caller);
    } else {
      return false;
    }
    return true;
  }

 private:
  std::shared_ptr<const MacroDefinition> macro_;
  std::weak_ptr<Frame> closure_;
};

// Python's slice.indices(len) followed by the selected positions.
std::vector<std::size_t> slice_positions(int64_t len, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto index = [](const Value& v) -> std::optional<int64_t> {
    if (v.is_none()) return std::nullopt;
    if (!v.is_int() && !v.is_bool())
      throw_type_error("slice indices must be integers or None or have an __index__ method");
    return v.as_integer();
  };
  const std::optional<int64_t> start_i = index(start_v), stop_i = index(stop_v), step_i = index(step_v);
  const int64_t step = step_i.value_or(1);
  if (step == 0) throw_type_error("slice step cannot be zero");
  auto adjust = [&](std::optional<int64_t> v, int64_t fallback, int64_t low, int64_t high) {
    if (!v) return fallback;
    int64_t x = *v;
    if (x < 0) x = x < -len ? low : x + len;
    if (x < low) x = low;
    if (x > high) x = high;
    return x;
  };
  std::vector<std::size_t> out;
  if (step > 0) {
    const int64_t start = adjust(start_i, 0, 0, len), stop = adjust(stop_i, len, 0, len);
    for (int64_t i = start; i < stop; i += step) out.push_back(static_cast<std::size_t>(i));
  } else {
    const int64_t start = adjust(start_i, len - 1, -1, len - 1), stop = adjust(stop_i, -1, -1, len - 1);
    for (int64_t i = start; i > stop; i += step) out.push_back(static_cast<std::size_t>(i));
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------ Frame
const Value* Frame::find(const std::string& name) const {
  for (const Frame* f = this; f; f = f->parent_.get()) {
    for (const auto& [n, v] : f->vars_)
      if (n == name) return &v;
  }
  return nullptr;
}

void Frame::set(const std::string& name, Value value) {
  for (auto& [n, v] : vars_) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  vars_.emplace_back(name, std::move(value));
}

// ------------------------------------------------------------------ Interpreter
Interpreter::Interpreter(const Program& program, const RenderSettings& settings) : program_(program), settings_(settings) {}
Interpreter::~Interpreter() = default;

std::string Interpreter::render(const Variables& variables) {
  auto globals = std::make_shared<Frame>(nullptr);
  for (auto& [name, value] : builtin_globals()) globals->set(name, std::move(value));
  auto context = std::make_shared<Frame>(globals);
  for (const auto& [name, value] : variables) context->set(name, value);
  auto root = std::make_shared<Frame>(context);
  std::string out;
  out_ = &out;
  allocated_ = 0;
  steps_ = 0;
  call_depth_ = 0;
  try {
    exec_body(program_.body, root);
  } catch (const EvalError& e) {
    out_ = nullptr;
    release_render_state();
    throw_template_error(e, program_.origin, line_);
  } catch (...) {
    out_ = nullptr;
    release_render_state();
    throw;
  }
  out_ = nullptr;
  release_render_state();
  return out;
}

void Interpreter::release_render_state() {
  for (const auto& weak : namespaces_)
    if (const auto ns = weak.lock()) ns->attributes = DictData();
  namespaces_.clear();
  render_frames_.clear();
}

void Interpreter::charge_bytes(std::size_t bytes) {
  allocated_ += bytes;
  if (allocated_ > settings_.limits.max_allocated_bytes)
    limit("the template made more than " + std::to_string(settings_.limits.max_allocated_bytes) + " bytes of values");
}

void Interpreter::charge_steps(uint64_t steps) {
  steps_ += steps;
  if (steps_ > settings_.limits.max_steps)
    limit("the template ran more than " + std::to_string(settings_.limits.max_steps) + " steps");
}

Value Interpreter::make_string(std::string text, bool markup) {
  if (text.size() > settings_.limits.max_output_bytes)
    limit("a string of the template would exceed " + std::to_string(settings_.limits.max_output_bytes) + " bytes");
  charge_bytes(text.size());
  return Value::string(std::move(text), markup);
}

Value Interpreter::make_list(std::vector<Value> items, SequenceKind kind) {
  charge_bytes(items.size() * sizeof(Value));
  return Value::list(std::move(items), kind);
}

void Interpreter::write(std::string_view text) {
  if (out_->size() + text.size() > settings_.limits.max_output_bytes)
    limit("the rendered text would exceed " + std::to_string(settings_.limits.max_output_bytes) + " bytes");
  charge_bytes(text.size());
  out_->append(text);
}

std::string Interpreter::capture(const Body& body, const std::shared_ptr<Frame>& frame) {
  std::string buffer;
  std::string* outer = out_;
  out_ = &buffer;
  try {
    exec_body(body, frame);
  } catch (...) {
    out_ = outer;
    throw;
  }
  out_ = outer;
  return buffer;
}

Interpreter::Flow Interpreter::exec_body(const Body& body, const std::shared_ptr<Frame>& frame) {
  for (const StmtPtr& stmt : body) {
    const Flow flow = exec(*stmt, frame);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& stmt, const std::shared_ptr<Frame>& frame) {
  line_ = stmt.line;
  charge_steps(1);
  switch (stmt.kind) {
    case StmtKind::Text:
      write(static_cast<const TextStmt&>(stmt).text);
      return Flow::Normal;
    case StmtKind::Print: {
      const Value v = eval(*static_cast<const PrintStmt&>(stmt).expr, frame);
      write(v.is_string() ? v.as_string() : to_str(v));
      return Flow::Normal;
    }
    case StmtKind::If: {
      const auto& s = static_cast<const IfStmt&>(stmt);
      for (const auto& [test, body] : s.branches) {
        if (truthy(eval(*test, frame))) return exec_body(body, frame);
      }
      return exec_body(s.else_body, frame);
    }
    case StmtKind::For:
      exec_for(static_cast<const ForStmt&>(stmt), frame);
      return Flow::Normal;
    case StmtKind::Set: {
      const auto& s = static_cast<const SetStmt&>(stmt);
      const Value v = eval(*s.value, frame);
      line_ = stmt.line;
      assign(s.target, v, *frame);
      return Flow::Normal;
    }
    case StmtKind::SetBlock: {
      const auto& s = static_cast<const SetBlockStmt&>(stmt);
      Value v = make_string(capture(s.body, std::make_shared<Frame>(frame)));
      if (s.filter_chain) {
        // The chain's innermost filter takes the block's text.
        std::vector<const FilterExpr*> chain;
        for (const Expr* e = s.filter_chain.get(); e; e = static_cast<const FilterExpr*>(e)->operand.get())
          chain.push_back(static_cast<const FilterExpr*>(e));
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
          CallArgs args = eval_args((*it)->args, frame);
          line_ = (*it)->line;
          v = apply_filter((*it)->name, v, std::move(args));
        }
      }
      line_ = stmt.line;
      assign(s.target, v, *frame);
      return Flow::Normal;
    }
    case StmtKind::Macro: {
      const auto& s = static_cast<const MacroStmt&>(stmt);
      keep_for_render(frame);
      frame->set(s.macro->name, Value::object(std::make_shared<MacroObject>(s.macro, frame)));
      return Flow::Normal;
    }
    case StmtKind::CallBlock: {
      const auto& s = static_cast<const CallBlockStmt&>(stmt);
      const Value callee = eval(*s.call->callee, frame);
      CallArgs args = eval_args(s.call->args, frame);
      keep_for_render(frame);
      args.keyword.emplace_back("caller", Value::object(std::make_shared<MacroObject>(s.caller, frame)));
      line_ = stmt.line;
      const Value result = call(callee, std::move(args));
      write(to_str(result));
      return Flow::Normal;
    }
    case StmtKind::Break: return Flow::Break;
    case StmtKind::Continue: return Flow::Continue;
    case StmtKind::Scope: {
      exec_body(static_cast<const ScopeStmt&>(stmt).body, std::make_shared<Frame>(frame));
      return Flow::Normal;
    }
    case StmtKind::With: {
      const auto& s = static_cast<const WithStmt&>(stmt);
      auto inner = std::make_shared<Frame>(frame);
      for (const auto& [name, expr] : s.assignments) inner->set(name, eval(*expr, frame));
      exec_body(s.body, inner);
      return Flow::Normal;
    }
  }
  return Flow::Normal;
}

void Interpreter::exec_for(const ForStmt& stmt, const std::shared_ptr<Frame>& frame) {
  const Value iterable = eval(*stmt.iterable, frame);
  line_ = stmt.line;
  std::vector<Value> items = iterate(iterable);
  if (stmt.filter) {
    std::vector<Value> kept;
    for (Value& item : items) {
      auto probe = std::make_shared<Frame>(frame);
      assign(stmt.target, item, *probe);
      if (truthy(eval(*stmt.filter, probe))) kept.push_back(std::move(item));
      line_ = stmt.line;
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(stmt.else_body, std::make_shared<Frame>(frame));
    return;
  }
  auto state = std::make_shared<LoopState>();
  state->items = std::move(items);
  for (const Value& item : state->items) state->depth = std::max(state->depth, 1 + value_depth(item));
  check_depth(state->depth);
  const Value loop = Value::object(std::make_shared<LoopObject>(state));
  // loop.changed(loop) makes the state hold its own loop: let go of it however the loop ends.
  struct ForgetChanged {
    LoopState& state;
    ~ForgetChanged() { state.last_changed.clear(); }
  } forget{*state};
  for (std::size_t i = 0; i < state->items.size(); ++i) {
    state->index0 = i;
    charge_steps(1);
    auto iteration = std::make_shared<Frame>(frame);
    iteration->set("loop", loop);
    line_ = stmt.line;
    assign(stmt.target, state->items[i], *iteration);
    if (exec_body(stmt.body, iteration) == Flow::Break) break;
  }
}

void Interpreter::assign(const AssignTarget& target, const Value& value, Frame& frame) {
  if (!target.namespace_attr.empty()) {
    const Value* ns = frame.find(target.names[0]);
    if (!ns || !ns->is_namespace())
      throw EvalError(ErrorKind::Runtime, "cannot assign attribute on non-namespace object");
    ns->as_namespace().attributes.set(Value::string(target.namespace_attr), value);
    return;
  }
  if (!target.is_tuple) {
    frame.set(target.names[0], value);
    return;
  }
  if (!(value.is_undefined() || value.is_string() || value.is_list() || value.is_dict()))
    throw_type_error("cannot unpack non-iterable " + type_name(value) + " object");
  const std::vector<Value> items = iterate(value);
  const std::size_t n = target.names.size();
  if (items.size() < n)
    throw_type_error("not enough values to unpack (expected " + std::to_string(n) + ", got " + std::to_string(items.size()) + ")");
  if (items.size() > n) throw_type_error("too many values to unpack (expected " + std::to_string(n) + ")");
  for (std::size_t i = 0; i < n; ++i) frame.set(target.names[i], items[i]);
}

// ------------------------------------------------------------------ calls
Value Interpreter::call(const Value& callee, CallArgs args) {
  if (callee.is_undefined()) fail_undefined(callee);
  if (callee.is_object() && callee.as_object().callable()) return callee.as_object().call(*this, std::move(args));
  throw_type_error("'" + type_name(callee) + "' object is not callable");
}

Value Interpreter::call_macro(const MacroDefinition& macro, const std::shared_ptr<Frame>& closure, CallArgs args) {
  if (call_depth_ >= settings_.limits.max_call_depth)
    limit("macro calls nested deeper than " + std::to_string(settings_.limits.max_call_depth));
  struct Depth {
    explicit Depth(int& d) : depth(d) { ++depth; }
    ~Depth() { --depth; }
    int& depth;
  } depth(call_depth_);
  auto frame = std::make_shared<Frame>(closure);
  const std::size_t count = macro.params.size();
  const std::string quoted_name = python_string_repr(macro.name);
  bool found_caller = false;
  for (std::size_t i = 0; i < count; ++i) {
    const MacroParam& p = macro.params[i];
    if (i < args.positional.size()) {
      frame->set(p.name, args.positional[i]);
      continue;
    }
    const auto kw = std::find_if(args.keyword.begin(), args.keyword.end(), [&](const auto& k) { return k.first == p.name; });
    if (p.name == "caller") found_caller = true;
    if (kw != args.keyword.end()) {
      frame->set(p.name, kw->second);
      args.keyword.erase(kw);
    } else if (p.default_value) {
      frame->set(p.name, eval(*p.default_value, frame));
    } else {
      frame->set(p.name, Value::undefined("parameter " + python_string_repr(p.name) + " was not provided"));
    }
  }
  if (args.positional.size() >= count) {
    found_caller = std::any_of(macro.params.begin(), macro.params.end(), [](const MacroParam& p) { return p.name == "caller"; });
  }
  if (macro.uses_caller && !found_caller) {
    const auto kw = std::find_if(args.keyword.begin(), args.keyword.end(), [](const auto& k) { return k.first == "caller"; });
    if (kw != args.keyword.end()) {
      frame->set("caller", kw->second);
      args.keyword.erase(kw);
    } else {
      frame->set("caller", Value::undefined("No caller defined"));
    }
  }
  if (macro.uses_kwargs) {
    DictData kwargs;
    for (auto& [k, v] : args.keyword) kwargs.set(Value::string(k), std::move(v));
    frame->set("kwargs", Value::dict(std::move(kwargs)));
  } else if (!args.keyword.empty()) {
    if (std::any_of(args.keyword.begin(), args.keyword.end(), [](const auto& k) { return k.first == "caller"; }))
      throw_type_error("macro " + quoted_name + " was invoked with two values for the special caller argument. This is most likely a bug.");
    throw_type_error("macro " + quoted_name + " takes no keyword argument " + python_string_repr(args.keyword.front().first));
  }
  if (macro.uses_varargs) {
    std::vector<Value> rest;
    if (args.positional.size() > count) rest.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(count), args.positional.end());
    frame->set("varargs", Value::tuple(std::move(rest)));
  } else if (args.positional.size() > count) {
    throw_type_error("macro " + quoted_name + " takes not more than " + std::to_string(count) + " argument(s)");
  }
  return make_string(capture(macro.body, frame));
}

Value Interpreter::apply_filter(const std::string& name, const Value& operand, CallArgs args) {
  return jinja::apply_filter(*this, name, operand, std::move(args));
}

bool Interpreter::apply_test(const std::string& name, const Value& operand, CallArgs args) {
  return jinja::apply_test(*this, name, operand, std::move(args));
}

// ------------------------------------------------------------------ attribute and item lookup
Value Interpreter::get_attribute(const Value& object, const std::string& name) {
  Value out;
  switch (object.kind()) {
    case ValueKind::Undefined: fail_undefined(object);
    case ValueKind::Dict:
      if (find_method(object, name, out)) return out;
      if (is_dunder(name)) return unsafe_attribute(object, name);
      if (const Value* v = object.as_dict().find(std::string_view(name))) return *v;
      return no_attribute(object, name);
    case ValueKind::Namespace:
      if (const Value* v = object.as_namespace().attributes.find(std::string_view(name))) return *v;
      break;
    case ValueKind::Object:
      if (object.as_object().get_attribute(name, out)) return out;
      break;
    default:
      if (find_method(object, name, out)) return out;
      break;
  }
  if (is_dunder(name)) return unsafe_attribute(object, name);
  return no_attribute(object, name);
}

Value Interpreter::get_item(const Value& object, const Value& key) {
  switch (object.kind()) {
    case ValueKind::Undefined: fail_undefined(object);
    case ValueKind::Dict: {
      const bool hashable = !(key.is_dict() || (key.is_list() && !key.is_tuple()));
      if (hashable) {
        if (const Value* v = object.as_dict().find(key)) return *v;
      }
      break;
    }
    case ValueKind::List:
      if ((object.sequence_kind() == SequenceKind::List || object.sequence_kind() == SequenceKind::Tuple) &&
          (key.is_int() || key.is_bool())) {
        const auto n = static_cast<int64_t>(object.items().size());
        int64_t i = key.as_integer();
        if (i < 0) i += n;
        if (i >= 0 && i < n) return object.items()[static_cast<std::size_t>(i)];
      }
      break;
    case ValueKind::String:
      if (key.is_int() || key.is_bool()) {
        const std::string& s = object.as_string();
        const auto n = static_cast<int64_t>(code_point_count(s));
        int64_t i = key.as_integer();
        if (i < 0) i += n;
        if (i >= 0 && i < n) {
          std::size_t pos = 0;
          for (int64_t k = 0; k < i; ++k) next_code_point(s, pos);
          const std::size_t start = pos;
          next_code_point(s, pos);
          return Value::string(s.substr(start, pos - start), object.is_markup());
        }
      }
      break;
    case ValueKind::Namespace:
      if (key.is_string()) {
        if (const Value* v = object.as_namespace().attributes.find(std::string_view(key.as_string()))) return *v;
      }
      break;
    default:
      break;
  }
  // jinja2's sandboxed getitem: a string key falls back to the attribute.
  if (key.is_string()) {
    const std::string& name = key.as_string();
    Value out;
    if (object.is_object() && object.as_object().get_attribute(name, out)) return out;
    if (!object.is_namespace() && !object.is_object() && find_method(object, name, out)) return out;
    if (is_dunder(name)) return unsafe_attribute(object, name);
    return no_attribute(object, name);
  }
  return Value::undefined(object_type_repr(object) + " has no element " + repr(key));
}

Value Interpreter::eval_slice(const Value& object, const SliceExpr& slice, const std::shared_ptr<Frame>& frame) {
  const Value start = slice.start ? eval(*slice.start, frame) : Value::none();
  const Value stop = slice.stop ? eval(*slice.stop, frame) : Value::none();
  const Value step = slice.step ? eval(*slice.step, frame) : Value::none();
  line_ = slice.line;
  if (object.is_undefined()) fail_undefined(object);
  if (object.is_string()) {
    const std::u32string cps = to_code_points(object.as_string());
    std::u32string out;
    for (std::size_t i : slice_positions(static_cast<int64_t>(cps.size()), start, stop, step)) out.push_back(cps[i]);
    return make_string(to_utf8(out), object.is_markup());
  }
  if (object.is_list() && (object.sequence_kind() == SequenceKind::List || object.sequence_kind() == SequenceKind::Tuple)) {
    std::vector<Value> out;
    for (std::size_t i : slice_positions(static_cast<int64_t>(object.items().size()), start, stop, step))
      out.push_back(object.items()[i]);
    return make_list(std::move(out), object.sequence_kind());
  }
  if (object.is_dict()) throw_type_error("unhashable type: 'slice'");
  throw_type_error("'" + type_name(object) + "' object is not subscriptable");
}

// ------------------------------------------------------------------ expressions
Value Interpreter::lookup(const std::string& name, const Frame& frame) const {
  if (const Value* v = frame.find(name)) return *v;
  if (is_unsupported_global(name)) throw_unsupported("the global function \"" + name + "\" is not supported");
  return Value::undefined(python_string_repr(name) + " is undefined");
}

CallArgs Interpreter::eval_args(const CallArguments& args, const std::shared_ptr<Frame>& frame) {
  CallArgs out;
  for (const ExprPtr& e : args.positional) out.positional.push_back(eval(*e, frame));
  if (args.star_args) {
    for (Value& v : iterate(eval(*args.star_args, frame))) out.positional.push_back(std::move(v));
  }
  for (const auto& [name, e] : args.keyword) out.keyword.emplace_back(name, eval(*e, frame));
  if (args.star_kwargs) {
    const Value d = eval(*args.star_kwargs, frame);
    if (!d.is_dict()) throw_type_error("argument after ** must be a mapping, not " + type_name(d));
    for (const auto& [k, v] : d.as_dict().entries()) {
      if (!k.is_string()) throw_type_error("keywords must be strings");
      out.keyword.emplace_back(k.as_string(), v);
    }
  }
  return out;
}

Value Interpreter::eval(const Expr& expr, const std::shared_ptr<Frame>& frame) {
  line_ = expr.line;
  charge_steps(1);
  switch (expr.kind) {
    case ExprKind::Const: return static_cast<const ConstExpr&>(expr).value;
    case ExprKind::Name: return lookup(static_cast<const NameExpr&>(expr).name, *frame);
    case ExprKind::List:
    case ExprKind::Tuple: {
      const auto& e = static_cast<const SequenceExpr&>(expr);
      std::vector<Value> items;
      items.reserve(e.items.size());
      for (const ExprPtr& item : e.items) items.push_back(eval(*item, frame));
      return make_list(std::move(items), expr.kind == ExprKind::Tuple ? SequenceKind::Tuple : SequenceKind::List);
    }
    case ExprKind::Dict: {
      const auto& e = static_cast<const DictExpr&>(expr);
      DictData d;
      for (const auto& [k, v] : e.items) {
        Value key = eval(*k, frame);
        Value value = eval(*v, frame);
        line_ = expr.line;
        check_hashable(key);
        d.set(std::move(key), std::move(value));
      }
      charge_bytes(d.size() * 2 * sizeof(Value));
      return Value::dict(std::move(d));
    }
    case ExprKind::GetAttr: {
      const auto& e = static_cast<const GetExpr&>(expr);
      const Value object = eval(*e.object, frame);
      line_ = expr.line;
      return get_attribute(object, e.name);
    }
    case ExprKind::GetItem: {
      const auto& e = static_cast<const GetExpr&>(expr);
      const Value object = eval(*e.object, frame);
      if (e.key->kind == ExprKind::Slice) return eval_slice(object, static_cast<const SliceExpr&>(*e.key), frame);
      const Value key = eval(*e.key, frame);
      line_ = expr.line;
      return get_item(object, key);
    }
    case ExprKind::Slice: throw_unsupported("a slice outside of a subscript");
    case ExprKind::Call: {
      const auto& e = static_cast<const CallExpr&>(expr);
      const Value callee = eval(*e.callee, frame);
      CallArgs args = eval_args(e.args, frame);
      line_ = expr.line;
      return call(callee, std::move(args));
    }
    case ExprKind::Filter: {
      const auto& e = static_cast<const FilterExpr&>(expr);
      const Value operand = eval(*e.operand, frame);
      CallArgs args = eval_args(e.args, frame);
      line_ = expr.line;
      return apply_filter(e.name, operand, std::move(args));
    }
    case ExprKind::Test: {
      const auto& e = static_cast<const FilterExpr&>(expr);
      const Value operand = eval(*e.operand, frame);
      CallArgs args = eval_args(e.args, frame);
      line_ = expr.line;
      return Value::boolean(apply_test(e.name, operand, std::move(args)));
    }
    case ExprKind::Not: return Value::boolean(!truthy(eval(*static_cast<const UnaryExpr&>(expr).operand, frame)));
    case ExprKind::Neg: {
      const Value v = eval(*static_cast<const UnaryExpr&>(expr).operand, frame);
      line_ = expr.line;
      return negate(v);
    }
    case ExprKind::Pos: {
      const Value v = eval(*static_cast<const UnaryExpr&>(expr).operand, frame);
      line_ = expr.line;
      return unary_plus(v);
    }
    case ExprKind::Binary: {
      const auto& e = static_cast<const BinaryExpr&>(expr);
      const Value a = eval(*e.left, frame);
      const Value b = eval(*e.right, frame);
      line_ = expr.line;
      return binary_operation(*this, e.op, a, b);
    }
    case ExprKind::Concat: {
      const auto& e = static_cast<const ConcatExpr&>(expr);
      std::string out;
      for (const ExprPtr& operand : e.operands) {
        const Value v = eval(*operand, frame);
        out += v.is_string() ? v.as_string() : to_str(v);
        if (out.size() > settings_.limits.max_output_bytes) make_string(std::move(out));
      }
      line_ = expr.line;
      return make_string(std::move(out));
    }
    case ExprKind::Compare: return eval_compare(static_cast<const CompareExpr&>(expr), frame);
    case ExprKind::And: {
      const auto& e = static_cast<const LogicalExpr&>(expr);
      Value left = eval(*e.left, frame);
      return truthy(left) ? eval(*e.right, frame) : left;
    }
    case ExprKind::Or: {
      const auto& e = static_cast<const LogicalExpr&>(expr);
      Value left = eval(*e.left, frame);
      return truthy(left) ? left : eval(*e.right, frame);
    }
    case ExprKind::CondExpr: {
      const auto& e = static_cast<const CondExpr&>(expr);
      if (truthy(eval(*e.test, frame))) return eval(*e.then_expr, frame);
      if (e.else_expr) return eval(*e.else_expr, frame);
      return Value::undefined("the inline if-expression on line " + std::to_string(expr.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  throw_unsupported("expression");
}

Value Interpreter::eval_compare(const CompareExpr& expr, const std::shared_ptr<Frame>& frame) {
  Value left = eval(*expr.first, frame);
  for (const auto& [op, operand] : expr.rest) {
    Value right = eval(*operand, frame);
    line_ = expr.line;
    bool ok = false;
    switch (op) {
      case CompareOp::Eq: ok = equals(left, right); break;
      case CompareOp::Ne: ok = !equals(left, right); break;
      case CompareOp::Lt: ok = compare(left, right, "<"); break;
      case CompareOp::Le: ok = compare(left, right, "<="); break;
      case CompareOp::Gt: ok = compare(left, right, ">"); break;
      case CompareOp::Ge: ok = compare(left, right, ">="); break;
      case CompareOp::In: ok = value_in(right, left); break;
      case CompareOp::NotIn: ok = !value_in(right, left); break;
    }
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

}  // namespace sppo::jinja
