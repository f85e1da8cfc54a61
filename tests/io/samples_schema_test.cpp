#include "io/samples_schema.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

SamplesShape small_shape() {
  const SamplesShape s{10, 3, 7, 5, 4};  // N, K, Lp, Lr, chunk
  return s;
}

TEST(SamplesSchema, ChunkArithmetic) {
  const SamplesShape s = small_shape();
  EXPECT_EQ(s.chunks(), 3);
  EXPECT_EQ(s.chunk_begin(2), 8);
  EXPECT_EQ(s.chunk_end(2), 10);
  EXPECT_EQ(s.chunk_end(0), 4);
  EXPECT_EQ(s.chunk_rows(2), 2);
}

TEST(SamplesSchema, EveryDatasetOfDesignMdWithItsShapeAndType) {
  std::map<std::string, std::pair<h5::ElementType, std::vector<int64_t>>> specs;
  for (const auto& spec : samples_datasets(small_shape())) specs[spec.path] = {spec.type, spec.dims};
  using T = h5::ElementType;
  const std::map<std::string, std::pair<h5::ElementType, std::vector<int64_t>>> expected{
      {"/prompts/id", {T::i64, {10}}},           {"/prompts/tokens", {T::i32, {10, 7}}},
      {"/prompts/length", {T::i32, {10}}},       {"/responses/tokens", {T::i32, {10, 3, 5}}},
      {"/responses/length", {T::i32, {10, 3}}},  {"/responses/finished", {T::u8, {10, 3}}},
      {"/pairrm/logits", {T::f32, {10, 3, 3}}},  {"/pairrm/winrate", {T::f32, {10, 3}}},
      {"/pairrm/ranker_fingerprint", {T::i64, {1}}}, {"/reference/logp", {T::f32, {10, 3}}},
      {"/progress/generate", {T::u8, {3}}},      {"/progress/annotate", {T::u8, {3}}},
      {"/progress/reference", {T::u8, {3}}}};
  EXPECT_EQ(specs, expected);
}

TEST(SamplesSchema, StagesInPipelineOrderWithTheirFlagDatasets) {
  ASSERT_EQ(sample_stages().size(), 3u);
  EXPECT_EQ(to_string(sample_stages()[0]), "generate");
  EXPECT_EQ(progress_dataset(SampleStage::reference), "/progress/reference");
}

}  // namespace
}  // namespace sppo
