#include "pipeline/report.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/prompts.hpp"
#include "io/run_layout.hpp"
#include "pipeline/answer_distribution.hpp"
#include "pipeline/eval_stage.hpp"
#include "pipeline/nash.hpp"

extern char** environ;

namespace sppo {
namespace fs = std::filesystem;
namespace {

std::string fixed(double v, int digits = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A CSV with a header line as column name -> values (rows that do not parse are skipped).
std::map<std::string, std::vector<std::string>> read_csv(const std::string& path) {
  std::map<std::string, std::vector<std::string>> out;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return out;
  std::vector<std::string> names;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) names.push_back(name);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() != names.size()) continue;
    for (std::size_t i = 0; i < names.size(); ++i) out[names[i]].push_back(cells[i]);
  }
  return out;
}

struct LossCurve {
  std::map<int64_t, double> loss;  // step -> loss (a resumed run may repeat a step: the last wins)
};

LossCurve read_loss(const std::string& metrics) {
  LossCurve c;
  auto csv = read_csv(metrics);
  const auto& steps = csv["step"];
  const auto& loss = csv["loss"];
  for (std::size_t i = 0; i < std::min(steps.size(), loss.size()); ++i) c.loss[std::stoll(steps[i])] = std::stod(loss[i]);
  return c;
}

struct LogRatios {
  double chosen_sum = 0, rejected_sum = 0, corr_num = 0;
  int64_t chosen = 0, rejected = 0, rows = 0;
  std::vector<std::pair<double, double>> points;  // (win_prob, logratio)
};

LogRatios read_logratios(const std::string& path) {
  LogRatios r;
  auto csv = read_csv(path);
  const auto& role = csv["role"];
  const auto& p = csv["win_prob"];
  const auto& a = csv["logratio"];
  for (std::size_t i = 0; i < std::min({role.size(), p.size(), a.size()}); ++i) {
    const double x = std::stod(p[i]), y = std::stod(a[i]);
    r.points.emplace_back(x, y);
    ++r.rows;
    if (role[i] == "chosen" || (role[i] == "sample" && x > 0.5)) r.chosen_sum += y, ++r.chosen;
    if (role[i] == "rejected" || (role[i] == "sample" && x < 0.5)) r.rejected_sum += y, ++r.rejected;
  }
  return r;
}

// For a synthetic matrix judge: each policy's mixed strategy over the answers (exact, from
// its logits on the first training prompt), the average policy's, and their exploitability.
// Returns the gnuplot commands of its plot ("" when there is nothing to plot).
std::string nash_section(const Config& config, std::ostringstream& md, const std::string& plots) {
  if (config.ranker.type != RankerType::synthetic || config.ranker.rule != SyntheticRule::matrix) return "";
  const auto prompts = read_prompts(config.data.prompts, config.data.prompt_field, config.data.id_field);
  const Matrix& P = config.ranker.matrix;
  const std::size_t n = P.size();
  const std::vector<double> winner = von_neumann_winner(P);
  md << "## Nash equilibrium\n\nAnswer distribution of each policy on the prompt \"" << prompts.front().text
     << "\" (exact, renormalised over the answers; `other`: mass outside them), the average policy p̄_t = "
        "mean(π_1..π_t), and exploitability max_y P(y ≻ p) − ½. Von Neumann winner: (";
  for (std::size_t i = 0; i < n; ++i) md << (i ? ", " : "") << fixed(winner[i]);
  md << ").\n\n| policy |";
  for (const auto& a : config.ranker.answers) md << " " << a << " |";
  md << " other | exploitability | average's exploitability |\n|---|";
  for (std::size_t i = 0; i < n + 3; ++i) md << "---|";
  md << "\n";
  std::ostringstream dat;
  std::vector<double> sum(n, 0.0);
  for (int64_t p = 0; p <= config.run.iterations; ++p) {
    const std::string dir = policy_for_iteration(config, p);
    if (!fs::exists(dir + "/config.json")) break;
    std::vector<double> q = answer_distribution(dir, prompts.front().text, config.policy.chat_template, config.ranker.answers);
    double mass = 0;
    for (double v : q) mass += v;
    for (double& v : q) v /= mass;
    std::vector<double> avg(n, 0.0);
    if (p >= 1)
      for (std::size_t i = 0; i < n; ++i) sum[i] += q[i];
    for (std::size_t i = 0; i < n; ++i) avg[i] = p >= 1 ? sum[i] / static_cast<double>(p) : q[i];
    md << "| π_" << p << " |";
    for (double v : q) md << " " << fixed(v) << " |";
    md << " " << fixed(1 - mass) << " | " << fixed(exploitability(q, P), 4) << " | " << fixed(exploitability(avg, P), 4) << " |\n";
    dat << p << " " << exploitability(q, P) << " " << exploitability(avg, P) << "\n";
  }
  write_file_atomically(plots + "/nash.dat", dat.str());
  md << "\n![exploitability](plots/nash.png)\n\n";
  // Theorem 4.1: the average's exploitability falls like 1/√T; the dashed line is that rate
  // through the first average.
  return "set output '" + plots + "/nash.png'\nset title 'Exploitability (0 at the von Neumann winner)'\n"
         "set xlabel 'iteration t'\nset ylabel 'max_y P(y beats p) - 1/2'\nset xtics auto\nset key right top\n"
         "set logscale xy\nset xrange [1:*]\nfirst = system(\"awk '$1 == 1 {print $3}' " + plots + "/nash.dat\") + 0\n"
         "plot '" + plots + "/nash.dat' using 1:2 with linespoints title 'pi_t', '' using 1:3 with linespoints lw 2 "
         "title 'average of pi_1..pi_t', first / sqrt(x) with lines dt 2 lc rgb 'black' title 'c / sqrt(t)'\n"
         "unset logscale xy\nset xrange [*:*]\n";
}

}  // namespace

int run_quietly(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string write_report(const Config& config, const Log& log) {
  const std::string root = run_root(config);
  const std::string plots = root + "/plots";
  make_directories(plots);
  const int64_t T = config.run.iterations;

  std::ostringstream md, winrate_dat, loss_dat, logratio_dat;
  md << "# SPPO run `" << config.run.name << "`\n\n"
     << "Config `" << config.source << "`: policy `" << config.policy.path << "`, judge "
     << (config.ranker.type == RankerType::pairrm ? "PairRM `" + config.ranker.path + "`" : "synthetic (" + to_string(config.ranker.rule) + ")")
     << ", " << T << " iteration(s), K = " << config.generate.samples << ", loss `" << to_string(config.train.loss)
     << "`, β = " << config.train.beta << ". Held-out prompts: `" << config.eval.prompts << "`.\n\n";

  md << "## Win rate against the base policy\n\n"
     << "One response per held-out prompt from each policy (the same random draws for all), judged both ways "
        "round; p = σ((M[new,old] − M[old,new]) / 2) per prompt, averaged; 95 % interval of the mean.\n\n"
     << "| policy | trained in | win rate vs π_0 | 95 % interval | wins / ties / losses | vs previous |\n"
     << "|---|---|---|---|---|---|\n";
  winrate_dat << "0 0.5 0.5 0.5 0.5\n";
  int64_t evaluated = 0;
  for (int64_t p = 1; p <= T; ++p) {
    const std::string path = eval_result_path(config, p);
    if (!fs::exists(path)) continue;
    const EvalResult r = read_eval_result(path);
    ++evaluated;
    md << "| π_" << p << " | iter-" << p - 1 << " | " << fixed(r.vs_base.mean) << " | [" << fixed(r.vs_base.low) << ", "
       << fixed(r.vs_base.high) << "] | " << r.vs_base.wins << " / " << r.vs_base.ties << " / " << r.vs_base.losses
       << " | " << fixed(r.vs_previous.mean) << " |\n";
    winrate_dat << p << " " << r.vs_base.mean << " " << r.vs_base.low << " " << r.vs_base.high << " " << r.vs_previous.mean << "\n";
  }
  if (evaluated == 0) md << "| (no policy evaluated yet) | | | | | |\n";
  md << "\n![win rate per iteration](plots/winrate.png)\n\n";

  md << "## Training\n\n| iteration | steps | first loss | last loss | mean a(y) chosen | mean a(y) rejected |\n"
     << "|---|---|---|---|---|---|\n";
  double offset = 0, a_low = 0, a_high = 0;  // the log-ratio plot's y range: the data, not the target line
  for (int64_t t = 0; t < T; ++t) {
    const LossCurve c = read_loss(iteration_dir(config, t) + "/metrics.csv");
    if (c.loss.empty()) continue;
    const LogRatios lr = read_logratios(logratios_path(config, t));
    md << "| " << t << " | " << c.loss.size() << " | " << fixed(c.loss.begin()->second, 4) << " | "
       << fixed(c.loss.rbegin()->second, 4) << " | " << (lr.chosen ? fixed(lr.chosen_sum / static_cast<double>(lr.chosen)) : "–")
       << " | " << (lr.rejected ? fixed(lr.rejected_sum / static_cast<double>(lr.rejected)) : "–") << " |\n";
    const double steps = static_cast<double>(c.loss.rbegin()->first);
    for (const auto& [step, loss] : c.loss) loss_dat << offset + static_cast<double>(step) / std::max(1.0, steps) << " " << loss << " " << t << "\n";
    loss_dat << "\n\n";
    for (const auto& [p, a] : lr.points) {
      logratio_dat << p << " " << a << " " << t << "\n";
      a_low = std::min(a_low, a);
      a_high = std::max(a_high, a);
    }
    logratio_dat << "\n\n";
    offset += 1;
  }
  md << "\n![training loss](plots/loss.png)\n\n"
     << "Log-ratios a(y) = log π_{t+1}(y|x) − log π_t(y|x) of each iteration's training rows against their win "
        "probability; SPPO regresses a(y) onto (p − ½)/β (the line).\n\n![log-ratios](plots/logratio.png)\n\n";

  const std::string nash_plot = nash_section(config, md, plots);
  write_file_atomically(plots + "/winrate.dat", winrate_dat.str());
  write_file_atomically(plots + "/loss.dat", loss_dat.str());
  write_file_atomically(plots + "/logratio.dat", logratio_dat.str());
  const std::string beta = std::to_string(config.train.beta);
  const std::string script =
      "set terminal pngcairo size 800,500 noenhanced\nset grid\n"
      "set output '" + plots + "/winrate.png'\nset title 'Win rate against the base policy (95% interval)'\n"
      "set xlabel 'policy (iterations trained)'\nset ylabel 'win rate'\nset xtics 1\nset key left top\n"
      "plot '" + plots + "/winrate.dat' using 1:2:3:4 with yerrorlines lw 2 title 'vs base', '' using 1:5 with linespoints dt 2 title 'vs previous', 0.5 with lines lc rgb 'gray' title 'tie'\n"
      "set output '" + plots + "/loss.png'\nset title 'Training loss'\nset xlabel 'iteration (fraction of its steps)'\nset ylabel 'loss'\nset xtics 1\nset key right top\n"
      "plot for [i=0:" + std::to_string(std::max<int64_t>(0, T - 1)) + "] '" + plots + "/loss.dat' index i using 1:2 with lines lw 2 title sprintf('iteration %d', i)\n"
      "set output '" + plots + "/logratio.png'\nset title 'Log-ratio of training rows vs win probability'\nset xlabel 'win probability p'\nset ylabel 'a(y)'\nset xtics auto\nset key left top\n"
      "set yrange [" + std::to_string(a_low - 0.1 * (a_high - a_low + 1)) + ":" + std::to_string(a_high + 0.1 * (a_high - a_low + 1)) + "]\n"
      "plot for [i=0:" + std::to_string(std::max<int64_t>(0, T - 1)) + "] '" + plots + "/logratio.dat' index i using 1:2 with points pt 7 ps 0.5 title sprintf('iteration %d', i), (x - 0.5) / " + beta + " with lines lc rgb 'black' title '(p - 1/2)/beta'\nset yrange [*:*]\n" + nash_plot;
  write_file_atomically(plots + "/plots.gp", script);
  const int rc = run_quietly({"gnuplot", plots + "/plots.gp"});
  if (rc != 0) {
    md << "_Plots were not drawn: " << (rc < 0 ? "gnuplot is not installed (Debian: gnuplot-nox)" : "gnuplot failed on " + plots + "/plots.gp")
       << "; their data is in " << plots << "/*.dat._\n\n";
    log.warn("report: plots not drawn (gnuplot " + std::string(rc < 0 ? "not found" : "failed") + ")");
  }

  md << "## Files\n\n"
     << "* `manifest.yaml`: every finished stage, its settings and output fingerprints.\n"
     << "* `iter-<t>/samples.h5`: prompts, K responses, PairRM logits, win rates, reference log-probabilities.\n"
     << "* `iter-<t>/metrics.csv`, `iter-<t>/logratios.csv`, `iter-<t>/policy/` (π_{t+1}).\n"
     << "* `eval/responses-<p>.h5`, `eval/winrate-<p>.json`: the held-out responses and judgements.\n";
  const std::string path = report_path(config);
  write_file_atomically(path, md.str());
  return path;
}

}  // namespace sppo
