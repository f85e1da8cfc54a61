#include "model/jinja_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "jinja2_reference.hpp"
#include "model/jinja_error.hpp"

namespace sppo::jinja {
namespace {

using test::render_jinja;

// what() of the error parsing `source` as "bad.jinja", or "no error".
std::string parse_error(const std::string& source) {
  try {
    parse_template(source, "bad.jinja");
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "no error";
}

TEST(JinjaParser, BuildsStatementsWithTheirLines) {
  const auto program = parse_template("a{% if x %}\n{{ y }}{% endif %}{% for i in l %}{% endfor %}", "t");
  ASSERT_EQ(program->body.size(), 3u);
  EXPECT_EQ(program->body[0]->kind, StmtKind::Text);
  ASSERT_EQ(program->body[1]->kind, StmtKind::If);
  const auto& branch = static_cast<const IfStmt&>(*program->body[1]).branches[0];
  ASSERT_EQ(branch.second.size(), 1u);
  EXPECT_EQ(branch.second[0]->kind, StmtKind::Print);
  EXPECT_EQ(branch.second[0]->line, 2);
  EXPECT_EQ(program->body[2]->kind, StmtKind::For);
}

TEST(JinjaParser, PrecedenceFollowsJinja2) {
  // filters bind tighter than + and unary minus; ** is left-associative in jinja2
  EXPECT_EQ(render_jinja("{{ 'a' + ' b ' | trim + 'c' }}|{{ -3 | abs }}|{{ 2 ** 3 ** 2 }}|{{ 1 + 2 * 3 }}|{{ 'a' ~ 'b' * 2 }}"),
            "abc|3|64|7|abb");
  EXPECT_EQ(render_jinja("{{ not 1 == 2 }}|{{ 1 if 0 else 2 if 0 else 3 }}|{{ not x is defined }}|{{ 1 < 2 < 3 }}"),
            "True|3|True|True");
  EXPECT_EQ(render_jinja("{{ 'x' is string and 1 is not string }}|{{ 3 is divisibleby 3 }}|{{ 'a' is in 'abc' }}"),
            "True|True|True");
}

TEST(JinjaParser, TuplesListsDictsAndSlices) {
  EXPECT_EQ(render_jinja("{{ (1,) }}{{ () }}{{ 1, 2 }}{{ [1, 2,] }}{{ {'a': 1,} }}{{ 'abc'[::-1] }}{{ [1, 2, 3][1:] }}"),
            "(1,)()(1, 2)[1, 2]{'a': 1}cba[2, 3]");
  EXPECT_EQ(render_jinja("{% set a, b = 1, 2 %}{{ b }}{{ a }}{% for k, v in {'x': 1}.items() %}{{ k }}{{ v }}{% endfor %}"),
            "21x1");
}

TEST(JinjaParser, CallArguments) {
  EXPECT_EQ(render_jinja("{% macro m(a, b=2) %}{{ a }}{{ b }}{{ kwargs }}{% endmacro %}{{ m(*[1], **{'b': 3}) }}|{{ m(1, b=4,) }}"),
            "13{}|14{}");
  EXPECT_EQ(parse_error("{{ f(a=1, 2) }}"), "bad.jinja:1: invalid syntax for function call expression");
}

// Ten and more templates that cannot run, each one error naming the construct and its line.
TEST(JinjaParser, BadTemplatesAreOneErrorNamingTheConstructAndLine) {
  EXPECT_EQ(parse_error("a\n\n{{ text | wordwrap(20) }}"), "bad.jinja:3: unknown filter \"wordwrap\"");
  EXPECT_EQ(parse_error("x\n{{ y | nosuchfilter }}"), "bad.jinja:2: unknown filter \"nosuchfilter\"");
  EXPECT_EQ(parse_error("{% if x is prime %}{% endif %}"), "bad.jinja:1: unknown test \"prime\"");
  EXPECT_EQ(parse_error("\n\n\n\n{% extends 'base.html' %}"), "bad.jinja:5: statement \"extends\" is not supported");
  EXPECT_EQ(parse_error("{% include 'x' %}"), "bad.jinja:1: statement \"include\" is not supported");
  EXPECT_EQ(parse_error("{% import 'm' as m %}"), "bad.jinja:1: statement \"import\" is not supported");
  EXPECT_EQ(parse_error("{% block b %}{% endblock %}"), "bad.jinja:1: statement \"block\" is not supported");
  EXPECT_EQ(parse_error("a\n{% filter upper %}x{% endfilter %}"), "bad.jinja:2: statement \"filter\" is not supported");
  EXPECT_EQ(parse_error("{% autoescape true %}{% endautoescape %}"), "bad.jinja:1: statement \"autoescape\" is not supported");
  EXPECT_EQ(parse_error("{% do x.append(1) %}"), "bad.jinja:1: unknown statement \"do\"");
  EXPECT_EQ(parse_error("{% for x in y recursive %}{% endfor %}"), "bad.jinja:1: recursive for loops are not supported");
  EXPECT_EQ(parse_error("{% for x in y %}\n{% if x %}\n{% endfor %}"),
            "bad.jinja:3: unexpected \"endfor\" inside the \"if\" of line 2 (expected \"endif\")");
  EXPECT_EQ(parse_error("{% endif %}"), "bad.jinja:1: unexpected \"endif\"");
  EXPECT_EQ(parse_error("{% for x in y %}\nbody"),
            "bad.jinja:2: unexpected end of template, expected \"endfor\" or \"else\" to close the \"for\" of line 1");
  EXPECT_EQ(parse_error("{{ x"), "bad.jinja:1: unexpected end of template, expected 'end of print statement'.");
  EXPECT_EQ(parse_error("{{ x y }}"), "bad.jinja:1: expected token 'end of print statement', got 'y'");
  EXPECT_EQ(parse_error("{% set 1 = 2 %}"), "bad.jinja:1: expected token 'name', got 'integer'");
  EXPECT_EQ(parse_error("{% set true = 2 %}"), "bad.jinja:1: can't assign to 'const'");
  EXPECT_EQ(parse_error("{{ }}"), "bad.jinja:1: Expected an expression, got 'end of print statement'");
  EXPECT_EQ(parse_error("\n{% break %}"), "bad.jinja:2: 'break' outside loop");
  EXPECT_EQ(parse_error("{% macro m(a=1, b) %}{% endmacro %}"), "bad.jinja:1: non-default argument follows default argument");
  EXPECT_EQ(parse_error("{{ x is string is y }}"), "bad.jinja:1: You cannot chain multiple tests with is");
  EXPECT_EQ(parse_error("{% %}"), "bad.jinja:1: tag name expected");
  EXPECT_EQ(parse_error("{% call x %}{% endcall %}"), "bad.jinja:1: expected call");
  EXPECT_EQ(parse_error("{% for (a, b), c in x %}{% endfor %}"), "bad.jinja:1: nested tuple targets are not supported");
}

TEST(JinjaParser, ErrorsHaveTheirKinds) {
  EXPECT_THROW(parse_template("{{ x | wordwrap }}", "t"), TemplateUnsupportedError);
  EXPECT_THROW(parse_template("{% extends 'x' %}", "t"), TemplateUnsupportedError);
  EXPECT_THROW(parse_template("{% if %}", "t"), TemplateSyntaxError);
  EXPECT_THROW(parse_template("{% endfor %}", "t"), TemplateSyntaxError);
  // Every kind is a FormatError, which sppo's main catches once.
  EXPECT_THROW(parse_template("{% endfor %}", "t"), FormatError);
}

TEST(JinjaParser, DeepNestingIsRefusedInsteadOfOverflowingTheStack) {
  const std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_THROW(parse_template(deep, "t"), TemplateLimitError);
  std::string blocks;
  for (int i = 0; i < 3000; ++i) blocks += "{% if true %}";
  EXPECT_THROW(parse_template(blocks, "t"), TemplateLimitError);
  EXPECT_NO_THROW(parse_template("{{ " + std::string(50, '(') + "1" + std::string(50, ')') + " }}", "t"));
}

TEST(JinjaParser, MacroBodiesRecordCallerVarargsAndKwargs) {
  const auto program = parse_template("{% macro m() %}{{ caller() }}{{ varargs }}{% endmacro %}", "t");
  const auto& m = static_cast<const MacroStmt&>(*program->body[0]).macro;
  EXPECT_TRUE(m->uses_caller);
  EXPECT_TRUE(m->uses_varargs);
  EXPECT_FALSE(m->uses_kwargs);
}

}  // namespace
}  // namespace sppo::jinja
