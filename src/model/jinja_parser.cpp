#include "model/jinja_parser.hpp"

#include <algorithm>
#include <initializer_list>

#include "model/jinja_error.hpp"
#include "model/jinja_filters.hpp"
#include "model/jinja_lexer.hpp"
#include "model/jinja_tests.hpp"

namespace sppo::jinja {
namespace {

// jinja2 statements this interpreter refuses (it renders one template, without inheritance,
// includes, imports, filter blocks or autoescape scopes).
const char* const kUnsupportedStatements[] = {"extends", "block", "include", "import", "from", "autoescape", "filter"};

const char* const kEndTags[] = {"endfor", "endif", "endmacro", "endset", "endcall", "endwith", "endgeneration",
                                "else", "elif", "endraw", "endfilter", "endblock", "endautoescape"};

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// jinja2's describe_token: how its messages name a token.
std::string describe(const Token& t) {
  switch (t.type) {
    case TokenType::Data: return "template data / text";
    case TokenType::VariableBegin: return "begin of print statement";
    case TokenType::VariableEnd: return "end of print statement";
    case TokenType::BlockBegin: return "begin of statement block";
    case TokenType::BlockEnd: return "end of statement block";
    case TokenType::Name:
    case TokenType::Operator: return t.text;
    case TokenType::String: return "string";
    case TokenType::Integer: return "integer";
    case TokenType::Float: return "float";
    case TokenType::Eof: return "end of template";
  }
  return "token";
}

// The names a body reads (to tell whether a macro uses caller, varargs or kwargs).
struct NameScan {
  bool caller = false, varargs = false, kwargs = false;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& origin) : tokens_(std::move(tokens)), origin_(origin) {}

  Body parse_all() {
    Body body = subparse({});
    return body;
  }

  NameScan scan_;  // names read since the innermost macro started

 private:
  // ------------------------------------------------------------ token stream
  const Token& current() const { return tokens_[pos_]; }
  const Token& look() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  const Token& advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool at_name(const char* name) const { return name && current().type == TokenType::Name && current().text == name; }
  bool at_op(const char* op) const { return current().type == TokenType::Operator && current().text == op; }
  bool at_any_name(const std::vector<std::string>& names) const {
    return current().type == TokenType::Name && std::find(names.begin(), names.end(), current().text) != names.end();
  }
  bool skip_name(const char* name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }
  bool skip_op(const char* op) {
    if (!at_op(op)) return false;
    advance();
    return true;
  }

  [[noreturn]] void fail(const std::string& message, int line = 0) {
    throw TemplateSyntaxError(origin_, line ? line : current().line, message);
  }
  [[noreturn]] void unsupported(const std::string& message, int line) {
    throw TemplateUnsupportedError(origin_, line, message);
  }
  // jinja2's TokenStream.expect() messages; `what` as jinja2 names the expected token.
  [[noreturn]] void fail_expected(const std::string& what) {
    if (current().type == TokenType::Eof) fail("unexpected end of template, expected '" + what + "'.");
    fail("expected token '" + what + "', got '" + describe(current()) + "'");
  }

  void expect_op(const char* op) {
    if (!skip_op(op)) fail_expected(op);
  }
  const Token& expect_name() {
    if (current().type != TokenType::Name) fail_expected("name");
    return advance();
  }
  void expect(TokenType type, const char* what) {
    if (current().type != type) fail_expected(what);
    advance();
  }

  // Depth guard for the recursive descent.
  struct Nest {
    explicit Nest(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxNesting)
        throw TemplateLimitError(parser.origin_, parser.current().line,
                                 "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    ~Nest() { --parser.depth_; }
    Parser& parser;
  };

  // ------------------------------------------------------------ statements
  struct OpenBlock {
    std::string tag;
    int line;
    std::vector<std::string> end_tags;
  };
  static const std::string& closing_tag(const OpenBlock& open) {
    for (const std::string& t : open.end_tags)
      if (t.compare(0, 3, "end") == 0) return t;
    return open.end_tags.front();
  }

  Body subparse(const std::vector<std::string>& end_tags) {
    Body body;
    while (current().type != TokenType::Eof) {
      const Token& t = current();
      switch (t.type) {
        case TokenType::Data:
          body.push_back(std::make_unique<TextStmt>(t.text, t.line));
          advance();
          break;
        case TokenType::VariableBegin: {
          const int line = advance().line;
          ExprPtr e = parse_tuple(true);
          expect(TokenType::VariableEnd, "end of print statement");
          body.push_back(std::make_unique<PrintStmt>(std::move(e), line));
          break;
        }
        case TokenType::BlockBegin: {
          advance();
          if (!end_tags.empty() && at_any_name(end_tags)) return body;
          StmtPtr s = parse_statement();
          if (s) body.push_back(std::move(s));
          expect(TokenType::BlockEnd, "end of statement block");
          break;
        }
        default:
          fail("unexpected '" + describe(t) + "'");
      }
    }
    if (!end_tags.empty()) {
      const OpenBlock& open = open_blocks_.back();
      std::string expected;
      for (std::size_t i = 0; i < open.end_tags.size(); ++i)
        expected += (i ? " or " : "") + in_quotes(open.end_tags[i]);
      fail("unexpected end of template, expected " + expected + " to close the " + in_quotes(open.tag) + " of line " +
           std::to_string(open.line));
    }
    return body;
  }

  // The body of a block statement up to one of `end_tags` (the current token is then that tag).
  Body parse_block_body(const std::string& tag, int line, std::vector<std::string> end_tags) {
    skip_op(":");
    expect(TokenType::BlockEnd, "end of statement block");
    open_blocks_.push_back({tag, line, end_tags});
    Body body = subparse(end_tags);
    open_blocks_.pop_back();
    return body;
  }

  // parse_block_body and consume the end tag.
  Body parse_block_body_to_end(const std::string& tag, int line, const char* end_tag) {
    Body body = parse_block_body(tag, line, {end_tag});
    advance();
    return body;
  }

  StmtPtr parse_statement() {
    Nest nest(*this);
    const Token& t = current();
    if (t.type != TokenType::Name) fail("tag name expected");
    const std::string name = t.text;
    const int line = t.line;
    if (name == "for") return parse_for();
    if (name == "if") return parse_if();
    if (name == "set") return parse_set();
    if (name == "macro") return parse_macro();
    if (name == "call") return parse_call_block();
    if (name == "print") return parse_print();
    if (name == "with") return parse_with();
    if (name == "generation") {
      advance();
      auto s = std::make_unique<ScopeStmt>(line);
      s->body = parse_block_body_to_end("generation", line, "endgeneration");
      return s;
    }
    if (name == "break" || name == "continue") {
      advance();
      if (loop_depth_ == 0) fail("'" + name + "' outside loop", line);
      return std::make_unique<Stmt>(name == "break" ? StmtKind::Break : StmtKind::Continue, line);
    }
    for (const char* s : kUnsupportedStatements)
      if (name == s) unsupported("statement " + in_quotes(name) + " is not supported", line);
    if (name == "recursive") unsupported("recursive for loops are not supported", line);
    for (const char* s : kEndTags) {
      if (name == s) {
        if (open_blocks_.empty()) fail("unexpected " + in_quotes(name), line);
        const OpenBlock& open = open_blocks_.back();
        fail("unexpected " + in_quotes(name) + " inside the " + in_quotes(open.tag) + " of line " + std::to_string(open.line) +
                 " (expected " + in_quotes(closing_tag(open)) + ")",
             line);
      }
    }
    unsupported("unknown statement " + in_quotes(name), line);
  }

  AssignTarget parse_target(bool with_namespace, const char* extra_end) {
    AssignTarget target;
    if (with_namespace && current().type == TokenType::Name && look().type == TokenType::Operator && look().text == ".") {
      target.names.push_back(advance().text);
      advance();
      target.namespace_attr = expect_name().text;
      return target;
    }
    for (;;) {
      if (current().type != TokenType::Name) {
        if (at_op("(")) unsupported("nested tuple targets are not supported", current().line);
        fail_expected("name");
      }
      const Token& n = advance();
      if (n.text == "true" || n.text == "false" || n.text == "True" || n.text == "False" || n.text == "none" ||
          n.text == "None")
        fail("can't assign to 'const'", n.line);
      target.names.push_back(n.text);
      if (!at_op(",")) break;
      advance();
      target.is_tuple = true;
      if (at_name(extra_end) || current().type == TokenType::BlockEnd || at_op("=")) break;  // trailing comma
    }
    return target;
  }

  StmtPtr parse_for() {
    auto s = std::make_unique<ForStmt>(advance().line);
    s->target = parse_target(false, "in");
    if (!skip_name("in")) fail_expected("in");
    s->iterable = parse_tuple(false, "recursive");
    if (skip_name("if")) s->filter = parse_expression();
    if (at_name("recursive")) unsupported("recursive for loops are not supported", current().line);
    ++loop_depth_;
    s->body = parse_block_body("for", s->line, {"endfor", "else"});
    --loop_depth_;
    if (advance().text == "else") s->else_body = parse_block_body_to_end("for", s->line, "endfor");
    return s;
  }

  StmtPtr parse_if() {
    auto s = std::make_unique<IfStmt>(advance().line);
    for (;;) {
      ExprPtr test = parse_tuple(false);
      Body body = parse_block_body("if", s->line, {"elif", "else", "endif"});
      s->branches.emplace_back(std::move(test), std::move(body));
      const std::string tag = advance().text;
      if (tag == "elif") continue;
      if (tag == "else") s->else_body = parse_block_body_to_end("if", s->line, "endif");
      break;
    }
    return s;
  }

  StmtPtr parse_set() {
    const int line = advance().line;
    AssignTarget target = parse_target(true, nullptr);
    if (skip_op("=")) {
      auto s = std::make_unique<SetStmt>(line);
      s->target = std::move(target);
      s->value = parse_tuple(true);
      return s;
    }
    auto s = std::make_unique<SetBlockStmt>(line);
    s->target = std::move(target);
    if (at_op("|")) s->filter_chain = parse_filters(nullptr);
    s->body = parse_block_body_to_end("set", line, "endset");
    return s;
  }

  std::shared_ptr<MacroDefinition> parse_macro_body(std::shared_ptr<MacroDefinition> m, const char* tag,
                                                    const char* end_tag) {
    const NameScan outer = scan_;
    const int outer_loops = loop_depth_;
    scan_ = {};
    loop_depth_ = 0;
    m->body = parse_block_body_to_end(tag, m->line, end_tag);
    m->uses_caller = scan_.caller;
    m->uses_varargs = scan_.varargs;
    m->uses_kwargs = scan_.kwargs;
    // A macro's own reads of outer names still count for the macro around it (closures).
    scan_.caller = outer.caller || scan_.caller;
    scan_.varargs = outer.varargs || scan_.varargs;
    scan_.kwargs = outer.kwargs || scan_.kwargs;
    loop_depth_ = outer_loops;
    return m;
  }

  void parse_signature(MacroDefinition& m) {
    expect_op("(");
    bool defaults = false;
    while (!at_op(")")) {
      if (!m.params.empty()) expect_op(",");
      if (at_op(")")) break;
      MacroParam p;
      p.name = expect_name().text;
      if (skip_op("=")) {
        p.default_value = parse_expression();
        defaults = true;
      } else if (defaults) {
        fail("non-default argument follows default argument");
      }
      m.params.push_back(std::move(p));
    }
    expect_op(")");
  }

  StmtPtr parse_macro() {
    auto s = std::make_unique<MacroStmt>(advance().line);
    auto m = std::make_shared<MacroDefinition>();
    m->line = s->line;
    m->name = expect_name().text;
    parse_signature(*m);
    s->macro = parse_macro_body(std::move(m), "macro", "endmacro");
    return s;
  }

  StmtPtr parse_call_block() {
    auto s = std::make_unique<CallBlockStmt>(advance().line);
    auto caller = std::make_shared<MacroDefinition>();
    caller->name = "caller";
    caller->line = s->line;
    if (at_op("(")) parse_signature(*caller);
    ExprPtr call = parse_expression();
    if (call->kind != ExprKind::Call) fail("expected call", s->line);
    s->call.reset(static_cast<CallExpr*>(call.release()));
    s->caller = parse_macro_body(std::move(caller), "call", "endcall");
    return s;
  }

  StmtPtr parse_print() {
    const int line = advance().line;
    auto tuple = std::make_unique<SequenceExpr>(ExprKind::Tuple, line);
    while (current().type != TokenType::BlockEnd) {
      if (!tuple->items.empty()) expect_op(",");
      tuple->items.push_back(parse_expression());
    }
    // {% print a, b %} prints each expression (jinja2's Output node), not the tuple.
    auto scope = std::make_unique<ScopeStmt>(line);
    for (auto& item : tuple->items) scope->body.push_back(std::make_unique<PrintStmt>(std::move(item), line));
    return scope;
  }

  StmtPtr parse_with() {
    auto s = std::make_unique<WithStmt>(advance().line);
    while (current().type != TokenType::BlockEnd) {
      if (!s->assignments.empty()) expect_op(",");
      std::string name = expect_name().text;
      expect_op("=");
      s->assignments.emplace_back(std::move(name), parse_expression());
    }
    s->body = parse_block_body_to_end("with", s->line, "endwith");
    return s;
  }

  // ------------------------------------------------------------ expressions
  // jinja2's parse_tuple: expressions separated by commas make a tuple.
  ExprPtr parse_tuple(bool with_condexpr, const char* extra_end = nullptr, bool explicit_parentheses = false) {
    const int line = current().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    for (;;) {
      if (!items.empty()) expect_op(",");
      if (current().type == TokenType::VariableEnd || current().type == TokenType::BlockEnd || at_op(")") ||
          (extra_end && at_name(extra_end)))
        break;
      items.push_back(with_condexpr ? parse_expression() : parse_or());
      if (at_op(","))
        is_tuple = true;
      else
        break;
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parentheses) fail("Expected an expression, got '" + describe(current()) + "'");
    }
    auto t = std::make_unique<SequenceExpr>(ExprKind::Tuple, line);
    t->items = std::move(items);
    return t;
  }

  ExprPtr parse_expression() {
    Nest nest(*this);
    int line = current().line;
    ExprPtr expr = parse_or();
    while (skip_name("if")) {
      auto c = std::make_unique<CondExpr>(line);
      c->then_expr = std::move(expr);
      c->test = parse_or();
      if (skip_name("else")) c->else_expr = parse_expression();
      expr = std::move(c);
      line = current().line;
    }
    return expr;
  }

  ExprPtr parse_or() {
    int line = current().line;
    ExprPtr left = parse_and();
    while (skip_name("or")) {
      left = std::make_unique<LogicalExpr>(ExprKind::Or, std::move(left), parse_and(), line);
      line = current().line;
    }
    return left;
  }

  ExprPtr parse_and() {
    int line = current().line;
    ExprPtr left = parse_not();
    while (skip_name("and")) {
      left = std::make_unique<LogicalExpr>(ExprKind::And, std::move(left), parse_not(), line);
      line = current().line;
    }
    return left;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      Nest nest(*this);
      const int line = advance().line;
      return std::make_unique<UnaryExpr>(ExprKind::Not, parse_not(), line);
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const int line = current().line;
    ExprPtr first = parse_math1();
    std::vector<std::pair<CompareOp, ExprPtr>> rest;
    for (;;) {
      CompareOp op;
      if (at_op("==")) op = CompareOp::Eq;
      else if (at_op("!=")) op = CompareOp::Ne;
      else if (at_op("<")) op = CompareOp::Lt;
      else if (at_op("<=")) op = CompareOp::Le;
      else if (at_op(">")) op = CompareOp::Gt;
      else if (at_op(">=")) op = CompareOp::Ge;
      else if (at_name("in")) op = CompareOp::In;
      else if (at_name("not") && look().type == TokenType::Name && look().text == "in") {
        advance();
        op = CompareOp::NotIn;
      } else {
        break;
      }
      advance();
      rest.emplace_back(op, parse_math1());
    }
    if (rest.empty()) return first;
    auto c = std::make_unique<CompareExpr>(line);
    c->first = std::move(first);
    c->rest = std::move(rest);
    return c;
  }

  ExprPtr parse_math1() {
    int line = current().line;
    ExprPtr left = parse_concat();
    while (at_op("+") || at_op("-")) {
      const BinaryOp op = advance().text == "+" ? BinaryOp::Add : BinaryOp::Sub;
      left = std::make_unique<BinaryExpr>(op, std::move(left), parse_concat(), line);
      line = current().line;
    }
    return left;
  }

  ExprPtr parse_concat() {
    const int line = current().line;
    ExprPtr first = parse_math2();
    if (!at_op("~")) return first;
    auto c = std::make_unique<ConcatExpr>(line);
    c->operands.push_back(std::move(first));
    while (skip_op("~")) c->operands.push_back(parse_math2());
    return c;
  }

  ExprPtr parse_math2() {
    int line = current().line;
    ExprPtr left = parse_pow();
    while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
      const std::string t = advance().text;
      const BinaryOp op = t == "*" ? BinaryOp::Mul : t == "/" ? BinaryOp::Div : t == "//" ? BinaryOp::FloorDiv : BinaryOp::Mod;
      left = std::make_unique<BinaryExpr>(op, std::move(left), parse_pow(), line);
      line = current().line;
    }
    return left;
  }

  ExprPtr parse_pow() {
    int line = current().line;
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) {
      left = std::make_unique<BinaryExpr>(BinaryOp::Pow, std::move(left), parse_unary(true), line);
      line = current().line;
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    Nest nest(*this);
    const int line = current().line;
    ExprPtr node;
    if (skip_op("-")) {
      node = std::make_unique<UnaryExpr>(ExprKind::Neg, parse_unary(false), line);
    } else if (skip_op("+")) {
      node = std::make_unique<UnaryExpr>(ExprKind::Pos, parse_unary(false), line);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    Nest nest(*this);
    const Token& t = current();
    switch (t.type) {
      case TokenType::Name: {
        advance();
        if (t.text == "true" || t.text == "True") return std::make_unique<ConstExpr>(Value::boolean(true), t.line);
        if (t.text == "false" || t.text == "False") return std::make_unique<ConstExpr>(Value::boolean(false), t.line);
        if (t.text == "none" || t.text == "None") return std::make_unique<ConstExpr>(Value::none(), t.line);
        if (t.text == "caller") scan_.caller = true;
        if (t.text == "varargs") scan_.varargs = true;
        if (t.text == "kwargs") scan_.kwargs = true;
        return std::make_unique<NameExpr>(t.text, t.line);
      }
      case TokenType::String: {
        const int line = t.line;
        std::string text = advance().text;
        while (current().type == TokenType::String) text += advance().text;
        return std::make_unique<ConstExpr>(Value::string(std::move(text)), line);
      }
      case TokenType::Integer: {
        advance();
        return std::make_unique<ConstExpr>(Value::integer(t.integer), t.line);
      }
      case TokenType::Float: {
        advance();
        return std::make_unique<ConstExpr>(Value::number(t.number), t.line);
      }
      case TokenType::Operator:
        if (t.text == "(") {
          advance();
          ExprPtr e = parse_tuple(true, nullptr, true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default:
        break;
    }
    fail("unexpected '" + describe(t) + "'");
  }

  ExprPtr parse_list() {
    auto l = std::make_unique<SequenceExpr>(ExprKind::List, advance().line);
    while (!at_op("]")) {
      if (!l->items.empty()) expect_op(",");
      if (at_op("]")) break;
      l->items.push_back(parse_expression());
    }
    expect_op("]");
    return l;
  }

  ExprPtr parse_dict() {
    auto d = std::make_unique<DictExpr>(advance().line);
    while (!at_op("}")) {
      if (!d->items.empty()) expect_op(",");
      if (at_op("}")) break;
      ExprPtr key = parse_expression();
      expect_op(":");
      d->items.emplace_back(std::move(key), parse_expression());
    }
    expect_op("}");
    return d;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    for (;;) {
      if (at_op(".") || at_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (at_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    for (;;) {
      if (at_op("|")) {
        node = parse_filters(std::move(node));
      } else if (at_name("is")) {
        node = parse_test(std::move(node));
      } else if (at_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    Nest nest(*this);
    const Token& t = advance();
    if (t.text == ".") {
      const Token& attr = advance();
      if (attr.type == TokenType::Name) {
        auto g = std::make_unique<GetExpr>(ExprKind::GetAttr, t.line);
        g->object = std::move(node);
        g->name = attr.text;
        return g;
      }
      if (attr.type != TokenType::Integer) fail("expected name or number", attr.line);
      auto g = std::make_unique<GetExpr>(ExprKind::GetItem, t.line);
      g->object = std::move(node);
      g->key = std::make_unique<ConstExpr>(Value::integer(attr.integer), attr.line);
      return g;
    }
    std::vector<ExprPtr> args;
    while (!at_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto g = std::make_unique<GetExpr>(ExprKind::GetItem, t.line);
    g->object = std::move(node);
    if (args.size() == 1) {
      g->key = std::move(args[0]);
    } else {
      auto tuple = std::make_unique<SequenceExpr>(ExprKind::Tuple, t.line);
      tuple->items = std::move(args);
      g->key = std::move(tuple);
    }
    return g;
  }

  ExprPtr parse_subscribed() {
    const int line = current().line;
    ExprPtr start;
    if (!at_op(":")) {
      start = parse_expression();
      if (!at_op(":")) return start;
    }
    advance();  // the first colon
    auto s = std::make_unique<SliceExpr>(line);
    s->start = std::move(start);
    if (!at_op(":") && !at_op("]") && !at_op(",")) s->stop = parse_expression();
    if (skip_op(":")) {
      if (!at_op("]") && !at_op(",")) s->step = parse_expression();
    }
    return s;
  }

  CallArguments parse_call_args() {
    const int line = current().line;
    expect_op("(");
    CallArguments a;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail("invalid syntax for function call expression", line);
    };
    while (!at_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (at_op(")")) break;
      }
      if (skip_op("*")) {
        ensure(!a.star_args && !a.star_kwargs);
        a.star_args = parse_expression();
      } else if (skip_op("**")) {
        ensure(!a.star_kwargs);
        a.star_kwargs = parse_expression();
      } else if (current().type == TokenType::Name && look().type == TokenType::Operator && look().text == "=") {
        ensure(!a.star_kwargs);
        std::string key = advance().text;
        advance();
        a.keyword.emplace_back(std::move(key), parse_expression());
      } else {
        ensure(!a.star_args && !a.star_kwargs && a.keyword.empty());
        a.positional.push_back(parse_expression());
      }
      require_comma = true;
    }
    expect_op(")");
    return a;
  }

  ExprPtr parse_call(ExprPtr node) {
    Nest nest(*this);
    auto c = std::make_unique<CallExpr>(current().line);
    c->callee = std::move(node);
    c->args = parse_call_args();
    return c;
  }

  std::string parse_dotted_name() {
    std::string name = expect_name().text;
    while (skip_op(".")) name += "." + expect_name().text;
    return name;
  }

  // One or more "| name(args)"; `node` is null for the filters of a {% set x | f %} block.
  ExprPtr parse_filters(ExprPtr node) {
    while (skip_op("|")) {
      Nest nest(*this);
      const int line = current().line;
      std::string name = parse_dotted_name();
      if (!has_filter(name)) unsupported("unknown filter " + in_quotes(name), line);
      auto f = std::make_unique<FilterExpr>(ExprKind::Filter, line);
      f->operand = std::move(node);
      f->name = std::move(name);
      if (at_op("(")) f->args = parse_call_args();
      node = std::move(f);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    Nest nest(*this);
    const int line = advance().line;
    const bool negated = skip_name("not");
    const int name_line = current().line;
    std::string name = parse_dotted_name();
    if (!has_test(name)) unsupported("unknown test " + in_quotes(name), name_line);
    auto t = std::make_unique<FilterExpr>(ExprKind::Test, line);
    t->operand = std::move(node);
    t->name = std::move(name);
    if (at_op("(")) {
      t->args = parse_call_args();
    } else if ((current().type == TokenType::Name || current().type == TokenType::String ||
                current().type == TokenType::Integer || current().type == TokenType::Float || at_op("(") || at_op("[") ||
                at_op("{")) &&
               !at_name("else") && !at_name("or") && !at_name("and")) {
      if (at_name("is")) fail("You cannot chain multiple tests with is");
      t->args.positional.push_back(parse_postfix(parse_primary()));
    }
    if (negated) return std::make_unique<UnaryExpr>(ExprKind::Not, std::move(t), line);
    return t;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  const std::string& origin_;
  std::vector<OpenBlock> open_blocks_;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

std::shared_ptr<const Program> parse_template(std::string_view source, const std::string& origin) {
  auto program = std::make_shared<Program>();
  program->origin = origin;
  Parser parser(tokenize(source, origin), program->origin);
  program->body = parser.parse_all();
  return program;
}

}  // namespace sppo::jinja
