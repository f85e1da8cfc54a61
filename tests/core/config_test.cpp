#include "core/config.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& yaml, const std::vector<Override>& overrides = {}) {
  try {
    parse_config(yaml, "run.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, DefaultsAreThePapersSetup) {
  const Config c = parse_config("", "empty.yaml");
  EXPECT_EQ(c.generate.samples, 5);
  EXPECT_DOUBLE_EQ(c.generate.temperature, 0.7);
  EXPECT_DOUBLE_EQ(c.generate.top_p, 0.9);
  EXPECT_EQ(c.generate.max_new_tokens, 2048);
  EXPECT_EQ(c.train.loss, LossKind::sppo);
  EXPECT_DOUBLE_EQ(c.train.beta, 0.001);
  EXPECT_EQ(c.train.optimizer, OptimizerKind::rmsprop);
  EXPECT_DOUBLE_EQ(c.train.lr, 5.0e-7);
  EXPECT_DOUBLE_EQ(c.train.warmup_ratio, 0.1);
  EXPECT_EQ(c.train.global_batch, 64);
  EXPECT_EQ(c.train.max_length, 1024);
  EXPECT_EQ(c.train.max_prompt_length, 512);
  EXPECT_DOUBLE_EQ(c.train.clip_grad_norm, 1.0);
  EXPECT_EQ(c.run.iterations, 3);
  EXPECT_FALSE(c.data.id_field.has_value());
  EXPECT_FALSE(c.train.data.has_value());
  EXPECT_EQ(c.dist.backend, Backend::automatic);
  EXPECT_EQ(c.dist.prefetch, Prefetch::automatic);
  EXPECT_EQ(c.dist.freed_memory, FreedMemory::automatic);
  EXPECT_EQ(c.dist.device, DeviceSetting::automatic);
  EXPECT_EQ(c.train.activation_checkpointing, ActivationCheckpointing::on);
}

TEST(Config, ReadsEverySectionAndType) {
  const Config c = parse_config(R"(
run: {name: exp-1, dir: /scratch/runs, iterations: 2, seed: 7}
data: {prompts: p.jsonl, prompt_field: instruction, id_field: uid}
policy: {path: models/mistral, dtype: bfloat16, chat_template: none}
ranker: {type: synthetic, path: "", dtype: bfloat16}
generate: {samples: 3, temperature: 0, top_p: 1, top_k: 40, max_new_tokens: 16, max_prompt_length: 64, chunk_prompts: 4}
annotate: {batch_pairs: 8, winrate: direct}
train: {loss: dpo, beta: 0.1, optimizer: adamw, lr: 1e-5, warmup_ratio: 0, epochs: 2, global_batch: 8,
        micro_batch: 2, max_length: 128, max_prompt_length: 64, clip_grad_norm: 0, precision: bf16, activation_checkpointing: off,
        checkpoint_every: 5, data: pairs.jsonl}
eval: {prompts: e.jsonl, max_new_tokens: 32}
dist: {device: cpu, backend: mpi, threads_per_rank: 2, freed_memory: release}
)", "full.yaml");
  EXPECT_EQ(c.run.name, "exp-1");
  EXPECT_EQ(c.run.seed, 7);
  EXPECT_EQ(c.data.id_field.value(), "uid");
  EXPECT_EQ(c.policy.dtype, DType::bfloat16);
  EXPECT_EQ(c.policy.chat_template, "none");
  EXPECT_EQ(c.ranker.type, RankerType::synthetic);
  EXPECT_DOUBLE_EQ(c.generate.temperature, 0.0);
  EXPECT_EQ(c.generate.top_k, 40);
  EXPECT_EQ(c.annotate.winrate, WinrateMode::direct);
  EXPECT_EQ(c.train.loss, LossKind::dpo);
  EXPECT_EQ(c.train.optimizer, OptimizerKind::adamw);
  EXPECT_DOUBLE_EQ(c.train.lr, 1e-5);
  EXPECT_EQ(c.train.precision, Precision::bf16);
  EXPECT_EQ(c.train.activation_checkpointing, ActivationCheckpointing::off);
  EXPECT_EQ(c.train.data.value(), "pairs.jsonl");
  EXPECT_EQ(c.dist.backend, Backend::mpi);
  EXPECT_EQ(c.dist.freed_memory, FreedMemory::release);
  EXPECT_EQ(c.dist.device, DeviceSetting::cpu);
  EXPECT_EQ(c.dist.threads_per_rank, 2);
}

TEST(Config, OverridesApplyInOrderAndWin) {
  const Config c = parse_config("generate: {top_p: 0.5}\n", "a.yaml",
                                {{"generate.top_p", "0.8"}, {"train.loss", "ipo"}, {"generate.top_p", "0.95"},
                                 {"data.id_field", "id"}, {"train.data", "null"}});
  EXPECT_DOUBLE_EQ(c.generate.top_p, 0.95);
  EXPECT_EQ(c.train.loss, LossKind::ipo);
  EXPECT_EQ(c.data.id_field.value(), "id");
  EXPECT_FALSE(c.train.data.has_value());
}

TEST(Config, YamlRoundTripsThroughConfigToYaml) {
  const Config a = parse_config("train: {lr: 5.0e-7, beta: 0.001}\ngenerate: {temperature: 0.7}\nrun: {name: x}\n", "a.yaml");
  const std::string text = config_to_yaml(a);
  EXPECT_NE(text.find("  lr: 5e-07\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  backend: auto\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  id_field: null\n"), std::string::npos) << text;
  const Config b = parse_config(text, "b.yaml");
  EXPECT_EQ(config_to_yaml(b), text);
  EXPECT_DOUBLE_EQ(b.train.lr, 5.0e-7);
}

TEST(Config, UnknownKeysSuggestTheNearestOne) {
  EXPECT_EQ(error_of("generate:\n  top_pp: 0.5\n"),
            "run.yaml:2: unknown key generate.top_pp (did you mean generate.top_p?)");
  EXPECT_EQ(error_of("genrate: {}\n"), "run.yaml:1: unknown section 'genrate' (did you mean generate?)");
  EXPECT_EQ(error_of("", {{"train.betta", "0.1"}}),
            "--set train.betta=0.1: unknown key train.betta (did you mean train.beta?)");
  EXPECT_EQ(error_of("train: {zzzzzzzz: 1}\n"), "run.yaml:1: unknown key train.zzzzzzzz");
}

TEST(Config, WrongTypesNameFileLineKeyAndReason) {
  EXPECT_EQ(error_of("generate:\n  samples: five\n"), "run.yaml:2: generate.samples = five: expected an integer");
  EXPECT_EQ(error_of("generate:\n  samples: 2.5\n"), "run.yaml:2: generate.samples = 2.5: expected an integer");
  EXPECT_EQ(error_of("train:\n  lr: fast\n"), "run.yaml:2: train.lr = fast: expected a finite number");
  EXPECT_EQ(error_of("train:\n  loss: kto\n"),
            "run.yaml:2: train.loss = kto: expected one of sppo, sppo_single, sppo_all, dpo, ipo, sft");
  EXPECT_EQ(error_of("policy:\n  path: [a, b]\n"), "run.yaml:2: policy.path = [a, b]: expected a string");
  EXPECT_EQ(error_of("generate: 5\n"), "run.yaml:1: section 'generate' must be a mapping of keys");
  EXPECT_EQ(error_of("- a\n- b\n"), "run.yaml:1: expected a mapping of sections (run, data, policy, ...)");
  EXPECT_EQ(error_of("train: {lr: .nan}\n"), "run.yaml:1: train.lr = .nan: expected a finite number");
}

TEST(Config, OutOfRangeValuesAreRejected) {
  EXPECT_EQ(error_of("generate:\n  top_p: 1.5\n"), "run.yaml:2: generate.top_p = 1.5: must be in (0.0, 1.0]");
  EXPECT_EQ(error_of("generate: {top_p: 0}\n"), "run.yaml:1: generate.top_p = 0.0: must be in (0.0, 1.0]");
  EXPECT_EQ(error_of("generate: {temperature: -0.1}\n"), "run.yaml:1: generate.temperature = -0.1: must be >= 0");
  EXPECT_EQ(error_of("generate: {samples: 1}\n"), "run.yaml:1: generate.samples = 1: must be >= 2");
  EXPECT_EQ(error_of("generate: {max_new_tokens: 0}\n"), "run.yaml:1: generate.max_new_tokens = 0: must be >= 1");
  EXPECT_EQ(error_of("train: {lr: -1}\n"), "run.yaml:1: train.lr = -1.0: must be >= 0");
  EXPECT_EQ(error_of("train: {beta: 0}\n"), "run.yaml:1: train.beta = 0.0: must be > 0");
  EXPECT_EQ(error_of("train: {warmup_ratio: 1.5}\n"), "run.yaml:1: train.warmup_ratio = 1.5: must be in [0.0, 1.0]");
  EXPECT_EQ(error_of("", {{"generate.chunk_prompts", "0"}}),
            "--set generate.chunk_prompts=0: generate.chunk_prompts = 0: must be >= 1");
}

// Every size and count has a most, with the reason: an absurd value stops here, before any
// work, not at the disk-space check or an allocation.
TEST(Config, SizesAndCountsAreBoundedWithTheReason) {
  EXPECT_EQ(error_of("", {{"generate.samples", "99999999999"}}),
            "--set generate.samples=99999999999: generate.samples = 99999999999: must be <= 4096 (samples.h5 holds at "
            "most 4096 samples per prompt)");
  EXPECT_EQ(error_of("generate: {max_new_tokens: 5000000}\n"),
            "run.yaml:1: generate.max_new_tokens = 5000000: must be <= 1048576 (samples.h5 holds at most 2^20 tokens "
            "per prompt or response)");
  EXPECT_EQ(error_of("run: {iterations: 100000}\n"),
            "run.yaml:1: run.iterations = 100000: must be <= 1000 (each iteration trains on its own fold of the prompts)");
  EXPECT_EQ(error_of("annotate: {batch_pairs: 1000000}\n"),
            "run.yaml:1: annotate.batch_pairs = 1000000: must be <= 65536 (one batch must fit in a rank's memory)");
  EXPECT_EQ(error_of("train: {keep_checkpoints: 5000}\n"),
            "run.yaml:1: train.keep_checkpoints = 5000: must be <= 1000 (a 7B checkpoint is ~86 GB)");
  EXPECT_EQ(error_of("dist: {device: gpu}\n"), "run.yaml:1: dist.device = gpu: expected one of auto, cpu, cuda");
  EXPECT_EQ(error_of("dist: {threads_per_rank: 100000}\n"),
            "run.yaml:1: dist.threads_per_rank = 100000: must be <= 4096 (threads of one rank)");
  EXPECT_EQ(error_of("generate: {samples: 4096, max_new_tokens: 1048576, chunk_prompts: 64}\n"),
            "run.yaml:1: generate.chunk_prompts = 64: a chunk of 64 prompts x 4096 samples x 1048576 tokens exceeds "
            "the 2^31 values samples.h5 reads at once: lower it");
}

TEST(Config, TheLossMustFitItsData) {
  EXPECT_EQ(error_of("train: {loss: sft}\n"),
            "run.yaml:1: train.loss = sft: sft trains on demonstrations: set train.data to a JSONL of {prompt, response}");
  EXPECT_EQ(error_of("train: {loss: sppo_all, data: samples.jsonl}\n"), "(no error)")
      << "sppo_all trains from a JSONL of {prompt(_ids), response(_ids), winrate} samples";
}

TEST(Config, CrossKeyRulesAndSafeRunNames) {
  EXPECT_EQ(error_of("train: {micro_batch: 128}\n"),
            "run.yaml:1: train.micro_batch = 128: must not exceed train.global_batch = 64");
  EXPECT_EQ(error_of("train: {max_length: 256}\n"),
            "run.yaml (default): train.max_prompt_length = 512: must be below train.max_length = 256 to leave room "
            "for a response");
  EXPECT_EQ(error_of("run: {name: ../../etc}\n"), "run.yaml:1: run.name = \"../../etc\": must not start with '.'");
  EXPECT_EQ(error_of("run: {name: a/b}\n"), "run.yaml:1: run.name = \"a/b\": may hold only letters, digits, '-', '_' and '.'");
}

TEST(Config, SyntaxErrorsAndDuplicatesNameTheLine) {
  EXPECT_EQ(error_of("train:\n  lr: [1, 2\n").rfind("run.yaml:", 0), 0u);
  EXPECT_NE(error_of("train:\n  lr: [1, 2\n").find("YAML syntax error"), std::string::npos);
  EXPECT_EQ(error_of("train:\n  lr: 1\n  lr: 2\n"), "run.yaml:3: key train.lr appears twice");
  EXPECT_EQ(error_of("", {{"generate.top_p", "[1"}}).rfind("--set generate.top_p=[1: value is not valid YAML", 0), 0u);
}

TEST(Config, OverrideSyntax) {
  EXPECT_EQ(parse_override("a.b=c=d").value, "c=d");
  EXPECT_THROW(parse_override("a.b"), ConfigError);
  EXPECT_THROW(parse_override("=1"), ConfigError);
}

TEST(Config, LoadConfigNamesAMissingFile) {
  try {
    load_config("/nonexistent/run.yaml");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/run.yaml: open failed: No such file or directory");
  }
}

TEST(Config, ShippedConfigsAreValid) {
  for (const char* path : {"config/tiny.yaml", "config/paper-mistral7b.yaml", "config/paper-llama3-8b.yaml",
                           "config/paper-gemma2-9b.yaml", "config/rps.yaml"}) {
    SCOPED_TRACE(path);
    EXPECT_NO_THROW(load_config(path));
  }
  EXPECT_EQ(load_config("config/paper-mistral7b.yaml").generate.max_new_tokens, 2048);
}

// The official run scripts give Llama-3 and Gemma-2 the Mistral recipe; Gemma-2 splits the
// same global batch into per-device 4 x 2 accumulation steps.
TEST(Config, PaperConfigsDifferFromTheMistralRecipeOnlyWhereTheScriptsDo) {
  const Config mistral = load_config("config/paper-mistral7b.yaml");
  for (const char* path : {"config/paper-llama3-8b.yaml", "config/paper-gemma2-9b.yaml"}) {
    SCOPED_TRACE(path);
    Config c = load_config(path);
    EXPECT_EQ(c.policy.chat_template, "auto") << "the folder's own template";
    EXPECT_EQ(c.train.micro_batch, std::string(path).find("gemma2") != std::string::npos ? 4 : 8);
    // Set the named differences to Mistral's: what is left must be identical.
    c.run.name = mistral.run.name;
    c.policy.path = mistral.policy.path;
    c.policy.chat_template = mistral.policy.chat_template;
    c.train.micro_batch = mistral.train.micro_batch;
    EXPECT_EQ(config_to_yaml(c), config_to_yaml(mistral));
  }
}


TEST(Config, SyntheticJudgeKeysReadAndRoundTrip) {
  const Config c = parse_config(R"(
ranker:
  type: synthetic
  rule: matrix
  answers: [rock, paper, scissors]
  matrix: [[0.5, 0.3, 0.9], [0.7, 0.5, 0.4], [0.1, 0.6, 0.5]]
)", "rps.yaml");
  EXPECT_EQ(c.ranker.rule, SyntheticRule::matrix);
  ASSERT_EQ(c.ranker.answers.size(), 3u);
  EXPECT_EQ(c.ranker.answers[2], "scissors");
  EXPECT_DOUBLE_EQ(c.ranker.matrix[0][2], 0.9);
  const Config again = parse_config(config_to_yaml(c), "again.yaml");
  EXPECT_EQ(again.ranker.matrix, c.ranker.matrix);
  EXPECT_EQ(again.ranker.answers, c.ranker.answers);
}

TEST(Config, SyntheticMatrixMustBeAPreferenceMatrix) {
  const std::string head = "ranker:\n  type: synthetic\n  rule: matrix\n  answers: [a, b]\n";
  EXPECT_EQ(error_of(head + "  matrix: [[0.5, 0.3]]\n"),
            "run.yaml:5: ranker.matrix = [[0.5, 0.3]]: must have one row per answer (2)");
  EXPECT_EQ(error_of(head + "  matrix: [[0.5, 0.3], [0.6, 0.5]]\n"),
            "run.yaml:5: ranker.matrix = [[0.5, 0.3], [0.6, 0.5]]: entry [0][1] and its transpose must sum to 1 "
            "(P(i beats j) + P(j beats i) = 1)");
  EXPECT_EQ(error_of(head + "  matrix: [[0.5, 1.5], [-0.5, 0.5]]\n"),
            "run.yaml:5: ranker.matrix = [[0.5, 1.5], [-0.5, 0.5]]: entry [0][1] must be a probability in [0, 1]");
  EXPECT_EQ(error_of("ranker: {type: synthetic, rule: matrix, answers: [a, a], matrix: [[0.5, 0.5], [0.5, 0.5]]}\n"),
            "run.yaml:1: ranker.answers = [\"a\", \"a\"]: answers must be distinct");
  EXPECT_EQ(error_of("ranker: {type: synthetic, rule: keyword}\n"),
            "run.yaml (default): ranker.keywords = []: the keyword rule needs at least one keyword");
  EXPECT_EQ(error_of("ranker: {answers: rock}\n"),
            "run.yaml:1: ranker.answers = rock: expected a list of strings, e.g. [rock, paper, scissors]");
}

}  // namespace
}  // namespace sppo
