#include "model/jinja_globals.hpp"

#include <gtest/gtest.h>

#include "jinja2_reference.hpp"

namespace sppo::jinja {
namespace {

using test::render_jinja;

TEST(JinjaGlobals, RangeDictNamespace) {
  EXPECT_EQ(render_jinja("{{ range(3) | list }}{{ range(1, 7, 2) | list }}{{ range(3, 0, -1) | list }}{{ range(0) | list }}"),
            "[0, 1, 2][1, 3, 5][3, 2, 1][]");
  EXPECT_EQ(render_jinja("{{ dict(a=1) }}{{ dict([('x', 2)], y=3) }}{{ namespace(a=1).a }}{{ namespace({'b': 2}).b }}"),
            "{'a': 1}{'x': 2, 'y': 3}12");
}

TEST(JinjaGlobals, RangeIsBoundedAsInTheSandbox) {
  EXPECT_EQ(render_jinja("{{ range(100000) | length }}"), "100000");
  EXPECT_EQ(render_jinja("{{ range(10**12) | length }}"),
            "error: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  EXPECT_EQ(render_jinja("{{ range(1, 5, 0) }}"), "error: range() arg 3 must not be zero");
  EXPECT_EQ(render_jinja("{{ range(1.5) }}"), "error: 'float' object cannot be interpreted as an integer");
}

TEST(JinjaGlobals, RaiseExceptionCarriesTheTemplatesMessage) {
  EXPECT_EQ(render_jinja("{{ raise_exception('Only ' ~ 2 ~ ' roles') }}"), "error: Only 2 roles");
}

TEST(JinjaGlobals, StrftimeNowFormatsTheRenderClock) {
  // ChatRenderOptions::now defaults to 2024-07-26 00:00:00, a Friday.
  EXPECT_EQ(render_jinja("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %j %H:%M:%S %f') }}|{{ strftime_now('%z%Z') }}|"),
            "26 Jul 2024|Friday 208 00:00:00 000000||");
}

TEST(JinjaGlobals, MissingJinjaGlobalsAreRefused) {
  EXPECT_TRUE(is_unsupported_global("cycler"));
  EXPECT_FALSE(is_unsupported_global("range"));
  EXPECT_EQ(render_jinja("{% set c = cycler('a', 'b') %}"), "error: the global function \"cycler\" is not supported");
  EXPECT_EQ(render_jinja("{{ unknown_name is defined }}"), "False");
}

}  // namespace
}  // namespace sppo::jinja
