#include "model/weights.hpp"

#include <ATen/ATen.h>

#include <limits>

#include "core/error.hpp"

namespace sppo {

void check_weight(const SafetensorsModel& weights, const std::string& name, const std::vector<int64_t>& shape) {
  if (!weights.contains(name)) throw FormatError(weights.path() + ": tensor " + name + " is missing");
  const TensorEntry& e = weights.entry(name);
  if (e.shape != shape) {
    std::string got, want;
    for (auto d : e.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    for (auto d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    throw FormatError(weights.file_of(name) + ": tensor " + name + " has shape [" + got + "], config.json implies [" +
                      want + "]");
  }
  if (e.dtype != StDType::F32 && e.dtype != StDType::BF16 && e.dtype != StDType::F16)
    throw FormatError(weights.file_of(name) + ": tensor " + name + " has dtype " + dtype_name(e.dtype) +
                      ", expected F32, BF16 or F16");
}

at::Tensor load_weight(const SafetensorsModel& weights, const std::string& name, const std::vector<int64_t>& shape,
                       at::ScalarType dtype, std::vector<std::string>* used, c10::Device device) {
  check_weight(weights, name, shape);
  if (used) used->push_back(name);
  // A copy: the mapping is released once every tensor owns converted memory.
  const at::Tensor mapped = weights.tensor(name);
  if (device.is_cpu()) return mapped.to(dtype, /*non_blocking=*/false, /*copy=*/true).contiguous();
  return mapped.to(device).to(dtype).contiguous();  // the file's bytes cross once; converted on the device
}

double lowest_score(at::ScalarType type) {
  return type == at::kBFloat16 ? static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest())
                               : static_cast<double>(std::numeric_limits<float>::lowest());
}

}  // namespace sppo
