#include "io/safetensors_cases.hpp"

#include <cstdint>

namespace sppo::test {

std::string safetensors_bytes(const std::string& header, std::size_t data_bytes) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + std::string(data_bytes, '\0');
}

std::vector<BadSafetensors> bad_safetensors_cases() {
  const std::string good = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  std::string huge_length(8, '\xff');
  std::string past_eof = safetensors_bytes(good, 16);
  past_eof[0] = static_cast<char>(200);  // claims 200 header bytes, file holds fewer
  std::string truncated = safetensors_bytes(good, 16);
  truncated.resize(truncated.size() - 5);
  return {
      {"empty", "", "shorter than the 8-byte"},
      {"five_bytes", "\x01\x02\x03\x04\x05", "shorter than the 8-byte"},
      {"zero_length", safetensors_bytes("", 0), "header length is 0"},
      {"huge_length", huge_length + "{}", "exceeds the limit"},
      {"length_past_eof", past_eof, "runs past the end of the file"},
      {"truncated_data", truncated, "outside data"},
      {"not_json", safetensors_bytes("{this is not json}", 0), "not valid JSON"},
      {"not_object", safetensors_bytes("[1,2,3]", 0), "not a JSON object"},
      {"trailing_garbage", safetensors_bytes(good + "xyz", 16), "not valid JSON"},
      {"entry_not_object", safetensors_bytes(R"({"a":5})", 0), "tensor a: expected an object"},
      {"missing_dtype", safetensors_bytes(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4), "missing string field dtype"},
      {"unknown_dtype", safetensors_bytes(R"({"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", 1), "unknown dtype \"F8\""},
      {"missing_shape", safetensors_bytes(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4), "missing array field shape"},
      {"negative_shape", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4), "non-negative integers"},
      {"float_shape", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4), "non-negative integers"},
      {"huge_shape", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", 4), "overflows"},
      {"offsets_not_pair", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), "data_offsets must be"},
      {"offsets_reversed", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4), "end before they begin"},
      {"wrong_dtype_size", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "needs 12 bytes"},
      {"offsets_out_of_range", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[100,116]}})", 16), "outside data (size 16)"},
      {"overlapping", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16), "overlap"},
      // The data must be tiled exactly (Hugging Face's safetensors refuses holes and leftovers).
      {"hole_before_the_only_tensor", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16),
       "tensor a: offsets [8, 16] leave bytes [0, 8) of the data to no tensor (safetensors tiles the data exactly)"},
      {"hole_between_tensors", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", 12),
       "tensor b: offsets [8, 12] leave bytes [4, 8) of the data to no tensor"},
      {"bytes_after_the_last_tensor", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 12),
       "bytes [4, 12) of the data belong to no tensor (safetensors tiles the data exactly)"},
      {"duplicate_name", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), "duplicate key \"a\""},
      {"unexpected_field", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", 4), "unexpected field \"x\""},
      {"metadata_not_strings", safetensors_bytes(R"({"__metadata__":{"format":1}})", 0), "__metadata__.format must be a string"},
      {"too_many_dims", safetensors_bytes(R"({"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}})", 1), "dimensions"},
  };
}

}  // namespace sppo::test
