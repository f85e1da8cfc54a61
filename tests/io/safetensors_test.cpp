#include "io/safetensors.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/safetensors_cases.hpp"
#include "io/safetensors_writer.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Safetensors, ReadsThePolicyFixtureWithEveryTensorShape) {
  const auto model = SafetensorsModel::open(test::fixtures() + "/policy-f32");
  EXPECT_EQ(model.names().size(), 21u);  // embed + 2 x 9 per layer + norm + lm_head
  const auto& q = model.entry("model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(q.dtype, StDType::F32);
  EXPECT_EQ(q.shape, (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(model.entry("model.layers.1.self_attn.k_proj.weight").shape, (std::vector<int64_t>{32, 64}));  // 2 KV heads x 16
  EXPECT_EQ(model.entry("model.layers.1.mlp.down_proj.weight").shape, (std::vector<int64_t>{64, 160}));
  EXPECT_EQ(model.entry("lm_head.weight").shape, (std::vector<int64_t>{512, 64}));
  at::Tensor norm = model.tensor("model.norm.weight");
  EXPECT_EQ(norm.scalar_type(), at::kFloat);
  EXPECT_EQ(norm.sizes(), (at::IntArrayRef{64}));
  // Norm weights were drawn as 1 + 0.2 N(0,1): their mean is near 1, not 0.
  EXPECT_NEAR(norm.mean().item<float>(), 1.0, 0.15);
}

TEST(Safetensors, Bf16FixtureIsTheF32FixtureRounded) {
  const auto f32 = SafetensorsModel::open(test::fixtures() + "/policy-f32");
  const auto bf16 = SafetensorsModel::open(test::fixtures() + "/policy-bf16");
  ASSERT_EQ(f32.names(), bf16.names());
  for (const auto& name : f32.names()) {
    at::Tensor a = f32.tensor(name).to(at::kBFloat16).to(at::kFloat);
    at::Tensor b = bf16.tensor(name);
    ASSERT_EQ(b.scalar_type(), at::kBFloat16) << name;
    EXPECT_TRUE(at::equal(a, b.to(at::kFloat))) << name;
  }
}

TEST(Safetensors, RankerFixtureHasThePairRmLayout) {
  const auto model = SafetensorsModel::open(test::fixtures() + "/ranker-f32/model.safetensors");
  EXPECT_TRUE(model.contains("head_layer.1.weight"));
  EXPECT_EQ(model.entry("head_layer.1.weight").shape, (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(model.entry("pretrained_model.embeddings.word_embeddings.weight").shape, (std::vector<int64_t>{405, 64}));
}

TEST(Safetensors, ExpectedOutputsHoldIntegersAndFloats) {
  const auto model = SafetensorsModel::open(test::fixtures() + "/expected/policy_forward.safetensors");
  at::Tensor ids = model.tensor("input_ids");
  EXPECT_EQ(ids.scalar_type(), at::kLong);
  EXPECT_EQ(ids.sizes(), (at::IntArrayRef{2, 32}));
  EXPECT_GE(ids.min().item<int64_t>(), 0);
  EXPECT_LT(ids.max().item<int64_t>(), 512);
}

TEST(Safetensors, TensorsShareTheMappingAndOutliveTheModel) {
  test::TempDir dir;
  at::Tensor original = at::arange(12, at::kFloat).reshape({3, 4});
  write_safetensors(dir.file("a.safetensors"), {{"x", original}});
  at::Tensor x;
  {
    const auto model = SafetensorsModel::open(dir.file("a.safetensors"));
    x = model.tensor("x");
    at::Tensor again = model.tensor("x");
    EXPECT_EQ(x.data_ptr(), again.data_ptr()) << "expected a view of the mapping, not a copy";
  }
  EXPECT_TRUE(at::equal(x, original));  // the mapping is kept alive by the tensor
  x.add_(1);  // copy-on-write: the file is untouched
  const auto reread = SafetensorsModel::open(dir.file("a.safetensors"));
  EXPECT_TRUE(at::equal(reread.tensor("x"), original));
}

TEST(Safetensors, MissingTensorAndBadFolderNameTheModel) {
  const auto model = SafetensorsModel::open(test::fixtures() + "/policy-f32");
  try {
    model.tensor("model.layers.9.mlp.up_proj.weight");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), test::fixtures() + "/policy-f32: tensor model.layers.9.mlp.up_proj.weight is missing");
  }
  test::TempDir empty;
  EXPECT_THROW(SafetensorsModel::open(empty.path()), FormatError);
  EXPECT_THROW(SafetensorsModel::open(empty.file("nothing.safetensors")), IoError);
}

TEST(Safetensors, ShardedFolderWithIndex) {
  test::TempDir dir;
  std::vector<NamedTensor> tensors;
  for (int i = 0; i < 5; ++i) tensors.push_back({"t" + std::to_string(i), at::full({100}, float(i), at::kFloat)});
  const auto written = write_safetensors_folder(dir.path(), tensors, {{"note", "x"}}, /*max_shard_bytes=*/900);
  ASSERT_EQ(written.size(), 4u);  // 400 bytes each, 2 per shard: 3 shards + index
  EXPECT_EQ(written[0], dir.file("model-00001-of-00003.safetensors"));
  const auto model = SafetensorsModel::open(dir.path());
  EXPECT_EQ(model.files().size(), 3u);
  EXPECT_EQ(model.metadata().at("total_size"), "2000");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(at::equal(model.tensor("t" + std::to_string(i)), tensors[i].tensor));
  EXPECT_EQ(model.file_of("t4"), dir.file("model-00003-of-00003.safetensors"));
}

TEST(Safetensors, IndexErrorsAreCaught) {
  test::TempDir dir;
  write_safetensors(dir.file("s1.safetensors"), {{"a", at::zeros({2})}, {"stray", at::zeros({1})}});
  const std::string index = dir.file("model.safetensors.index.json");
  test::write_file(index, R"({"weight_map": {"a": "s1.safetensors", "b": "s1.safetensors"}})");
  EXPECT_THROW(SafetensorsModel::open(dir.path()), FormatError);  // b is not in s1
  test::write_file(index, R"({"weight_map": {"a": "s1.safetensors"}})");
  EXPECT_THROW(SafetensorsModel::open(dir.path()), FormatError);  // stray is not listed
  test::write_file(index, R"({"weight_map": {"a": "../s1.safetensors"}})");
  EXPECT_THROW(SafetensorsModel::open(dir.path()), FormatError);  // traversal
  test::write_file(index, R"({"weight_map": 3})");
  EXPECT_THROW(SafetensorsModel::open(dir.path()), FormatError);
  test::write_file(index, "{");
  EXPECT_THROW(SafetensorsModel::open(dir.path()), FormatError);
}

TEST(Safetensors, MalformedFilesFailOnOpen) {
  test::TempDir dir;
  for (const auto& c : test::bad_safetensors_cases()) {
    SCOPED_TRACE(c.name);
    test::write_file(dir.file(c.name + ".safetensors"), c.bytes);
    EXPECT_THROW(SafetensorsModel::open(dir.file(c.name + ".safetensors")), FormatError);
  }
}

}  // namespace
}  // namespace sppo
