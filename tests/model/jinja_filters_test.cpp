#include "model/jinja_filters.hpp"

#include <gtest/gtest.h>

#include "jinja2_reference.hpp"

namespace sppo::jinja {
namespace {

using json = nlohmann::ordered_json;
using test::render_jinja;

const json& vars() {
  static const json v = json::parse(R"({
    "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": " Hi "}, {"role": "assistant", "content": "Yo"}],
    "d": {"b": 1, "a": 2}, "l": [3, 1, 2],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
  })");
  return v;
}

// Expected texts are jinja2's with transformers' settings.
TEST(JinjaFilters, Text) {
  EXPECT_EQ(render_jinja("[{{ '  x \\n' | trim }}][{{ 'xxax' | trim('x') }}]{{ 'ab' | upper }}{{ 'AB' | lower }}"), "[x][a]ABab");
  EXPECT_EQ(render_jinja("{{ 'hello wORLD-foo(bar' | title }}|{{ 'hELLO' | capitalize }}|{{ 'aaa' | replace('a', 'b', 2) }}"),
            "Hello World-Foo(Bar|Hello|bba");
  EXPECT_EQ(render_jinja("{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, first=true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}"),
            "a\n    b\n\n    c|  a\n  b|a\n  \n  b");
  EXPECT_EQ(render_jinja("{{ 'hello world foo' | truncate(8) }}|{{ 'ab' | center(6) }}|{{ 1 | string }}{{ none | string }}"),
            "hello...|  ab  |1None");
}

TEST(JinjaFilters, TojsonIsTransformersJsonDumps) {
  EXPECT_EQ(render_jinja("{{ tools[0] | tojson }}", vars()),
            R"({"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}})");
  EXPECT_EQ(render_jinja("{{ {'a': [1, '<\u00e9>']} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1,\n    \"<\u00e9>\"\n  ]\n}");
  EXPECT_EQ(render_jinja("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true, separators=(',', ':')) }}|{{ '\u00e9' | tojson(true) }}"),
            "{\"a\":2,\"b\":1}|\"\\u00e9\"");
  EXPECT_EQ(render_jinja("{{ x | tojson }}"), "error: Object of type Undefined is not JSON serializable");
}

TEST(JinjaFilters, Sequences) {
  EXPECT_EQ(render_jinja("{{ l | first }}{{ l | last }}{{ l | length }}{{ l | sort }}{{ l | sort(reverse=true) }}{{ l | max }}{{ l | min }}{{ l | sum }}", vars()),
            "323[1, 2, 3][3, 2, 1]316");
  EXPECT_EQ(render_jinja("{{ l | join(', ') }}|{{ messages | join(',', attribute='role') }}|{{ l | reverse | list }}|{{ 'ab\u00e9' | reverse }}", vars()),
            "3, 1, 2|system,user,assistant|[2, 1, 3]|\u00e9ba");
  EXPECT_EQ(render_jinja("{{ ['a', 'A', 'b'] | unique | list }}{{ ['b', 'A', 'a'] | sort }}{{ d | dictsort }}{{ d | items | list }}", vars()),
            "['a', 'b']['A', 'a', 'b'][('a', 2), ('b', 1)][('b', 1), ('a', 2)]");
  EXPECT_EQ(render_jinja("{{ range(5) | batch(2) | list }}{{ range(5) | slice(2) | list }}"), "[[0, 1], [2, 3], [4]][[0, 1, 2], [3, 4]]");
  EXPECT_EQ(render_jinja("{{ [] | first }}|{{ x | length }}|{{ x | list }}|{{ x | join }}|"), "|0|[]||");
}

TEST(JinjaFilters, SelectRejectAndMap) {
  EXPECT_EQ(render_jinja("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | map('trim') | list }}", vars()),
            "['Hi']");
  EXPECT_EQ(render_jinja("{{ messages | rejectattr('role', 'in', ['system']) | list | length }}|{{ range(6) | select('odd') | list }}", vars()),
            "2|[1, 3, 5]");
  EXPECT_EQ(render_jinja("{{ tools | map(attribute='function.name') | list }}|{{ messages | map(attribute='x', default='-') | join }}", vars()),
            "['get_weather']|---");
  // a generator is true even when empty, as in jinja2
  EXPECT_EQ(render_jinja("{{ 'yes' if messages | selectattr('role', 'eq', 'tool') else 'no' }}|{{ messages | select('none') }}", vars()),
            "yes|<generator object select_or_reject at 0x0>");
  EXPECT_EQ(render_jinja("{{ messages | selectattr('role', 'eq', 'x') | length }}", vars()), "error: object of type 'generator' has no len()");
}

TEST(JinjaFilters, Numbers) {
  EXPECT_EQ(render_jinja("{{ '42' | int }} {{ '4.9' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '0x1A' | int(base=16) }} {{ '3.5' | float }} {{ 'x' | float }}"),
            "42 4 0 7 26 3.5 0.0");
  EXPECT_EQ(render_jinja("{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 2.1 | round(method='ceil') }} {{ 3 | round }} {{ -3 | abs }}"),
            "2.0 4.0 2.67 3.0 3 3");
}

TEST(JinjaFilters, DefaultSafeEscape) {
  EXPECT_EQ(render_jinja("{{ x | default('a') }}{{ '' | default('b') }}{{ '' | default('c', true) }}{{ none | d('e') }}"), "ac" "None");
  EXPECT_EQ(render_jinja("{{ '<b>' | e }}|{{ '<b>' | safe }}|{{ ('<b>' | safe) | e }}|{{ '<b>' | forceescape }}"),
            "&lt;b&gt;|<b>|<b>|&lt;b&gt;");
  EXPECT_EQ(render_jinja("{{ '%s and %s' | format('a', 'b') }}"), "a and b");
}

TEST(JinjaFilters, UnknownNamesAreKnownToBeUnknown) {
  EXPECT_TRUE(has_filter("tojson"));
  EXPECT_TRUE(has_filter("selectattr"));
  EXPECT_FALSE(has_filter("wordwrap"));
  EXPECT_EQ(render_jinja("{{ ['a'] | map('wordwrap') | list }}"), "error: unknown filter \"wordwrap\"");
  EXPECT_EQ(render_jinja("{{ [1] | select('prime') | list }}"), "error: unknown test \"prime\"");
}

}  // namespace
}  // namespace sppo::jinja
