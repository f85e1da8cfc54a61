#include "io/safetensors_writer.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "io/safetensors.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(SafetensorsWriter, RoundTripsEveryDTypeWithAlignedData) {
  test::TempDir dir;
  std::vector<NamedTensor> tensors{
      {"f32", at::randn({3, 5})},
      {"bf16", at::randn({7}).to(at::kBFloat16)},
      {"f16", at::randn({2, 2}).to(at::kHalf)},
      {"i64", at::arange(6, at::kLong).reshape({2, 3})},
      {"i32", at::arange(5, at::kInt)},
      {"u8", at::arange(9, at::kByte)},
      {"empty", at::zeros({0, 3})},
      {"strided", at::randn({4, 6}).t()},  // non-contiguous input
  };
  const std::string path = dir.file("m.safetensors");
  write_safetensors(path, tensors, {{"format", "pt"}});
  const std::string bytes = test::read_file(path);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ((8 + header_len) % 8, 0u) << "data section must start 8-byte aligned";
  const auto model = SafetensorsModel::open(path);
  EXPECT_EQ(model.metadata().at("format"), "pt");
  for (const auto& t : tensors) {
    SCOPED_TRACE(t.name);
    at::Tensor back = model.tensor(t.name);
    EXPECT_EQ(back.scalar_type(), t.tensor.scalar_type());
    EXPECT_TRUE(at::equal(back, t.tensor));
  }
}

TEST(SafetensorsWriter, SmallFolderIsOneFileAndNoTemporaryIsLeft) {
  test::TempDir dir;
  const auto written = write_safetensors_folder(dir.path(), {{"a", at::ones({4})}});
  ASSERT_EQ(written, std::vector<std::string>{dir.file("model.safetensors")});
  struct stat st {};
  EXPECT_NE(::stat(dir.file("model.safetensors.index.json").c_str(), &st), 0);
  const std::string listing = test::run_process({"ls", "-A", dir.path()}).out;
  EXPECT_EQ(listing, "model.safetensors\n");
}

TEST(SafetensorsWriter, RejectsDuplicatesAndUnwritablePathsWithoutTouchingTheTarget) {
  test::TempDir dir;
  EXPECT_THROW(write_safetensors(dir.file("d.safetensors"), {{"a", at::ones({1})}, {"a", at::ones({1})}}), FormatError);
  EXPECT_THROW(write_safetensors(dir.file("no/such/dir/x.safetensors"), {{"a", at::ones({1})}}), IoError);
  EXPECT_THROW(write_safetensors(dir.file("c.safetensors"), {{"c", at::ones({1}, at::kComplexFloat)}}), FormatError);
  // A failed rewrite leaves the earlier file whole.
  write_safetensors(dir.file("keep.safetensors"), {{"a", at::ones({2})}});
  EXPECT_THROW(write_safetensors(dir.file("keep.safetensors"), {{"a", at::ones({2})}, {"a", at::ones({1})}}), FormatError);
  EXPECT_TRUE(at::equal(SafetensorsModel::open(dir.file("keep.safetensors")).tensor("a"), at::ones({2})));
}

// Streamed a tensor at a time: the shards appear as their last tensor is written, the
// folder reads back whole, and a tensor out of order, of another shape or dtype, one too
// many, or one missing stops with the file's name and leaves no shard at its final name.
TEST(SafetensorsWriter, FolderStreamedOneTensorAtATime) {
  test::TempDir dir;
  const std::vector<DeclaredTensor> entries{
      {"a", at::kFloat, {4, 4}}, {"b", at::kBFloat16, {10}}, {"c", at::kFloat, {8}}};
  {
    SafetensorsFolderWriter out(dir.path(), entries, {}, /*max_shard_bytes=*/64);  // a: 64 B, b + c: 52 B
    out.write("a", at::ones({4, 4}));
    struct stat st {};
    EXPECT_EQ(::stat(dir.file("model-00001-of-00002.safetensors").c_str(), &st), 0) << "shard 1 is whole";
    EXPECT_NE(::stat(dir.file("model-00002-of-00002.safetensors").c_str(), &st), 0);
    out.write("b", at::arange(10, at::kFloat).to(at::kBFloat16));
    out.write("c", at::arange(8, at::kFloat));
    EXPECT_EQ(out.commit().size(), 3u);
  }
  const auto model = SafetensorsModel::open(dir.path());
  EXPECT_TRUE(at::equal(model.tensor("a"), at::ones({4, 4})));
  EXPECT_TRUE(at::equal(model.tensor("b"), at::arange(10, at::kFloat).to(at::kBFloat16)));
  EXPECT_TRUE(at::equal(model.tensor("c"), at::arange(8, at::kFloat)));

  test::TempDir bad;
  auto fails = [&](auto&& body, const std::string& says) {
    SafetensorsFolderWriter out(bad.path(), entries);
    try {
      body(out);
      ADD_FAILURE() << "no error: " << says;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad.file("model.safetensors")), std::string::npos) << e.what();
    }
  };
  fails([](SafetensorsFolderWriter& out) { out.write("b", at::zeros({10}, at::kBFloat16)); }, "expected tensor a");
  fails([](SafetensorsFolderWriter& out) { out.write("a", at::zeros({4, 5})); }, "expected tensor a");
  fails([](SafetensorsFolderWriter& out) { out.write("a", at::zeros({4, 4}, at::kDouble)); }, "expected tensor a");
  fails([](SafetensorsFolderWriter& out) {
    out.write("a", at::zeros({4, 4}));
    out.commit();
  }, "1 of 3 tensors written");
  const std::string listing = test::run_process({"ls", "-A", bad.path()}).out;
  EXPECT_EQ(listing, "") << "a failed stream leaves nothing behind";
  SafetensorsWriter one(dir.file("one.safetensors"), {{"x", at::kFloat, {1}}}, {});
  one.write("x", at::ones({1}));
  EXPECT_THROW(one.write("y", at::ones({1})), Error);
}

}  // namespace
}  // namespace sppo
