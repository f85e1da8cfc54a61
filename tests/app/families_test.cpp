// The family fixtures (tests/data/families: Llama-3, Qwen2, Gemma-2, made by the Hugging Face
// reference) through the commands users run: `sppo score` with ids in (F32 and BF16 folders),
// `sppo generate` at temperature 0 with prompt_ids prompts (the reference's greedy tokens up to
// the first stop id), `sppo train` one SGD step of sppo_all from an ids JSONL at 1, 2 and 3
// ranks with 1 and 2 micro-batches (every weight after the step within 1e-5), and the exported
// folder: the input's config.json, tensor names and dtypes, reloading to the reference's logits.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dist/rank_group.hpp"
#include "io/safetensors.hpp"
#include "io/samples_file.hpp"
#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

class Family : public ::testing::TestWithParam<std::string> {
 protected:
  std::string folder(const std::string& dtype) const { return test::families() + "/" + GetParam() + "-" + dtype; }
  std::string expected_path(const std::string& name) const { return test::families() + "/expected/" + GetParam() + "_" + name; }
  SafetensorsModel expected(const std::string& kind) const { return SafetensorsModel::open(expected_path(kind) + ".safetensors"); }
};

std::vector<int64_t> row_ids(const at::Tensor& ids, int64_t b, int64_t begin, int64_t end) {
  const at::Tensor r = ids[b].slice(0, begin, end).contiguous();
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

// The forward fixture's rows (left-padded) as {prompt_ids, response_ids} lines.
std::string forward_rows_jsonl(const SafetensorsModel& f) {
  const at::Tensor ids = f.tensor("input_ids"), mask = f.tensor("attention_mask"), start = f.tensor("response_start");
  std::string out;
  for (int64_t b = 0; b < ids.size(0); ++b) {
    const int64_t first = ids.size(1) - mask[b].sum().item<int64_t>(), s = start[b].item<int64_t>();
    out += nlohmann::json{{"prompt_ids", row_ids(ids, b, first, s)}, {"response_ids", row_ids(ids, b, s, ids.size(1))}}.dump() + "\n";
  }
  return out;
}

std::vector<double> score(const std::string& model, const std::string& input) {
  const auto r = test::run_process({test::sppo_binary(), "score", "--model", model, "--input", input});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> logp;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) logp.push_back(nlohmann::json::parse(line)["logp"].get<double>());
  return logp;
}

TEST_P(Family, ScoreWithIdsGivesTheReferenceLogProbSums) {
  test::TempDir dir;
  const auto f = expected("forward");
  test::write_file(dir.file("rows.jsonl"), forward_rows_jsonl(f));
  for (const auto& [dtype, tensor] : {std::pair{"f32", "logp_sum_response"}, {"bf16", "logp_sum_response_bf16w"}}) {
    const std::vector<double> logp = score(folder(dtype), dir.file("rows.jsonl"));
    const at::Tensor want = f.tensor(tensor);
    ASSERT_EQ(static_cast<int64_t>(logp.size()), want.size(0)) << dtype;
    for (int64_t b = 0; b < want.size(0); ++b) EXPECT_NEAR(logp[b], want[b].item<double>(), 1e-4) << dtype << " row " << b;
  }
}

TEST_P(Family, GenerateAtTemperatureZeroGivesTheReferenceGreedyTokens) {
  test::TempDir dir;
  const auto g = expected("greedy");
  const at::Tensor ids = g.tensor("prompt_ids"), lengths = g.tensor("prompt_lengths");
  std::string prompts;
  std::vector<std::vector<int64_t>> rows;
  for (int64_t b = 0; b < ids.size(0); ++b) {
    rows.push_back(row_ids(ids, b, ids.size(1) - lengths[b].item<int64_t>(), ids.size(1)));
    prompts += nlohmann::json{{"prompt_ids", rows.back()}}.dump() + "\n";
  }
  test::write_file(dir.file("prompts.jsonl"), prompts);
  test::write_file(dir.file("gen.yaml"), "run: {name: g, dir: " + dir.file("runs") + ", iterations: 1, seed: 1}\n"
                                         "data: {prompts: " + dir.file("prompts.jsonl") + "}\n"
                                         "policy: {path: " + folder("f32") + "}\n"
                                         "generate: {samples: 2, temperature: 0, max_new_tokens: 16, max_prompt_length: 128}\n"
                                         "train: {max_length: 256, max_prompt_length: 128}\n"
                                         "dist: {threads_per_rank: 1}\n");
  const auto r = test::run_process(test::mpi_sppo(2, {"generate", "--config", dir.file("gen.yaml"), "--samples", dir.file("s.h5")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const std::vector<int32_t> stops = [&] {
    const auto gen = nlohmann::json::parse(test::read_file(folder("f32") + "/generation_config.json"))["eos_token_id"];
    return gen.is_array() ? gen.get<std::vector<int32_t>>() : std::vector<int32_t>{gen.get<int32_t>()};
  }();
  const SamplesTable t = SamplesFile::open(dir.file("s.h5"), SamplesFile::Access::read_only, RankGroup::serial()).read_table();
  ASSERT_EQ(t.shape.prompts, ids.size(0));
  for (int64_t n = 0; n < t.shape.prompts; ++n) {
    const auto& prompt = t.rows.prompts[static_cast<std::size_t>(n)];
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& row) {
      return std::equal(row.begin(), row.end(), prompt.begin(), prompt.end());
    });
    ASSERT_NE(it, rows.end()) << "prompt " << n << " is used as given";
    const int64_t b = it - rows.begin();
    // The reference runs 16 steps without stopping; sppo stops at the first stop id, kept.
    std::vector<int32_t> want;
    for (int64_t id : row_ids(g.tensor("greedy_tokens_batched"), b, 0, 16)) {
      want.push_back(static_cast<int32_t>(id));
      if (std::find(stops.begin(), stops.end(), id) != stops.end()) break;
    }
    for (int64_t k = 0; k < t.shape.samples; ++k)
      EXPECT_EQ(t.rows.responses[static_cast<std::size_t>(n * t.shape.samples + k)], want) << "prompt " << b << " sample " << k;
  }
}

// The step fixture's rows as sppo_all samples: {prompt_ids, response_ids, winrate}.
std::string step_rows_jsonl(const SafetensorsModel& step) {
  const at::Tensor ids = step.tensor("input_ids"), mask = step.tensor("attention_mask"), start = step.tensor("response_start");
  std::string out;
  for (int64_t b = 0; b < ids.size(0); ++b) {
    const int64_t n = mask[b].sum().item<int64_t>(), s = start[b].item<int64_t>();
    out += nlohmann::json{{"prompt_ids", row_ids(ids, b, 0, s)}, {"response_ids", row_ids(ids, b, s, n)},
                          {"winrate", step.tensor("p_w")[b].item<double>()}}.dump() + "\n";
  }
  return out;
}

std::string train_config(const test::TempDir& dir, const std::string& policy, int micro_batch) {
  const std::string path = dir.file("train" + std::to_string(micro_batch) + ".yaml");
  test::write_file(path, "run: {name: t, dir: " + dir.file("runs") + ", seed: 5}\n"
                         "policy: {path: " + policy + "}\n"
                         "train: {loss: sppo_all, beta: 0.1, optimizer: sgd, lr: 0.01, warmup_ratio: 0, global_batch: 4, "
                         "micro_batch: " + std::to_string(micro_batch) + ", clip_grad_norm: 0, max_length: 256, "
                         "max_prompt_length: 128, data: " + dir.file("samples.jsonl") + "}\n"
                         "dist: {threads_per_rank: 1}\n");
  return path;
}

TEST_P(Family, OneSgdStepOfSppoAllFromIdsEqualsTheReferenceAtAnyRankCountAndSplit) {
  test::TempDir dir;
  test::write_file(dir.file("samples.jsonl"), step_rows_jsonl(expected("step")));
  test::write_file(dir.file("rows.jsonl"), forward_rows_jsonl(expected("forward")));
  const std::string after = expected_path("sgd_step");
  for (int ranks : {1, 2, 3}) {
    const int per_rank = (4 + ranks - 1) / ranks;
    for (int micro_batches : {1, 2}) {
      SCOPED_TRACE(std::to_string(ranks) + " ranks, " + std::to_string(micro_batches) + " micro-batches");
      const int micro_batch = (per_rank + micro_batches - 1) / micro_batches;
      const std::string out = dir.file("out-" + std::to_string(ranks) + "-" + std::to_string(micro_batches));
      const auto r = test::run_process(test::mpi_sppo(ranks, {"train", "--config", train_config(dir, folder("f32"), micro_batch),
                                                              "--out", out}));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_LT(test::max_difference(out, after), 1e-5);
    }
  }
  // The export is the input's folder with new weights: its config.json as read, its tensor
  // names and dtypes, its tokenizer; it reloads to the reference's logits after the step.
  const std::string out = dir.file("out-1-1");
  EXPECT_EQ(test::read_file(out + "/config.json"), test::read_file(folder("f32") + "/config.json"));
  EXPECT_EQ(test::read_file(out + "/tokenizer.json"), test::read_file(folder("f32") + "/tokenizer.json"));
  const auto exported = SafetensorsModel::open(out), input = SafetensorsModel::open(folder("f32"));
  EXPECT_EQ(exported.names(), input.names());
  const std::vector<double> ours = score(out, dir.file("rows.jsonl")), reference = score(after, dir.file("rows.jsonl"));
  ASSERT_EQ(ours.size(), reference.size());
  for (std::size_t b = 0; b < ours.size(); ++b) EXPECT_NEAR(ours[b], reference[b], 1e-4) << "row " << b;
  EXPECT_NE(ours, score(folder("f32"), dir.file("rows.jsonl"))) << "the step moved the logits";
}

TEST_P(Family, ABf16PolicyIsExportedInBf16WithItsOwnConfig) {
  test::TempDir dir;
  test::write_file(dir.file("samples.jsonl"), step_rows_jsonl(expected("step")));
  const std::string out = dir.file("out");
  const auto r = test::run_process(test::mpi_sppo(1, {"train", "--config", train_config(dir, folder("bf16"), 4), "--out", out}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto exported = SafetensorsModel::open(out), input = SafetensorsModel::open(folder("bf16"));
  ASSERT_EQ(exported.names(), input.names());
  for (const auto& name : input.names()) EXPECT_EQ(exported.entry(name).dtype, StDType::BF16) << name;
  EXPECT_EQ(test::read_file(out + "/config.json"), test::read_file(folder("bf16") + "/config.json"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Family, ::testing::Values("llama3", "qwen2", "gemma2"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sppo
