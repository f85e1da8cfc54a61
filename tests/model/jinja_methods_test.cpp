#include "model/jinja_methods.hpp"

#include <gtest/gtest.h>

#include "jinja2_reference.hpp"

namespace sppo::jinja {
namespace {

using test::render_jinja;

// Expected texts are jinja2's (Python's str, dict and list methods).
TEST(JinjaMethods, StringMethods) {
  EXPECT_EQ(render_jinja("{{ '  x '.strip() }}|{{ 'xxax'.strip('x') }}|{{ '\\n a'.lstrip() }}|{{ 'a \\n'.rstrip('\\n') }}"),
            "x|a|a|a ");
  EXPECT_EQ(render_jinja("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }}"),
            "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b c'] ['a b', 'c']");
  EXPECT_EQ(render_jinja("{{ '<think>x</think>y'.split('</think>')[-1] }} {{ 'a\\nb\\r\\nc'.splitlines() }}"), "y ['a', 'b', 'c']");
  EXPECT_EQ(render_jinja("{{ 'abc'.startswith('a') }} {{ 'abc'.startswith(('x', 'ab')) }} {{ 'abc'.endswith('bc') }} {{ 'abc'.startswith('b', 1) }}"),
            "True True True True");
  EXPECT_EQ(render_jinja("{{ 'h\u00e9c'.find('c') }} {{ 'abca'.rfind('a') }} {{ 'aaa'.count('a') }} {{ 'abc'.find('z') }}"), "2 3 3 -1");
  EXPECT_EQ(render_jinja("{{ 'abc'.replace('b', 'X') }} {{ 'abc'.replace('', '-') }} {{ 'aaa'.replace('a', 'b', 2) }}"), "aXc -a-b-c- bba");
  EXPECT_EQ(render_jinja("{{ 'hello wORLD'.title() }} {{ 'hELLO'.capitalize() }} {{ 'Ab'.upper() }}{{ 'Ab'.lower() }}"), "Hello World Hello ABab");
  EXPECT_EQ(render_jinja("{{ '-'.join(['a', 'b']) }} {{ 'a-b'.partition('-') }} {{ '5'.zfill(3) }} {{ 'x'.center(5, '*') }}"),
            "a-b ('a', '-', 'b') 005 **x**");
  EXPECT_EQ(render_jinja("{{ 'abc'.removeprefix('a') }} {{ '12'.isdigit() }} {{ ' '.isspace() }} {{ 'ab'.islower() }}"), "bc True True True");
}

TEST(JinjaMethods, StringMethodErrors) {
  EXPECT_EQ(render_jinja("{{ 'abc'.index('z') }}"), "error: substring not found");
  EXPECT_EQ(render_jinja("{{ ','.join([1, 2]) }}"), "error: sequence item 0: expected str instance, int found");
  EXPECT_EQ(render_jinja("{{ 'abc'.split('') }}"), "error: empty separator");
  EXPECT_EQ(render_jinja("{{ 'abc'.nope() }}"), "error: 'str object' has no attribute 'nope'");
  EXPECT_EQ(render_jinja("{{ 'abc'.zfill }}").rfind("<built-in method zfill", 0), 0u);
  EXPECT_EQ(render_jinja("{{ 'a'.format(1) }}"), "error: the method str.format() is not supported");
  EXPECT_EQ(render_jinja("{{ '\u00e9'.isalpha() }}"), "error: str.isalpha() on non-ASCII text is not supported");
}

TEST(JinjaMethods, DictAndListMethods) {
  const nlohmann::ordered_json vars = nlohmann::ordered_json::parse(R"({"d": {"b": 1, "a": 2}, "l": [3, 1, 3]})");
  EXPECT_EQ(render_jinja("{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.items() }} {{ d.keys() | list }} {{ d.values() | list }}", vars),
            "2 None 5 dict_items([('b', 1), ('a', 2)]) ['b', 'a'] [1, 2]");
  EXPECT_EQ(render_jinja("{{ l.index(1) }} {{ l.count(3) }} {{ l.copy() }} {{ d.copy() }}", vars), "1 2 [3, 1, 3] {'b': 1, 'a': 2}");
  EXPECT_EQ(render_jinja("{{ l.index(7) }}", vars), "error: 7 is not in list");
}

TEST(JinjaMethods, TheSandboxRefusesMutatingMethods) {
  const nlohmann::ordered_json vars = nlohmann::ordered_json::parse(R"({"d": {"a": 1}, "l": [1]})");
  EXPECT_EQ(render_jinja("{{ l.append(2) }}", vars), "error: access to attribute 'append' of 'list' object is unsafe.");
  EXPECT_EQ(render_jinja("{{ l.pop() }}", vars), "error: access to attribute 'pop' of 'list' object is unsafe.");
  EXPECT_EQ(render_jinja("{{ d.update({}) }}", vars), "error: access to attribute 'update' of 'dict' object is unsafe.");
  EXPECT_EQ(render_jinja("[{{ l.append }}]{{ l }}", vars), "[][1]");  // only using it fails
}

TEST(JinjaMethods, HelpersShareTheirSemantics) {
  EXPECT_EQ(split_string("  a b  ", Value::none(), 1), (std::vector<std::string>{"a", "b  "}));
  EXPECT_EQ(strip_string("xyax", Value::string("xy"), true, true), "a");
  EXPECT_EQ(split_lines("a\rb\u2028c\n", true), (std::vector<std::string>{"a\r", "b\u2028", "c\n"}));
  EXPECT_EQ(replace_string("aaa", "a", "bb", -1), "bbbbbb");
}

}  // namespace
}  // namespace sppo::jinja
