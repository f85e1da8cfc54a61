#include "io/json_node.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(JsonNode, PathsAndTypedReads) {
  const nlohmann::json doc = nlohmann::json::parse(R"({"a":{"list":[1,"x",true],"n":null,"s":"str"}})");
  const JsonNode root(doc, "f.json", "");
  const JsonNode a = root.at("a");
  EXPECT_EQ(a.path(), "a");
  EXPECT_EQ(a.at("list").element(1).path(), "a.list[1]");
  EXPECT_EQ(a.at("list").size(), 3u);
  EXPECT_EQ(a.at("list").element(1).string(), "x");
  EXPECT_TRUE(a.at("list").element(2).boolean());
  EXPECT_EQ(a.at("list").element(0).integer(0, 5), 1);
  EXPECT_FALSE(a.find("n").has_value());  // null reads as absent
  EXPECT_EQ(a.string_or("s", "d"), "str");
  EXPECT_EQ(a.string_or("missing", "d"), "d");
  EXPECT_TRUE(a.boolean_or("n", true));
  EXPECT_EQ(JsonNode::member_path("", "k"), "k");
}

TEST(JsonNode, ErrorsNameFileAndPath) {
  const nlohmann::json doc = nlohmann::json::parse(R"({"a":{"list":[1,"x"],"s":"a very long string value that goes on and on past the limit of eighty characters"}})");
  const JsonNode a = JsonNode(doc, "f.json", "").at("a");
  EXPECT_EQ(error_of([&] { a.at("b"); }), "f.json: a.b is missing");
  EXPECT_EQ(error_of([&] { a.at("list").element(1).integer(0, 9); }), "f.json: a.list[1] = \"x\": expected an integer");
  EXPECT_EQ(error_of([&] { a.at("list").element(0).integer(2, 9); }), "f.json: a.list[0] = 1: must be in [2, 9]");
  EXPECT_EQ(error_of([&] { a.at("list").string(); }), "f.json: a.list = [1,\"x\"]: expected a string");
  EXPECT_EQ(error_of([&] { a.at("list").find("k"); }), "f.json: a.list = [1,\"x\"]: expected an object");
  EXPECT_EQ(error_of([&] { a.at("s").boolean(); }),
            "f.json: a.s = \"a very long string value that goes on and on past the limit of eighty character...: expected "
            "true or false");
  EXPECT_EQ(error_of([&] { a.fail_here("bad"); }), "f.json: a: bad");
  const nlohmann::json array = nlohmann::json::parse("[1]");
  EXPECT_EQ(error_of([&] { JsonNode(array, "f.json", "").find("x"); }), "f.json: expected a JSON object");
}

}  // namespace
}  // namespace sppo
