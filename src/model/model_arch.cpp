#include "model/model_arch.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace sppo {
namespace {

struct Reader {
  const std::string& source;
  std::string at(const YAML::Node& n) const { return source + ":" + std::to_string(n.Mark().line + 1); }
  [[noreturn]] void fail(const YAML::Node& key, const YAML::Node& value, const std::string& reason) const {
    throw ConfigError(at(key) + ": " + key.Scalar() + " = " + (value.IsScalar() ? value.Scalar() : "(not a scalar)") +
                      ": " + reason);
  }
  int64_t integer(const YAML::Node& key, const YAML::Node& v, int64_t lo, int64_t hi) const {
    char* end = nullptr;
    errno = 0;
    const std::string s = v.IsScalar() ? v.Scalar() : "";
    const long long x = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end || errno == ERANGE) fail(key, v, "expected an integer");
    if (x < lo || x > hi)
      fail(key, v, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (init-model builds test and demo models)");
    return x;
  }
  double number(const YAML::Node& key, const YAML::Node& v, double lo, double hi) const {
    char* end = nullptr;
    const std::string s = v.IsScalar() ? v.Scalar() : "";
    const double x = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !std::isfinite(x)) fail(key, v, "expected a number");
    if (x <= lo || x > hi) fail(key, v, "must be in (" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return x;
  }
  std::string text(const YAML::Node& key, const YAML::Node& v) const {
    if (!v.IsScalar() || v.Scalar().empty()) fail(key, v, "expected a non-empty string");
    return v.Scalar();
  }
};

}  // namespace

const std::vector<std::pair<ModelKind, const char*>>& kind_names() {
  static const std::vector<std::pair<ModelKind, const char*>> names{
      {ModelKind::llama, "llama"}, {ModelKind::llama3, "llama3"}, {ModelKind::qwen2, "qwen2"},
      {ModelKind::qwen3, "qwen3"}, {ModelKind::gemma2, "gemma2"}, {ModelKind::pairrm, "pairrm"}};
  return names;
}

std::string to_string(ModelKind kind) {
  for (const auto& [k, name] : kind_names())
    if (k == kind) return name;
  return "?";
}

bool byte_level_kind(ModelKind kind) {
  return kind == ModelKind::llama3 || kind == ModelKind::qwen2 || kind == ModelKind::qwen3;
}

ModelArch parse_model_arch(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!root.IsMap()) throw ConfigError(source + ": expected a mapping of keys (kind, hidden_size, ...)");
  ModelArch a;
  a.source = source;
  const Reader r{source};
  bool has_text = false;
  std::set<std::string> given;  // keys whose meaning depends on the kind
  const std::map<std::string, std::function<void(const YAML::Node&, const YAML::Node&)>> keys = {
      {"kind",
       [&](const YAML::Node& k, const YAML::Node& v) {
         const std::string s = r.text(k, v);
         std::string all;
         for (const auto& [kind, name] : kind_names()) {
           if (s == name) {
             a.kind = kind;
             return;
           }
           all += (all.empty() ? "" : ", ") + std::string(name);
         }
         r.fail(k, v, "expected one of " + all);
       }},
      {"seed", [&](const YAML::Node& k, const YAML::Node& v) { a.seed = r.integer(k, v, 0, INT64_MAX); }},
      {"hidden_size", [&](const YAML::Node& k, const YAML::Node& v) { a.hidden_size = r.integer(k, v, 4, 4096); }},
      {"intermediate_size",
       [&](const YAML::Node& k, const YAML::Node& v) { a.intermediate_size = r.integer(k, v, 1, 16384); }},
      {"layers", [&](const YAML::Node& k, const YAML::Node& v) { a.layers = r.integer(k, v, 1, 64); }},
      {"heads", [&](const YAML::Node& k, const YAML::Node& v) { a.heads = r.integer(k, v, 1, 128); }},
      {"kv_heads", [&](const YAML::Node& k, const YAML::Node& v) { a.kv_heads = r.integer(k, v, 1, 128); }},
      {"head_dim", [&](const YAML::Node& k, const YAML::Node& v) { a.head_dim = r.integer(k, v, 2, 512); }},
      {"sliding_window", [&](const YAML::Node& k, const YAML::Node& v) {
         a.sliding_window = r.integer(k, v, 1, 65536);
         given.insert("sliding_window");
       }},
      {"tie_word_embeddings",
       [&](const YAML::Node& k, const YAML::Node& v) {
         const std::string s = r.text(k, v);
         if (s != "true" && s != "false") r.fail(k, v, "expected true or false");
         a.tie_word_embeddings = s == "true";
         given.insert("tie_word_embeddings");
       }},
      {"position_buckets", [&](const YAML::Node& k, const YAML::Node& v) { a.position_buckets = r.integer(k, v, 2, 512); }},
      {"max_position_embeddings",
       [&](const YAML::Node& k, const YAML::Node& v) { a.max_position_embeddings = r.integer(k, v, 8, 65536); }},
      {"initializer_range",
       [&](const YAML::Node& k, const YAML::Node& v) { a.initializer_range = r.number(k, v, 0, 10); }},
      {"tokenizer_text",
       [&](const YAML::Node& k, const YAML::Node& v) {
         a.tokenizer_text = r.text(k, v);
         has_text = true;
       }},
      {"vocab_size", [&](const YAML::Node& k, const YAML::Node& v) { a.vocab_size = r.integer(k, v, 4, 262144); }},
      {"tokenizer_type",
       [&](const YAML::Node& k, const YAML::Node& v) {
         a.tokenizer_type = r.text(k, v);
         given.insert("tokenizer_type");
         if (a.tokenizer_type != "unigram" && a.tokenizer_type != "bpe" && a.tokenizer_type != "word" &&
             a.tokenizer_type != "char")
           r.fail(k, v, "expected unigram, bpe, word or char");
       }},
      {"byte_fallback",
       [&](const YAML::Node& k, const YAML::Node& v) {
         const std::string s = r.text(k, v);
         if (s != "true" && s != "false") r.fail(k, v, "expected true or false");
         a.byte_fallback = s == "true";
         given.insert("byte_fallback");
       }},
  };
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const auto it = keys.find(key);
    if (it == keys.end()) {
      std::string all;
      for (const auto& [name, fn] : keys) all += (all.empty() ? "" : ", ") + name;
      throw ConfigError(r.at(kv.first) + ": unknown key " + key + " (known: " + all + ")");
    }
    it->second(kv.first, kv.second);
  }
  auto fail = [&](const std::string& what) { throw ConfigError(source + ": " + what); };
  if (!has_text) fail("tokenizer_text: missing (the text file the tokenizer is trained on)");
  const bool policy = a.kind != ModelKind::pairrm;
  if (policy) {
    if (a.heads % a.kv_heads != 0) fail("heads = " + std::to_string(a.heads) + ": must be a multiple of kv_heads");
    if (a.head_dim == 0 && a.hidden_size % a.heads != 0)
      fail("hidden_size = " + std::to_string(a.hidden_size) + ": must be a multiple of heads (or give head_dim)");
    if ((a.head_dim ? a.head_dim : a.hidden_size / a.heads) % 2 != 0) fail("the head dimension must be even (rotary embeddings)");
  } else if (a.hidden_size % a.heads != 0) {
    fail("hidden_size = " + std::to_string(a.hidden_size) + ": must be a multiple of heads");
  }
  if (a.kind == ModelKind::gemma2 && given.count("tie_word_embeddings") && a.tie_word_embeddings == 0)
    fail("tie_word_embeddings = false: Gemma-2 always ties its embeddings");
  if (a.kind == ModelKind::pairrm && given.count("tie_word_embeddings")) fail("tie_word_embeddings: only policies have it");
  if (a.kind != ModelKind::gemma2 && given.count("sliding_window")) fail("sliding_window: only gemma2 policies have one");
  if (byte_level_kind(a.kind)) {
    for (const char* key : {"tokenizer_type", "byte_fallback"})
      if (given.count(key))
        fail(std::string(key) + ": a " + to_string(a.kind) + " policy trains a byte-level BPE tokenizer (no SentencePiece options)");
    if (a.vocab_size < 257) fail("vocab_size = " + std::to_string(a.vocab_size) + ": a byte-level BPE needs more than its 256 byte ids");
  }
  if (a.kind == ModelKind::gemma2) {
    for (const char* key : {"tokenizer_type", "byte_fallback"})
      if (given.count(key)) fail(std::string(key) + ": a gemma2 policy trains Gemma's SentencePiece BPE with byte fallback");
    a.tokenizer_type = "bpe";
    a.byte_fallback = true;
  }
  if (a.byte_fallback && a.vocab_size < 300) fail("vocab_size must be at least 300 with byte_fallback (256 byte pieces)");
  return a;
}

ModelArch load_model_arch(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_model_arch(text.str(), path);
}

}  // namespace sppo
