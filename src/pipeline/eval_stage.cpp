#include "pipeline/eval_stage.hpp"

#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "annotate/judge.hpp"
#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#include "generate/generate_stage.hpp"
#include "io/atomic_file.hpp"
#include "io/run_layout.hpp"
#include "io/samples_schema.hpp"
#include "model/policy_tokenizer.hpp"
#include "train/dataset.hpp"
#include "train/rows_logp.hpp"
#include "train/sharded_model.hpp"

namespace sppo {
namespace {

struct EvalResponses {
  std::vector<std::vector<int32_t>> prompts;
  std::vector<std::vector<int32_t>> responses;  // one per prompt
};

EvalResponses read_eval_responses(const std::string& path) {
  SamplesShape shape;
  h5::File file = open_samples_file(path, false, MPI_COMM_SELF, &shape);
  EvalResponses out;
  for (int64_t c = 0; c < shape.chunks(); ++c) {
    ChunkTokens t = read_chunk_tokens(file, shape, c);
    for (auto& p : t.prompts) out.prompts.push_back(std::move(p));
    for (auto& r : t.responses) out.responses.push_back(std::move(r));
  }
  return out;
}

// One response per eval prompt from π_q, drawn from the eval stream.
void generate_eval_responses(const Config& config, int64_t q, MPI_Comm comm, bool thread_multiple, const Log& log) {
  GenerateJob g;
  g.config = config;
  g.config.data.prompts = config.eval.prompts;
  g.config.generate.samples = 1;
  g.config.generate.max_new_tokens = config.eval.max_new_tokens;
  g.iteration = kEvalStream;
  g.policy_dir = policy_for_iteration(config, q);
  g.samples_path = eval_responses_path(config, q);
  log.info("eval: responses of policy " + std::to_string(q) + " (" + g.policy_dir + ")");
  run_generate_stage(g, comm, thread_multiple, log);
}

// p_i for every prompt: the new response against the old one, both orders judged.
std::vector<double> judge_against(const Judge& judge, const PolicyTokenizer& tokenizer, ChatTemplate chat_template,
                                  const EvalResponses& mine, const EvalResponses& theirs, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const std::size_t n = mine.prompts.size();
  std::vector<JudgeItem> items;
  std::vector<std::size_t> index;
  for (std::size_t i = static_cast<std::size_t>(rank); i < n; i += static_cast<std::size_t>(size)) {
    items.push_back(judge_item(tokenizer, chat_template, mine.prompts[i], {&mine.responses[i], &theirs.responses[i]}));
    index.push_back(i);
  }
  const auto matrices = judge.logit_matrices(items);
  std::vector<double> p(n, 0.0);
  for (std::size_t j = 0; j < index.size(); ++j) {
    const auto& M = matrices[j];
    p[index[j]] = direct_pair_probability(M[1], M[2]);
  }
  MPI_Allreduce(MPI_IN_PLACE, p.data(), static_cast<int>(n), MPI_DOUBLE, MPI_SUM, comm);
  return p;
}

nlohmann::json to_json(const WinRate& w) {
  return {{"prompts", w.prompts}, {"win_rate", w.mean}, {"ci95", {w.low, w.high}},
          {"wins", w.wins}, {"ties", w.ties}, {"losses", w.losses}};
}

WinRate from_json(const nlohmann::json& j) {
  WinRate w;
  w.prompts = j.at("prompts").get<int64_t>();
  w.mean = j.at("win_rate").get<double>();
  w.low = j.at("ci95").at(0).get<double>();
  w.high = j.at("ci95").at(1).get<double>();
  w.wins = j.at("wins").get<int64_t>();
  w.ties = j.at("ties").get<int64_t>();
  w.losses = j.at("losses").get<int64_t>();
  return w;
}

// a(y) = log π_{t+1}(y|x) − log π_t(y|x) of iteration t's training rows, with their targets.
void write_logratios(const Config& config, int64_t iteration, MPI_Comm mpi_comm, const Log& log) {
  const std::string samples = samples_path(config, iteration);
  if (config.train.data || !std::filesystem::exists(samples)) return;
  MpiCommunicator comm(mpi_comm);
  ShardedModel policy = ShardedModel::load(trained_policy_dir(config, iteration), comm);
  const TrainSet set = train_set_from_samples(samples, config);
  std::vector<const TrainRow*> rows;
  std::vector<std::string> roles;
  for (const auto& e : set.examples)
    for (std::size_t r = 0; r < e.rows.size(); ++r) {
      if (!e.rows[r].has_ref) return;  // trained without /reference: nothing to compare with
      rows.push_back(&e.rows[r]);
      roles.push_back(e.rows.size() == 1 ? "sample" : r == 0 ? "chosen" : "rejected");
    }
  const std::vector<float> logp = rows_logp(policy, rows, config.train.micro_batch, comm, nullptr);
  if (comm.rank() != 0) return;
  std::ostringstream csv;
  csv << "role,win_prob,logratio,target\n";
  for (std::size_t i = 0; i < rows.size(); ++i)
    csv << roles[i] << "," << rows[i]->win_prob << "," << logp[i] - rows[i]->ref_logp << ","
        << (rows[i]->win_prob - 0.5) / config.train.beta << "\n";
  write_file_atomically(logratios_path(config, iteration), csv.str());
  log.info("eval: log-ratios of " + std::to_string(rows.size()) + " training rows -> " + logratios_path(config, iteration));
}

}  // namespace

EvalResult run_eval_stage(const EvalJob& job, MPI_Comm comm, bool thread_multiple, const Log& log) {
  const Config& config = job.config;
  const int64_t p = job.policy;
  if (p < 1) throw ConfigError("sppo eval: policy " + std::to_string(p) + ": only trained policies (1 and up) are evaluated");
  const std::string policy_dir = policy_for_iteration(config, p);
  if (!std::filesystem::exists(policy_dir + "/config.json"))
    throw ConfigError(policy_dir + ": no trained policy here: iteration " + std::to_string(p - 1) + " has not finished training");
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) make_directories(eval_dir(config));
  MPI_Barrier(comm);

  for (int64_t q : std::set<int64_t>{0, p - 1, p}) generate_eval_responses(config, q, comm, thread_multiple, log);

  const std::unique_ptr<Judge> judge = make_judge(config);
  const PolicyTokenizer tokenizer(policy_dir);
  const EvalResponses now = read_eval_responses(eval_responses_path(config, p));
  const EvalResponses base = read_eval_responses(eval_responses_path(config, 0));
  const EvalResponses previous = p == 1 ? base : read_eval_responses(eval_responses_path(config, p - 1));
  EvalResult result;
  const std::vector<double> vs_base = judge_against(*judge, tokenizer, config.policy.chat_template, now, base, comm);
  result.vs_base = summarize_win_rate(vs_base);
  const std::vector<double> vs_previous =
      p == 1 ? vs_base : judge_against(*judge, tokenizer, config.policy.chat_template, now, previous, comm);
  result.vs_previous = summarize_win_rate(vs_previous);

  write_logratios(config, p - 1, comm, log);

  if (rank == 0) {
    nlohmann::json j = {{"policy", p}, {"policy_path", policy_dir}, {"judge", judge->describe()},
                        {"eval_prompts", config.eval.prompts}, {"vs_base", to_json(result.vs_base)},
                        {"vs_previous", to_json(result.vs_previous)}, {"per_prompt_vs_base", vs_base}};
    write_file_atomically(eval_result_path(config, p), j.dump(2) + "\n");
  }
  char line[256];
  std::snprintf(line, sizeof line, "eval: policy %lld vs base: win rate %.3f [%.3f, %.3f] over %lld prompts; vs policy %lld: %.3f",
                static_cast<long long>(p), result.vs_base.mean, result.vs_base.low, result.vs_base.high,
                static_cast<long long>(result.vs_base.prompts), static_cast<long long>(p - 1), result.vs_previous.mean);
  log.info(line);
  MPI_Barrier(comm);
  return result;
}

EvalResult read_eval_result(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_io_error(path, "open", errno);
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    return {from_json(j.at("vs_base")), from_json(j.at("vs_previous"))};
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not an eval result sppo wrote: " + e.what());
  }
}

}  // namespace sppo
