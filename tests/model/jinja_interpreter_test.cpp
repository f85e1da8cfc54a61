#include "model/jinja_interpreter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jinja2_reference.hpp"
#include "model/chat_template.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_parser.hpp"
#include "test_support.hpp"

namespace sppo::jinja {
namespace {

using json = nlohmann::ordered_json;

// The variables every snippet sees.
const json& snippet_context() {
  static const json context = json::parse(R"({
    "messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Hello"},
                 {"role": "assistant", "content": "Hi there"}],
    "s": "Hello World", "l": [3, 1, 2], "d": {"b": 1, "a": 2}, "n": null, "u8": "é中😀",
    "tools": [{"type": "function", "function": {"name": "f"}}],
    "add_generation_prompt": true, "bos_token": "<s>"
  })");
  return context;
}

std::string render_snippet(const std::string& source, const json& context = snippet_context()) {
  ChatRenderOptions options;
  for (const auto& [k, v] : context.items())
    if (k != "messages") options.extra_variables[k] = v;
  try {
    return JinjaChatTemplate::parse(source, "snippet").render(context["messages"], options);
  } catch (const TemplateError& e) {
    return "error: " + e.message();
  }
}

struct Snippet {
  std::string name, source;
};

// tests/data/jinja_constructs.txt: "=== name" lines, each followed by one template.
std::vector<Snippet> read_snippets() {
  const std::string text = test::read_file("tests/data/jinja_constructs.txt");
  std::vector<Snippet> out;
  std::size_t pos = text.find("\n=== ");
  while (pos != std::string::npos) {
    const std::size_t name_end = text.find('\n', pos + 1);
    const std::size_t next = text.find("\n=== ", name_end);
    Snippet s;
    s.name = text.substr(pos + 5, name_end - pos - 5);
    s.source = text.substr(name_end + 1, next == std::string::npos ? std::string::npos : next - name_end - 1);
    if (next == std::string::npos && !s.source.empty() && s.source.back() == '\n') s.source.pop_back();
    out.push_back(s);
    pos = next;
  }
  return out;
}

TEST(JinjaInterpreterVsJinja2, EveryConstructSnippetRendersLikeJinja2) {
  const std::vector<Snippet> snippets = read_snippets();
  ASSERT_GE(snippets.size(), 150u);
  std::vector<test::Jinja2Request> requests;
  for (const Snippet& s : snippets) requests.push_back({s.source, snippet_context()});
  std::string why_not;
  const auto reference = test::render_with_jinja2(requests, why_not);
  if (!reference) GTEST_SKIP() << why_not;
  int failures = 0;
  for (std::size_t i = 0; i < snippets.size(); ++i) {
    const std::string theirs = test::jinja2_outcome((*reference)[i]);
    const std::string mine = render_snippet(snippets[i].source);
    if (mine == theirs) continue;
    ++failures;
    ADD_FAILURE() << snippets[i].name << ": " << test::first_difference(theirs, mine);
  }
  EXPECT_EQ(failures, 0) << "of " << snippets.size() << " snippets";
}

using test::render_jinja;

// Expected texts are jinja2's (checked once with python3-jinja2 under transformers' settings).
TEST(JinjaInterpreter, LoopsScopeTheirAssignmentsPerIteration) {
  EXPECT_EQ(render_jinja("{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}"), "12121");
  EXPECT_EQ(render_jinja("{% for i in [1] %}{% set z = 3 %}{% endfor %}[{{ z }}]{% if true %}{% set w = 4 %}{% endif %}{{ w }}"), "[]4");
  EXPECT_EQ(render_jinja("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"), "6");
}

TEST(JinjaInterpreter, LoopVariable) {
  EXPECT_EQ(render_jinja("{% for x in 'abc' %}{{ loop.index }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}"),
            "12TrueFalse3 21FalseFalse3 30FalseTrue3 ");
  EXPECT_EQ(render_jinja("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"), "-2;1-3;2-;");
  EXPECT_EQ(render_jinja("{% for x in range(5) if x is odd %}{{ x }}/{{ loop.length }} {% else %}none{% endfor %}"), "1/2 3/2 ");
  EXPECT_EQ(render_jinja("{% for x in [] %}x{% else %}none{% endfor %}"), "none");
  EXPECT_EQ(render_jinja("{% for x in range(9) %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "02");
  EXPECT_EQ(render_jinja("{% for a in [1, 2] %}{% for b in [1] %}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}"), "1112");
}

TEST(JinjaInterpreter, Macros) {
  EXPECT_EQ(render_jinja("{% macro m(a, b='B') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(b=3, a=4) }}"), "1B1243");
  EXPECT_EQ(render_jinja("{% macro m() %}{{ y }}{% endmacro %}{% set y = 1 %}{{ m() }}"), "1");  // the defining scope, live
  EXPECT_EQ(render_jinja("{% macro m() %}{{ i }}{% endmacro %}{% for i in [1] %}[{{ m() }}]{% endfor %}"), "[]");  // not the caller's
  EXPECT_EQ(render_jinja("{% macro w(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call w('b') %}x{% endcall %}"), "<b>x</b>");
  EXPECT_EQ(render_jinja("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"), "error: macro 'm' takes not more than 1 argument(s)");
  EXPECT_EQ(render_jinja("{% macro m(a, b) %}{{ b.x }}{% endmacro %}{{ m(1) }}"), "error: parameter 'b' was not provided");
}

TEST(JinjaInterpreter, UndefinedValuesAsJinja2sDefaultUndefined) {
  const json vars = json::parse(R"({"messages": [{"role": "user"}], "n": null, "l": [1]})");
  EXPECT_EQ(render_jinja("[{{ x }}][{{ x ~ 'a' }}][{{ x | length }}][{{ messages[0].tool_calls }}][{{ n.x }}][{{ l[5] }}]", vars),
            "[][a][0][][][]");
  EXPECT_EQ(render_jinja("{{ x.y }}", vars), "error: 'x' is undefined");
  EXPECT_EQ(render_jinja("{{ messages[0].tool_calls[0] }}", vars), "error: 'dict object' has no attribute 'tool_calls'");
  EXPECT_EQ(render_jinja("{{ l[5].y }}", vars), "error: list object has no element 5");
  EXPECT_EQ(render_jinja("{{ (1 if false) + 1 }}"),
            "error: the inline if-expression on line 1 evaluated to false and no else section was defined.");
  EXPECT_EQ(render_jinja("{% set d = {} %}{% set d.x = 1 %}"), "error: cannot assign attribute on non-namespace object");
}

TEST(JinjaInterpreter, AttributeAndItemLookupFallBackAsTheSandbox) {
  const json vars = json::parse(R"({"m": {"role": "user", "items": "key"}})");
  EXPECT_EQ(render_jinja("{{ m.role }}{{ m['role'] }}{{ m.items is callable }}{{ m['items'] }}{{ m.get('role') }}", vars),
            "useruserTruekeyuser");
  EXPECT_EQ(render_jinja("[{{ m.__class__ }}]", vars), "[]");
  EXPECT_EQ(render_jinja("{{ m.__class__.x }}", vars), "error: access to attribute '__class__' of 'dict' object is unsafe.");
}

TEST(JinjaInterpreter, ErrorsNameTheLineOfTheFailingNode) {
  try {
    JinjaChatTemplate::parse("a\nb\n{{ 1 + x }}", "t.jinja").render(json::array(), {});
    FAIL();
  } catch (const TemplateRuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "t.jinja:3: 'x' is undefined");
  }
  try {
    JinjaChatTemplate::parse("{% macro m() %}\n\n{{ raise_exception('no') }}{% endmacro %}\n{{ m() }}", "t.jinja").render(json::array(), {});
    FAIL();
  } catch (const TemplateRaisedError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.message(), "no");
  }
}

// A hostile or runaway template ends with a TemplateLimitError, quickly and within bounded memory.
std::string render_limited(const std::string& source) {
  ChatRenderOptions options;
  options.limits.max_output_bytes = 1 << 16;
  options.limits.max_allocated_bytes = 1 << 22;
  options.limits.max_steps = 100000;
  options.limits.max_call_depth = 20;
  try {
    return JinjaChatTemplate::parse(source, "t").render(json::array(), options);
  } catch (const TemplateLimitError& e) {
    return "limit: " + e.message();
  }
}

TEST(JinjaInterpreter, BudgetsStopRunawayTemplates) {
  EXPECT_EQ(render_limited("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"),
            "limit: the template ran more than 100000 steps");
  EXPECT_EQ(render_limited("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), "limit: macro calls nested deeper than 20");
  EXPECT_EQ(render_limited("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"),
            "limit: a string of the template would exceed 65536 bytes");
  EXPECT_EQ(render_limited("{% for i in range(100000) %}{{ 'xxxxxxxxxx' }}{% endfor %}"),
            "limit: the rendered text would exceed 65536 bytes");
  EXPECT_EQ(render_limited("{% set ns = namespace(l=[0]) %}{% for i in range(30) %}{% set ns.l = ns.l + ns.l %}{% endfor %}"),
            "limit: the template made more than 4194304 bytes of values");
  EXPECT_EQ(render_limited("ok"), "ok");
}

TEST(JinjaInterpreter, DeeplyNestedValuesAreRefusedBeforeTheyOverflowTheStack) {
  // Made by a loop, freed or printed recursively: Python stops near 1000 levels, sppo at 256.
  EXPECT_EQ(render_jinja("{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}"),
            "error: values nested deeper than 256 levels");
  EXPECT_EQ(render_jinja("{% set h = namespace(l=[]) %}{% for i in range(2000) %}{% set h.l = [h.l] | select %}{% endfor %}"),
            "error: values nested deeper than 256 levels");
  EXPECT_EQ(render_jinja("{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = namespace(n=ns.x) %}{% endfor %}{{ ns.x }}"),
            "error: values nested deeper than 256 levels");
  const json deep = json::parse(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_THROW(JinjaChatTemplate::parse("x", "t").render(deep, ChatRenderOptions()), FormatError);
  EXPECT_THROW(JinjaChatTemplate::parse("x", "t").render(nlohmann::json::parse(std::string(100000, '[') + std::string(100000, ']')),
                                                         ChatRenderOptions()),
               FormatError);
}

TEST(JinjaInterpreter, ANamespaceHoldingItselfPrintsAsInPython) {
  EXPECT_EQ(render_jinja("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), "<Namespace {'me': <Namespace {...}>}>");
}

}  // namespace
}  // namespace sppo::jinja
