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
#include "generate/generate_stage.hpp"
#include "io/atomic_file.hpp"
#include "io/run_layout.hpp"
#include "io/samples_file.hpp"
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
  SamplesTable t = SamplesFile::open(path, SamplesFile::Access::read_only, RankGroup::serial()).read_table();
  return {std::move(t.rows.prompts), std::move(t.rows.responses)};
}

// p_i for every prompt: the new response against the old one, both orders judged; prompts
// are dealt round-robin over the ranks and the values summed.
std::vector<double> judge_against(const Judge& judge, const ChatFormat& format, const EvalResponses& mine,
                                  const EvalResponses& theirs, const RankGroup& group) {
  const std::size_t n = mine.prompts.size();
  std::vector<JudgeItem> items;
  std::vector<std::size_t> index;
  for (std::size_t i = static_cast<std::size_t>(group.rank()); i < n; i += static_cast<std::size_t>(group.size())) {
    items.push_back(judge_item(format, mine.prompts[i], {&mine.responses[i], &theirs.responses[i]}));
    index.push_back(i);
  }
  const auto matrices = judge.logit_matrices(items);
  std::vector<double> p(n, 0.0);
  for (std::size_t j = 0; j < index.size(); ++j) p[index[j]] = direct_pair_probability(matrices[j][1], matrices[j][2]);
  group.all_reduce(p, HostReduce::sum);
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
void write_logratios(const LogRatioJob& job, const RunContext& ctx) {
  if (!std::filesystem::exists(job.samples_path)) return;
  ShardedModel policy = ShardedModel::load(job.policy_dir, ctx.comm());
  const TrainSet set = train_set_from_samples(job.samples_path, job.set);
  std::vector<const TrainRow*> rows;
  std::vector<std::string> roles;
  for (const auto& e : set.examples)
    for (std::size_t r = 0; r < e.rows.size(); ++r) {
      if (!e.rows[r].has_ref) return;  // trained without a reference pass: nothing to compare with
      rows.push_back(&e.rows[r]);
      roles.push_back(e.rows.size() == 1 ? "sample" : r == 0 ? "chosen" : "rejected");
    }
  const std::vector<float> logp = rows_logp(policy, rows, job.batch, ctx.comm(), nullptr);
  if (ctx.rank() != 0) return;
  std::ostringstream csv;
  csv << "role,win_prob,logratio,target\n";
  for (std::size_t i = 0; i < rows.size(); ++i)
    csv << roles[i] << "," << rows[i]->win_prob << "," << logp[i] - rows[i]->ref_logp << ","
        << (rows[i]->win_prob - 0.5) / job.beta << "\n";
  write_file_atomically(job.out_path, csv.str());
  ctx.log().info("eval: log-ratios of " + std::to_string(rows.size()) + " training rows -> " + job.out_path);
}

}  // namespace

EvalResult run_eval_stage(const EvalJob& job, const RunContext& ctx) {
  const int64_t p = job.policy;
  if (p < 1 || !job.responses.count(0) || !job.responses.count(p) || !job.responses.count(p - 1))
    throw ConfigError("sppo eval: policy " + std::to_string(p) + ": only trained policies (1 and up) are evaluated");
  const GenerateJob& now_job = job.responses.at(p);
  if (!std::filesystem::exists(now_job.policy_dir + "/config.json"))
    throw ConfigError(now_job.policy_dir + ": no trained policy here: iteration " + std::to_string(p - 1) +
                      " has not finished training");
  decide_on_rank0(ctx.group(), [&] {
    make_directories(job.eval_dir);
    return true;
  });

  for (const auto& [q, responses] : job.responses) {
    ctx.log().info("eval: responses of policy " + std::to_string(q) + " (" + responses.policy_dir + ")");
    run_generate_stage(responses, ctx);
  }

  const std::unique_ptr<Judge> judge = make_judge(job.judge, ctx.device());
  const PolicyTokenizer tokenizer(now_job.policy_dir);
  const ChatFormat format = ChatFormat::resolve(now_job.chat_template, now_job.end_of_turn, tokenizer);
  const EvalResponses now = read_eval_responses(now_job.samples_path);
  const EvalResponses base = read_eval_responses(job.responses.at(0).samples_path);
  const EvalResponses previous = p == 1 ? base : read_eval_responses(job.responses.at(p - 1).samples_path);
  EvalResult result;
  const std::vector<double> vs_base = judge_against(*judge, format, now, base, ctx.group());
  result.vs_base = summarize_win_rate(vs_base);
  const std::vector<double> vs_previous =
      p == 1 ? vs_base : judge_against(*judge, format, now, previous, ctx.group());
  result.vs_previous = summarize_win_rate(vs_previous);

  if (job.logratios) write_logratios(*job.logratios, ctx);

  if (ctx.rank() == 0) {
    nlohmann::json j = {{"policy", p}, {"policy_path", now_job.policy_dir}, {"judge", judge->describe()},
                        {"eval_prompts", now_job.prompts.path}, {"vs_base", to_json(result.vs_base)},
                        {"vs_previous", to_json(result.vs_previous)}, {"per_prompt_vs_base", vs_base}};
    write_file_atomically(job.result_path, j.dump(2) + "\n");
  }
  char line[256];
  std::snprintf(line, sizeof line, "eval: policy %lld vs base: win rate %.3f [%.3f, %.3f] over %lld prompts; vs policy %lld: %.3f",
                static_cast<long long>(p), result.vs_base.mean, result.vs_base.low, result.vs_base.high,
                static_cast<long long>(result.vs_base.prompts), static_cast<long long>(p - 1), result.vs_previous.mean);
  ctx.log().info(line);
  ctx.group().barrier();
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
