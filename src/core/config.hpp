#pragma once
// defines: sppo::Config (every section and key of DESIGN.md §8 as typed structs),
// load_config (YAML file + --set overrides -> validated Config) and config_to_yaml.
// Defaults are the paper's setup (SPEC.md §1-2).
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace sppo {

enum class DType { float32, bfloat16 };
enum class Precision { fp32, bf16 };
enum class RankerType { pairrm, synthetic };
// The synthetic judges' rules (ranker.type = synthetic), see annotate/synthetic_judge.hpp.
enum class SyntheticRule { matrix, length, keyword };
enum class WinrateMode { score, direct };
enum class LossKind { sppo, sppo_single, sppo_all, dpo, ipo, sft };
enum class OptimizerKind { rmsprop, adamw, sgd };
enum class Backend { automatic, mpi, nccl };
enum class Prefetch { automatic, on, off };
enum class FreedMemory { automatic, keep, release };
// Where a rank computes: auto is its GPU when the LibTorch build has CUDA and one is visible.
enum class DeviceSetting { automatic, cpu, cuda };
// Whether the backward pass recomputes each decoder layer's forward (less memory: only layer
// inputs are kept) or keeps every layer's autograd graph and gathered weights from the forward
// (one forward fewer per step; memory for the whole model's gathered weights and activations).
enum class ActivationCheckpointing { on, off };
// What training does with a step whose loss or gradients are NaN or infinite.
enum class NonFinite { stop, skip };

struct RunConfig {
  std::string name = "tiny";
  std::string dir = "runs";
  int64_t iterations = 3;
  int64_t seed = 42;
};

struct DataConfig {
  std::string prompts = "data/prompts.jsonl";
  std::string prompt_field = "prompt";
  std::optional<std::string> id_field;  // null: a prompt's id is its index in the file
};

struct PolicyConfig {
  std::string path = "data/tiny/policy";
  DType dtype = DType::float32;
  // auto (the folder's own Jinja template) | mistral | none | a .jinja file (model/chat_format.hpp)
  std::string chat_template = "auto";
  std::optional<std::string> end_of_turn;  // null: what the template writes after an assistant turn
};

struct RankerConfig {
  RankerType type = RankerType::pairrm;
  std::string path = "data/tiny/ranker";
  DType dtype = DType::float32;
  // ranker.type = synthetic only:
  SyntheticRule rule = SyntheticRule::length;
  std::vector<std::string> answers;          // rule matrix: the answer set, e.g. [rock, paper, scissors]
  std::vector<std::vector<double>> matrix;   // rule matrix: matrix[i][j] = P(answer i beats answer j)
  std::vector<std::string> keywords;         // rule keyword: words a judge likes
  double scale = 1.0;                        // rules length/keyword: logit per word of difference
};

struct GenerateConfig {
  int64_t samples = 5;  // K
  double temperature = 0.7;
  double top_p = 0.9;
  int64_t top_k = 0;  // 0 = off
  int64_t max_new_tokens = 2048;
  int64_t max_prompt_length = 512;
  int64_t chunk_prompts = 64;
};

struct AnnotateConfig {
  int64_t batch_pairs = 32;
  WinrateMode winrate = WinrateMode::score;
};

struct TrainConfig {
  LossKind loss = LossKind::sppo;
  double beta = 0.001;
  OptimizerKind optimizer = OptimizerKind::rmsprop;
  double lr = 5.0e-7;
  double warmup_ratio = 0.1;
  int64_t epochs = 1;
  int64_t global_batch = 64;
  int64_t micro_batch = 8;
  int64_t max_length = 1024;
  int64_t max_prompt_length = 512;
  double clip_grad_norm = 1.0;
  Precision precision = Precision::fp32;
  ActivationCheckpointing activation_checkpointing = ActivationCheckpointing::on;
  int64_t checkpoint_every = 100;
  int64_t keep_checkpoints = 2;  // the newest complete checkpoints kept; older ones are removed
  std::optional<std::string> data;  // null: the iteration's samples.h5
  NonFinite nonfinite = NonFinite::stop;  // stop: fail naming step, micro-batch and unit; skip: drop the step, count it
};

struct EvalConfig {
  std::string prompts = "data/eval_prompts.jsonl";
  int64_t max_new_tokens = 512;
};

struct DistConfig {
  DeviceSetting device = DeviceSetting::automatic;
  Backend backend = Backend::automatic;
  int64_t threads_per_rank = 0;  // 0: cores of the node / ranks on the node
  // Training gathers one unit ahead from a helper thread. auto: on when a rank has more than
  // one thread (the helper spins in MPI while waiting and needs a core of its own).
  Prefetch prefetch = Prefetch::automatic;
  // keep: malloc keeps large freed blocks in its heap for the next request (core/heap_reuse.hpp);
  // release: glibc's default, large blocks mapped on request and unmapped on free; auto: keep
  // unless train.activation_checkpointing is on (which says memory matters more than time).
  FreedMemory freed_memory = FreedMemory::automatic;
};

struct Config {
  RunConfig run;
  DataConfig data;
  PolicyConfig policy;
  RankerConfig ranker;
  GenerateConfig generate;
  AnnotateConfig annotate;
  TrainConfig train;
  EvalConfig eval;
  DistConfig dist;
  std::string source;  // the file it came from ("<defaults>" when none)
};

// One `--set section.key=value` from the command line.
struct Override {
  std::string key;    // "section.key"
  std::string value;  // YAML scalar or flow text, e.g. "0.5", "null", "[1, 2]"
};

// "a.b=c" -> {a.b, c}; throws ConfigError naming the flag when there is no '='.
Override parse_override(const std::string& assignment);

// Reads `path` (YAML), applies `overrides` in order, checks every key, type and range.
// Throws ConfigError "<file>:<line>: <section.key> = <value>: <reason>" on the first problem.
Config load_config(const std::string& path, const std::vector<Override>& overrides = {});

// The same from YAML text (tests, embedded configs); `source` names it in errors.
Config parse_config(const std::string& yaml_text, const std::string& source,
                    const std::vector<Override>& overrides = {});

// The resolved config as YAML, every key present: what will really run.
std::string config_to_yaml(const Config& config);

// Every key as ("section.key", YAML text of its value), in config_to_yaml's order.
std::vector<std::pair<std::string, std::string>> config_values(const Config& config);

// The names of enum values as they are written in YAML.
std::string to_string(DType v);
std::string to_string(Precision v);
std::string to_string(ActivationCheckpointing v);
std::string to_string(RankerType v);
std::string to_string(SyntheticRule v);
std::string to_string(WinrateMode v);
std::string to_string(LossKind v);
std::string to_string(OptimizerKind v);
std::string to_string(Backend v);
std::string to_string(Prefetch v);
std::string to_string(FreedMemory v);
std::string to_string(DeviceSetting v);
std::string to_string(NonFinite v);

}  // namespace sppo
