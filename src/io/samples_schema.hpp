#pragma once
// defines: the samples.h5 schema of DESIGN.md §4: dataset names, shapes and types, the root
// attribute names, the schema version, and SamplesShape with its chunk arithmetic. One place
// per fact: SamplesFile (io/samples_file.hpp) is the one reader and writer that uses them.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "io/hdf5.hpp"

namespace sppo {

constexpr int64_t kSamplesSchemaVersion = 1;

namespace samples {
constexpr const char* kPromptId = "/prompts/id";                  // [N] int64
constexpr const char* kPromptTokens = "/prompts/tokens";          // [N, Lp] int32
constexpr const char* kPromptLength = "/prompts/length";          // [N] int32
constexpr const char* kResponseTokens = "/responses/tokens";      // [N, K, Lr] int32
constexpr const char* kResponseLength = "/responses/length";      // [N, K] int32
constexpr const char* kResponseFinished = "/responses/finished";  // [N, K] uint8
constexpr const char* kPairrmLogits = "/pairrm/logits";           // [N, K, K] float32
constexpr const char* kPairrmWinrate = "/pairrm/winrate";         // [N, K] float32
// The ranker that annotated this file (64-bit fingerprint; 0 = none yet). A dataset, not an
// attribute: written after creation, it must be raw data (no metadata change after the flush).
constexpr const char* kPairrmRanker = "/pairrm/ranker_fingerprint";  // [1] int64
constexpr const char* kReferenceLogp = "/reference/logp";         // [N, K] float32
constexpr const char* kProgressPrefix = "/progress/";             // + stage: [chunks] uint8

// Root attributes.
constexpr const char* kAttrSchema = "sppo_schema";  // "samples"
constexpr const char* kAttrSchemaVersion = "schema_version";
constexpr const char* kAttrChunkPrompts = "chunk_prompts";
constexpr const char* kAttrConfig = "config_yaml";
constexpr const char* kAttrSeed = "seed";
constexpr const char* kAttrIteration = "iteration";
constexpr const char* kAttrPolicyPath = "policy_path";
constexpr const char* kAttrPolicyFingerprint = "policy_fingerprint";
constexpr const char* kAttrPromptsFingerprint = "prompts_fingerprint";
constexpr const char* kAttrGenerateSettings = "generate_settings";
constexpr const char* kAttrChatTemplate = "chat_template";
}  // namespace samples

// The stages that flag chunks in /progress/<stage>, in pipeline order.
enum class SampleStage { generate, annotate, reference };
const std::vector<SampleStage>& sample_stages();
std::string to_string(SampleStage stage);
// "/progress/<stage>"
std::string progress_dataset(SampleStage stage);

struct SamplesShape {
  int64_t prompts = 0;             // N
  int64_t samples = 0;             // K
  int64_t max_prompt_tokens = 0;   // Lp
  int64_t max_response_tokens = 0; // Lr
  int64_t chunk_prompts = 0;       // prompts per chunk (the last chunk may hold fewer)

  int64_t chunks() const { return chunk_prompts > 0 ? (prompts + chunk_prompts - 1) / chunk_prompts : 0; }
  // [first prompt, end prompt) of chunk `c`.
  int64_t chunk_begin(int64_t c) const { return c * chunk_prompts; }
  int64_t chunk_end(int64_t c) const { return std::min(prompts, (c + 1) * chunk_prompts); }
  int64_t chunk_rows(int64_t c) const { return chunk_end(c) - chunk_begin(c); }
};

struct DatasetSpec {
  std::string path;
  h5::ElementType type;
  std::vector<int64_t> dims;
};

// Every dataset of a samples file of this shape, progress flags included.
std::vector<DatasetSpec> samples_datasets(const SamplesShape& shape);

}  // namespace sppo
