#include "model/model_arch.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

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

std::string to_string(ModelKind kind) { return kind == ModelKind::llama ? "llama" : "pairrm"; }

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
  const std::map<std::string, std::function<void(const YAML::Node&, const YAML::Node&)>> keys = {
      {"kind",
       [&](const YAML::Node& k, const YAML::Node& v) {
         const std::string s = r.text(k, v);
         if (s != "llama" && s != "pairrm") r.fail(k, v, "expected llama or pairrm");
         a.kind = s == "llama" ? ModelKind::llama : ModelKind::pairrm;
       }},
      {"seed", [&](const YAML::Node& k, const YAML::Node& v) { a.seed = r.integer(k, v, 0, INT64_MAX); }},
      {"hidden_size", [&](const YAML::Node& k, const YAML::Node& v) { a.hidden_size = r.integer(k, v, 4, 4096); }},
      {"intermediate_size",
       [&](const YAML::Node& k, const YAML::Node& v) { a.intermediate_size = r.integer(k, v, 1, 16384); }},
      {"layers", [&](const YAML::Node& k, const YAML::Node& v) { a.layers = r.integer(k, v, 1, 64); }},
      {"heads", [&](const YAML::Node& k, const YAML::Node& v) { a.heads = r.integer(k, v, 1, 128); }},
      {"kv_heads", [&](const YAML::Node& k, const YAML::Node& v) { a.kv_heads = r.integer(k, v, 1, 128); }},
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
         if (a.tokenizer_type != "unigram" && a.tokenizer_type != "bpe" && a.tokenizer_type != "word" &&
             a.tokenizer_type != "char")
           r.fail(k, v, "expected unigram, bpe, word or char");
       }},
      {"byte_fallback",
       [&](const YAML::Node& k, const YAML::Node& v) {
         const std::string s = r.text(k, v);
         if (s != "true" && s != "false") r.fail(k, v, "expected true or false");
         a.byte_fallback = s == "true";
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
  if (a.hidden_size % a.heads != 0) fail("hidden_size = " + std::to_string(a.hidden_size) + ": must be a multiple of heads");
  if (a.kind == ModelKind::llama) {
    if (a.heads % a.kv_heads != 0) fail("heads = " + std::to_string(a.heads) + ": must be a multiple of kv_heads");
    if ((a.hidden_size / a.heads) % 2 != 0) fail("hidden_size / heads must be even (rotary embeddings)");
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
