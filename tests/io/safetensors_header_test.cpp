#include "io/safetensors_header.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/safetensors_cases.hpp"

namespace sppo {
namespace {

SafetensorsHeader parse(const std::string& bytes) {
  return parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "x.safetensors");
}

TEST(SafetensorsHeader, ParsesEntriesMetadataAndDataSection) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[8,20]},)"
      R"("b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[20,20]}})";
  const SafetensorsHeader h = parse(test::safetensors_bytes(header, 20));
  EXPECT_EQ(h.data_offset, 8 + header.size());
  EXPECT_EQ(h.data_size, 20u);
  ASSERT_EQ(h.tensors.size(), 3u);
  EXPECT_EQ(h.tensors[0].name, "b");  // sorted by offset
  const TensorEntry* w = h.find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, StDType::BF16);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->numel(), 6);
  EXPECT_EQ(h.find("e")->numel(), 0);
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_EQ(h.find("nope"), nullptr);
}

TEST(SafetensorsHeader, DTypeNamesAndSizes) {
  for (const char* name : {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"}) {
    auto d = dtype_from_name(name);
    ASSERT_TRUE(d.has_value()) << name;
    EXPECT_STREQ(dtype_name(*d), name);
  }
  EXPECT_EQ(dtype_size(StDType::BF16), 2u);
  EXPECT_EQ(dtype_size(StDType::I64), 8u);
  EXPECT_FALSE(dtype_from_name("f32").has_value());
}

TEST(SafetensorsHeader, EveryMalformedFileIsOneClearError) {
  const auto cases = test::bad_safetensors_cases();
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      parse(c.bytes);
      ADD_FAILURE() << "accepted";
    } catch (const FormatError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("x.safetensors: ", 0), 0u) << message;
      EXPECT_NE(message.find(c.expected_error), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    }
  }
}

}  // namespace
}  // namespace sppo
