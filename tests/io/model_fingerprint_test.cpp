#include "io/model_fingerprint.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "io/safetensors_writer.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(ModelFingerprint, ModelFolderChangesWithItsWeightsAndConfig) {
  test::TempDir dir;
  const std::string folder = dir.file("m");
  test::run_process({"mkdir", folder});
  test::write_file(folder + "/config.json", "{\"a\": 1}");
  at::Tensor w = at::arange(100000, at::kFloat);
  write_safetensors(folder + "/model.safetensors", {{"w", w}});
  const std::string first = fingerprint_model_folder(folder);
  EXPECT_EQ(fingerprint_model_folder(folder), first) << "stable";
  w[0] = -1.0f;  // the first data window sees it
  write_safetensors(folder + "/model.safetensors", {{"w", w}});
  const std::string second = fingerprint_model_folder(folder);
  EXPECT_NE(second, first);
  test::write_file(folder + "/config.json", "{\"a\": 2}");
  EXPECT_NE(fingerprint_model_folder(folder), second);
  EXPECT_NE(fingerprint_model_folder(test::fixtures() + "/policy-f32"), fingerprint_model_folder(test::fixtures() + "/policy-bf16"));
}

}  // namespace
}  // namespace sppo
