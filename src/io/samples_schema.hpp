#pragma once
// defines: the samples.h5 schema of DESIGN.md §4 (dataset names, shapes, types, root
// attributes, schema version), create_samples_file and open_samples_file. Every stage asks
// this file for names and shapes; nothing else spells them.
#include <algorithm>
#include <cstdint>
#include <map>
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
constexpr const char* kAttrConfig = "config_yaml";
constexpr const char* kAttrSeed = "seed";
constexpr const char* kAttrChunkPrompts = "chunk_prompts";
constexpr const char* kAttrPolicyFingerprint = "policy_fingerprint";
constexpr const char* kAttrRankerFingerprint = "ranker_fingerprint";
}  // namespace samples

// The stages that flag chunks in /progress/<stage>, in pipeline order.
const std::vector<std::string>& sample_stages();

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
};

struct DatasetSpec {
  std::string path;
  h5::ElementType type;
  std::vector<int64_t> dims;
};

// Every dataset of a samples file of this shape, progress flags included.
std::vector<DatasetSpec> samples_datasets(const SamplesShape& shape);

// Creates `path` collectively over `comm` (MPI_COMM_NULL: serially) with every dataset of
// the schema allocated and zero-filled, the root attributes written (plus schema name and
// version), and flushed once. The file is built under "<path>.partial" and renamed, so
// `path` either does not exist or reopens. Returns the open file (read-write).
h5::File create_samples_file(const std::string& path, const SamplesShape& shape,
                             const std::map<std::string, std::string>& string_attributes,
                             const std::map<std::string, int64_t>& int_attributes, MPI_Comm comm);

// Opens `path` and checks it is a samples file of this schema version whose datasets all
// exist with the types and mutually consistent shapes of the schema. Throws FormatError
// naming the file and the first dataset or attribute that disagrees.
// The file is first opened, checked and its first chunk read in a child process (rank 0): HDF5
// 1.10 can crash on malformed files, and a crash there becomes a FormatError here. Collective.
h5::File open_samples_file(const std::string& path, bool writable, MPI_Comm comm, SamplesShape* shape_out);

// The same checks in this process, read-only and serial, without the child: for the fuzz
// target, which must see the parser's coverage (and HDF5's crashes).
h5::File open_samples_file_in_process(const std::string& path, SamplesShape* shape_out);

// The token rows of one chunk, without padding: prompts[i] for its prompts, responses[i K + k]
// for their samples (EOS kept where the response ended). Read as hyperslabs.
struct ChunkTokens {
  std::vector<std::vector<int32_t>> prompts;
  std::vector<std::vector<int32_t>> responses;
};
ChunkTokens read_chunk_tokens(const h5::File& file, const SamplesShape& shape, int64_t chunk);

}  // namespace sppo
