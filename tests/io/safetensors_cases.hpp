#pragma once
// defines: the catalogue of malformed safetensors files shared by the parser's unit test and
// the command-line test: each case's bytes and a fragment its one-line error must contain.
#include <string>
#include <vector>

namespace sppo::test {

struct BadSafetensors {
  std::string name;
  std::string bytes;
  std::string expected_error;  // a fragment of the message
};

// [u64 little-endian length][header][data_bytes zero bytes]
std::string safetensors_bytes(const std::string& header, std::size_t data_bytes);

std::vector<BadSafetensors> bad_safetensors_cases();

}  // namespace sppo::test
