#include "model/jinja_operators.hpp"

#include <gtest/gtest.h>

#include "jinja2_reference.hpp"

namespace sppo::jinja {
namespace {

using test::render_jinja;

// Expected texts are jinja2's (Python's operators).
TEST(JinjaOperators, NumbersFollowPython) {
  EXPECT_EQ(render_jinja("{{ 7 / 2 }} {{ 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -7.5 % 2 }} {{ 7.5 // 2 }}"),
            "3.5 2.0 3 -4 2 -2 0.5 3.0");
  EXPECT_EQ(render_jinja("{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }} {{ true + true }} {{ 1 + 0.5 }} {{ -(3) }} {{ +true }}"),
            "1024 0.5 1.4142135623730951 2 1.5 -3 1");
}

TEST(JinjaOperators, SequencesConcatenateAndRepeat) {
  EXPECT_EQ(render_jinja("{{ 'a' + 'b' }} {{ 'ab' * 2 }} {{ 3 * 'x' }} {{ [1] + [2] }} {{ (1,) * 2 }} {{ 'a' * -1 }}|"),
            "ab abab xxx [1, 2] (1, 1) |");
}

TEST(JinjaOperators, ErrorsAreThoseOfPython) {
  EXPECT_EQ(render_jinja("{{ 'a' + 1 }}"), "error: can only concatenate str (not \"int\") to str");
  EXPECT_EQ(render_jinja("{{ [1] + (2,) }}"), "error: can only concatenate list (not \"tuple\") to list");
  EXPECT_EQ(render_jinja("{{ 1 - 'a' }}"), "error: unsupported operand type(s) for -: 'int' and 'str'");
  EXPECT_EQ(render_jinja("{{ 'a' * 1.5 }}"), "error: can't multiply sequence by non-int of type 'float'");
  EXPECT_EQ(render_jinja("{{ 1 / 0 }}"), "error: division by zero");
  EXPECT_EQ(render_jinja("{{ 1 // 0 }}"), "error: integer division or modulo by zero");
  EXPECT_EQ(render_jinja("{{ 1 % 0 }}"), "error: integer modulo by zero");
  EXPECT_EQ(render_jinja("{{ 1.0 / 0 }}"), "error: float division by zero");
  EXPECT_EQ(render_jinja("{{ 0 ** -1 }}"), "error: 0.0 cannot be raised to a negative power");
  EXPECT_EQ(render_jinja("{{ -'a' }}"), "error: bad operand type for unary -: 'str'");
  EXPECT_EQ(render_jinja("{{ x + 1 }}"), "error: 'x' is undefined");
}

TEST(JinjaOperators, MarkupEscapesWhatIsAddedToIt) {
  EXPECT_EQ(render_jinja("{{ ('<b>' | safe) + '<i>' }}|{{ '<i>' + ('<b>' | safe) }}|{{ ('<b>' | safe) ~ '<i>' }}"),
            "<b>&lt;i&gt;|&lt;i&gt;<b>|<b><i>");
}

TEST(JinjaOperators, PercentFormatting) {
  EXPECT_EQ(render_jinja("{{ '%s-%d-%05.2f-%x-%r-%%' % ('a', 3, 3.14159, 255, 'q') }}"), "a-3-03.14-ff-'q'-%");
  EXPECT_EQ(render_jinja("{{ '%(a)s=%(b)d' % {'a': 'x', 'b': 2} }}|{{ '%5s|%-5s|' % ('ab', 'cd') }}|{{ '%s' % [1] }}"),
            "x=2|   ab|cd   ||[1]");
  EXPECT_EQ(render_jinja("{{ '%s %s' % ('a',) }}"), "error: not enough arguments for format string");
  EXPECT_EQ(render_jinja("{{ 'ab' % 'c' }}"), "error: not all arguments converted during string formatting");
  EXPECT_EQ(render_jinja("{{ '%d' % 'c' }}"), "error: %d format: a real number is required, not str");
  EXPECT_EQ(render_jinja("{{ '%q' % 1 }}"), "error: unsupported format character 'q' (0x71) at index 1");
}

TEST(JinjaOperators, SixtyFourBitOverflowIsRefused) {
  EXPECT_EQ(render_jinja("{{ 2 ** 62 }}"), "4611686018427387904");
  EXPECT_EQ(render_jinja("{{ 2 ** 64 }}"), "error: integers beyond 64 bits are not supported");
  EXPECT_EQ(render_jinja("{{ 9223372036854775807 + 1 }}"), "error: integers beyond 64 bits are not supported");
}

TEST(JinjaOperators, HugeRepetitionHitsTheBudget) {
  EXPECT_EQ(render_jinja("{{ 'x' * 1000000000000 }}"), "error: a string of the template would exceed 67108864 bytes");
  EXPECT_EQ(render_jinja("{{ [1, 2] * 1000000000000 }}").rfind("error: the template made more than", 0), 0u);
}

}  // namespace
}  // namespace sppo::jinja
