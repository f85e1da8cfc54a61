#include "generate/generate_stage.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "dist/chunk_queue.hpp"
#include "dist/stage_totals.hpp"
#include "generate/engine.hpp"
#include "io/fingerprint.hpp"
#include "io/model_fingerprint.hpp"
#include "io/json_fields.hpp"
#include "io/prompts.hpp"
#include "io/run_layout.hpp"
#include "io/samples_file.hpp"
#include "model/chat_format.hpp"

namespace sppo {
namespace {

std::string generate_settings(const GenerateJob& job) {
  const SamplingParams& s = job.sampling;
  return "samples=" + std::to_string(job.samples) + " temperature=" + std::to_string(s.temperature) +
         " top_p=" + std::to_string(s.top_p) + " top_k=" + std::to_string(s.top_k) +
         " max_new_tokens=" + std::to_string(s.max_new_tokens) + " chunk_prompts=" + std::to_string(job.chunk_prompts) +
         " seed=" + std::to_string(job.stream.seed) + " iteration=" + std::to_string(job.stream.iteration) +
         " dtype=" + to_string(job.dtype);
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The job's prompts, templated and truncated, with the fingerprint that identifies them.
struct TemplatedPrompts {
  std::vector<int64_t> indices;
  std::vector<std::vector<int32_t>> tokens;
  std::string fingerprint;
  int64_t longest = 1;
};

// A prompt's ids: given as prompt_ids (checked against the vocabulary), or its messages or
// text rendered by the chat format.
std::vector<int32_t> prompt_ids(const Prompt& p, const ChatFormat& format, const std::string& path, int64_t vocab) {
  const std::string at = path + ":" + std::to_string(p.line);
  if (!p.token_ids.empty()) {
    std::vector<int32_t> ids;
    for (std::size_t k = 0; k < p.token_ids.size(); ++k) {
      if (p.token_ids[k] >= vocab) throw FormatError(token_id_out_of_range(at, "prompt_ids", k, p.token_ids[k], vocab));
      ids.push_back(static_cast<int32_t>(p.token_ids[k]));
    }
    return ids;
  }
  try {
    return p.messages.empty() ? format.prompt_ids(p.text) : format.conversation_ids(nlohmann::ordered_json::parse(p.messages));
  } catch (const Error& e) {  // a template that refuses the conversation, or a built-in format given a list
    throw FormatError(at + ": " + e.what());
  }
}

TemplatedPrompts templated_prompts(const GenerateJob& job, const ChatFormat& format, int64_t vocab) {
  const auto all = read_prompts(job.prompts.path, job.prompts.field, job.prompts.id_field);
  TemplatedPrompts out;
  out.indices = job.prompts.indices;
  if (out.indices.empty())
    for (const auto& p : all) out.indices.push_back(p.index);
  Fingerprint fingerprint;
  for (int64_t i : out.indices) {
    if (i < 0 || i >= static_cast<int64_t>(all.size()))
      throw ConfigError(job.prompts.path + ": prompt index " + std::to_string(i) + " outside the file");
    auto ids = truncate_prompt(prompt_ids(all[static_cast<std::size_t>(i)], format, job.prompts.path, vocab), job.max_prompt_length);
    fingerprint.add(i).add(ids.data(), ids.size() * sizeof(int32_t));
    out.longest = std::max<int64_t>(out.longest, static_cast<int64_t>(ids.size()));
    out.tokens.push_back(std::move(ids));
  }
  out.fingerprint = fingerprint.hex();
  return out;
}

// samples.h5 as this job needs it: created, or the one an earlier run left, checked to be the
// same job's.
SamplesFile open_or_create(const GenerateJob& job, const SamplesShape& shape, const SamplesOrigin& origin,
                           const RunContext& ctx) {
  const bool exists = decide_on_rank0(ctx.group(), [&] {
    const std::size_t slash = job.samples_path.rfind('/');
    if (slash != std::string::npos) make_directories(job.samples_path.substr(0, slash));
    return file_exists(job.samples_path);
  });
  if (!exists) {
    ctx.log().info("generate: creating " + job.samples_path + " (" + std::to_string(shape.prompts) + " prompts x " +
                   std::to_string(shape.samples) + " samples, " + std::to_string(shape.chunks()) + " chunks)");
    return SamplesFile::create(job.samples_path, shape, origin, ctx.group());
  }
  SamplesFile file = SamplesFile::open(job.samples_path, SamplesFile::Access::read_write, ctx.group());
  file.check_origin(origin);
  const SamplesShape& found = file.shape();
  if (found.prompts != shape.prompts || found.samples != shape.samples ||
      found.max_response_tokens != shape.max_response_tokens || found.chunk_prompts != shape.chunk_prompts)
    throw FormatError(file.path() + ": its shape does not match this job's");
  return file;
}

}  // namespace

GenerateSummary run_generate_stage(const GenerateJob& job, const RunContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  const Log& log = ctx.log();

  // ---- every input is read and checked before any file is touched
  const PolicyTokenizer tokenizer(job.policy_dir);
  const ChatFormat format = ChatFormat::resolve(job.chat_template, job.end_of_turn, tokenizer);
  const CausalLM model =
      CausalLM::load(job.policy_dir, job.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat, ctx.device());
  if (tokenizer.vocab_size() > model.config().vocab_size)
    throw FormatError(job.policy_dir + ": " + tokenizer.describe() + " has " + std::to_string(tokenizer.vocab_size()) +
                      " tokens, more than config.json's vocab_size " + std::to_string(model.config().vocab_size));
  const TemplatedPrompts prompts = templated_prompts(job, format, model.config().vocab_size);
  SamplingParams sampling = job.sampling;
  sampling.stop_ids = tokenizer.stop_ids();

  SamplesShape shape;
  shape.prompts = static_cast<int64_t>(prompts.indices.size());
  shape.samples = job.samples;
  shape.max_prompt_tokens = prompts.longest;
  shape.max_response_tokens = job.sampling.max_new_tokens;
  shape.chunk_prompts = job.chunk_prompts;
  SamplesOrigin origin;
  origin.config_yaml = job.config_yaml;
  origin.policy_path = job.policy_dir;
  origin.policy_fingerprint = fingerprint_model_folder(job.policy_dir);
  origin.prompts_fingerprint = prompts.fingerprint;
  origin.generate_settings = generate_settings(job);
  origin.chat_template = job.chat_template;
  origin.seed = static_cast<int64_t>(job.stream.seed);
  origin.iteration = static_cast<int64_t>(job.stream.iteration);

  // ---- create samples.h5, or resume the one an earlier run left
  SamplesFile file = open_or_create(job, shape, origin, ctx);
  const std::vector<int64_t> pending = file.progress(SampleStage::generate).pending();
  GenerateSummary summary;
  summary.prompts = shape.prompts;
  summary.chunks_done_before = shape.chunks() - static_cast<int64_t>(pending.size());
  if (summary.chunks_done_before > 0)
    log.info("generate: resuming: " + std::to_string(summary.chunks_done_before) + " of " + std::to_string(shape.chunks()) +
             " chunks already done");

  // ---- the chunks, as the queue hands them out
  int64_t pending_prompts = 0;
  for (int64_t c : pending) pending_prompts += shape.chunk_rows(c);
  Progress progress(log, "generate", pending_prompts, "prompts");
  int64_t my_tokens = 0, my_chunks = 0;
  {
    ChunkQueue queue(ctx.group(), pending, ctx.thread_multiple());
    ChunkQueue::Done finished;
    while (!ctx.stop_requested()) {
      const auto chunk = queue.next(finished);
      if (!chunk) break;
      const int64_t begin = shape.chunk_begin(*chunk), rows = shape.chunk_rows(*chunk);
      SampleRows out;
      out.prompt_ids.assign(prompts.indices.begin() + begin, prompts.indices.begin() + begin + rows);
      out.prompts.assign(prompts.tokens.begin() + begin, prompts.tokens.begin() + begin + rows);
      GenerationStats stats;
      for (const Generation& g :
           generate_samples(model, out.prompts, out.prompt_ids, job.samples, sampling, job.stream, &stats)) {
        out.responses.push_back(g.tokens);
        out.finished.push_back(g.finished ? 1 : 0);
      }
      file.write_generated(*chunk, out);

      finished = {rows, stats.generated_tokens};
      my_tokens += stats.generated_tokens;
      ++my_chunks;
      if (ctx.rank() == 0) {
        const auto all = queue.reported();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        char rate[64];
        std::snprintf(rate, sizeof rate, "%.0f tokens/s", static_cast<double>(all.tokens + stats.generated_tokens) / seconds);
        progress.set_done(all.items + rows, rate);
      }
    }
  }
  progress.finish();
  file.close();

  const StageTotals totals = report_stage_totals(ctx.group(), log, "generate", "tokens", my_tokens, my_chunks, start,
                                                 job.samples_path);
  summary.tokens = totals.items;
  summary.chunks_done_now = totals.chunks;
  summary.seconds = totals.seconds;
  summary.interrupted = totals.chunks < static_cast<int64_t>(pending.size());
  if (summary.interrupted)
    log.info("generate: " + ctx.stop_signal_name() + ": stopped after the chunks in hand (" + std::to_string(summary.chunks_done_before + totals.chunks) +
             " of " + std::to_string(shape.chunks()) + " done); rerun to generate the rest");
  return summary;
}

}  // namespace sppo
