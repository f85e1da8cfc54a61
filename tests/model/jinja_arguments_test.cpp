#include "model/jinja_arguments.hpp"

#include <gtest/gtest.h>

#include "model/jinja_error.hpp"

namespace sppo::jinja {
namespace {

CallArgs args(std::vector<Value> positional, std::vector<std::pair<std::string, Value>> keyword = {}) {
  return CallArgs{std::move(positional), std::move(keyword)};
}

std::string error_of(CallArgs a, bool extra = false) {
  try {
    Arguments("f", std::move(a), {"x", "y"}, extra);
  } catch (const EvalError& e) {
    return e.message();
  }
  return "no error";
}

TEST(JinjaArguments, BindsPositionalThenKeywordAsPython) {
  Arguments a("f", args({Value::integer(1)}, {{"y", Value::string("b")}}), {"x", "y", "z"});
  EXPECT_EQ(a.get(0).as_int(), 1);
  EXPECT_EQ(a.string(1, "-"), "b");
  EXPECT_FALSE(a.has(2));
  EXPECT_EQ(a.integer(2, 7), 7);
  EXPECT_TRUE(a.truth(0, false));
}

TEST(JinjaArguments, PythonsErrors) {
  EXPECT_EQ(error_of(args({Value(), Value(), Value()})), "f() takes at most 2 argument(s) (3 given)");
  EXPECT_EQ(error_of(args({}, {{"q", Value()}})), "f() got an unexpected keyword argument 'q'");
  EXPECT_EQ(error_of(args({Value()}, {{"x", Value()}})), "f() got multiple values for argument 'x'");
  EXPECT_EQ(error_of(args({Value(), Value(), Value()}), true), "no error");
  Arguments a("f", args({}), {"x"});
  EXPECT_THROW(a.required(0), EvalError);
  Arguments b("f", args({Value::string("s")}), {"x"});
  EXPECT_THROW(b.integer(0, 0), EvalError);
}

}  // namespace
}  // namespace sppo::jinja
