#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "model/init_model.hpp"

namespace sppo {

int init_model_command(const CommandLine& cl) {
  ModelArch arch = load_model_arch(*cl.flag("arch"));
  if (const auto seed = cl.flag("seed")) {
    char* end = nullptr;
    const long long v = std::strtoll(seed->c_str(), &end, 10);
    if (seed->empty() || *end || v < 0) throw ConfigError("sppo init-model: --seed " + *seed + ": expected a non-negative integer");
    arch.seed = v;
  }
  const std::string out = *cl.flag("out");
  const InitModelResult r = init_model(arch, out);
  std::cout << out << ": " << (r.built ? "built" : "already built, unchanged") << " (" << to_string(arch.kind) << ", "
            << r.parameters << " parameters, vocabulary " << r.vocab_size << ", seed " << arch.seed << ")\n";
  if (!r.notice.empty()) std::cerr << "sppo init-model: note: " << r.notice << "\n";
  return 0;
}

}  // namespace sppo
