// libFuzzer target: the prompt JSONL reader on arbitrary bytes. It must return prompts or
// throw FormatError; nothing else. See tests/fuzz/safetensors_header_fuzz.cpp.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "io/prompts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    sppo::parse_prompts(in, "fuzz.jsonl", "prompt", std::string("id"));
  } catch (const sppo::FormatError&) {
  }
  return 0;
}
