// The evaluation of a policy against the base: responses from both (one shared random
// stream), judged both ways, the result JSON; here with a copy of the base as "π_1", whose
// responses must then be the base's own, every prompt a tie at p = ½.
#include "pipeline/eval_stage.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

GenerateJob responses(const test::TempDir& dir, const std::string& policy, int q) {
  GenerateJob g;
  g.chat_template = "mistral";
  g.prompts.path = "tests/data/eval_prompts.jsonl";
  g.policy_dir = policy;
  g.samples = 1;
  g.sampling.max_new_tokens = 8;
  g.chunk_prompts = 16;
  g.stream = {42, static_cast<uint64_t>(kEvalStream)};
  g.samples_path = dir.file("eval/responses-" + std::to_string(q) + ".h5");
  return g;
}

TEST(EvalStage, APolicyThatAgreesWithTheBaseTiesOnEveryPrompt) {
  test::TempDir dir;
  std::filesystem::copy(test::fixtures() + "/policy-f32", dir.file("pi1"));
  EvalJob job;
  job.policy = 1;
  job.responses[0] = responses(dir, test::fixtures() + "/policy-f32", 0);
  job.responses[1] = responses(dir, dir.file("pi1"), 1);
  job.judge.ranker.type = RankerType::synthetic;
  job.judge.ranker.rule = SyntheticRule::length;
  job.eval_dir = dir.file("eval");
  job.result_path = dir.file("eval/winrate-1.json");
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  std::ostringstream out;
  const Log log(out, comm.rank());
  const RunContext ctx(comm, nullptr, c10::Device(c10::kCPU), 1, true, log);

  const EvalResult r = run_eval_stage(job, ctx);
  EXPECT_GT(r.vs_base.prompts, 0);
  EXPECT_EQ(r.vs_base.ties, r.vs_base.prompts);
  EXPECT_DOUBLE_EQ(r.vs_base.mean, 0.5);
  EXPECT_DOUBLE_EQ(r.vs_previous.mean, 0.5) << "π_0 is also the previous policy of π_1";
  EXPECT_TRUE(std::filesystem::exists(dir.file("eval/responses-0.h5")));
  const EvalResult back = read_eval_result(job.result_path);
  EXPECT_EQ(back.vs_base.ties, r.vs_base.ties);
  EXPECT_DOUBLE_EQ(back.vs_base.mean, r.vs_base.mean);
  const auto json = nlohmann::json::parse(test::read_file(job.result_path));
  EXPECT_EQ(json["per_prompt_vs_base"].size(), static_cast<std::size_t>(r.vs_base.prompts));
  EXPECT_EQ(json["eval_prompts"], "tests/data/eval_prompts.jsonl");
  EXPECT_NE(out.str().find("eval: policy 1 vs base: win rate 0.500"), std::string::npos) << out.str();

  job.responses[1].policy_dir = dir.file("not-trained");
  EXPECT_THROW(run_eval_stage(job, ctx), ConfigError);
}

TEST(EvalStage, AResultFileThatIsNotOneIsRefusedNamingIt) {
  test::TempDir dir;
  test::write_file(dir.file("w.json"), "{\"vs_base\": {\"prompts\": 3}}");
  try {
    read_eval_result(dir.file("w.json"));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.file("w.json") + ": not an eval result sppo wrote: ", 0), 0u) << e.what();
  }
  EXPECT_THROW(read_eval_result(dir.file("missing.json")), IoError);
}

}  // namespace
}  // namespace sppo
