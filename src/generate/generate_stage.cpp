#include "generate/generate_stage.hpp"

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <sys/stat.h>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "dist/chunk_queue.hpp"
#include "dist/stage_totals.hpp"
#include "generate/engine.hpp"
#include "io/fingerprint.hpp"
#include "io/prompts.hpp"
#include "io/run_layout.hpp"
#include "io/samples_schema.hpp"
#include "model/policy_tokenizer.hpp"

namespace sppo {
namespace {

// Attributes that must equal between the run that made a samples.h5 and one that resumes it.
constexpr const char* kAttrPromptsFingerprint = "prompts_fingerprint";
constexpr const char* kAttrGenerateSettings = "generate_settings";
constexpr const char* kAttrPolicyPath = "policy_path";
constexpr const char* kAttrChatTemplate = "chat_template";
constexpr const char* kAttrIteration = "iteration";

// A prompt keeps its BOS and its last max_length - 1 tokens (the end holds the question).
std::vector<int32_t> truncate_prompt(std::vector<int32_t> ids, int64_t max_length) {
  if (static_cast<int64_t>(ids.size()) <= max_length) return ids;
  std::vector<int32_t> out{ids.front()};
  out.insert(out.end(), ids.end() - (max_length - 1), ids.end());
  return out;
}

std::string generate_settings(const Config& c, int64_t iteration) {
  const GenerateConfig& g = c.generate;
  return "samples=" + std::to_string(g.samples) + " temperature=" + std::to_string(g.temperature) +
         " top_p=" + std::to_string(g.top_p) + " top_k=" + std::to_string(g.top_k) +
         " max_new_tokens=" + std::to_string(g.max_new_tokens) + " chunk_prompts=" + std::to_string(g.chunk_prompts) +
         " seed=" + std::to_string(c.run.seed) + " iteration=" + std::to_string(iteration) +
         " dtype=" + to_string(c.policy.dtype);
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

void expect_attribute(const h5::File& file, const char* name, const std::string& wanted, const std::string& what) {
  const auto found = file.string_attribute(name);
  if (!found || *found != wanted)
    throw ConfigError(file.path() + ": was made with " + what + " (" + name + " = \"" + found.value_or("") +
                      "\", this run: \"" + wanted + "\"); give another --samples path or remove the file");
}

}  // namespace

GenerateSummary run_generate_stage(const GenerateJob& job, MPI_Comm comm, bool thread_multiple, const Log& log) {
  const auto start = std::chrono::steady_clock::now();
  const Config& config = job.config;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);

  // ---- every input is read and checked before any file is touched
  const auto all_prompts = read_prompts(config.data.prompts, config.data.prompt_field, config.data.id_field);
  std::vector<int64_t> indices = job.prompt_indices;
  if (indices.empty())
    for (const auto& p : all_prompts) indices.push_back(p.index);
  const PolicyTokenizer tokenizer(job.policy_dir);
  const CausalLM model =
      CausalLM::load(job.policy_dir, config.policy.dtype == DType::bfloat16 ? at::kBFloat16 : at::kFloat);
  if (tokenizer.vocab_size() > model.config().vocab_size)
    throw FormatError(job.policy_dir + ": tokenizer.model has " + std::to_string(tokenizer.vocab_size()) +
                      " pieces, more than config.json's vocab_size " + std::to_string(model.config().vocab_size));
  std::vector<std::vector<int32_t>> prompt_tokens;
  prompt_tokens.reserve(indices.size());
  Fingerprint prompts_fingerprint;
  int64_t max_prompt_tokens = 1;
  for (int64_t i : indices) {
    if (i < 0 || i >= static_cast<int64_t>(all_prompts.size()))
      throw ConfigError(config.data.prompts + ": prompt index " + std::to_string(i) + " outside the file");
    auto ids = truncate_prompt(tokenizer.prompt_ids(all_prompts[static_cast<std::size_t>(i)].text, config.policy.chat_template),
                               config.generate.max_prompt_length);
    prompts_fingerprint.add(i).add(ids.data(), ids.size() * sizeof(int32_t));
    max_prompt_tokens = std::max<int64_t>(max_prompt_tokens, static_cast<int64_t>(ids.size()));
    prompt_tokens.push_back(std::move(ids));
  }
  const std::string policy_fingerprint = fingerprint_model_folder(job.policy_dir);
  const std::string settings = generate_settings(config, job.iteration);

  SamplesShape shape;
  shape.prompts = static_cast<int64_t>(indices.size());
  shape.samples = config.generate.samples;
  shape.max_prompt_tokens = max_prompt_tokens;
  shape.max_response_tokens = config.generate.max_new_tokens;
  shape.chunk_prompts = config.generate.chunk_prompts;

  // ---- create samples.h5, or resume the one an earlier run left
  int exists = 0;
  if (rank == 0) {
    const std::size_t slash = job.samples_path.rfind('/');
    if (slash != std::string::npos) make_directories(job.samples_path.substr(0, slash));
    exists = file_exists(job.samples_path) ? 1 : 0;
  }
  MPI_Bcast(&exists, 1, MPI_INT, 0, comm);
  h5::File file = [&] {
    if (!exists) {
      log.info("generate: creating " + job.samples_path + " (" + std::to_string(shape.prompts) + " prompts x " +
               std::to_string(shape.samples) + " samples, " + std::to_string(shape.chunks()) + " chunks)");
      return create_samples_file(job.samples_path, shape,
                                 {{samples::kAttrConfig, config_to_yaml(config)},
                                  {samples::kAttrPolicyFingerprint, policy_fingerprint},
                                  {kAttrPromptsFingerprint, prompts_fingerprint.hex()},
                                  {kAttrGenerateSettings, settings},
                                  {kAttrPolicyPath, job.policy_dir},
                                  {kAttrChatTemplate, to_string(config.policy.chat_template)}},
                                 {{samples::kAttrSeed, config.run.seed}, {kAttrIteration, job.iteration}}, comm);
    }
    SamplesShape found;
    h5::File f = open_samples_file(job.samples_path, true, comm, &found);
    expect_attribute(f, samples::kAttrPolicyFingerprint, policy_fingerprint, "another policy");
    expect_attribute(f, kAttrPromptsFingerprint, prompts_fingerprint.hex(), "another prompt set, template or truncation");
    expect_attribute(f, kAttrGenerateSettings, settings, "other sampling settings");
    if (found.prompts != shape.prompts || found.samples != shape.samples || found.max_response_tokens != shape.max_response_tokens ||
        found.chunk_prompts != shape.chunk_prompts)
      throw FormatError(f.path() + ": its shape does not match this job's");
    return f;
  }();

  // Every dataset handle lives in this scope: the MPI-IO driver closes a file only once
  // nothing in it is open.
  GenerateSummary summary;
  int64_t my_tokens = 0, my_chunks = 0;
  {
  h5::Dataset flags = file.open_dataset(std::string(samples::kProgressPrefix) + "generate");
  const std::vector<uint8_t> done = flags.read_all<uint8_t>();
  std::vector<int64_t> pending;
  for (int64_t c = 0; c < shape.chunks(); ++c)
    if (!done[static_cast<std::size_t>(c)]) pending.push_back(c);
  summary.prompts = shape.prompts;
  summary.chunks_done_before = shape.chunks() - static_cast<int64_t>(pending.size());
  if (summary.chunks_done_before > 0)
    log.info("generate: resuming: " + std::to_string(summary.chunks_done_before) + " of " +
             std::to_string(shape.chunks()) + " chunks already done");

  h5::Dataset prompt_id = file.open_dataset(samples::kPromptId);
  h5::Dataset prompt_tok = file.open_dataset(samples::kPromptTokens);
  h5::Dataset prompt_len = file.open_dataset(samples::kPromptLength);
  h5::Dataset resp_tok = file.open_dataset(samples::kResponseTokens);
  h5::Dataset resp_len = file.open_dataset(samples::kResponseLength);
  h5::Dataset resp_fin = file.open_dataset(samples::kResponseFinished);

  SamplingParams params;
  params.temperature = config.generate.temperature;
  params.top_p = config.generate.top_p;
  params.top_k = config.generate.top_k;
  params.max_new_tokens = config.generate.max_new_tokens;
  const SampleStream stream{static_cast<uint64_t>(config.run.seed), static_cast<uint64_t>(job.iteration)};
  const int64_t K = shape.samples, Lp = shape.max_prompt_tokens, Lr = shape.max_response_tokens;

  int64_t pending_prompts = 0;
  for (int64_t c : pending) pending_prompts += shape.chunk_end(c) - shape.chunk_begin(c);
  Progress progress(log, "generate", pending_prompts, "prompts");
  ChunkQueue queue(comm, pending, thread_multiple);
  ChunkQueue::Done finished;
  while (auto chunk = queue.next(finished)) {
    const int64_t begin = shape.chunk_begin(*chunk), rows = shape.chunk_end(*chunk) - begin;
    std::vector<std::vector<int32_t>> prompts(prompt_tokens.begin() + begin, prompt_tokens.begin() + begin + rows);
    std::vector<int64_t> ids(indices.begin() + begin, indices.begin() + begin + rows);
    GenerationStats stats;
    const auto generations = generate_samples(model, prompts, ids, K, params, stream, &stats);

    // Rows of the chunk, laid out as the datasets are: padded with 0 past each length.
    std::vector<int32_t> p_tok(static_cast<std::size_t>(rows * Lp), 0), p_len(static_cast<std::size_t>(rows));
    std::vector<int32_t> r_tok(static_cast<std::size_t>(rows * K * Lr), 0), r_len(static_cast<std::size_t>(rows * K));
    std::vector<uint8_t> r_fin(static_cast<std::size_t>(rows * K));
    for (int64_t i = 0; i < rows; ++i) {
      const auto& p = prompts[static_cast<std::size_t>(i)];
      std::copy(p.begin(), p.end(), p_tok.begin() + i * Lp);
      p_len[static_cast<std::size_t>(i)] = static_cast<int32_t>(p.size());
      for (int64_t k = 0; k < K; ++k) {
        const Generation& g = generations[static_cast<std::size_t>(i * K + k)];
        std::copy(g.tokens.begin(), g.tokens.end(), r_tok.begin() + (i * K + k) * Lr);
        r_len[static_cast<std::size_t>(i * K + k)] = static_cast<int32_t>(g.tokens.size());
        r_fin[static_cast<std::size_t>(i * K + k)] = g.finished ? 1 : 0;
      }
    }
    prompt_id.write_rows(begin, rows, ids.data());
    prompt_tok.write_rows(begin, rows, p_tok.data());
    prompt_len.write_rows(begin, rows, p_len.data());
    resp_tok.write_rows(begin, rows, r_tok.data());
    resp_len.write_rows(begin, rows, r_len.data());
    resp_fin.write_rows(begin, rows, r_fin.data());
    const uint8_t one = 1;
    flags.write_rows(*chunk, 1, &one);  // only after the chunk's data

    finished = {rows, stats.generated_tokens};
    my_tokens += stats.generated_tokens;
    ++my_chunks;
    if (rank == 0) {
      const auto all = queue.reported();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      char rate[64];
      std::snprintf(rate, sizeof rate, "%.0f tokens/s", static_cast<double>(all.tokens + stats.generated_tokens) / seconds);
      progress.set_done(all.items + rows, rate);
    }
  }
  progress.finish();
  }
  file.close();

  const StageTotals totals =
      report_stage_totals(comm, log, "generate", "tokens", my_tokens, my_chunks, start, job.samples_path);
  summary.tokens = totals.items;
  summary.chunks_done_now = totals.chunks;
  summary.seconds = totals.seconds;
  return summary;
}

}  // namespace sppo
