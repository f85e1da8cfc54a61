#include "train/reference_stage.hpp"

#include <ATen/ATen.h>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/samples_file.hpp"
#include "train/dataset.hpp"

namespace sppo {
namespace {

// Σ log π_t(y|x) of the K samples of each prompt of `chunk`, one prompt per forward.
std::vector<float> chunk_logp(const SampleRows& tokens, int64_t K, ShardedModel& policy, int64_t max_length,
                              int64_t max_prompt_length, const RunContext& ctx) {
  const int64_t prompts = static_cast<int64_t>(tokens.prompts.size());
  std::vector<float> logp(static_cast<std::size_t>(prompts * K));
  for (int64_t i = 0; i < prompts; ++i) {
    std::vector<TrainRow> batch;
    for (int64_t k = 0; k < K; ++k)
      batch.push_back(truncated_row(tokens.prompts[static_cast<std::size_t>(i)], tokens.responses[static_cast<std::size_t>(i * K + k)],
                                    0.5f, max_length, max_prompt_length));
    std::vector<const TrainRow*> rows;
    for (const auto& r : batch) rows.push_back(&r);
    const at::Tensor lp = sharded_response_logp(policy, ctx.comm(), batch_tensors(rows), at::kFloat, ctx.prefetch()).cpu();
    for (int64_t k = 0; k < K; ++k) logp[static_cast<std::size_t>(i * K + k)] = lp[k].item<float>();
  }
  return logp;
}

}  // namespace

void run_reference_stage(const std::string& samples_path, ShardedModel& policy, int64_t max_length,
                         int64_t max_prompt_length, const RunContext& ctx) {
  SamplesFile file = SamplesFile::open(samples_path, SamplesFile::Access::read_write, ctx.group());
  const SamplesShape& shape = file.shape();
  if (!file.progress(SampleStage::generate).complete())
    throw FormatError(samples_path + ": responses are not complete: run sppo generate first");
  const std::vector<int64_t> pending = file.progress(SampleStage::reference).pending();
  if (pending.empty()) ctx.log().info("train: reference log-probs already in " + samples_path);
  Progress progress(ctx.log(), "reference", static_cast<int64_t>(pending.size()), "chunks");
  // Every rank runs one forward per prompt slot of every round, rows or not: the gathers match.
  auto idle_forwards = [&](int64_t slots) {
    for (int64_t slot = 0; slot < slots; ++slot) sharded_response_logp(policy, ctx.comm(), TrainRows{}, at::kFloat, ctx.prefetch());
  };
  const int64_t world = ctx.comm().size(), rounds = (static_cast<int64_t>(pending.size()) + world - 1) / world;
  for (int64_t round = 0; round < rounds; ++round) {
    const int64_t index = round * world + ctx.rank();
    if (index >= static_cast<int64_t>(pending.size())) {
      idle_forwards(shape.chunk_prompts);
      continue;
    }
    const int64_t chunk = pending[static_cast<std::size_t>(index)];
    file.write_reference(chunk, chunk_logp(file.read_chunk(chunk), shape.samples, policy, max_length, max_prompt_length, ctx));
    idle_forwards(shape.chunk_prompts - shape.chunk_rows(chunk));  // a short last chunk
    progress.advance(1);
  }
  progress.finish();
  file.close();
}

}  // namespace sppo
