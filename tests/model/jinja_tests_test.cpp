#include "model/jinja_tests.hpp"

#include <gtest/gtest.h>

#include "jinja2_reference.hpp"

namespace sppo::jinja {
namespace {

using test::render_jinja;

// Expected texts are jinja2's.
TEST(JinjaTests, TypeTests) {
  EXPECT_EQ(render_jinja("{{ 'a' is string }}{{ 1 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}"
                         "{{ 1.0 is float }}{{ true is boolean }}{{ {} is mapping }}{{ none is none }}"),
            "TrueTrueTrueTrueFalseTrueTrueTrueTrue");
  EXPECT_EQ(render_jinja("{{ x is defined }}{{ x is undefined }}{{ x is iterable }}{{ x is sequence }}{{ 1 is iterable }}"
                         "{{ 'a' is sequence }}{{ {} is sequence }}{{ none is iterable }}"),
            "FalseTrueTrueTrueFalseTrueTrueFalse");
  EXPECT_EQ(render_jinja("{{ range is callable }}{{ x is callable }}{{ 'a' is callable }}{{ ('x' | safe) is escaped }}"),
            "TrueTrueFalseTrue");
}

TEST(JinjaTests, ValueTests) {
  EXPECT_EQ(render_jinja("{{ 3 is odd }}{{ 4 is even }}{{ -3 is odd }}{{ 9 is divisibleby 3 }}{{ true is true }}{{ 1 is true }}"
                         "{{ false is false }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ '1' is lower }}"),
            "TrueTrueTrueTrueTrueFalseTrueTrueTrueFalse");
  EXPECT_EQ(render_jinja("{{ 1 is eq 1 }}{{ 1 is equalto 1.0 }}{{ 1 is ne 1 }}{{ 2 is gt 1 }}{{ 2 is ge 3 }}{{ 1 is lt 2 }}"
                         "{{ 1 is le 1 }}{{ 1 is in [1] }}{{ 'a' is in 'abc' }}{{ none is sameas none }}"),
            "TrueTrueFalseTrueFalseTrueTrueTrueTrueTrue");
  EXPECT_EQ(render_jinja("{{ 'trim' is filter }}{{ 'wordwrap' is filter }}{{ 'odd' is test }}"), "TrueFalseTrue");
  EXPECT_EQ(render_jinja("{{ x is not defined }}{{ not x is defined }}{{ 1 is not odd }}"), "TrueTrueFalse");
}

TEST(JinjaTests, InFollowsPython) {
  const nlohmann::ordered_json vars = nlohmann::ordered_json::parse(R"({"d": {"a": 1}, "m": {"role": "user"}})");
  EXPECT_EQ(render_jinja("{{ 'a' in d }}{{ 'tool_calls' in m }}{{ 'b' in 'abc' }}{{ 1 in [1.0] }}{{ 'x' in nothing }}", vars),
            "TrueFalseTrueTrueFalse");
  EXPECT_EQ(render_jinja("{{ 1 in 'abc' }}"), "error: 'in <string>' requires string as left operand, not int");
  EXPECT_EQ(render_jinja("{{ [1] in {} }}"), "error: unhashable type: 'list'");
  EXPECT_EQ(render_jinja("{{ 1 in none }}"), "error: argument of type 'NoneType' is not iterable");
  EXPECT_TRUE(value_in(Value::list({Value::integer(1)}), Value::boolean(true)));
}

TEST(JinjaTests, NamesKnownToTheParser) {
  EXPECT_TRUE(has_test("defined"));
  EXPECT_TRUE(has_test("equalto"));
  EXPECT_FALSE(has_test("prime"));
}

}  // namespace
}  // namespace sppo::jinja
