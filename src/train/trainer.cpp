#include "train/trainer.hpp"

#include <ATen/ATen.h>
#include <sys/resource.h>

#include <climits>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/stop_signal.hpp"
#include "core/wall_time.hpp"
#include "io/run_layout.hpp"
#include "io/safetensors.hpp"
#include "io/safetensors_writer.hpp"
#include "model/policy_tokenizer.hpp"
#include "train/checkpoint.hpp"
#include "train/dataset.hpp"
#include "train/fsdp_step.hpp"
#include "train/gather_prefetch.hpp"
#include "train/losses.hpp"
#include "train/lr_schedule.hpp"
#include "train/reference_stage.hpp"
#include "train/rows_logp.hpp"
#include "train/state_memory.hpp"
#include "train/step_metrics.hpp"
#include "train/step_plan.hpp"

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
  flags = flags.to(comm.device());
  comm.all_reduce(flags, ReduceOp::max);
  flags = flags.cpu();
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

// Whether any rank received a stop signal. Collective: one all-reduce on comm's device.
bool any_rank_stopping(const RunContext& ctx) {
  at::Tensor flag = at::full({1}, ctx.stop_requested() ? 1.0f : 0.0f, at::kFloat).to(ctx.comm().device());
  ctx.comm().all_reduce(flag, ReduceOp::max);
  return flag.item<float>() > 0;
}

// VmRSS of this process in MiB (0 where /proc is missing).
int64_t resident_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) / 1024;
  return 0;
}

// π_{t+1} in the layout of π_t: the same tensor names, each in its input dtype (a BF16
// checkpoint stays BF16, an F32 one F32, whatever the compute precision), with π_t's
// config.json and tokenizer files as they were read. Collective: the units are gathered to
// rank 0 one at a time, and rank 0 converts and writes each tensor as it arrives (only rank
// 0 reads π_t's headers for the dtypes), so no rank ever holds the whole model.
void export_policy(const TrainJob& job, const ShardedModel& model, Communicator& comm) {
  std::optional<SafetensorsFolderWriter> out;
  std::map<std::string, at::ScalarType> dtypes;
  if (comm.rank() == 0) {
    const SafetensorsModel input = SafetensorsModel::open(job.policy_dir);
    std::vector<DeclaredTensor> entries;
    for (const ParamSpec& p : model.parameter_specs()) {
      dtypes[p.name] = to_scalar_type(input.entry(p.name).dtype);
      entries.push_back({p.name, dtypes[p.name], p.shape});
    }
    make_directories(job.out_dir);
    out.emplace(job.out_dir, entries, std::map<std::string, std::string>{{"format", "pt"}});
  }
  model.stream_parameters_to_rank0(comm, [&](const std::string& name, const at::Tensor& value) {
    out->write(name, value.to(at::kCPU).to(dtypes.at(name)));
  });
  if (comm.rank() != 0) return;
  out->commit();
  std::vector<std::string> files{"config.json"};  // the tokenizer, its template and its stop ids travel along
  files.insert(files.end(), tokenizer_files().begin(), tokenizer_files().end());
  for (const std::string& name : files) {
    std::ifstream in(job.policy_dir + "/" + name, std::ios::binary);
    if (!in) continue;
    std::ofstream copy(job.out_dir + "/" + name, std::ios::binary);
    copy << in.rdbuf();
    if (!copy) throw_io_error(job.out_dir + "/" + name, "write", errno);
  }
}

TrainSetSpec set_spec(const TrainJob& job, int64_t vocab_size) {
  return {job.train.loss, job.train.max_length, job.train.max_prompt_length, job.winrate, job.chat_template, job.end_of_turn,
          vocab_size};
}

// The training set with π_t's log-probability on every row the loss needs one for: from the
// samples.h5's reference pass (computed there first, or reused), or a forward pass here.
TrainSet training_set(const TrainJob& job, ShardedModel& model, const RunContext& ctx) {
  const TrainConfig& tc = job.train;
  const bool needs_reference = loss_properties(tc.loss).needs_reference;
  if (!tc.data && needs_reference) run_reference_stage(job.samples_path, model, tc.max_length, tc.max_prompt_length, ctx);
  TrainSet set = tc.data ? train_set_from_jsonl(*tc.data, set_spec(job, model.config().vocab_size), PolicyTokenizer(job.policy_dir))
                         : train_set_from_samples(job.samples_path, set_spec(job, model.config().vocab_size));
  if (set.skipped_ties > 0) ctx.log().info("train: skipped " + std::to_string(set.skipped_ties) + " prompts whose responses all tie");
  std::vector<TrainRow*> rows = set.all_rows();
  const bool known = std::all_of(rows.begin(), rows.end(), [](const TrainRow* r) { return r->has_ref; });
  if (needs_reference && !known) {
    const std::vector<const TrainRow*> view(rows.begin(), rows.end());
    const std::vector<float> ref = rows_logp(model, view, tc.micro_batch, ctx.comm(), ctx.prefetch());
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i]->ref_logp = ref[i];
  }
  return set;
}

std::vector<ExampleSize> example_sizes(const TrainSet& set) {
  std::vector<ExampleSize> sizes;
  for (const auto& e : set.examples) {
    ExampleSize s{static_cast<int64_t>(e.rows.size()), 0};
    for (const auto& r : e.rows) s.response_tokens += static_cast<int64_t>(r.response.size());
    sizes.push_back(s);
  }
  return sizes;
}

std::vector<const TrainRow*> rows_of(const TrainSet& set, const std::vector<int64_t>& examples) {
  std::vector<const TrainRow*> rows;
  for (int64_t e : examples)
    for (const auto& r : set.examples[static_cast<std::size_t>(e)].rows) rows.push_back(&r);
  return rows;
}

// ---------------------------------------------------------------- one optimizer step
// Gradients of the global batch's mean loss accumulated over this rank's micro-batches
// (reduce-scattered into the owned slices), checked finite on every rank, clipped by the
// global norm and applied to the owned slices. A non-finite step is refused before the
// optimizer (train.nonfinite: stop) or dropped and counted (skip).
StepMetrics train_step(const StepPlan& plan, const TrainSet& set, ShardedModel& model, Optimizer& optimizer, double lr,
                       const TrainConfig& tc, const RunContext& ctx, TrainSummary& summary) {
  const auto start = WallClock::now();
  const at::ScalarType compute = tc.precision == Precision::bf16 ? at::kBFloat16 : at::kFloat;
  MicroBatchStats mine;
  int64_t first_bad_micro = -1;  // on this rank
  for (std::size_t m = 0; m < plan.micro_batches.size(); ++m) {
    const TrainRows rows = batch_tensors(rows_of(set, plan.micro_batches[m]));
    const MicroBatchStats mb =
        accumulate_gradients(model, ctx.comm(), rows, tc.loss, tc.beta, plan.loss_count, compute, ctx.prefetch(),
                             tc.activation_checkpointing == ActivationCheckpointing::on);
    if (first_bad_micro < 0 && !std::isfinite(mb.term_sum)) first_bad_micro = static_cast<int64_t>(m);
    mine += mb;
  }
  StepMetrics metrics = StepMetrics::reduce(mine, plan, loss_properties(tc.loss).per_row_terms, ctx.comm());
  if (const auto fault = find_nonfinite(model, ctx.comm(), metrics.loss, first_bad_micro)) {
    const std::string what = "train: step " + std::to_string(plan.step + 1) + ", " + *fault;
    if (tc.nonfinite == NonFinite::stop)  // before the optimizer and any checkpoint: no NaN is saved
      throw CollectiveError(what + "; nothing of this step was applied or checkpointed (train.nonfinite: skip "
                                   "drops such steps instead)", ctx.rank());
    ++summary.skipped_steps;
    ctx.log().warn(what + ": step skipped (" + std::to_string(summary.skipped_steps) + " so far)");
  } else {
    metrics.grad_norm = clip_grad_norm(model, ctx.comm(), tc.clip_grad_norm);
    optimizer.step(model, lr);
  }
  model.release_grads();
  metrics.lr = lr;
  metrics.seconds = seconds_since(start);
  summary.step_seconds += metrics.seconds;
  summary.gather_seconds += mine.gather_seconds;
  summary.gather_wait_seconds += mine.gather_wait_seconds;
  return metrics;
}

// The checkpoint to resume from, if the folder holds one (any rank count can read it).
TrainProgress resume(const TrainJob& job, ShardedModel& model, Optimizer& optimizer, int64_t total_steps,
                     const RunContext& ctx) {
  make_directories(job.checkpoint_dir);
  const auto newest = newest_checkpoint(job.checkpoint_dir);
  if (!newest) return {};
  const TrainProgress progress = load_checkpoint(*newest, model, optimizer, to_string(job.train.optimizer), ctx.group());
  ctx.log().info("train: resuming from " + *newest + " (step " + std::to_string(progress.step) + " of " +
                 std::to_string(total_steps) + ")");
  return progress;
}

void checkpoint(const TrainJob& job, const ShardedModel& model, Optimizer& optimizer, const TrainProgress& progress,
                const RunContext& ctx) {
  save_checkpoint(job.checkpoint_dir + "/step-" + std::to_string(progress.step) + ".h5", model, optimizer,
                  to_string(job.train.optimizer), progress, ctx.group());
  if (ctx.rank() == 0) prune_checkpoints(job.checkpoint_dir, job.train.keep_checkpoints);
}

// π_{t+1} as a Hugging Face folder, and the stage's closing lines.
void export_trained(const TrainJob& job, const ShardedModel& model, const TrainSummary& summary, WallClock::time_point start,
                    const RunContext& ctx) {
  export_policy(job, model, ctx.comm());
  ctx.group().barrier();
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  ctx.log().info_any_rank("train: peak resident memory of this rank " + std::to_string(usage.ru_maxrss / 1024) + " MiB");
  ctx.log().info_any_rank("train: " + describe_gather_time(summary.step_seconds, summary.gather_seconds,
                                                          summary.gather_wait_seconds, ctx.prefetch() != nullptr));
  ctx.log().info("train: " + std::to_string(summary.steps) + "/" + std::to_string(summary.total_steps) + " steps" +
                 (summary.skipped_steps ? " (" + std::to_string(summary.skipped_steps) + " skipped: not finite)" : "") +
                 ", loss " + std::to_string(summary.last_loss) + ", " + format_duration(seconds_since(start)) + " -> " +
                 job.out_dir);
}

}  // namespace

// ---------------------------------------------------------------- the stage
TrainSummary run_train_stage(const TrainJob& job, const RunContext& ctx) {
  const auto start = WallClock::now();
  const TrainConfig& tc = job.train;
  const LossProperties& loss = loss_properties(tc.loss);

  // ---- inputs before any write. No rank ever holds π_t whole: each reads its slices from
  // the mapped files, and the reference pass runs through the sharded units.
  ShardedModel model = ShardedModel::load(job.policy_dir, ctx.comm());
  const TrainSet set = training_set(job, model, ctx);
  const std::vector<ExampleSize> sizes = example_sizes(set);
  const TrainSchedule schedule{static_cast<int64_t>(set.examples.size()), tc.global_batch, tc.micro_batch, tc.epochs};
  auto optimizer = make_optimizer(tc.optimizer, model);
  TrainProgress progress = resume(job, model, *optimizer, schedule.total_steps(), ctx);
  const int64_t first_step = progress.step, last_step = std::min(schedule.total_steps(), job.max_steps.value_or(INT64_MAX));
  ctx.log().info("train: " + std::to_string(schedule.examples) + " examples, " + std::to_string(set.rows()) + " rows, " +
                 std::to_string(schedule.total_steps()) + " steps of " + std::to_string(tc.global_batch) + " examples");

  // ---- the steps
  MetricsFile metrics(job.metrics_path, first_step == 0, ctx.rank() == 0);
  Progress bar(ctx.log(), "train", last_step - first_step, "steps", 5.0);
  TrainSummary summary;
  summary.total_steps = schedule.total_steps();
  std::vector<int64_t> order;  // the epoch's permutation, drawn once per epoch
  for (int64_t step = first_step, order_epoch = -1; step < last_step; ++step) {
    const int64_t epoch = step / schedule.steps_per_epoch();
    if (epoch != order_epoch) order = epoch_order(schedule.examples, job.seed, order_epoch = epoch);
    const StepPlan plan = plan_step(schedule, sizes, order, step, loss.denominator, ctx.rank(), ctx.comm().size());
    const double lr = linear_schedule_lr(tc.lr, step, schedule.total_steps(), tc.warmup_ratio);
    const StepMetrics m = train_step(plan, set, model, *optimizer, lr, tc, ctx, summary);
    metrics.write(m);
    bar.advance(1);
    if (step == first_step)  // the state between steps: master and optimizer slices (the gradients are released)
      ctx.log().info_any_rank("train: " + describe_memory(training_state(model, *optimizer), resident_mib()));
    progress = {step + 1, epoch, plan.data_position};
    summary.last_loss = m.loss;
    // A stop signal on any rank (Slurm's warning, scancel): every rank checkpoints here and stops.
    const bool stopping = any_rank_stopping(ctx) && step + 1 < last_step;
    if ((step + 1) % tc.checkpoint_every == 0 || step + 1 == last_step || stopping) checkpoint(job, model, *optimizer, progress, ctx);
    if (stopping) {
      summary.interrupted = true;
      ctx.log().info("train: " + ctx.stop_signal_name() + ": checkpointed at step " + std::to_string(step + 1) + " of " +
                     std::to_string(schedule.total_steps()) + " and stopping (exit status " +
                     std::to_string(kExitCheckpointed) + "); rerun to resume");
      break;
    }
  }
  bar.finish();
  summary.steps = progress.step;
  if (!summary.interrupted) export_trained(job, model, summary, start, ctx);
  return summary;
}

}  // namespace sppo
