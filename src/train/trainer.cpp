#include "train/trainer.hpp"

#include <ATen/ATen.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "core/error.hpp"
#include "core/permutation.hpp"
#include "core/progress.hpp"
#include "dist/mpi_communicator.hpp"
#include "io/run_layout.hpp"
#include "io/safetensors_writer.hpp"
#include "model/policy_tokenizer.hpp"
#include "train/checkpoint.hpp"
#include "train/dataset.hpp"
#include "train/fsdp_step.hpp"
#include "train/losses.hpp"
#include "train/lr_schedule.hpp"
#include "train/reference_stage.hpp"
#include "train/rows_logp.hpp"
#include "train/stop_signal.hpp"

namespace sppo {
namespace {

// "unit 'layer 3'" for messages: unit 0 is the embedding, the last the head.
std::string unit_name(int64_t u, int64_t units) {
  return u == 0 ? "embedding" : u == units - 1 ? "head" : "layer " + std::to_string(u - 1);
}

// A NaN or infinity in this step's loss (first micro-batch holding one, over all ranks) or in
// any unit's gradient; nullopt when the step is finite. Collective (one all_reduce).
std::optional<std::string> find_nonfinite(ShardedModel& model, Communicator& comm, double mean_loss, int64_t first_bad_micro) {
  const int64_t units = model.num_units();
  constexpr double kNone = 1e9;
  // [0]: kNone − first bad micro-batch (max over ranks picks the smallest index); [1 + u]: unit u's gradient.
  at::Tensor flags = at::zeros({1 + units}, at::kDouble);
  flags[0] = first_bad_micro >= 0 ? kNone - static_cast<double>(first_bad_micro) : 0.0;
  for (int64_t u = 0; u < units; ++u)
    if (!model.unit(u).grad().isfinite().all().item<bool>()) flags[1 + u] = 1.0;
  comm.all_reduce(flags, ReduceOp::max);
  std::string units_bad;
  for (int64_t u = 0; u < units; ++u)
    if (flags[1 + u].item<double>() > 0) units_bad += (units_bad.empty() ? "" : ", ") + unit_name(u, units);
  const double micro = flags[0].item<double>();
  if (std::isfinite(mean_loss) && micro == 0 && units_bad.empty()) return std::nullopt;
  std::string what = micro > 0 ? "micro-batch " + std::to_string(static_cast<int64_t>(kNone - micro) + 1) + ": the loss is not finite"
                               : "the loss is " + std::string(std::isfinite(mean_loss) ? "finite" : "not finite");
  what += units_bad.empty() ? "" : "; non-finite gradients in " + units_bad;
  return what;
}

// VmRSS of this process in MiB (0 where /proc is missing).
int64_t resident_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) / 1024;
  return 0;
}

void export_policy(const TrainJob& job, const std::vector<std::pair<std::string, at::Tensor>>& parameters) {
  make_directories(job.out_dir);
  const at::ScalarType dtype = job.config.policy.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat;
  std::vector<NamedTensor> tensors;
  for (const auto& [name, value] : parameters) tensors.push_back({name, value.to(dtype)});
  write_safetensors_folder(job.out_dir, tensors, {{"format", "pt"}});
  for (const char* name : {"config.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"}) {
    std::ifstream in(job.policy_dir + "/" + name, std::ios::binary);
    if (!in) continue;
    std::ofstream out(job.out_dir + "/" + name, std::ios::binary);
    out << in.rdbuf();
    if (!out) throw_io_error(job.out_dir + "/" + name, "write", errno);
  }
}

}  // namespace

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  return seeded_permutation(n, seed, static_cast<uint64_t>(epoch));
}

TrainSummary run_train_stage(const TrainJob& job, MPI_Comm mpi_comm, bool thread_multiple, int threads_per_rank,
                             const Log& log) {
  const Config& config = job.config;
  const TrainConfig& tc = config.train;
  MpiCommunicator comm(mpi_comm);
  // Gathers run one unit ahead on their own communicator (DESIGN.md §5) when MPI allows threads
  // and the helper has a core: waiting in MPI it spins, and on a rank with a single core it
  // slowed 2-rank training by ~15 % in bench/train.
  const Prefetch prefetch = job.config.dist.prefetch;
  const bool use_prefetch =
      thread_multiple && (prefetch == Prefetch::on || (prefetch == Prefetch::automatic && threads_per_rank > 1));
  std::unique_ptr<MpiCommunicator> gather_comm = use_prefetch ? std::make_unique<MpiCommunicator>(mpi_comm) : nullptr;
  const auto start = std::chrono::steady_clock::now();

  // ---- inputs before any write
  const PolicyTokenizer tokenizer(job.policy_dir);
  // No rank ever holds π_t whole: each reads its slices from the mapped files, and the
  // reference pass runs through the sharded units.
  ShardedModel model = ShardedModel::load(job.policy_dir, comm);
  if (!tc.data && tc.loss != LossKind::sft)
    run_reference_stage(job.samples_path, model, comm, gather_comm.get(), config, mpi_comm, log);
  const TrainSet set = tc.data ? train_set_from_jsonl(*tc.data, config, tokenizer) : train_set_from_samples(job.samples_path, config);
  if (set.skipped_ties > 0) log.info("train: skipped " + std::to_string(set.skipped_ties) + " prompts whose responses all tie");
  const at::ScalarType compute = tc.precision == Precision::bf16 ? at::kBFloat16 : at::kFloat;
  const int64_t examples = static_cast<int64_t>(set.examples.size());
  const int64_t steps_per_epoch = (examples + tc.global_batch - 1) / tc.global_batch;
  const int64_t total_steps = steps_per_epoch * tc.epochs;

  // ---- reference log-probabilities of π_t, one per row
  std::vector<const TrainRow*> all_rows;
  std::vector<int64_t> first_row_of;  // example -> index of its first row
  for (const auto& e : set.examples) {
    first_row_of.push_back(static_cast<int64_t>(all_rows.size()));
    for (const auto& r : e.rows) all_rows.push_back(&r);
  }
  // sft needs no reference; rows from samples.h5 bring theirs from /reference/logp.
  const bool known = std::all_of(all_rows.begin(), all_rows.end(), [](const TrainRow* r) { return r->has_ref; });
  std::vector<float> ref(all_rows.size(), 0.0f);
  if (known)
    for (std::size_t i = 0; i < all_rows.size(); ++i) ref[i] = all_rows[i]->ref_logp;
  else if (tc.loss != LossKind::sft)
    ref = rows_logp(model, all_rows, tc.micro_batch, comm, gather_comm.get());
  const LossDenominator denominator = loss_denominator(tc.loss);

  auto optimizer = make_optimizer(tc.optimizer, model);
  TrainProgress progress;
  make_directories(job.checkpoint_dir);
  if (auto newest = newest_checkpoint(job.checkpoint_dir)) {
    progress = load_checkpoint(*newest, model, *optimizer, to_string(tc.optimizer), mpi_comm);
    log.info("train: resuming from " + *newest + " (step " + std::to_string(progress.step) + " of " +
             std::to_string(total_steps) + ")");
  }
  const int64_t stop = std::min(total_steps, job.max_steps.value_or(total_steps));
  log.info("train: " + std::to_string(examples) + " examples, " + std::to_string(all_rows.size()) + " rows, " +
           std::to_string(total_steps) + " steps of " + std::to_string(tc.global_batch) + " examples");

  std::ofstream metrics;
  if (comm.rank() == 0) {
    const bool fresh = progress.step == 0;
    metrics.open(job.metrics_path, fresh ? std::ios::trunc : std::ios::app);
    if (!metrics) throw_io_error(job.metrics_path, "open", errno);
    if (fresh)
      metrics << "step,epoch,loss,grad_norm,lr,rows,logratio_chosen,logratio_rejected,tokens_per_s,seconds,"
                 "term_chosen,term_rejected\n";
  }
  Progress bar(log, "train", stop - progress.step, "steps", 5.0);
  const StopSignal stop_signal;
  TrainSummary summary;
  summary.total_steps = total_steps;
  const int64_t first_step = progress.step;
  std::vector<int64_t> order;
  int64_t order_epoch = -1;
  for (int64_t step = progress.step; step < stop; ++step) {
    const auto step_start = std::chrono::steady_clock::now();
    const int64_t epoch = step / steps_per_epoch, in_epoch = step % steps_per_epoch;
    if (epoch != order_epoch) {  // one permutation per epoch, not per step
      order = epoch_order(examples, static_cast<uint64_t>(config.run.seed), epoch);
      order_epoch = epoch;
    }
    // The batch's examples; rank r takes examples r, r + world, ... (a pair stays whole).
    const int64_t batch_begin = in_epoch * tc.global_batch, batch_end = std::min(examples, (in_epoch + 1) * tc.global_batch);
    int64_t global_rows = 0, global_count = 0;
    std::vector<int64_t> mine;
    for (int64_t i = batch_begin; i < batch_end; ++i) {
      const auto& e = set.examples[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
      global_rows += static_cast<int64_t>(e.rows.size());
      for (const auto& r : e.rows)
        global_count += denominator == LossDenominator::tokens ? static_cast<int64_t>(r.response.size())
                        : denominator == LossDenominator::rows ? 1 : 0;
      if (denominator == LossDenominator::pairs) ++global_count;
      if ((i - batch_begin) % comm.size() == comm.rank()) mine.push_back(order[static_cast<std::size_t>(i)]);
    }
    // Every rank runs the same number of micro-batches (some possibly empty).
    const int64_t most = (batch_end - batch_begin + comm.size() - 1) / comm.size();
    const int64_t micro_batches = std::max<int64_t>(1, (most + tc.micro_batch - 1) / tc.micro_batch);
    MicroBatchStats stats;
    int64_t first_bad_micro = -1;  // on this rank
    for (int64_t m = 0; m < micro_batches; ++m) {
      std::vector<const TrainRow*> rows;
      std::vector<float> refs;
      for (int64_t i = m * tc.micro_batch; i < std::min<int64_t>(static_cast<int64_t>(mine.size()), (m + 1) * tc.micro_batch); ++i) {
        const int64_t e = mine[static_cast<std::size_t>(i)];
        for (std::size_t k = 0; k < set.examples[static_cast<std::size_t>(e)].rows.size(); ++k) {
          const int64_t r = first_row_of[static_cast<std::size_t>(e)] + static_cast<int64_t>(k);
          rows.push_back(all_rows[static_cast<std::size_t>(r)]);
          refs.push_back(ref[static_cast<std::size_t>(r)]);
        }
      }
      const MicroBatchStats mb = accumulate_gradients(model, comm, batch_tensors(rows, refs), tc.loss, tc.beta,
                                                      std::max<int64_t>(1, global_count), compute, gather_comm.get());
      if (first_bad_micro < 0 && !std::isfinite(mb.term_sum)) first_bad_micro = m;
      stats += mb;
    }
    at::Tensor sums = at::tensor({stats.term_sum, stats.logratio_chosen, stats.logratio_rejected, double(stats.chosen),
                                  double(stats.rejected), double(stats.tokens), stats.term_chosen, stats.term_rejected},
                                 at::kDouble);
    comm.all_reduce(sums, ReduceOp::sum);
    const double* total = sums.data_ptr<double>();
    const double mean_loss = total[0] / static_cast<double>(std::max<int64_t>(1, global_count));
    const double chosen_ratio = total[3] > 0 ? total[1] / total[3] : std::nan("");
    const double rejected_ratio = total[4] > 0 ? total[2] / total[4] : std::nan("");
    // Each loss term's mean over its rows (per-row losses; the pair losses have one term).
    const bool per_row = loss_denominator(tc.loss) != LossDenominator::pairs;
    const double chosen_term = per_row && total[3] > 0 ? total[6] / total[3] : std::nan("");
    const double rejected_term = per_row && total[4] > 0 ? total[7] / total[4] : std::nan("");
    const double lr = linear_schedule_lr(tc.lr, step, total_steps, tc.warmup_ratio);
    double norm = std::nan("");
    if (const auto fault = find_nonfinite(model, comm, mean_loss, first_bad_micro)) {
      const std::string what = "train: step " + std::to_string(step + 1) + ", " + *fault;
      if (tc.nonfinite == NonFinite::stop)  // before the optimizer and any checkpoint: no NaN is saved
        throw CollectiveError(what + "; nothing of this step was applied or checkpointed (train.nonfinite: skip "
                                     "drops such steps instead)", comm.rank());
      ++summary.skipped_steps;
      log.warn(what + ": step skipped (" + std::to_string(summary.skipped_steps) + " so far)");
    } else {
      norm = clip_grad_norm(model, comm, tc.clip_grad_norm);
      optimizer->step(model, lr);
    }
    model.zero_grads();
    progress = {step + 1, epoch, (in_epoch + 1) * tc.global_batch};
    summary.last_loss = mean_loss;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    if (comm.rank() == 0) {
      char line[400];
      std::snprintf(line, sizeof line, "%lld,%lld,%.9g,%.9g,%.9g,%lld,%.6g,%.6g,%.1f,%.3f,%.6g,%.6g\n",
                    static_cast<long long>(step + 1), static_cast<long long>(epoch), mean_loss, norm, lr,
                    static_cast<long long>(global_rows), chosen_ratio, rejected_ratio, total[5] / std::max(seconds, 1e-9),
                    seconds, chosen_term, rejected_term);
      metrics << line << std::flush;
    }
    bar.advance(1);
    if (step == first_step)  // the persistent state: shards, gradients, optimizer state
      log.info_any_rank("train: resident memory after the first step " + std::to_string(resident_mib()) + " MiB");
    // SIGUSR1 on any rank (Slurm's warning): every rank checkpoints here and stops.
    at::Tensor stop_flag = at::full({1}, stop_signal.requested() ? 1.0f : 0.0f, at::kFloat);
    comm.all_reduce(stop_flag, ReduceOp::max);
    const bool stopping = stop_flag.item<float>() > 0 && step + 1 < stop;
    if ((step + 1) % tc.checkpoint_every == 0 || step + 1 == stop || stopping) {
      save_checkpoint(job.checkpoint_dir + "/step-" + std::to_string(step + 1) + ".h5", model, *optimizer,
                      to_string(tc.optimizer), progress, mpi_comm);
      if (comm.rank() == 0) prune_checkpoints(job.checkpoint_dir, tc.keep_checkpoints);
    }
    if (stopping) {
      summary.interrupted = true;
      log.info("train: SIGUSR1: checkpointed at step " + std::to_string(step + 1) + " of " + std::to_string(total_steps) +
               " and stopping (exit status " + std::to_string(kExitCheckpointed) + "); rerun to resume");
      break;
    }
  }
  bar.finish();
  summary.steps = progress.step;
  if (summary.interrupted) return summary;

  const auto parameters = model.full_parameters(comm);
  if (comm.rank() == 0) export_policy(job, parameters);
  comm.barrier();
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  log.info_any_rank("train: peak resident memory of this rank " + std::to_string(usage.ru_maxrss / 1024) + " MiB");
  log.info("train: " + std::to_string(summary.steps) + "/" + std::to_string(total_steps) + " steps" +
           (summary.skipped_steps ? " (" + std::to_string(summary.skipped_steps) + " skipped: not finite)" : "") +
           ", loss " + std::to_string(summary.last_loss) + ", " +
           format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()) + " -> " +
           job.out_dir);
  return summary;
}

}  // namespace sppo
