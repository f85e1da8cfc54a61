#pragma once
// defines: the safetensors header (8-byte little-endian length, JSON table of tensors) and
// parse_safetensors_header, its validating parser. No torch here: this is the code that
// reads untrusted bytes, and its fuzz target stays small.
//
// File layout: [u64 N][N bytes of JSON][data]. Each JSON entry
//   "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
// gives a byte range of the data section; "__metadata__" maps strings to strings.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sppo {

enum class StDType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::size_t dtype_size(StDType dtype);
const char* dtype_name(StDType dtype);
std::optional<StDType> dtype_from_name(const std::string& name);

struct TensorEntry {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets inside the data section, end exclusive
  uint64_t end = 0;
  int64_t numel() const;
};

struct SafetensorsHeader {
  uint64_t data_offset = 0;  // 8 + header length: where the data section starts in the file
  uint64_t data_size = 0;    // bytes of the data section
  std::vector<TensorEntry> tensors;  // in file order of their data
  std::map<std::string, std::string> metadata;

  const TensorEntry* find(const std::string& name) const;
};

// Largest header accepted (the reference implementation's limit is 100 MB as well).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

// Parses and validates the header of a safetensors file of `file_size` bytes whose first
// bytes are `bytes` (at least min(file_size, 8 + N) of them must be readable). Checks: the
// length fits the file, the JSON is an object without duplicate keys, every dtype is known,
// every shape is non-negative, shape x dtype size equals the byte range, every range lies
// inside the data section, no two ranges overlap. Throws FormatError "<path>: ...".
SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, std::size_t file_size, const std::string& path);

}  // namespace sppo
