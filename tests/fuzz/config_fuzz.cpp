// libFuzzer target: the YAML config loader on arbitrary text. It must return a validated
// Config or throw ConfigError; nothing else. See tests/fuzz/safetensors_header_fuzz.cpp.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    sppo::parse_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const sppo::ConfigError&) {
  }
  return 0;
}
