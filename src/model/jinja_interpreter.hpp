#pragma once
// defines: jinja::Interpreter, which renders a parsed template (jinja::Program) for one set of
// variables with jinja2's runtime semantics (scopes, loops, macros, undefined values), inside a
// budget so that a hostile template ends with an error instead of exhausting the machine.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/jinja_ast.hpp"
#include "model/jinja_value.hpp"

namespace sppo::jinja {

// What one render may use; past any of them the render fails with a TemplateLimitError.
struct RenderLimits {
  std::size_t max_output_bytes = std::size_t{64} << 20;      // the rendered text (and any one string)
  std::size_t max_allocated_bytes = std::size_t{1} << 30;    // strings and lists made, summed over the render
  uint64_t max_steps = 50'000'000;                           // statements, expressions and loop iterations
  int max_call_depth = 100;                                  // nested macro calls
};

struct RenderSettings {
  RenderLimits limits;
  std::tm now{};  // what strftime_now() formats (a naive local time, as datetime.now())
};

// Variables of the scope ("messages", "bos_token", ...), in the order given.
using Variables = std::vector<std::pair<std::string, Value>>;

class Frame;

class Interpreter {
 public:
  Interpreter(const Program& program, const RenderSettings& settings);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // The rendered text; a TemplateError (raised, runtime, unsupported, limit) naming the line.
  std::string render(const Variables& variables);

  // ---------------------------------------------------------------- for the builtins
  // callee(*args) for any callable value (macro, global, bound method, loop.cycle, ...).
  Value call(const Value& callee, CallArgs args);
  Value apply_filter(const std::string& name, const Value& operand, CallArgs args);
  bool apply_test(const std::string& name, const Value& operand, CallArgs args);
  // obj.name and obj[key] as jinja2's sandboxed environment resolves them.
  Value get_attribute(const Value& object, const std::string& name);
  Value get_item(const Value& object, const Value& key);
  // A string / list made by the template: charged to the allocation budget (and a string may
  // not exceed max_output_bytes).
  Value make_string(std::string text, bool markup = false);
  Value make_list(std::vector<Value> items, SequenceKind kind = SequenceKind::List);
  void charge_bytes(std::size_t bytes);
  void charge_steps(uint64_t steps);
  const RenderSettings& settings() const { return settings_; }

  // Runs a macro (or a call block's caller) with its closure scope.
  Value call_macro(const MacroDefinition& macro, const std::shared_ptr<Frame>& closure, CallArgs args);

  // Values may refer to each other in cycles (a macro is stored in the scope it closes over, a
  // namespace may hold itself), which shared ownership alone never frees: a macro's scope is
  // owned here for the render and namespaces are emptied when the render ends.
  void keep_for_render(std::shared_ptr<Frame> frame) { render_frames_.push_back(std::move(frame)); }
  void track_namespace(const std::shared_ptr<NamespaceData>& ns) { namespaces_.push_back(ns); }

 private:
  enum class Flow { Normal, Break, Continue };

  Flow exec_body(const Body& body, const std::shared_ptr<Frame>& frame);
  Flow exec(const Stmt& stmt, const std::shared_ptr<Frame>& frame);
  void exec_for(const ForStmt& stmt, const std::shared_ptr<Frame>& frame);
  void assign(const AssignTarget& target, const Value& value, Frame& frame);
  std::string capture(const Body& body, const std::shared_ptr<Frame>& frame);
  void write(std::string_view text);

  Value eval(const Expr& expr, const std::shared_ptr<Frame>& frame);
  Value eval_binary(const BinaryExpr& expr, const std::shared_ptr<Frame>& frame);
  Value eval_compare(const CompareExpr& expr, const std::shared_ptr<Frame>& frame);
  Value eval_slice(const Value& object, const SliceExpr& slice, const std::shared_ptr<Frame>& frame);
  CallArgs eval_args(const CallArguments& args, const std::shared_ptr<Frame>& frame);
  Value lookup(const std::string& name, const Frame& frame) const;

  void release_render_state();

  const Program& program_;
  const RenderSettings& settings_;
  std::vector<std::shared_ptr<Frame>> render_frames_;
  std::vector<std::weak_ptr<NamespaceData>> namespaces_;
  std::string* out_ = nullptr;
  std::size_t allocated_ = 0;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  int line_ = 1;  // line of the node being evaluated: where an error is reported
};

// A scope: the variables a block assigned, falling back to the enclosing scope.
class Frame {
 public:
  explicit Frame(std::shared_ptr<Frame> parent) : parent_(std::move(parent)) {}
  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value value);

 private:
  std::shared_ptr<Frame> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace sppo::jinja
