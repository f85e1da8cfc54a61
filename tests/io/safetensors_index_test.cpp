#include "io/safetensors_index.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_safetensors_index(text, "m/model.safetensors.index.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SafetensorsIndex, ReadsTheWeightMapAndMetadata) {
  const SafetensorsIndex i = parse_safetensors_index(
      R"({"metadata": {"total_size": 1024, "format": "pt"}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
          "b.weight": "model-00002-of-00002.safetensors"}})",
      "x");
  EXPECT_EQ(i.weight_map.size(), 2u);
  EXPECT_EQ(i.weight_map.at("b.weight"), "model-00002-of-00002.safetensors");
  EXPECT_EQ(i.metadata.at("total_size"), "1024") << "non-strings as their JSON text";
  EXPECT_EQ(i.metadata.at("format"), "pt");
  EXPECT_TRUE(parse_safetensors_index(R"({"weight_map": {"a": "s.safetensors"}})", "x").metadata.empty());
}

TEST(SafetensorsIndex, ShardsMayNotLeaveTheFolderAndTheShapeIsChecked) {
  for (const char* shard : {"../x.safetensors", "/etc/passwd", "sub/x.safetensors", ".", "..", ""}) {
    SCOPED_TRACE(shard);
    const std::string e = error_of(std::string(R"({"weight_map": {"a": ")") + shard + "\"}}");
    EXPECT_EQ(e.rfind("m/model.safetensors.index.json: ", 0), 0u) << e;
    EXPECT_NE(e, "(no error)");
  }
  EXPECT_NE(error_of("not json"), "(no error)");
  EXPECT_NE(error_of("[1, 2]"), "(no error)");
  EXPECT_NE(error_of(R"({"metadata": {}})"), "(no error)") << "no weight_map";
  EXPECT_NE(error_of(R"({"weight_map": {"a": 3}})"), "(no error)") << "a shard that is not a string";
  EXPECT_NE(error_of(R"({"weight_map": []})"), "(no error)");
}

}  // namespace
}  // namespace sppo
