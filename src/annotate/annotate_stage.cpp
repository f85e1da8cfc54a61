#include "annotate/annotate_stage.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>

#include "annotate/judge.hpp"
#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "dist/chunk_queue.hpp"
#include "dist/stage_totals.hpp"
#include "io/samples_schema.hpp"
#include "model/policy_tokenizer.hpp"

namespace sppo {

AnnotateSummary run_annotate_stage(const AnnotateJob& job, MPI_Comm comm, bool thread_multiple, const Log& log) {
  const auto start = std::chrono::steady_clock::now();
  const Config& config = job.config;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);

  // ---- inputs checked before any write
  const std::unique_ptr<Judge> judge = make_judge(config);
  const int64_t ranker_fingerprint = judge->fingerprint();
  SamplesShape shape;
  h5::File file = open_samples_file(job.samples_path, true, comm, &shape);
  const auto policy_path = file.string_attribute("policy_path");
  if (!policy_path) throw FormatError(job.samples_path + ": no policy_path attribute: it was not written by sppo generate");
  const ChatTemplate chat_template =
      file.string_attribute("chat_template").value_or("mistral") == "none" ? ChatTemplate::none : ChatTemplate::mistral;
  const PolicyTokenizer policy_tokenizer(*policy_path);
  const int64_t K = shape.samples;

  AnnotateSummary summary;
  int64_t my_pairs = 0, my_chunks = 0;
  {
    h5::Dataset generated = file.open_dataset(std::string(samples::kProgressPrefix) + "generate");
    h5::Dataset flags = file.open_dataset(std::string(samples::kProgressPrefix) + "annotate");
    h5::Dataset ranker_id = file.open_dataset(samples::kPairrmRanker);
    const auto gen = generated.read_all<uint8_t>();
    const int64_t complete = std::count(gen.begin(), gen.end(), uint8_t{1});
    if (complete != shape.chunks())
      throw FormatError(job.samples_path + ": responses are not complete (" + std::to_string(complete) + " of " +
                        std::to_string(shape.chunks()) + " chunks generated): run sppo generate first");
    // The ranker: recorded by rank 0 on first use (raw data), checked on every later run.
    int64_t recorded = ranker_id.read_all<int64_t>()[0];
    if (recorded != 0 && recorded != ranker_fingerprint)
      throw ConfigError(job.samples_path + ": was annotated by another ranker (fingerprint " + std::to_string(recorded) +
                        ", " + judge->describe() + ": " + std::to_string(ranker_fingerprint) +
                        "); give another --samples or remove /pairrm by regenerating");
    MPI_Barrier(comm);  // everyone has read it before rank 0 writes it
    if (recorded == 0 && rank == 0) ranker_id.write_rows(0, 1, &ranker_fingerprint);

    const auto done = flags.read_all<uint8_t>();
    std::vector<int64_t> pending;
    for (int64_t c = 0; c < shape.chunks(); ++c)
      if (!done[static_cast<std::size_t>(c)]) pending.push_back(c);
    summary.chunks_done_before = shape.chunks() - static_cast<int64_t>(pending.size());
    if (summary.chunks_done_before > 0)
      log.info("annotate: resuming: " + std::to_string(summary.chunks_done_before) + " of " + std::to_string(shape.chunks()) +
               " chunks already done");

    h5::Dataset logits_out = file.open_dataset(samples::kPairrmLogits), winrate_out = file.open_dataset(samples::kPairrmWinrate);

    int64_t pending_pairs = 0;
    for (int64_t c : pending) pending_pairs += (shape.chunk_end(c) - shape.chunk_begin(c)) * K * (K - 1);
    Progress progress(log, "annotate", pending_pairs, "pairs");
    ChunkQueue queue(comm, pending, thread_multiple);
    ChunkQueue::Done finished;
    while (auto chunk = queue.next(finished)) {
      const int64_t begin = shape.chunk_begin(*chunk), rows = shape.chunk_end(*chunk) - begin;
      const ChunkTokens tokens = read_chunk_tokens(file, shape, *chunk);

      std::vector<JudgeItem> items;
      items.reserve(static_cast<std::size_t>(rows));
      for (int64_t i = 0; i < rows; ++i) {
        std::vector<const std::vector<int32_t>*> responses;
        for (int64_t k = 0; k < K; ++k) responses.push_back(&tokens.responses[static_cast<std::size_t>(i * K + k)]);
        items.push_back(judge_item(policy_tokenizer, chat_template, tokens.prompts[static_cast<std::size_t>(i)], responses));
      }
      const std::vector<std::vector<float>> matrices = judge->logit_matrices(items);

      // M[i][a][b], M[i][a][a] = 0; then the win rates.
      std::vector<float> M(static_cast<std::size_t>(rows * K * K), 0.0f), W(static_cast<std::size_t>(rows * K));
      for (int64_t i = 0; i < rows; ++i) {
        std::copy(matrices[static_cast<std::size_t>(i)].begin(), matrices[static_cast<std::size_t>(i)].end(), M.begin() + i * K * K);
        const auto w = win_rates(M.data() + i * K * K, K, config.annotate.winrate);
        std::copy(w.begin(), w.end(), W.begin() + i * K);
      }
      logits_out.write_rows(begin, rows, M.data());
      winrate_out.write_rows(begin, rows, W.data());
      const uint8_t one = 1;
      flags.write_rows(*chunk, 1, &one);  // only after the chunk's data

      const int64_t pairs = rows * K * (K - 1);
      finished = {pairs, 0};
      my_pairs += pairs;
      ++my_chunks;
      if (rank == 0) progress.set_done(queue.reported().items + pairs);
    }
    progress.finish();
  }
  file.close();

  const StageTotals totals = report_stage_totals(comm, log, "annotate", "pairs", my_pairs, my_chunks, start, job.samples_path);
  summary.pairs = totals.items;
  summary.chunks_done_now = totals.chunks;
  summary.seconds = totals.seconds;
  return summary;
}

}  // namespace sppo
