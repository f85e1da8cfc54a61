// Writes random weights (N(0, 0.02), norms 1) for the Llama config.json already in FOLDER, as
// model.safetensors: the benchmark models of bench/train.
//   build/bin/bench_make_policy FOLDER
#include <ATen/ATen.h>

#include <cstdio>

#include "io/safetensors_writer.hpp"
#include "model/causal_lm.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER (holding config.json)\n", argv[0]);
    return 2;
  }
  const std::string folder = argv[1];
  at::manual_seed(0);
  const sppo::CausalLmConfig config = sppo::read_causal_lm_config(folder);
  std::vector<sppo::NamedTensor> tensors;
  for (const auto& unit : sppo::causal_lm_unit_specs(config))
    for (const auto& spec : unit)
      tensors.push_back({spec.name, spec.shape.size() == 1 ? at::ones(spec.shape) : at::randn(spec.shape) * 0.02});
  sppo::write_safetensors_folder(folder, tensors);
  std::printf("%s: %.1f M parameters\n", folder.c_str(), config.parameter_count() / 1e6);
  return 0;
}
