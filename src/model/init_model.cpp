#include "model/init_model.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/counter_rng.hpp"
#include "io/atomic_file.hpp"
#include "io/fingerprint.hpp"
#include "model/init_parts.hpp"

namespace sppo {
namespace fs = std::filesystem;
namespace {

constexpr const char* kProvenance = "init_model.json";

// What identifies a built model: the arch file's settings and the tokenizer text's bytes.
std::string arch_identity(const ModelArch& a) {
  Fingerprint f;
  f.add(to_string(a.kind)).add(a.seed).add(a.hidden_size).add(a.intermediate_size).add(a.layers).add(a.heads);
  f.add(a.kv_heads).add(a.position_buckets).add(a.max_position_embeddings).add(&a.initializer_range, sizeof(double));
  f.add(a.vocab_size).add(a.tokenizer_type).add(int64_t{a.byte_fallback}).add(tokenizer_text(a));
  // Keys added with the families, only where they change the model (older identities stay).
  if (a.head_dim) f.add(std::string("head_dim")).add(a.head_dim);
  if (a.tie_word_embeddings >= 0) f.add(std::string("tie_word_embeddings")).add(int64_t{a.tie_word_embeddings});
  if (a.kind == ModelKind::gemma2) f.add(std::string("sliding_window")).add(a.sliding_window);
  return f.hex();
}

using Builder = BuiltModel (*)(const ModelArch&, const std::string&);

Builder builder_of(ModelKind kind) {
  switch (kind) {
    case ModelKind::llama: return build_llama_policy;
    case ModelKind::llama3:
    case ModelKind::qwen2:
    case ModelKind::qwen3: return build_byte_level_policy;
    case ModelKind::gemma2: return build_gemma2_policy;
    case ModelKind::pairrm: return build_pairrm;
  }
  throw Error("init-model: unknown kind");
}

}  // namespace

float init_normal(uint64_t seed, uint32_t tensor_index, uint64_t k) {
  const auto w = philox4x32({static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32), tensor_index, 0x1a17u},
                            {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  // Two uniforms in (0, 1] from 53 bits each, then Box-Muller.
  constexpr double kScale = 1.0 / 9007199254740992.0;  // 2^-53
  const double u1 = (static_cast<double>((uint64_t{w[0]} << 21) ^ (w[1] >> 11)) + 1.0) * kScale;
  const double u2 = (static_cast<double>((uint64_t{w[2]} << 21) ^ (w[3] >> 11)) + 1.0) * kScale;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

InitModelResult init_model(const ModelArch& arch, const std::string& out) {
  const std::string identity = arch_identity(arch);
  if (fs::exists(out)) {
    std::ifstream in(out + "/" + kProvenance);
    nlohmann::json recorded;
    try {
      if (in) recorded = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
    }
    if (recorded.is_object() && recorded.value("identity", "") == identity)
      return {false, recorded.value("parameters", int64_t{0}), recorded.value("vocab_size", int64_t{0}),
              recorded.value("notice", "")};
    throw ConfigError(out + ": exists and is not the model of " + arch.source +
                      " (another architecture, seed or tokenizer text); remove it or give another --out");
  }
  const std::string partial = out + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  InitModelResult result;
  result.built = true;
  // The half-built folder goes when building fails (a refused tokenizer text, a full disk).
  struct RemoveUnlessKept {
    std::string path;
    bool keep = false;
    ~RemoveUnlessKept() {
      std::error_code ignored;
      if (!keep) fs::remove_all(path, ignored);
    }
  } cleanup{partial};
  const BuiltModel built = builder_of(arch.kind)(arch, partial);
  result.parameters = built.parameters;
  result.vocab_size = built.vocab_size;
  result.notice = built.notice;
  write_file_atomically(partial + "/" + kProvenance,
             nlohmann::json{{"identity", identity}, {"arch", arch.source}, {"kind", to_string(arch.kind)},
                            {"seed", arch.seed}, {"parameters", result.parameters}, {"vocab_size", result.vocab_size},
                            {"notice", result.notice}}
                     .dump(2) + "\n");
  std::error_code ec;
  fs::rename(partial, out, ec);
  if (ec) throw_io_error(out, "rename " + partial + " to", ec.value());
  cleanup.keep = true;
  return result;
}

}  // namespace sppo
