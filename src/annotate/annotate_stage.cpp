#include "annotate/annotate_stage.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>

#include "annotate/pair_batches.hpp"
#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "dist/chunk_queue.hpp"
#include "dist/stage_totals.hpp"
#include "io/fingerprint.hpp"
#include "io/samples_schema.hpp"
#include "model/pairrm.hpp"
#include "model/policy_tokenizer.hpp"

namespace sppo {

AnnotateSummary run_annotate_stage(const AnnotateJob& job, MPI_Comm comm, bool thread_multiple, const Log& log) {
  const auto start = std::chrono::steady_clock::now();
  const Config& config = job.config;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (config.ranker.type != RankerType::pairrm)
    throw ConfigError(config.source + ": ranker.type = " + to_string(config.ranker.type) +
                      ": sppo annotate needs a PairRM folder (ranker.type = pairrm)");

  // ---- inputs checked before any write
  const PairRanker ranker = PairRanker::load(job.ranker_dir, config.ranker.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat);
  const int64_t ranker_fingerprint = static_cast<int64_t>(fingerprint_model_folder_value(job.ranker_dir) >> 1);
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
                        ", " + job.ranker_dir + ": " + std::to_string(ranker_fingerprint) + "); give another --samples or remove /pairrm by regenerating");
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
    const int32_t eos = policy_tokenizer.eos_id();
    while (auto chunk = queue.next(finished)) {
      const int64_t begin = shape.chunk_begin(*chunk), rows = shape.chunk_end(*chunk) - begin;
      const ChunkTokens tokens = read_chunk_tokens(file, shape, *chunk);

      // Text as the official pipeline gives it to PairRM: the templated prompt (with its
      // "<s>") as source, each response without its EOS as candidate. Encoded once each.
      std::vector<std::vector<int32_t>> pair_rows;
      pair_rows.reserve(static_cast<std::size_t>(rows * K * (K - 1)));
      for (int64_t i = 0; i < rows; ++i) {
        const std::string source =
            (chat_template == ChatTemplate::mistral ? "<s>" : "") + policy_tokenizer.decode(tokens.prompts[static_cast<std::size_t>(i)]);
        const std::vector<int32_t> source_ids = ranker.tokenizer().encode(source);
        std::vector<std::vector<int32_t>> candidate_ids;
        for (int64_t k = 0; k < K; ++k) {
          std::vector<int32_t> response = tokens.responses[static_cast<std::size_t>(i * K + k)];
          if (!response.empty() && response.back() == eos) response.pop_back();
          candidate_ids.push_back(ranker.tokenizer().encode(policy_tokenizer.decode(response)));
        }
        for (int64_t a = 0; a < K; ++a)
          for (int64_t b = 0; b < K; ++b)
            if (a != b)
              pair_rows.push_back(ranker.tokenizer().pair_row_from_ids(source_ids, candidate_ids[static_cast<std::size_t>(a)],
                                                                       candidate_ids[static_cast<std::size_t>(b)]));
      }
      const std::vector<float> scores = score_pair_rows(ranker, pair_rows, config.annotate.batch_pairs);

      // M[i][a][b], M[i][a][a] = 0; then the win rates.
      std::vector<float> M(static_cast<std::size_t>(rows * K * K), 0.0f), W(static_cast<std::size_t>(rows * K));
      std::size_t next = 0;
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t a = 0; a < K; ++a)
          for (int64_t b = 0; b < K; ++b)
            if (a != b) M[static_cast<std::size_t>((i * K + a) * K + b)] = scores[next++];
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
