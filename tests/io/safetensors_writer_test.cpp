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

}  // namespace
}  // namespace sppo
