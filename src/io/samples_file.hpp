#pragma once
// defines: sppo::SamplesFile, the one owner of a samples.h5 (schema: io/samples_schema.hpp):
// creating it (every dataset allocated up front and flushed once, built as ".partial" and
// renamed), opening it (checked in a child process first: HDF5 1.10 crashes on some malformed
// files), its root attributes, the progress flags of each stage with their protocol — a
// chunk's flag is set only after its data is on disk, by the same call — typed chunk writes
// and reads, and whole-table reads. generate, annotate, the reference pass, the training set,
// eval and export ask it; none of them spells a dataset path.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dist/rank_group.hpp"
#include "io/hdf5.hpp"
#include "io/samples_schema.hpp"

namespace sppo {

// The root attributes generate writes at creation; a generate that resumes a file must find
// the same policy, prompts and settings in it.
struct SamplesOrigin {
  std::string config_yaml;          // the resolved config of the run that made the file
  std::string policy_path;          // π_t's folder: its tokenizer decodes the tokens
  std::string policy_fingerprint;
  std::string prompts_fingerprint;  // ids and templated tokens of every prompt
  std::string generate_settings;    // sampling settings, seed, iteration, dtype
  std::string chat_template;        // as policy.chat_template names it
  int64_t seed = 0;
  int64_t iteration = 0;
};

// Token rows of prompts [begin, begin + rows): prompts[i] templated (BOS first),
// responses[i K + k] (EOS last where the response ended), without padding.
struct SampleRows {
  std::vector<int64_t> prompt_ids;               // [rows]: index into the prompt set
  std::vector<std::vector<int32_t>> prompts;     // [rows]
  std::vector<std::vector<int32_t>> responses;   // [rows K]
  std::vector<uint8_t> finished;                 // [rows K]: 1 = ended with EOS
};

// A snapshot of /progress/<stage>.
class ChunkProgress {
 public:
  explicit ChunkProgress(std::vector<uint8_t> flags) : flags_(std::move(flags)) {}
  int64_t chunks() const { return static_cast<int64_t>(flags_.size()); }
  int64_t done() const;
  bool complete() const { return done() == chunks(); }
  bool is_done(int64_t chunk) const { return flags_.at(static_cast<std::size_t>(chunk)) != 0; }
  // The chunks not yet done, ascending.
  std::vector<int64_t> pending() const;

 private:
  std::vector<uint8_t> flags_;
};

// Everything a finished file holds, for export, the training set and eval.
struct SamplesTable {
  SamplesShape shape;
  SampleRows rows;                     // all N prompts
  std::vector<float> logits;           // [N K K]: M[i][a][b]
  std::vector<float> winrate;          // [N K]
  std::vector<float> reference_logp;   // [N K]
  ChunkProgress generated{{}}, annotated{{}}, referenced{{}};
};

class SamplesFile {
 public:
  enum class Access { read_only, read_write };

  // Collective over `group` (serial: this process alone). Refuses an absurd shape and a disk
  // without room for the whole file before anything is written; `path` either does not exist
  // afterwards or reopens. Returns the file open read-write.
  static SamplesFile create(const std::string& path, const SamplesShape& shape, const SamplesOrigin& origin,
                            const RankGroup& group);
  // Collective. Checks that `path` is a samples file of this schema version whose datasets
  // all exist with the schema's types and mutually consistent shapes; throws FormatError
  // (CollectiveError on a group of several ranks) naming the file and the first dataset or
  // attribute that disagrees. Rank 0 first opens it, checks it and reads its first chunk in a
  // child process, where an HDF5 crash becomes that error.
  static SamplesFile open(const std::string& path, Access access, const RankGroup& group);
  // The same checks in this process, read-only and serial, without the child: for the fuzz
  // target, which must see the parser's coverage (and HDF5's crashes).
  static SamplesFile open_in_process(const std::string& path);

  SamplesFile(SamplesFile&&) noexcept = default;
  SamplesFile& operator=(SamplesFile&&) noexcept = default;

  const std::string& path() const { return file_.path(); }
  const SamplesShape& shape() const { return shape_; }

  SamplesOrigin origin() const;
  // Throws ConfigError naming the first of policy, prompts and settings that differ from
  // `wanted` ("<path>: was made with another policy (policy_fingerprint = ..., this run: ...)").
  void check_origin(const SamplesOrigin& wanted) const;

  ChunkProgress progress(SampleStage stage) const;
  // Every chunk of `stage` pending again (--restart-from). Serial files only.
  void clear_progress(SampleStage stage);

  // One chunk's rows, then its flag (independent I/O: any rank writes any chunk).
  void write_generated(int64_t chunk, const SampleRows& rows);
  // logits [rows K K] (M[a][a] = 0), winrate [rows K].
  void write_judged(int64_t chunk, const std::vector<float>& logits, const std::vector<float>& winrate);
  // log π_ref(y|x) [rows K].
  void write_reference(int64_t chunk, const std::vector<float>& logp);

  SampleRows read_chunk(int64_t chunk) const;
  SamplesTable read_table() const;

  // The judge that annotated the file (0: none yet).
  int64_t ranker_fingerprint() const;
  // Collective: records `fingerprint` as the file's judge when none is, after every rank has
  // read the old value; refuses (ConfigError naming `judge`) a file another judge annotated.
  void claim_ranker(int64_t fingerprint, const std::string& judge);
  // Clears the recorded judge (--restart-from annotate). Serial files only.
  void clear_ranker();

  // A fingerprint of the data `stage` wrote (generate: the response tokens, annotate: the
  // judge's logits), read block by block: what the manifest records.
  std::string output_fingerprint(SampleStage stage) const;
  // The dataset that fingerprint covers, for messages ("/responses/tokens").
  static std::string output_dataset(SampleStage stage);

  // Collective when parallel. The destructor closes too, except while an exception unwinds
  // (h5::File's rule).
  void close();

 private:
  SamplesFile(RankGroup group, h5::File file, SamplesShape shape)
      : group_(std::move(group)), file_(std::move(file)), shape_(shape) {}
  void mark_done(SampleStage stage, int64_t chunk);

  RankGroup group_;  // the ranks the file is open on (declared first: it outlives file_)
  h5::File file_;
  SamplesShape shape_;
};

}  // namespace sppo
