#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/text_distance.hpp"

namespace sppo {
namespace {

// ---------------------------------------------------------------- enum names
template <class E>
using NameTable = std::vector<std::pair<E, const char*>>;

const NameTable<DType>& names(DType) {
  static const NameTable<DType> t{{DType::float32, "float32"}, {DType::bfloat16, "bfloat16"}};
  return t;
}
const NameTable<ActivationCheckpointing>& names(ActivationCheckpointing) {
  static const NameTable<ActivationCheckpointing> t{{ActivationCheckpointing::on, "on"}, {ActivationCheckpointing::off, "off"}};
  return t;
}
const NameTable<Precision>& names(Precision) {
  static const NameTable<Precision> t{{Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}};
  return t;
}
const NameTable<RankerType>& names(RankerType) {
  static const NameTable<RankerType> t{{RankerType::pairrm, "pairrm"}, {RankerType::synthetic, "synthetic"}};
  return t;
}
const NameTable<SyntheticRule>& names(SyntheticRule) {
  static const NameTable<SyntheticRule> t{
      {SyntheticRule::matrix, "matrix"}, {SyntheticRule::length, "length"}, {SyntheticRule::keyword, "keyword"}};
  return t;
}
const NameTable<WinrateMode>& names(WinrateMode) {
  static const NameTable<WinrateMode> t{{WinrateMode::score, "score"}, {WinrateMode::direct, "direct"}};
  return t;
}
const NameTable<LossKind>& names(LossKind) {
  static const NameTable<LossKind> t{{LossKind::sppo, "sppo"},         {LossKind::sppo_single, "sppo_single"},
                                     {LossKind::sppo_all, "sppo_all"}, {LossKind::dpo, "dpo"},
                                     {LossKind::ipo, "ipo"},           {LossKind::sft, "sft"}};
  return t;
}
const NameTable<OptimizerKind>& names(OptimizerKind) {
  static const NameTable<OptimizerKind> t{
      {OptimizerKind::rmsprop, "rmsprop"}, {OptimizerKind::adamw, "adamw"}, {OptimizerKind::sgd, "sgd"}};
  return t;
}
const NameTable<Backend>& names(Backend) {
  static const NameTable<Backend> t{{Backend::automatic, "auto"}, {Backend::mpi, "mpi"}, {Backend::nccl, "nccl"}};
  return t;
}

const NameTable<DeviceSetting>& names(DeviceSetting) {
  static const NameTable<DeviceSetting> t{{DeviceSetting::automatic, "auto"}, {DeviceSetting::cpu, "cpu"}, {DeviceSetting::cuda, "cuda"}};
  return t;
}

const NameTable<FreedMemory>& names(FreedMemory) {
  static const NameTable<FreedMemory> t{
      {FreedMemory::automatic, "auto"}, {FreedMemory::keep, "keep"}, {FreedMemory::release, "release"}};
  return t;
}
const NameTable<Prefetch>& names(Prefetch) {
  static const NameTable<Prefetch> t{{Prefetch::automatic, "auto"}, {Prefetch::on, "on"}, {Prefetch::off, "off"}};
  return t;
}

const NameTable<NonFinite>& names(NonFinite) {
  static const NameTable<NonFinite> t{{NonFinite::stop, "stop"}, {NonFinite::skip, "skip"}};
  return t;
}

template <class E>
std::string enum_name(E v) {
  for (const auto& [value, name] : names(v))
    if (value == v) return name;
  return "?";
}

// ---------------------------------------------------------------- scalar codecs
// A value that does not fit its key's type; the caller adds file, line and key.
struct BadValue {
  std::string reason;
};

std::string scalar_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "null";
  std::ostringstream os;
  os << YAML::Dump(node);
  std::string s = os.str();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// Shortest decimal text that reads back as exactly `v`.
std::string format_double(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // keep it a float in YAML
  return s;
}

std::string quote(const std::string& s) {
  YAML::Emitter e;
  e << YAML::DoubleQuoted << s;
  return e.c_str();
}

template <class T>
struct Codec;

template <>
struct Codec<int64_t> {
  static int64_t decode(const YAML::Node& n) {
    if (!n.IsScalar()) throw BadValue{"expected an integer"};
    const std::string& s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno == ERANGE) throw BadValue{"expected an integer"};
    return v;
  }
  static std::string encode(int64_t v) { return std::to_string(v); }
};

template <>
struct Codec<double> {
  static double decode(const YAML::Node& n) {
    if (!n.IsScalar()) throw BadValue{"expected a number"};
    const std::string& s = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v)) throw BadValue{"expected a finite number"};
    return v;
  }
  static std::string encode(double v) { return format_double(v); }
};

template <>
struct Codec<std::string> {
  static std::string decode(const YAML::Node& n) {
    if (!n.IsScalar()) throw BadValue{"expected a string"};
    return n.Scalar();
  }
  static std::string encode(const std::string& v) { return quote(v); }
};

template <>
struct Codec<std::optional<std::string>> {
  static std::optional<std::string> decode(const YAML::Node& n) {
    if (n.IsNull() || (n.IsScalar() && (n.Scalar() == "null" || n.Scalar() == "~")))
      return std::nullopt;
    return Codec<std::string>::decode(n);
  }
  static std::string encode(const std::optional<std::string>& v) { return v ? quote(*v) : "null"; }
};

template <>
struct Codec<std::vector<std::string>> {
  static std::vector<std::string> decode(const YAML::Node& n) {
    if (n.IsNull()) return {};
    if (!n.IsSequence()) throw BadValue{"expected a list of strings, e.g. [rock, paper, scissors]"};
    std::vector<std::string> out;
    for (const auto& item : n) out.push_back(Codec<std::string>::decode(item));
    return out;
  }
  static std::string encode(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + quote(v[i]);
    return s + "]";
  }
};

template <>
struct Codec<std::vector<std::vector<double>>> {
  static std::vector<std::vector<double>> decode(const YAML::Node& n) {
    if (n.IsNull()) return {};
    if (!n.IsSequence()) throw BadValue{"expected a list of rows, e.g. [[0.5, 0.2], [0.8, 0.5]]"};
    std::vector<std::vector<double>> out;
    for (const auto& row : n) {
      if (!row.IsSequence()) throw BadValue{"expected a list of rows, e.g. [[0.5, 0.2], [0.8, 0.5]]"};
      out.emplace_back();
      for (const auto& x : row) out.back().push_back(Codec<double>::decode(x));
    }
    return out;
  }
  static std::string encode(const std::vector<std::vector<double>>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      s += i ? ", [" : "[";
      for (std::size_t j = 0; j < v[i].size(); ++j) s += (j ? ", " : "") + format_double(v[i][j]);
      s += "]";
    }
    return s + "]";
  }
};

template <class E>
struct EnumCodec {
  static E decode(const YAML::Node& n) {
    std::string choices;
    for (const auto& [value, name] : names(E{})) choices += (choices.empty() ? "" : ", ") + std::string(name);
    if (!n.IsScalar()) throw BadValue{"expected one of " + choices};
    for (const auto& [value, name] : names(E{}))
      if (n.Scalar() == name) return value;
    throw BadValue{"expected one of " + choices};
  }
  static std::string encode(E v) { return enum_name(v); }
};
template <> struct Codec<DType> : EnumCodec<DType> {};
template <> struct Codec<Precision> : EnumCodec<Precision> {};
template <> struct Codec<ActivationCheckpointing> : EnumCodec<ActivationCheckpointing> {};
template <> struct Codec<RankerType> : EnumCodec<RankerType> {};
template <> struct Codec<SyntheticRule> : EnumCodec<SyntheticRule> {};
template <> struct Codec<WinrateMode> : EnumCodec<WinrateMode> {};
template <> struct Codec<LossKind> : EnumCodec<LossKind> {};
template <> struct Codec<OptimizerKind> : EnumCodec<OptimizerKind> {};
template <> struct Codec<Backend> : EnumCodec<Backend> {};
template <> struct Codec<Prefetch> : EnumCodec<Prefetch> {};
template <> struct Codec<FreedMemory> : EnumCodec<FreedMemory> {};
template <> struct Codec<DeviceSetting> : EnumCodec<DeviceSetting> {};
template <> struct Codec<NonFinite> : EnumCodec<NonFinite> {};

// ---------------------------------------------------------------- range checks
// Each returns the reason a value is out of range, or "" when it is fine.
template <class T>
using Check = std::function<std::string(const T&)>;

Check<int64_t> at_least(int64_t lo) {
  return [lo](const int64_t& v) { return v >= lo ? "" : "must be >= " + std::to_string(lo); };
}
// A size or count: at least `lo`, at most `hi`, and the reason for the most in the message
// (an absurd value must stop at the config, not at the disk-space check or an allocation).
Check<int64_t> bounded(int64_t lo, int64_t hi, std::string why) {
  return [lo, hi, why](const int64_t& v) {
    if (v < lo) return "must be >= " + std::to_string(lo);
    if (v > hi) return "must be <= " + std::to_string(hi) + " (" + why + ")";
    return std::string();
  };
}
Check<double> in_range(double lo, bool lo_open, double hi, bool hi_open) {
  return [=](const double& v) {
    bool ok = (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    return ok ? std::string() : "must be in " + std::string(lo_open ? "(" : "[") + format_double(lo) + ", " +
                                    format_double(hi) + (hi_open ? ")" : "]");
  };
}
Check<double> positive() {
  return [](const double& v) { return v > 0 ? "" : "must be > 0"; };
}
Check<double> non_negative() {
  return [](const double& v) { return v >= 0 ? "" : "must be >= 0"; };
}
Check<std::string> non_empty() {
  return [](const std::string& v) { return v.empty() ? "must not be empty" : ""; };
}
// A run name becomes a folder under run.dir: no separators, no traversal, no hidden names.
Check<std::string> safe_name() {
  return [](const std::string& v) -> std::string {
    if (v.empty() || v.size() > 128) return "must be 1 to 128 characters";
    if (v.front() == '.') return "must not start with '.'";
    for (char c : v)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
        return "may hold only letters, digits, '-', '_' and '.'";
    return "";
  };
}

// policy.chat_template: a built-in name or a template file.
Check<std::string> chat_template_name() {
  return [](const std::string& v) -> std::string {
    if (v == "auto" || v == "mistral" || v == "none") return "";
    if (v.size() > 6 && v.compare(v.size() - 6, 6, ".jinja") == 0) return "";
    return "expected auto (the model's own template), mistral, none or a .jinja file";
  };
}

// ---------------------------------------------------------------- the key table
struct Field {
  std::string section;
  std::string key;
  std::function<void(Config&, const YAML::Node&)> read;  // throws BadValue
  std::function<std::string(const Config&)> write;       // YAML text of the value
  std::function<std::string(const Config&)> check;       // reason, or ""
  std::string name() const { return section + "." + key; }
};

template <class S, class T>
Field field(const char* section, S Config::*sec, const char* key, T S::*member, Check<T> check = {}) {
  Field f;
  f.section = section;
  f.key = key;
  f.read = [sec, member](Config& c, const YAML::Node& n) { (c.*sec).*member = Codec<T>::decode(n); };
  f.write = [sec, member](const Config& c) { return Codec<T>::encode((c.*sec).*member); };
  f.check = [sec, member, check](const Config& c) { return check ? check((c.*sec).*member) : std::string(); };
  return f;
}

// Why a size has the most it has (io/samples_file.cpp bounds what a samples.h5 may declare).
constexpr const char* kSchemaSamples = "samples.h5 holds at most 4096 samples per prompt";
constexpr const char* kSchemaTokens = "samples.h5 holds at most 2^20 tokens per prompt or response";
constexpr const char* kSchemaChunk = "samples.h5 holds at most 2^20 prompts per chunk";
constexpr const char* kVocabulary = "no vocabulary has more than 2^22 tokens";
constexpr const char* kBatchMemory = "one batch must fit in a rank's memory";

// Every key of DESIGN.md §8, in the order `config show` prints them.
const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      field("run", &Config::run, "name", &RunConfig::name, safe_name()),
      field("run", &Config::run, "dir", &RunConfig::dir, non_empty()),
      field("run", &Config::run, "iterations", &RunConfig::iterations, bounded(1, 1000, "each iteration trains on its own fold of the prompts")),
      field("run", &Config::run, "seed", &RunConfig::seed, at_least(0)),
      field("data", &Config::data, "prompts", &DataConfig::prompts, non_empty()),
      field("data", &Config::data, "prompt_field", &DataConfig::prompt_field, non_empty()),
      field("data", &Config::data, "id_field", &DataConfig::id_field),
      field("policy", &Config::policy, "path", &PolicyConfig::path, non_empty()),
      field("policy", &Config::policy, "dtype", &PolicyConfig::dtype),
      field("policy", &Config::policy, "chat_template", &PolicyConfig::chat_template, chat_template_name()),
      field("policy", &Config::policy, "end_of_turn", &PolicyConfig::end_of_turn),
      field("ranker", &Config::ranker, "type", &RankerConfig::type),
      field("ranker", &Config::ranker, "path", &RankerConfig::path),
      field("ranker", &Config::ranker, "dtype", &RankerConfig::dtype),
      field("ranker", &Config::ranker, "rule", &RankerConfig::rule),
      field("ranker", &Config::ranker, "answers", &RankerConfig::answers),
      field("ranker", &Config::ranker, "matrix", &RankerConfig::matrix),
      field("ranker", &Config::ranker, "keywords", &RankerConfig::keywords),
      field("ranker", &Config::ranker, "scale", &RankerConfig::scale, positive()),
      field("generate", &Config::generate, "samples", &GenerateConfig::samples, bounded(2, 4096, kSchemaSamples)),
      field("generate", &Config::generate, "temperature", &GenerateConfig::temperature, non_negative()),
      field("generate", &Config::generate, "top_p", &GenerateConfig::top_p, in_range(0, true, 1, false)),
      field("generate", &Config::generate, "top_k", &GenerateConfig::top_k, bounded(0, 1 << 22, kVocabulary)),
      field("generate", &Config::generate, "max_new_tokens", &GenerateConfig::max_new_tokens, bounded(1, 1 << 20, kSchemaTokens)),
      field("generate", &Config::generate, "max_prompt_length", &GenerateConfig::max_prompt_length, bounded(1, 1 << 20, kSchemaTokens)),
      field("generate", &Config::generate, "chunk_prompts", &GenerateConfig::chunk_prompts, bounded(1, 1 << 20, kSchemaChunk)),
      field("annotate", &Config::annotate, "batch_pairs", &AnnotateConfig::batch_pairs, bounded(1, 1 << 16, kBatchMemory)),
      field("annotate", &Config::annotate, "winrate", &AnnotateConfig::winrate),
      field("train", &Config::train, "loss", &TrainConfig::loss),
      field("train", &Config::train, "beta", &TrainConfig::beta, positive()),
      field("train", &Config::train, "optimizer", &TrainConfig::optimizer),
      field("train", &Config::train, "lr", &TrainConfig::lr, non_negative()),
      field("train", &Config::train, "warmup_ratio", &TrainConfig::warmup_ratio, in_range(0, false, 1, false)),
      field("train", &Config::train, "epochs", &TrainConfig::epochs, bounded(1, 10000, "epochs over one iteration's samples")),
      field("train", &Config::train, "global_batch", &TrainConfig::global_batch, bounded(1, 1 << 24, "examples per optimizer step")),
      field("train", &Config::train, "micro_batch", &TrainConfig::micro_batch, bounded(1, 1 << 16, kBatchMemory)),
      field("train", &Config::train, "max_length", &TrainConfig::max_length, bounded(2, 1 << 21, kSchemaTokens)),
      field("train", &Config::train, "max_prompt_length", &TrainConfig::max_prompt_length, bounded(1, 1 << 20, kSchemaTokens)),
      field("train", &Config::train, "clip_grad_norm", &TrainConfig::clip_grad_norm, non_negative()),
      field("train", &Config::train, "precision", &TrainConfig::precision),
      field("train", &Config::train, "activation_checkpointing", &TrainConfig::activation_checkpointing),
      field("train", &Config::train, "checkpoint_every", &TrainConfig::checkpoint_every, at_least(1)),
      field("train", &Config::train, "keep_checkpoints", &TrainConfig::keep_checkpoints, bounded(1, 1000, "a 7B checkpoint is ~86 GB")),
      field("train", &Config::train, "data", &TrainConfig::data),
      field("train", &Config::train, "nonfinite", &TrainConfig::nonfinite),
      field("eval", &Config::eval, "prompts", &EvalConfig::prompts, non_empty()),
      field("eval", &Config::eval, "max_new_tokens", &EvalConfig::max_new_tokens, bounded(1, 1 << 20, kSchemaTokens)),
      field("dist", &Config::dist, "device", &DistConfig::device),
      field("dist", &Config::dist, "backend", &DistConfig::backend),
      field("dist", &Config::dist, "threads_per_rank", &DistConfig::threads_per_rank, bounded(0, 4096, "threads of one rank")),
      field("dist", &Config::dist, "prefetch", &DistConfig::prefetch),
      field("dist", &Config::dist, "freed_memory", &DistConfig::freed_memory),
  };
  return table;
}

const Field* find_field(const std::string& section, const std::string& key) {
  for (const auto& f : fields())
    if (f.section == section && f.key == key) return &f;
  return nullptr;
}

std::vector<std::string> section_names() {
  std::vector<std::string> out;
  for (const auto& f : fields())
    if (std::find(out.begin(), out.end(), f.section) == out.end()) out.push_back(f.section);
  return out;
}

std::vector<std::string> key_names(const std::string& section) {
  std::vector<std::string> out;
  for (const auto& f : fields())
    if (f.section == section) out.push_back(f.section + "." + f.key);
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto best = closest_match(word, candidates);
  return best ? " (did you mean " + *best + "?)" : "";
}

// Where each key's value came from, for messages: "file:line" or "--set k=v".
using Origins = std::map<std::string, std::string>;

std::string where(const std::string& source, const YAML::Mark& mark) {
  return mark.line >= 0 ? source + ":" + std::to_string(mark.line + 1) : source;
}

void read_value(Config& config, const Field& f, const YAML::Node& value, const std::string& origin) {
  try {
    f.read(config, value);
  } catch (const BadValue& bad) {
    throw ConfigError(origin + ": " + f.name() + " = " + scalar_text(value) + ": " + bad.reason);
  }
}

void read_document(Config& config, const YAML::Node& root, const std::string& source, Origins& origins) {
  if (!root || root.IsNull()) return;  // an empty file: every default
  if (!root.IsMap())
    throw ConfigError(where(source, root.Mark()) + ": expected a mapping of sections (run, data, policy, ...)");
  std::set<std::string> seen_sections;
  const auto sections = section_names();
  for (const auto& entry : root) {
    const std::string section = entry.first.as<std::string>();
    const std::string at = where(source, entry.first.Mark());
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
      throw ConfigError(at + ": unknown section '" + section + "'" + did_you_mean(section, sections));
    if (!seen_sections.insert(section).second) throw ConfigError(at + ": section '" + section + "' appears twice");
    const YAML::Node& body = entry.second;
    if (body.IsNull()) continue;
    if (!body.IsMap()) throw ConfigError(at + ": section '" + section + "' must be a mapping of keys");
    std::set<std::string> seen_keys;
    for (const auto& kv : body) {
      const std::string key = kv.first.as<std::string>();
      const std::string key_at = where(source, kv.first.Mark());
      const Field* f = find_field(section, key);
      if (!f)
        throw ConfigError(key_at + ": unknown key " + section + "." + key +
                          did_you_mean(section + "." + key, key_names(section)));
      if (!seen_keys.insert(key).second) throw ConfigError(key_at + ": key " + f->name() + " appears twice");
      read_value(config, *f, kv.second, key_at);
      origins[f->name()] = key_at;
    }
  }
}

void apply_override(Config& config, const Override& o, Origins& origins) {
  const std::string origin = "--set " + o.key + "=" + o.value;
  const auto dot = o.key.find('.');
  const std::string section = o.key.substr(0, dot);
  const std::string key = dot == std::string::npos ? "" : o.key.substr(dot + 1);
  const Field* f = find_field(section, key);
  if (!f) {
    std::vector<std::string> all;
    for (const auto& fl : fields()) all.push_back(fl.name());
    throw ConfigError(origin + ": unknown key " + o.key + did_you_mean(o.key, all));
  }
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": value is not valid YAML: " + e.msg);
  }
  read_value(config, *f, value, origin);
  origins[f->name()] = origin;
}

std::string origin_of(const Origins& origins, const std::string& name, const std::string& source) {
  auto it = origins.find(name);
  return it != origins.end() ? it->second : source + " (default)";
}

void validate(const Config& c, const Origins& origins) {
  for (const auto& f : fields()) {
    std::string reason = f.check(c);
    if (!reason.empty())
      throw ConfigError(origin_of(origins, f.name(), c.source) + ": " + f.name() + " = " + f.write(c) + ": " +
                        reason);
  }
  auto fail = [&](const std::string& name, const std::string& reason) {
    const Field* f = find_field(name.substr(0, name.find('.')), name.substr(name.find('.') + 1));
    throw ConfigError(origin_of(origins, name, c.source) + ": " + name + " = " + f->write(c) + ": " + reason);
  };
  // One chunk is read and written whole: samples.h5 refuses one of more than 2^31 values.
  if (c.generate.chunk_prompts * c.generate.samples * std::max(c.generate.max_new_tokens, c.generate.samples) >
      (int64_t{1} << 31))
    fail("generate.chunk_prompts", "a chunk of " + std::to_string(c.generate.chunk_prompts) + " prompts x " +
                                       std::to_string(c.generate.samples) + " samples x " +
                                       std::to_string(c.generate.max_new_tokens) +
                                       " tokens exceeds the 2^31 values samples.h5 reads at once: lower it");
  if (c.train.loss == LossKind::sft && !c.train.data)
    fail("train.loss", "sft trains on demonstrations: set train.data to a JSONL of {prompt, response}");
  if (c.train.micro_batch > c.train.global_batch)
    fail("train.micro_batch", "must not exceed train.global_batch = " + std::to_string(c.train.global_batch));
  if (c.train.max_prompt_length >= c.train.max_length)
    fail("train.max_prompt_length",
         "must be below train.max_length = " + std::to_string(c.train.max_length) + " to leave room for a response");
  if (c.ranker.type == RankerType::pairrm && c.ranker.path.empty())
    fail("ranker.path", "must name the PairRM folder when ranker.type = pairrm");
  if (c.ranker.type == RankerType::synthetic && c.ranker.rule == SyntheticRule::matrix) {
    const auto n = c.ranker.answers.size();
    if (n < 2) fail("ranker.answers", "the matrix rule needs at least two answers");
    if (std::set<std::string>(c.ranker.answers.begin(), c.ranker.answers.end()).size() != n)
      fail("ranker.answers", "answers must be distinct");
    if (c.ranker.matrix.size() != n) fail("ranker.matrix", "must have one row per answer (" + std::to_string(n) + ")");
    for (std::size_t i = 0; i < n; ++i) {
      if (c.ranker.matrix[i].size() != n)
        fail("ranker.matrix", "row " + std::to_string(i) + " must have " + std::to_string(n) + " entries");
      for (std::size_t j = 0; j < n; ++j) {
        const double p = c.ranker.matrix[i][j], q = c.ranker.matrix[j][i];
        const std::string at = "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
        if (!(p >= 0 && p <= 1)) fail("ranker.matrix", "entry " + at + " must be a probability in [0, 1]");
        if (std::abs(p + q - 1) > 1e-9)
          fail("ranker.matrix", "entry " + at + " and its transpose must sum to 1 (P(i beats j) + P(j beats i) = 1)");
      }
    }
  }
  if (c.ranker.type == RankerType::synthetic && c.ranker.rule == SyntheticRule::keyword && c.ranker.keywords.empty())
    fail("ranker.keywords", "the keyword rule needs at least one keyword");
}

}  // namespace

// ---------------------------------------------------------------- public API
std::string to_string(DType v) { return enum_name(v); }
std::string to_string(Precision v) { return enum_name(v); }
std::string to_string(ActivationCheckpointing v) { return enum_name(v); }
std::string to_string(RankerType v) { return enum_name(v); }
std::string to_string(SyntheticRule v) { return enum_name(v); }
std::string to_string(WinrateMode v) { return enum_name(v); }
std::string to_string(LossKind v) { return enum_name(v); }
std::string to_string(OptimizerKind v) { return enum_name(v); }
std::string to_string(Backend v) { return enum_name(v); }
std::string to_string(Prefetch v) { return enum_name(v); }
std::string to_string(FreedMemory v) { return enum_name(v); }
std::string to_string(DeviceSetting v) { return enum_name(v); }
std::string to_string(NonFinite v) { return enum_name(v); }

Override parse_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + assignment + ": expected section.key=value");
  return {assignment.substr(0, eq), assignment.substr(eq + 1)};
}

Config parse_config(const std::string& yaml_text, const std::string& source, const std::vector<Override>& overrides) {
  Config config;
  config.source = source;
  Origins origins;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": YAML syntax error: " + e.msg);
  }
  try {
    read_document(config, root, source, origins);
  } catch (const YAML::Exception& e) {  // e.g. a key that is not a scalar
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  for (const auto& o : overrides) apply_override(config, o, origins);
  validate(config, origins);
  return config;
}

Config load_config(const std::string& path, const std::vector<Override>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw_io_error(path, "read", errno);
  return parse_config(text.str(), path, overrides);
}

std::vector<std::pair<std::string, std::string>> config_values(const Config& config) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields()) out.emplace_back(f.name(), f.write(config));
  return out;
}

std::string config_to_yaml(const Config& config) {
  std::ostringstream out;
  std::string section;
  for (const auto& f : fields()) {
    if (f.section != section) {
      section = f.section;
      out << section << ":\n";
    }
    out << "  " << f.key << ": " << f.write(config) << "\n";
  }
  return out.str();
}

}  // namespace sppo
