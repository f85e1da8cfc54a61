#include "train/reference_stage.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "io/samples_schema.hpp"
#include "train/dataset.hpp"
#include "train/losses.hpp"

namespace sppo {

void run_reference_stage(const std::string& samples_path, ShardedModel& policy, Communicator& comm,
                         Communicator* prefetch_comm, const Config& config, MPI_Comm mpi_comm, const Log& log) {
  SamplesShape shape;
  h5::File file = open_samples_file(samples_path, true, mpi_comm, &shape);
  {
    const auto generated = file.open_dataset(std::string(samples::kProgressPrefix) + "generate").read_all<uint8_t>();
    if (std::count(generated.begin(), generated.end(), uint8_t{1}) != shape.chunks())
      throw FormatError(samples_path + ": responses are not complete: run sppo generate first");
    h5::Dataset flags = file.open_dataset(std::string(samples::kProgressPrefix) + "reference");
    const auto done = flags.read_all<uint8_t>();
    std::vector<int64_t> pending;
    for (int64_t c = 0; c < shape.chunks(); ++c)
      if (!done[static_cast<std::size_t>(c)]) pending.push_back(c);
    if (pending.empty()) log.info("train: reference log-probs already in " + samples_path);
    const int64_t K = shape.samples;
    h5::Dataset out = file.open_dataset(samples::kReferenceLogp);
    Progress progress(log, "reference", static_cast<int64_t>(pending.size()), "chunks");
    const int64_t world = comm.size(), rounds = (static_cast<int64_t>(pending.size()) + world - 1) / world;
    for (int64_t round = 0; round < rounds; ++round) {
      const int64_t index = round * world + comm.rank();
      if (index >= static_cast<int64_t>(pending.size())) {  // no chunk this round: same gathers
        for (int64_t slot = 0; slot < shape.chunk_prompts; ++slot)
          sharded_response_logp(policy, comm, TrainRows{}, at::kFloat, prefetch_comm);
        continue;
      }
      const int64_t chunk = pending[static_cast<std::size_t>(index)];
      const int64_t begin = shape.chunk_begin(chunk), rows = shape.chunk_end(chunk) - begin;
      const ChunkTokens tokens = read_chunk_tokens(file, shape, chunk);
      std::vector<float> logp(static_cast<std::size_t>(rows * K));
      for (int64_t i = 0; i < rows; ++i) {
        // The K samples of one prompt as one batch, right-padded.
        const std::vector<int32_t>& prompt = tokens.prompts[static_cast<std::size_t>(i)];
        std::vector<TrainRow> batch;
        std::vector<const TrainRow*> pointers;
        for (int64_t k = 0; k < K; ++k) {
          batch.push_back(truncated_row(prompt, tokens.responses[static_cast<std::size_t>(i * K + k)], 0.5f,
                                        config.train.max_length, config.train.max_prompt_length));
        }
        for (const auto& r : batch) pointers.push_back(&r);
        const TrainRows t = batch_tensors(pointers, std::vector<float>(batch.size(), 0.0f));
        const at::Tensor lp = sharded_response_logp(policy, comm, t, at::kFloat, prefetch_comm).contiguous();
        std::copy(lp.data_ptr<float>(), lp.data_ptr<float>() + K, logp.begin() + i * K);
      }
      for (int64_t slot = rows; slot < shape.chunk_prompts; ++slot)  // a short last chunk: same gathers
        sharded_response_logp(policy, comm, TrainRows{}, at::kFloat, prefetch_comm);
      out.write_rows(begin, rows, logp.data());
      const uint8_t one = 1;
      flags.write_rows(chunk, 1, &one);
      progress.advance(1);
    }
    progress.finish();
  }
  file.close();
}

}  // namespace sppo
