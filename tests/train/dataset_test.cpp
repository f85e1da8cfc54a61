// The training set of SPEC.md §2 from a samples.h5 and from the official JSONL columns, and
// the padded tensors of a micro-batch.
#include "train/dataset.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "annotate/win_rates.hpp"
#include "core/error.hpp"
#include "io/samples_file.hpp"
#include "model/chat_format.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

// A finished samples.h5 of 3 prompts x K = 3: prompt n is {1, 10 + n}, response k of prompt n
// is k + 1 tokens of value 100 n + k (EOS 2 last), judged by `logits` per prompt; prompt 1's
// responses all tie. With `reference`, the reference pass is done too (logp = −(n + k)).
std::string finished_samples(const test::TempDir& dir, bool reference) {
  const SamplesShape shape{3, 3, 4, 4, 2};  // N, K, Lp, Lr, chunk
  const std::string path = dir.file(reference ? "ref.h5" : "plain.h5");
  SamplesFile f = SamplesFile::create(path, shape, {}, RankGroup::serial());
  const float M[3][9] = {{0, 2, 1, -1, 0, 0, -2, -0.5f, 0},   // prompt 0: response 0 best, 2 worst
                         {0, 0, 0, 0, 0, 0, 0, 0, 0},         // prompt 1: every score ties
                         {0, -1, -3, 1, 0, -1, 2, 1, 0}};     // prompt 2: response 2 best, 0 worst
  for (int64_t c = 0; c < shape.chunks(); ++c) {
    SampleRows rows;
    std::vector<float> logits, winrate, logp;
    for (int64_t n = shape.chunk_begin(c); n < shape.chunk_end(c); ++n) {
      rows.prompt_ids.push_back(n);
      rows.prompts.push_back({1, int32_t(10 + n)});
      for (int64_t k = 0; k < 3; ++k) {
        std::vector<int32_t> r(static_cast<std::size_t>(k + 1), int32_t(100 * n + k));
        r.back() = 2;
        rows.responses.push_back(r);
        rows.finished.push_back(1);
        logp.push_back(-float(n + k));
      }
      logits.insert(logits.end(), M[n], M[n] + 9);
      const auto w = win_rates(M[n], 3, WinrateMode::score);
      winrate.insert(winrate.end(), w.begin(), w.end());
    }
    f.write_generated(c, rows);
    f.write_judged(c, logits, winrate);
    if (reference) f.write_reference(c, logp);
  }
  return path;
}

TrainSetSpec spec(LossKind loss) {
  TrainSetSpec s;
  s.loss = loss;
  s.chat_template = "mistral";
  s.max_length = 64;
  s.max_prompt_length = 32;
  return s;
}

TEST(Dataset, SppoPairsTakeTheBestAndWorstScoredResponseWithTheirOwnWinRates) {
  test::TempDir dir;
  const TrainSet set = train_set_from_samples(finished_samples(dir, true), spec(LossKind::sppo));
  ASSERT_EQ(set.examples.size(), 2u) << "prompt 1 ties throughout: no pair";
  EXPECT_EQ(set.skipped_ties, 1);
  const float M0[9] = {0, 2, 1, -1, 0, 0, -2, -0.5f, 0};
  const auto w0 = win_rates(M0, 3, WinrateMode::score);
  const TrainExample& e = set.examples[0];
  ASSERT_EQ(e.rows.size(), 2u);
  EXPECT_EQ(e.rows[0].prompt, (std::vector<int32_t>{1, 10}));
  EXPECT_EQ(e.rows[0].response, (std::vector<int32_t>{2}));           // response 0: chosen
  EXPECT_EQ(e.rows[1].response, (std::vector<int32_t>{2, 2, 2}));     // response 2: rejected
  EXPECT_FLOAT_EQ(e.rows[0].win_prob, w0[0]);
  EXPECT_FLOAT_EQ(e.rows[1].win_prob, w0[2]);
  EXPECT_TRUE(e.rows[0].has_ref);
  EXPECT_FLOAT_EQ(e.rows[1].ref_logp, -2.0f);
  EXPECT_EQ(set.examples[1].rows[0].response.size(), 3u) << "prompt 2's best is response 2";
  EXPECT_EQ(set.rows(), 4);
  EXPECT_EQ(set.all_rows().size(), 4u);
}

TEST(Dataset, EachLossGetsItsRowsAndTargets) {
  test::TempDir dir;
  const std::string path = finished_samples(dir, false);
  const float M0[9] = {0, 2, 1, -1, 0, 0, -2, -0.5f, 0};
  const std::vector<double> s = pairrm_scores(M0, 3);
  const double p_wl = pair_probability(M0, 3, s, 0, 2, WinrateMode::score);
  const TrainSet single = train_set_from_samples(path, spec(LossKind::sppo_single));
  EXPECT_NEAR(single.examples[0].rows[0].win_prob, p_wl, 1e-6);
  EXPECT_NEAR(single.examples[0].rows[1].win_prob, 1 - p_wl, 1e-6);
  EXPECT_FALSE(single.examples[0].rows[0].has_ref) << "no reference pass in this file";
  const TrainSet all = train_set_from_samples(path, spec(LossKind::sppo_all));
  EXPECT_EQ(all.examples.size(), 9u) << "every sample, ties too";
  for (const auto& e : all.examples) EXPECT_EQ(e.rows.size(), 1u);
  EXPECT_EQ(train_set_from_samples(path, spec(LossKind::dpo)).examples.size(), 2u);
  EXPECT_THROW(train_set_from_samples(path, spec(LossKind::sft)), ConfigError);
}

TEST(Dataset, AnUnfinishedFileIsRefusedNamingTheStage) {
  test::TempDir dir;
  const SamplesShape shape{2, 2, 2, 2, 2};  // N, K, Lp, Lr, chunk
  SamplesFile::create(dir.file("s.h5"), shape, {}, RankGroup::serial()).close();
  try {
    train_set_from_samples(dir.file("s.h5"), spec(LossKind::sppo));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("s.h5") + ": the generate stage is not complete: run sppo generate first");
  }
}

TEST(Dataset, TruncationKeepsBosAndThePromptsEndAndCutsTheResponse) {
  const TrainRow r = truncated_row({1, 2, 3, 4, 5, 6}, {7, 8, 9, 10}, 0.7f, 6, 3);
  EXPECT_EQ(r.prompt, (std::vector<int32_t>{1, 5, 6}));
  EXPECT_EQ(r.response, (std::vector<int32_t>{7, 8, 9}));
  EXPECT_FLOAT_EQ(r.win_prob, 0.7f);
  EXPECT_TRUE(truncated_row({1, 2}, {3}, 0.5f, 2, 2).response.empty()) << "no room left";
}

TEST(Dataset, BatchTensorsPadOnTheRightAndCarryTargetsAndReferences) {
  TrainRow a{{1, 5}, {6, 7, 2}, 0.8f, -1.5f, true}, b{{1}, {9}, 0.2f, -0.5f, true};
  const TrainRows t = batch_tensors({&a, &b});
  EXPECT_TRUE(at::equal(t.ids, at::tensor({1, 5, 6, 7, 2, 1, 9, 0, 0, 0}, at::kLong).view({2, 5})));
  EXPECT_TRUE(at::equal(t.mask, at::tensor({1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, at::kLong).view({2, 5})));
  EXPECT_TRUE(at::equal(t.response_start, at::tensor({2, 1}, at::kLong)));
  EXPECT_TRUE(at::equal(t.ref_logp, at::tensor({-1.5f, -0.5f})));
  EXPECT_TRUE(at::equal(t.win_prob, at::tensor({0.8f, 0.2f})));
  EXPECT_EQ(batch_tensors({}).rows(), 0);
}

TEST(Dataset, OfficialJsonlColumnsAndTheirErrors) {
  test::TempDir dir;
  const PolicyTokenizer tokenizer(test::fixtures() + "/policy-f32");
  const ChatFormat mistral = ChatFormat::resolve("mistral", std::nullopt, tokenizer);
  const std::string path = dir.file("pairs.jsonl");
  test::write_file(path,
                   "{\"prompt\": \"Hi\", \"chosen\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", "
                   "\"content\": \"Hello\"}], \"rejected\": \"Go\", \"chosen_probs\": 0.7, \"chosen_probs_win\": 0.6, "
                   "\"chosen_probs_lose\": 0.3}\n");
  const TrainSet set = train_set_from_jsonl(path, spec(LossKind::sppo), tokenizer);
  ASSERT_EQ(set.examples.size(), 1u);
  EXPECT_EQ(set.examples[0].rows[0].prompt, mistral.prompt_ids("Hi"));
  EXPECT_EQ(set.examples[0].rows[0].response, mistral.response_ids("Hello"));
  EXPECT_FLOAT_EQ(set.examples[0].rows[0].win_prob, 0.6f);
  EXPECT_FLOAT_EQ(set.examples[0].rows[1].win_prob, 0.3f);
  const TrainSet single = train_set_from_jsonl(path, spec(LossKind::sppo_single), tokenizer);
  EXPECT_FLOAT_EQ(single.examples[0].rows[1].win_prob, 0.3f) << "1 - P[w,l]";
  auto error = [&](const std::string& line, LossKind loss = LossKind::sppo) {
    test::write_file(path, line + "\n");
    try {
      train_set_from_jsonl(path, spec(loss), tokenizer);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error("{\"prompt\": \"a\", \"chosen\": \"b\"}"), path + ":1: field \"rejected\" (or \"rejected_ids\") is missing");
  EXPECT_EQ(error("{\"chosen\": \"b\"}"), path + ":1: field \"prompt\" (or \"prompt_ids\") is missing");
  EXPECT_EQ(error("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\", \"chosen_probs_win\": 2, \"chosen_probs_lose\": 0}"),
            path + ":1: field \"chosen_probs_win\" = 2: must be in [0, 1]");
  EXPECT_EQ(error("{\"prompt\": \"a\", \"chosen\": [{\"role\": \"user\", \"content\": \"b\"}], \"rejected\": \"c\"}", LossKind::dpo),
            path + ":1: field \"chosen\": the last message is not the assistant's");
  EXPECT_EQ(error("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": 3}", LossKind::dpo),
            path + ":1: field \"rejected\" must be a string or a list of {role, content} messages");
  EXPECT_EQ(error("{\"prompt\": \"a\", \"response\": \"b\"}", LossKind::sft), "(no error)");
}

TEST(Dataset, IdsLinesAreUsedAsGivenAndCheckedAgainstTheVocabulary) {
  test::TempDir dir;
  const PolicyTokenizer tokenizer(test::fixtures() + "/policy-f32");
  const std::string path = dir.file("ids.jsonl");
  TrainSetSpec s = spec(LossKind::sppo);
  s.vocab_size = 512;
  test::write_file(path, R"({"prompt_ids": [1, 5, 6], "chosen_ids": [7, 8, 2], "rejected_ids": [9], "chosen_probs_win": 0.7, "chosen_probs_lose": 0.2})"
                         "\n");
  const TrainSet pairs = train_set_from_jsonl(path, s, tokenizer);
  ASSERT_EQ(pairs.examples.size(), 1u);
  EXPECT_EQ(pairs.examples[0].rows[0].prompt, (std::vector<int32_t>{1, 5, 6}));
  EXPECT_EQ(pairs.examples[0].rows[0].response, (std::vector<int32_t>{7, 8, 2})) << "no end-of-turn appended to ids";
  EXPECT_EQ(pairs.examples[0].rows[1].response, (std::vector<int32_t>{9}));
  EXPECT_FLOAT_EQ(pairs.examples[0].rows[1].win_prob, 0.2f);

  // sppo_all: one sample a line, with its own win rate; ids and text lines may mix.
  s.loss = LossKind::sppo_all;
  s.chat_template = "mistral";
  test::write_file(path, "{\"prompt_ids\": [1, 4], \"response_ids\": [3, 2], \"winrate\": 0.25}\n"
                         "{\"prompt\": \"Hi\", \"response\": \"Hello\", \"winrate\": 0.75}\n");
  const TrainSet all = train_set_from_jsonl(path, s, tokenizer);
  ASSERT_EQ(all.examples.size(), 2u);
  ASSERT_EQ(all.examples[0].rows.size(), 1u);
  EXPECT_FLOAT_EQ(all.examples[0].rows[0].win_prob, 0.25f);
  EXPECT_EQ(all.examples[0].rows[0].response, (std::vector<int32_t>{3, 2}));
  const ChatFormat mistral = ChatFormat::resolve("mistral", std::nullopt, tokenizer);
  EXPECT_EQ(all.examples[1].rows[0].prompt, mistral.prompt_ids("Hi"));
  EXPECT_FLOAT_EQ(all.examples[1].rows[0].win_prob, 0.75f);

  auto error = [&](const std::string& line) {
    test::write_file(path, "{\"prompt_ids\": [1], \"response_ids\": [2], \"winrate\": 0.5}\n" + line + "\n");
    try {
      train_set_from_jsonl(path, s, tokenizer);
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error(R"({"prompt_ids": [1, 2, 512], "response_ids": [2], "winrate": 0.5})"),
            path + ":2: field \"prompt_ids\" position 2 = 512: outside the vocabulary of 512 tokens");
  EXPECT_EQ(error(R"({"prompt_ids": [1], "response_ids": [2, -1], "winrate": 0.5})"),
            path + ":2: field \"response_ids\" position 1 = -1: not a token id");
  EXPECT_EQ(error(R"({"prompt_ids": [], "response_ids": [2], "winrate": 0.5})"),
            path + ":2: field \"prompt_ids\" must be a non-empty list of token ids");
  EXPECT_EQ(error(R"({"prompt_ids": [1], "response_ids": [2]})"), path + ":2: field \"winrate\" must be a number");
  EXPECT_EQ(error(R"({"prompt_ids": [1], "response_ids": [2], "winrate": 1.5})"),
            path + ":2: field \"winrate\" = 1.5: must be in [0, 1]");
}

}  // namespace
}  // namespace sppo
