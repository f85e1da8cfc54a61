// The report from whatever a run has left on disk: here one iteration of two evaluated and
// trained, the other missing.
#include "pipeline/report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "io/run_layout.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Report, OneIterationOfTwoIsReportedAndTheMissingOneLeftOut) {
  test::TempDir dir;
  const Config config = parse_config("run: {name: r, dir: " + dir.file("runs") + ", iterations: 2}\n", "r.yaml");
  make_directories(iteration_dir(config, 0));
  make_directories(eval_dir(config));
  test::write_file(eval_result_path(config, 1),
                   R"({"vs_base": {"prompts": 10, "win_rate": 0.6, "ci95": [0.5, 0.7], "wins": 6, "ties": 0, "losses": 4},
                       "vs_previous": {"prompts": 10, "win_rate": 0.6, "ci95": [0.5, 0.7], "wins": 6, "ties": 0, "losses": 4}})");
  test::write_file(iteration_dir(config, 0) + "/metrics.csv",
                   "step,epoch,loss\n1,0,4.5\n2,0,3.25\n3,0,2.125\n");
  test::write_file(logratios_path(config, 0), "role,win_prob,logratio,target\nchosen,0.8,1.5,300\nrejected,0.2,-0.5,-300\n");
  std::ostringstream out;
  const Log log(out, 0);
  const std::string path = write_report(config, log);
  EXPECT_EQ(path, report_path(config));
  const std::string md = test::read_file(path);
  EXPECT_NE(md.find("| π_1 | iter-0 | 0.600 | [0.500, 0.700] | 6 / 0 / 4 | 0.600 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| π_2 |"), std::string::npos) << "not evaluated: left out\n" << md;
  EXPECT_NE(md.find("| 0 | 3 | 4.5000 | 2.1250 | 1.500 | -0.500 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| 1 | "), std::string::npos) << "iteration 1 never trained\n" << md;
  for (const char* dat : {"winrate.dat", "loss.dat", "logratio.dat", "plots.gp"})
    EXPECT_TRUE(std::filesystem::exists(run_root(config) + "/plots/" + dat)) << dat;
  if (run_quietly({"gnuplot", "--version"}) == 0) {
    EXPECT_EQ(test::read_file(run_root(config) + "/plots/winrate.png").substr(1, 3), "PNG");
  }
}

TEST(Report, ARunWithNothingEvaluatedYetStillHasAReport) {
  test::TempDir dir;
  const Config config = parse_config("run: {name: e, dir: " + dir.file("runs") + "}\n", "e.yaml");
  std::ostringstream out;
  const std::string md = test::read_file(write_report(config, Log(out, 0)));
  EXPECT_NE(md.find("(no policy evaluated yet)"), std::string::npos) << md;
}

TEST(Report, RunQuietlyGivesTheExitStatusOrMinusOne) {
  EXPECT_EQ(run_quietly({"true"}), 0);
  EXPECT_EQ(run_quietly({"false"}), 1);
  EXPECT_EQ(run_quietly({"/nonexistent/program"}), -1);
}

}  // namespace
}  // namespace sppo
