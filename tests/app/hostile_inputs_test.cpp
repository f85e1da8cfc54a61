// The catalogue of hostile inputs: model folders with missing, extra or mis-shaped tensors,
// config.json with absurd sizes, tokenizers that are not SentencePiece, prompt files with
// invalid UTF-8 or 10 MB lines, samples.h5 of another schema or with inconsistent shapes,
// configs with path traversal or impossible sizes, bad flags. Each one, given to the sppo
// binary next to a finished run, must stop before any work with exactly one error line that
// names the file or key, exit 1, and leave every byte of the run directory as it was.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <map>

#include "io/fingerprint.hpp"
#include "io/hdf5.hpp"
#include "io/safetensors.hpp"
#include "io/safetensors_writer.hpp"
#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {
namespace fs = std::filesystem;

std::map<std::string, std::string> snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[e.path().string()] = Fingerprint().add(test::read_file(e.path().string())).hex();
  return out;
}

struct Case {
  std::string name;
  std::vector<std::string> args;  // after the sppo binary
  std::string expected;           // a part of the error line
};

class HostileInputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    config_ = test::write_config(*dir_);
    const auto r = test::run_process(test::mpi_sppo(2, {"run", "--config", config_}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string file(const std::string& name) { return dir_->file("hostile/" + name); }

  // A copy of the tiny policy with `edit` applied to its tensors (nullptr: unchanged).
  static std::string policy_copy(const std::string& name,
                                 const std::function<void(std::vector<NamedTensor>&)>& edit = nullptr) {
    const std::string out = file(name);
    fs::create_directories(out);
    fs::copy(test::tiny_models() + "/policy", out, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    if (edit) {
      const auto model = SafetensorsModel::open(out);
      std::vector<NamedTensor> tensors;
      for (const auto& n : model.names()) tensors.push_back({n, model.tensor(n).clone()});
      edit(tensors);
      fs::remove(out + "/model.safetensors");
      write_safetensors_folder(out, tensors);
    }
    return out;
  }
  static std::string with_config_json(const std::string& name, const std::string& from, const std::string& to) {
    const std::string dir = policy_copy(name);
    std::string text = test::read_file(dir + "/config.json");
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    test::write_file(dir + "/config.json", text);
    return dir;
  }
  static std::vector<std::string> run_with(const std::string& key, const std::string& value) {
    return {"run", "--config", config_, "--set", key + "=" + value};
  }

  static test::TempDir* dir_;
  static std::string config_;
};
test::TempDir* HostileInputs::dir_ = nullptr;
std::string HostileInputs::config_;

TEST_F(HostileInputs, EachStopsBeforeAnyWorkWithOneLineAndTouchesNothing) {
  fs::create_directories(dir_->file("hostile"));
  const std::string samples = dir_->file("runs/t/iter-0/samples.h5");
  const auto before = snapshot(dir_->file("runs"));
  std::vector<Case> cases;

  // ---- model folders
  cases.push_back({"policy without weights", run_with("policy.path", [] {
                     const auto d = policy_copy("no-weights");
                     fs::remove(d + "/model.safetensors");
                     return d;
                   }()), "no-weights"});
  cases.push_back({"policy missing a tensor", run_with("policy.path", policy_copy("missing", [](auto& t) {
                     t.erase(std::remove_if(t.begin(), t.end(), [](const NamedTensor& n) { return n.name == "model.norm.weight"; }), t.end());
                   })), "model.norm.weight"});
  cases.push_back({"policy with an extra tensor", run_with("policy.path", policy_copy("extra", [](auto& t) {
                     t.push_back({"model.layers.9.extra.weight", at::zeros({4})});
                   })), "model.layers.9.extra.weight"});
  cases.push_back({"policy with a mis-shaped tensor", run_with("policy.path", policy_copy("shape", [](auto& t) {
                     for (auto& n : t)
                       if (n.name == "model.layers.0.self_attn.q_proj.weight") n.tensor = at::zeros({3, 5});
                   })), "model.layers.0.self_attn.q_proj.weight"});
  cases.push_back({"policy with an integer tensor", run_with("policy.path", policy_copy("dtype", [](auto& t) {
                     for (auto& n : t)
                       if (n.name == "model.norm.weight") n.tensor = n.tensor.to(at::kInt);
                   })), "model.norm.weight"});
  cases.push_back({"absurd hidden size", run_with("policy.path", with_config_json("huge", "\"hidden_size\": 32", "\"hidden_size\": 1000000000")),
                   "hidden_size"});
  cases.push_back({"absurd vocabulary", run_with("policy.path", with_config_json("vocab", "\"vocab_size\"", "\"vocab_size\": 99999999999, \"x\"")),
                   "vocab_size"});
  cases.push_back({"zero layers", run_with("policy.path", with_config_json("layers", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0")),
                   "num_hidden_layers"});
  cases.push_back({"negative heads", run_with("policy.path", with_config_json("heads", "\"num_attention_heads\": 2", "\"num_attention_heads\": -2")),
                   "num_attention_heads"});
  cases.push_back({"config.json not JSON", run_with("policy.path", [] {
                     const auto d = policy_copy("badjson");
                     test::write_file(d + "/config.json", "{\"hidden_size\": ");
                     return d;
                   }()), "config.json"});
  cases.push_back({"tokenizer that is not SentencePiece", run_with("policy.path", [] {
                     const auto d = policy_copy("tok");
                     test::write_file(d + "/tokenizer.model", std::string(300, '\x7f'));
                     return d;
                   }()), "tokenizer.model"});
  cases.push_back({"tokenizer missing", run_with("policy.path", [] {
                     const auto d = policy_copy("notok");
                     fs::remove(d + "/tokenizer.model");
                     return d;
                   }()), "tokenizer.model"});
  cases.push_back({"truncated safetensors", run_with("policy.path", [] {
                     const auto d = policy_copy("trunc");
                     const std::string bytes = test::read_file(d + "/model.safetensors");
                     test::write_file(d + "/model.safetensors", bytes.substr(0, bytes.size() / 2));
                     return d;
                   }()), "model.safetensors"});
  cases.push_back({"safetensors header length of 2^60", run_with("policy.path", [] {
                     const auto d = policy_copy("hdr");
                     std::string bytes = test::read_file(d + "/model.safetensors");
                     const uint64_t n = uint64_t{1} << 60;
                     bytes.replace(0, 8, reinterpret_cast<const char*>(&n), 8);
                     test::write_file(d + "/model.safetensors", bytes);
                     return d;
                   }()), "model.safetensors"});
  cases.push_back({"index naming a file outside the folder", run_with("policy.path", [] {
                     const auto d = policy_copy("index");
                     fs::rename(d + "/model.safetensors", d + "/model-00001-of-00001.safetensors");
                     test::write_file(d + "/model.safetensors.index.json",
                                      "{\"weight_map\": {\"model.norm.weight\": \"../../etc/passwd\"}}");
                     return d;
                   }()), "index.json"});
  cases.push_back({"no such policy folder", run_with("policy.path", file("nowhere")), "policy.path"});
  // ---- ranker
  cases.push_back({"ranker that is a policy", run_with("ranker.path", test::tiny_models() + "/policy"), "model_type"});
  cases.push_back({"ranker without spm.model", run_with("ranker.path", [] {
                     const std::string d = file("ranker");
                     fs::copy(test::tiny_models() + "/ranker", d, fs::copy_options::recursive);
                     fs::remove(d + "/spm.model");
                     return d;
                   }()), "spm.model"});
  // ---- prompts
  auto prompts = [](const std::string& name, const std::string& text) {
    test::write_file(file(name), text);
    return file(name);
  };
  cases.push_back({"prompt with invalid UTF-8", run_with("data.prompts", prompts("utf8.jsonl", "{\"prompt\": \"ok\"}\n{\"prompt\": \"bad \xff\xfe\"}\n")),
                   "utf8.jsonl:2"});
  cases.push_back({"10 MB prompt line", run_with("data.prompts", prompts("long.jsonl", "{\"prompt\": \"" + std::string(10 << 20, 'a') + "\"}\n")),
                   "long.jsonl:1"});
  cases.push_back({"prompt field missing", run_with("data.prompts", prompts("field.jsonl", "{\"text\": \"hello\"}\n")), "field.jsonl:1"});
  cases.push_back({"prompt file not JSON", run_with("data.prompts", prompts("nojson.jsonl", "hello\n")), "nojson.jsonl:1"});
  cases.push_back({"empty prompt file", run_with("data.prompts", prompts("empty.jsonl", "")), "empty.jsonl"});
  cases.push_back({"eval prompts with a binary line", run_with("eval.prompts", prompts("eval.jsonl", std::string("\0\1\2\n", 4))), "eval.jsonl:1"});
  // ---- configs and flags
  cases.push_back({"run name escaping run.dir", run_with("run.name", "../../escape"), "run.name"});
  cases.push_back({"hidden run name", run_with("run.name", ".t"), "run.name"});
  cases.push_back({"zero samples", run_with("generate.samples", "0"), "generate.samples"});
  cases.push_back({"negative batch", run_with("train.global_batch", "-4"), "train.global_batch"});
  cases.push_back({"zero new tokens", run_with("generate.max_new_tokens", "0"), "generate.max_new_tokens"});
  cases.push_back({"more folds than prompts", run_with("run.iterations", "100000"), "run.iterations"});
  cases.push_back({"unknown key", run_with("train.betta", "0.1"), "train.betta"});
  cases.push_back({"YAML syntax error", {"run", "--config", prompts("bad.yaml", "train: {lr: [1, 2\n")}, "bad.yaml:"});
  cases.push_back({"unknown restart stage", {"run", "--config", config_, "--restart-from", "iter-9/train"}, "--restart-from iter-9/train"});
  cases.push_back({"negative step limit", {"train", "--config", config_, "--max-steps", "-3"}, "--max-steps"});
  cases.push_back({"unknown flag", {"run", "--config", config_, "--iterationz", "2"}, "--iterationz"});
  // ---- samples.h5
  auto samples_copy = [&](const std::string& name, const std::function<void(h5::File&)>& edit) {
    const std::string path = file(name);
    fs::copy_file(samples, path);
    h5::File f = h5::File::open(path, true, MPI_COMM_NULL);
    edit(f);
    return path;
  };
  cases.push_back({"samples.h5 of another schema version", {"annotate", "--config", config_, "--samples",
                   samples_copy("v99.h5", [](h5::File& f) { f.set_attribute("schema_version", int64_t{99}); })}, "v99.h5"});
  cases.push_back({"HDF5 of another schema", {"annotate", "--config", config_, "--samples",
                   samples_copy("other.h5", [](h5::File& f) { f.set_attribute("sppo_schema", std::string("checkpoint")); })}, "other.h5"});
  cases.push_back({"samples.h5 with inconsistent shapes", {"train", "--config", config_, "--samples", [&] {
                     const std::string path = file("shapes.h5");
                     {
                       h5::File f = h5::File::create(path, MPI_COMM_NULL);
                       f.set_attribute("sppo_schema", std::string("samples"));
                       f.set_attribute("schema_version", int64_t{1});
                       f.set_attribute("chunk_prompts", int64_t{4});
                       f.create_dataset("/prompts/id", h5::ElementType::i64, {8});
                       f.create_dataset("/prompts/tokens", h5::ElementType::i32, {8, 16});
                       f.create_dataset("/prompts/length", h5::ElementType::i32, {8});
                       f.create_dataset("/responses/tokens", h5::ElementType::i32, {7, 3, 8});
                     }
                     return path;
                   }(), "--out", file("out")}, "shapes.h5"});
  cases.push_back({"a text file named .h5", {"export", "--samples", prompts("text.h5", "not hdf5\n"), "--out", file("x.jsonl")}, "text.h5"});

  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> argv{test::sppo_binary()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = test::run_process(argv);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const auto first = r.err.find("sppo: error: ");
    ASSERT_NE(first, std::string::npos) << r.err;
    std::printf("%-42s %s\n", (c.name + ":").c_str(), r.err.substr(first + 13, r.err.find('\n', first) - first - 13).substr(0, 150).c_str());
    EXPECT_EQ(r.err.find("error", r.err.find('\n', first)), std::string::npos) << "one error line only:\n" << r.err;
    EXPECT_NE(r.err.find(c.expected, first), std::string::npos) << "the line must name " << c.expected << ":\n" << r.err;
    EXPECT_EQ(r.err.find(" generate: "), std::string::npos) << "no work may start:\n" << r.err;
  }
  EXPECT_EQ(snapshot(dir_->file("runs")), before) << "an earlier result was modified";
  EXPECT_FALSE(fs::exists(dir_->file("escape")));
}

}  // namespace
}  // namespace sppo
