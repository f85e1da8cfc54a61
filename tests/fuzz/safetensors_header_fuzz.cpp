// libFuzzer target: the safetensors header parser on arbitrary bytes. It must either return
// a header whose every range lies inside the input, or throw FormatError; anything else
// (a crash, a sanitizer report, another exception) is a bug. scripts/fuzz builds it with
// clang -fsanitize=fuzzer,address; tests/fuzz/replay_main.cpp replays the corpus in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.hpp"
#include "io/safetensors_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const sppo::SafetensorsHeader h = sppo::parse_safetensors_header(data, size, "fuzz.safetensors");
    for (const auto& t : h.tensors) {
      if (h.data_offset + t.end > size || t.begin > t.end) std::abort();
      // Touch the first and last byte of every tensor: AddressSanitizer checks the bounds.
      if (t.end > t.begin) {
        volatile uint8_t first = data[h.data_offset + t.begin];
        volatile uint8_t last = data[h.data_offset + t.end - 1];
        (void)first;
        (void)last;
      }
    }
  } catch (const sppo::FormatError&) {
  }
  return 0;
}
