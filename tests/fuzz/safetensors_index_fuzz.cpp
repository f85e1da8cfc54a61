// libFuzzer target: the model.safetensors.index.json parser on arbitrary bytes. It must either
// return a weight map whose every shard is a plain file name (the folder cannot be left), or
// throw FormatError; anything else (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.hpp"
#include "io/safetensors_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto index = sppo::parse_safetensors_index(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.index.json");
    for (const auto& [tensor, shard] : index.weight_map)
      if (shard.empty() || shard.find('/') != std::string::npos || shard == ".." || shard == ".") std::abort();
  } catch (const sppo::FormatError&) {
  }
  return 0;
}
