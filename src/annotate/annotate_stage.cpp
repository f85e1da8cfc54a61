#include "annotate/annotate_stage.hpp"

#include <chrono>

#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "dist/chunk_queue.hpp"
#include "dist/stage_totals.hpp"
#include "io/samples_file.hpp"
#include "model/policy_tokenizer.hpp"

namespace sppo {
namespace {

// M[i][a][b] of one chunk's rows (M[i][a][a] = 0), `share`'s pairs only (the others −0.0).
std::vector<float> judge_chunk(const Judge& judge, const ChatFormat& format, const SampleRows& tokens, int64_t rows,
                               int64_t K, JudgeShare share) {
  std::vector<JudgeItem> items;
  items.reserve(static_cast<std::size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    std::vector<const std::vector<int32_t>*> responses;
    for (int64_t k = 0; k < K; ++k) responses.push_back(&tokens.responses[static_cast<std::size_t>(i * K + k)]);
    items.push_back(judge_item(format, tokens.prompts[static_cast<std::size_t>(i)], responses));
  }
  const std::vector<std::vector<float>> matrices = judge.logit_matrices(items, share);
  std::vector<float> M(static_cast<std::size_t>(rows * K * K), 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const auto& m = matrices[static_cast<std::size_t>(i)];
    std::copy(m.begin(), m.end(), M.begin() + i * K * K);
  }
  return M;
}

// The win rates of every row from M, and both into samples.h5.
void write_chunk(SamplesFile& file, int64_t chunk, const std::vector<float>& M, int64_t rows, int64_t K,
                 WinrateMode winrate) {
  std::vector<float> W(static_cast<std::size_t>(rows * K));
  for (int64_t i = 0; i < rows; ++i) {
    const auto w = win_rates(M.data() + i * K * K, K, winrate);
    std::copy(w.begin(), w.end(), W.begin() + i * K);
  }
  file.write_judged(chunk, M, W);
}

}  // namespace

AnnotateSummary run_annotate_stage(const AnnotateJob& job, const RunContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  const Log& log = ctx.log();

  // ---- inputs checked before any write
  const std::unique_ptr<Judge> judge = make_judge(job.judge, ctx.device());
  SamplesFile file = SamplesFile::open(job.samples_path, SamplesFile::Access::read_write, ctx.group());
  const SamplesShape& shape = file.shape();
  const SamplesOrigin origin = file.origin();
  if (origin.policy_path.empty())
    throw FormatError(job.samples_path + ": no policy_path attribute: it was not written by sppo generate");
  const PolicyTokenizer policy_tokenizer(origin.policy_path);
  const ChatFormat format = ChatFormat::resolve(origin.chat_template.empty() ? "mistral" : origin.chat_template, std::nullopt,
                                                policy_tokenizer);
  const int64_t K = shape.samples;
  const ChunkProgress generated = file.progress(SampleStage::generate);
  if (!generated.complete())
    throw FormatError(job.samples_path + ": responses are not complete (" + std::to_string(generated.done()) + " of " +
                      std::to_string(shape.chunks()) + " chunks generated): run sppo generate first");
  file.claim_ranker(judge->fingerprint(), judge->describe());

  const std::vector<int64_t> pending = file.progress(SampleStage::annotate).pending();
  AnnotateSummary summary;
  summary.chunks_done_before = shape.chunks() - static_cast<int64_t>(pending.size());
  if (summary.chunks_done_before > 0)
    log.info("annotate: resuming: " + std::to_string(summary.chunks_done_before) + " of " + std::to_string(shape.chunks()) +
             " chunks already done");

  int64_t pending_pairs = 0;
  for (int64_t c : pending) pending_pairs += shape.chunk_rows(c) * K * (K - 1);
  Progress progress(log, "annotate", pending_pairs, "pairs");
  int64_t my_pairs = 0, my_chunks = 0;
  const int ranks = ctx.group().size();
  if (!pending.empty() && static_cast<int64_t>(pending.size()) < ranks) {
    // Fewer chunks than ranks: rank r joins the team of chunk pending[r mod n] (ranks r, r + n,
    // ...), each member scores every parts-th of the chunk's pair batches, and the team's first
    // rank sums the shares (exact: see JudgeShare) and writes. No rank sits idle, and the
    // batches, hence the bytes written, are those of one rank doing the chunk alone.
    const int n = static_cast<int>(pending.size()), r = ctx.rank();
    const int64_t chunk = pending[static_cast<std::size_t>(r % n)];
    const JudgeShare share{r / n, (ranks - r % n + n - 1) / n};
    const RankGroup team = ctx.group().split(r % n);
    const int most = (ranks + n - 1) / n, fewest = ranks / n;
    log.info("annotate: " + std::to_string(n) + " chunk(s) for " + std::to_string(ranks) +
             " ranks: each chunk's pairs shared by " +
             (most == fewest ? std::to_string(most) : std::to_string(most) + " or " + std::to_string(fewest)) + " ranks");
    // One verdict per team, so that no member waits in the sum for one that stopped.
    if (team.all_reduce(int64_t{ctx.stop_requested() ? 1 : 0}, HostReduce::max) == 0) {
      const int64_t rows = shape.chunk_rows(chunk);
      const std::vector<float> part = judge_chunk(*judge, format, file.read_chunk(chunk), rows, K, share);
      std::vector<double> sum(part.begin(), part.end());
      team.all_reduce(sum, HostReduce::sum);
      if (team.rank() == 0) {
        write_chunk(file, chunk, std::vector<float>(sum.begin(), sum.end()), rows, K, job.winrate);
        my_pairs = rows * K * (K - 1);
        my_chunks = 1;
        if (ctx.rank() == 0) progress.set_done(my_pairs);
      }
    }
  } else {
    ChunkQueue queue(ctx.group(), pending, ctx.thread_multiple());
    ChunkQueue::Done finished;
    while (!ctx.stop_requested()) {
      const auto chunk = queue.next(finished);
      if (!chunk) break;
      const int64_t rows = shape.chunk_rows(*chunk);
      write_chunk(file, *chunk, judge_chunk(*judge, format, file.read_chunk(*chunk), rows, K, JudgeShare{}), rows, K,
                  job.winrate);

      const int64_t pairs = rows * K * (K - 1);
      finished = {pairs, 0};
      my_pairs += pairs;
      ++my_chunks;
      if (ctx.rank() == 0) progress.set_done(queue.reported().items + pairs);
    }
  }
  progress.finish();
  file.close();

  const StageTotals totals =
      report_stage_totals(ctx.group(), log, "annotate", "pairs", my_pairs, my_chunks, start, job.samples_path);
  summary.pairs = totals.items;
  summary.chunks_done_now = totals.chunks;
  summary.seconds = totals.seconds;
  summary.interrupted = totals.chunks < static_cast<int64_t>(pending.size());
  if (summary.interrupted)
    log.info("annotate: " + ctx.stop_signal_name() + ": stopped after the chunks in hand (" +
             std::to_string(summary.chunks_done_before + totals.chunks) + " of " + std::to_string(shape.chunks()) +
             " done); rerun to annotate the rest");
  return summary;
}

}  // namespace sppo
