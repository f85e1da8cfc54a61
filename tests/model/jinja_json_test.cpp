#include "model/jinja_json.hpp"

#include <gtest/gtest.h>

#include "model/jinja_error.hpp"

namespace sppo::jinja {
namespace {

using json = nlohmann::ordered_json;

std::string dumps(const std::string& json_text, JsonDumpOptions options = {}) {
  return dump_json(from_json(json::parse(json_text)), options);
}

// Expected strings are Python's json.dumps output for the same values.
TEST(JinjaJson, DumpsLikePythonsJsonDumps) {
  EXPECT_EQ(dumps(R"({"b": 1, "a": [1.5, true, null, "x"], "e": {}, "l": []})"),
            R"({"b": 1, "a": [1.5, true, null, "x"], "e": {}, "l": []})");
  EXPECT_EQ(dumps(R"(["\u00e9\u4e2d", "<&>'", "\n\t\u0001\u007f\"\\"])"),
            "[\"\u00e9\u4e2d\", \"<&>'\", \"\\n\\t\\u0001\u007f\\\"\\\\\"]");
  EXPECT_EQ(dumps(R"([1e16, 0.1, -0.0, 100.0])"), "[1e+16, 0.1, -0.0, 100.0]");
}

TEST(JinjaJson, EnsureAsciiEscapesWithSurrogatePairs) {
  JsonDumpOptions o;
  o.ensure_ascii = true;
  EXPECT_EQ(dumps(R"(["\u00e9\ud83d\ude00\u007f"])", o), R"(["\u00e9\ud83d\ude00\u007f"])");
}

TEST(JinjaJson, IndentSeparatorsAndSortedKeys) {
  JsonDumpOptions o;
  o.indent = "  ";
  EXPECT_EQ(dumps(R"({"a": [1, {}], "b": {"c": null}})", o), "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": null\n  }\n}");
  JsonDumpOptions compact;
  compact.item_separator = ",";
  compact.key_separator = ":";
  compact.sort_keys = true;
  EXPECT_EQ(dumps(R"({"b": [1, 2], "a": 1})", compact), R"({"a":1,"b":[1,2]})");
  JsonDumpOptions zero;
  zero.indent = "";
  EXPECT_EQ(dumps("[1, 2]", zero), "[\n1,\n2\n]");
}

TEST(JinjaJson, KeysAndUnserializableValues) {
  DictData d;
  d.set(Value::integer(1), Value::none());
  d.set(Value::boolean(false), Value::none());
  d.set(Value::none(), Value::number(1.5));
  EXPECT_EQ(dump_json(Value::dict(d), {}), R"({"1": null, "false": null, "null": 1.5})");
  try {
    dump_json(Value::list({Value()}), {});
    FAIL();
  } catch (const EvalError& e) {
    EXPECT_EQ(e.message(), "Object of type Undefined is not JSON serializable");
  }
  DictData bad;
  bad.set(Value::tuple({}), Value::none());
  EXPECT_THROW(dump_json(Value::dict(bad), {}), EvalError);
}

}  // namespace
}  // namespace sppo::jinja
