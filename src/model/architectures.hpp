#pragma once
// defines: the architecture registry: every causal-LM family sppo supports, by Hugging Face
// model_type, with the function that reads its config.json into a CausalLmConfig (which
// tensors the family has and how its unit functions compute follow from that config). A
// family is one file (model/arch_<family>.cpp) and one line of architectures.cpp; nothing
// else switches on the family.
#include <string>
#include <vector>

#include "model/causal_lm_config.hpp"
#include "model/config_reader.hpp"

namespace sppo {

struct Architecture {
  const char* model_type;  // "llama"
  const char* hf_class;    // "LlamaForCausalLM": what loads an exported folder in transformers
  // Reads the family's keys; refuses the ones that change the math and are not implemented.
  CausalLmConfig (*read)(const ConfigReader& config);
};

// In registry order.
const std::vector<Architecture>& architectures();
// nullptr when sppo has no such family.
const Architecture* find_architecture(const std::string& model_type);
// "llama, mistral, qwen2, qwen3, gemma2" for messages.
std::string architecture_names();

// The families' readers (model/arch_*.cpp).
CausalLmConfig read_llama_family(const ConfigReader& config);    // llama, mistral
CausalLmConfig read_qwen2_family(const ConfigReader& config);    // qwen2
CausalLmConfig read_qwen3_family(const ConfigReader& config);    // qwen3
CausalLmConfig read_gemma2_family(const ConfigReader& config);   // gemma2

}  // namespace sppo
