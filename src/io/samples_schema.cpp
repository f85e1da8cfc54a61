#include "io/samples_schema.hpp"

namespace sppo {

const std::vector<SampleStage>& sample_stages() {
  static const std::vector<SampleStage> stages{SampleStage::generate, SampleStage::annotate, SampleStage::reference};
  return stages;
}

std::string to_string(SampleStage stage) {
  switch (stage) {
    case SampleStage::generate: return "generate";
    case SampleStage::annotate: return "annotate";
    case SampleStage::reference: return "reference";
  }
  return "?";
}

std::string progress_dataset(SampleStage stage) { return samples::kProgressPrefix + to_string(stage); }

std::vector<DatasetSpec> samples_datasets(const SamplesShape& s) {
  using h5::ElementType;
  const int64_t n = s.prompts, k = s.samples;
  std::vector<DatasetSpec> specs{
      {samples::kPromptId, ElementType::i64, {n}},
      {samples::kPromptTokens, ElementType::i32, {n, s.max_prompt_tokens}},
      {samples::kPromptLength, ElementType::i32, {n}},
      {samples::kResponseTokens, ElementType::i32, {n, k, s.max_response_tokens}},
      {samples::kResponseLength, ElementType::i32, {n, k}},
      {samples::kResponseFinished, ElementType::u8, {n, k}},
      {samples::kPairrmLogits, ElementType::f32, {n, k, k}},
      {samples::kPairrmWinrate, ElementType::f32, {n, k}},
      {samples::kPairrmRanker, ElementType::i64, {1}},
      {samples::kReferenceLogp, ElementType::f32, {n, k}},
  };
  for (SampleStage stage : sample_stages()) specs.push_back({progress_dataset(stage), ElementType::u8, {s.chunks()}});
  return specs;
}

}  // namespace sppo
