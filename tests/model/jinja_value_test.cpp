#include "model/jinja_value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/jinja_error.hpp"

namespace sppo::jinja {
namespace {

using json = nlohmann::ordered_json;

TEST(JinjaValue, FloatReprIsPythons) {
  EXPECT_EQ(float_repr(1.0), "1.0");
  EXPECT_EQ(float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(float_repr(1e16), "1e+16");
  EXPECT_EQ(float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(float_repr(1e-5), "1e-05");
  EXPECT_EQ(float_repr(0.0001), "0.0001");
  EXPECT_EQ(float_repr(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(float_repr(1.2345678901234567e+17), "1.2345678901234566e+17");
  EXPECT_EQ(float_repr(-0.0), "-0.0");
  EXPECT_EQ(float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(float_repr(std::nan("")), "nan");
}

TEST(JinjaValue, StringReprPicksQuotesAndEscapesLikePython) {
  EXPECT_EQ(python_string_repr("a"), "'a'");
  EXPECT_EQ(python_string_repr("it's"), "\"it's\"");
  EXPECT_EQ(python_string_repr("a\"b'c"), "'a\"b\\'c'");
  EXPECT_EQ(python_string_repr("\n\t\\\x01\x7f"), "'\\n\\t\\\\\\x01\\x7f'");
  EXPECT_EQ(python_string_repr("\u00e9\u4e2d\U0001F600"), "'\u00e9\u4e2d\U0001F600'");  // printable: kept
  EXPECT_EQ(python_string_repr("\u00a0\u200b\u2028"), "'\\xa0\\u200b\\u2028'");
}

TEST(JinjaValue, StrAndReprOfContainers) {
  DictData d;
  d.set(Value::string("b"), Value::integer(1));
  d.set(Value::string("a"), Value::list({Value::none(), Value::boolean(true), Value::number(1.5)}));
  const Value dict = Value::dict(d);
  EXPECT_EQ(to_str(dict), "{'b': 1, 'a': [None, True, 1.5]}");
  EXPECT_EQ(to_str(Value::tuple({Value::integer(1)})), "(1,)");
  EXPECT_EQ(to_str(Value::list({Value::string("x"), Value()}, SequenceKind::DictKeys)), "dict_keys(['x', Undefined])");
  EXPECT_EQ(to_str(Value()), "");
  EXPECT_EQ(to_str(Value::none()), "None");
  EXPECT_EQ(repr(Value::string("<b>", true)), "Markup('<b>')");
  auto ns = std::make_shared<NamespaceData>();
  ns->attributes.set(Value::string("x"), Value::integer(1));
  EXPECT_EQ(to_str(Value::make_namespace(ns)), "<Namespace {'x': 1}>");
}

TEST(JinjaValue, TruthAndEqualityArePythons) {
  EXPECT_FALSE(truthy(Value()));
  EXPECT_FALSE(truthy(Value::string("")));
  EXPECT_FALSE(truthy(Value::list({})));
  EXPECT_TRUE(truthy(Value::number(std::nan(""))));
  EXPECT_TRUE(equals(Value::integer(1), Value::number(1.0)));
  EXPECT_TRUE(equals(Value::boolean(true), Value::integer(1)));
  EXPECT_FALSE(equals(Value::list({Value::integer(1)}), Value::tuple({Value::integer(1)})));
  EXPECT_TRUE(equals(Value(), Value::undefined("other")));
  EXPECT_FALSE(equals(Value::string("1"), Value::integer(1)));
  EXPECT_TRUE(equals(Value::integer(9007199254740993), Value::integer(9007199254740993)));
  EXPECT_FALSE(equals(Value::integer(9007199254740993), Value::number(9007199254740992.0)));  // exact, as Python
}

TEST(JinjaValue, OrderingRaisesPythonsTypeError) {
  EXPECT_TRUE(compare(Value::integer(1), Value::number(1.5), "<"));
  EXPECT_TRUE(compare(Value::string("a"), Value::string("b"), "<="));
  EXPECT_TRUE(compare(Value::list({Value::integer(1), Value::integer(2)}), Value::list({Value::integer(1), Value::integer(3)}), "<"));
  try {
    compare(Value::integer(1), Value::string("a"), "<");
    FAIL();
  } catch (const EvalError& e) {
    EXPECT_EQ(e.message(), "'<' not supported between instances of 'int' and 'str'");
  }
  EXPECT_THROW(compare(Value::undefined("'x' is undefined"), Value::integer(1), "<"), EvalError);
}

TEST(JinjaValue, DictKeysFollowPythonEquality) {
  DictData d;
  d.set(Value::integer(1), Value::string("int"));
  d.set(Value::boolean(true), Value::string("bool"));  // same key as 1
  d.set(Value::string("1"), Value::string("str"));
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.find(Value::number(1.0))->as_string(), "bool");
  EXPECT_EQ(d.find(std::string_view("1"))->as_string(), "str");
  EXPECT_THROW(check_hashable(Value::list({})), EvalError);
  EXPECT_NO_THROW(check_hashable(Value::tuple({Value::integer(1)})));
}

TEST(JinjaValue, IterationVisitsWhatPythonsForDoes) {
  EXPECT_EQ(iterate(Value::string("\u00e9a")).size(), 2u);
  EXPECT_TRUE(iterate(Value()).empty());
  try {
    iterate(Value::integer(3));
    FAIL();
  } catch (const EvalError& e) {
    EXPECT_EQ(e.message(), "'int' object is not iterable");
  }
}

TEST(JinjaValue, FromJsonKeepsOrderAndTypes) {
  const Value v = from_json(json::parse(R"({"z": 1, "a": [1.0, true, null, "s"], "n": -5})"));
  EXPECT_EQ(to_str(v), "{'z': 1, 'a': [1.0, True, None, 's'], 'n': -5}");
  EXPECT_THROW(from_json(json::parse("18446744073709551615")), EvalError);
}

TEST(JinjaValue, TypeNamesForMessages) {
  EXPECT_EQ(type_name(Value::none()), "NoneType");
  EXPECT_EQ(object_type_repr(Value::none()), "None");
  EXPECT_EQ(object_type_repr(Value::string("x")), "str object");
  EXPECT_EQ(object_type_repr(Value::dict(DictData())), "dict object");
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&#34;x&#34;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace sppo::jinja
