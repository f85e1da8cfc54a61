#pragma once
// defines: the syntax tree of a parsed chat template (jinja::Program): expression and
// statement nodes as jinja2's parser builds them, each with the template line it came from.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/jinja_value.hpp"

namespace sppo::jinja {

// ------------------------------------------------------------------ expressions
enum class ExprKind {
  Const, Name, List, Tuple, Dict, GetAttr, GetItem, Slice, Call, Filter, Test,
  Not, Neg, Pos, Binary, Concat, Compare, And, Or, CondExpr,
};

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Expr {
  Expr(ExprKind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  ExprKind kind;
  int line;
};
using ExprPtr = std::unique_ptr<Expr>;

struct ConstExpr : Expr {
  ConstExpr(Value v, int l) : Expr(ExprKind::Const, l), value(std::move(v)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(std::string n, int l) : Expr(ExprKind::Name, l), name(std::move(n)) {}
  std::string name;
};

// List and Tuple literals.
struct SequenceExpr : Expr {
  SequenceExpr(ExprKind k, int l) : Expr(k, l) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(int l) : Expr(ExprKind::Dict, l) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

// a.b (GetAttr, attribute in `name`) and a[b] (GetItem, key in `key`; a Slice for a[x:y:z]).
struct GetExpr : Expr {
  GetExpr(ExprKind k, int l) : Expr(k, l) {}
  ExprPtr object;
  std::string name;
  ExprPtr key;
};

struct SliceExpr : Expr {
  explicit SliceExpr(int l) : Expr(ExprKind::Slice, l) {}
  ExprPtr start, stop, step;  // each may be null
};

struct CallArguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    // *args
  ExprPtr star_kwargs;  // **kwargs
};

struct CallExpr : Expr {
  explicit CallExpr(int l) : Expr(ExprKind::Call, l) {}
  ExprPtr callee;
  CallArguments args;
};

// value | name(args) and value is name(args). `operand` is null in a {% set x | f %} block.
struct FilterExpr : Expr {
  FilterExpr(ExprKind k, int l) : Expr(k, l) {}
  ExprPtr operand;
  std::string name;
  CallArguments args;
};

struct UnaryExpr : Expr {
  UnaryExpr(ExprKind k, ExprPtr o, int l) : Expr(k, l), operand(std::move(o)) {}
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  BinaryExpr(BinaryOp o, ExprPtr a, ExprPtr b, int l)
      : Expr(ExprKind::Binary, l), op(o), left(std::move(a)), right(std::move(b)) {}
  BinaryOp op;
  ExprPtr left, right;
};

// And / Or: jinja2 returns the deciding operand, as Python does.
struct LogicalExpr : Expr {
  LogicalExpr(ExprKind k, ExprPtr a, ExprPtr b, int l) : Expr(k, l), left(std::move(a)), right(std::move(b)) {}
  ExprPtr left, right;
};

struct ConcatExpr : Expr {
  explicit ConcatExpr(int l) : Expr(ExprKind::Concat, l) {}
  std::vector<ExprPtr> operands;
};

// a < b <= c: chained like Python.
struct CompareExpr : Expr {
  explicit CompareExpr(int l) : Expr(ExprKind::Compare, l) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

// `then_expr if test else else_expr`; no else: an undefined value.
struct CondExpr : Expr {
  explicit CondExpr(int l) : Expr(ExprKind::CondExpr, l) {}
  ExprPtr test, then_expr, else_expr;
};

// ------------------------------------------------------------------ statements
enum class StmtKind { Text, Print, If, For, Set, SetBlock, Macro, CallBlock, Break, Continue, Scope, With };

struct Stmt {
  Stmt(StmtKind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  int line;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct TextStmt : Stmt {
  TextStmt(std::string t, int l) : Stmt(StmtKind::Text, l), text(std::move(t)) {}
  std::string text;
};

struct PrintStmt : Stmt {
  PrintStmt(ExprPtr e, int l) : Stmt(StmtKind::Print, l), expr(std::move(e)) {}
  ExprPtr expr;
};

struct IfStmt : Stmt {
  explicit IfStmt(int l) : Stmt(StmtKind::If, l) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif, elif, ...
  Body else_body;
};

// A name, a tuple of names (unpacking), or ns.attr (namespace assignment).
struct AssignTarget {
  std::vector<std::string> names;  // one name, or the names of a tuple target
  bool is_tuple = false;
  std::string namespace_attr;      // non-empty: names[0].namespace_attr = value
};

struct ForStmt : Stmt {
  explicit ForStmt(int l) : Stmt(StmtKind::For, l) {}
  AssignTarget target;
  ExprPtr iterable;
  ExprPtr filter;  // for x in y if filter
  Body body, else_body;
};

struct SetStmt : Stmt {
  explicit SetStmt(int l) : Stmt(StmtKind::Set, l) {}
  AssignTarget target;
  ExprPtr value;
};

// {% set x %}...{% endset %}, optionally {% set x | filter %}.
struct SetBlockStmt : Stmt {
  explicit SetBlockStmt(int l) : Stmt(StmtKind::SetBlock, l) {}
  AssignTarget target;
  ExprPtr filter_chain;  // filters applied to the body text; the innermost one's operand is null
  Body body;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

// A macro's signature and body, shared by {% macro %} and the body of a {% call %} block.
struct MacroDefinition {
  std::string name;
  std::vector<MacroParam> params;
  Body body;
  bool uses_caller = false, uses_varargs = false, uses_kwargs = false;
  int line = 0;
};

struct MacroStmt : Stmt {
  explicit MacroStmt(int l) : Stmt(StmtKind::Macro, l) {}
  std::shared_ptr<MacroDefinition> macro;
};

// {% call(params) callee(args) %}body{% endcall %}: callee gets `caller`, a macro of the body.
struct CallBlockStmt : Stmt {
  explicit CallBlockStmt(int l) : Stmt(StmtKind::CallBlock, l) {}
  std::unique_ptr<CallExpr> call;
  std::shared_ptr<MacroDefinition> caller;
};

// A body rendered in place: {% generation %} (transformers' assistant-mask tag).
struct ScopeStmt : Stmt {
  explicit ScopeStmt(int l) : Stmt(StmtKind::Scope, l) {}
  Body body;
};

struct WithStmt : Stmt {
  explicit WithStmt(int l) : Stmt(StmtKind::With, l) {}
  std::vector<std::pair<std::string, ExprPtr>> assignments;
  Body body;
};

struct Program {
  std::string origin;
  Body body;
};

}  // namespace sppo::jinja
