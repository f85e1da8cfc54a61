#pragma once
// defines: load_weight, one parameter of a model folder read with the checks every
// architecture needs (present, of the shape config.json implies, a float dtype), converted
// to the compute dtype in memory of its own; and lowest_score, the value masked attention
// scores get.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "io/safetensors.hpp"

namespace sppo {

// The checks alone: present, of `shape`, a float dtype. Throws FormatError naming file and tensor.
void check_weight(const SafetensorsModel& weights, const std::string& name, const std::vector<int64_t>& shape);

// Throws FormatError naming the file and the tensor. Appends `name` to `used` if given. The
// tensor goes from the mapping to `device` in one copy (no host copy for a GPU), converted there.
at::Tensor load_weight(const SafetensorsModel& weights, const std::string& name, const std::vector<int64_t>& shape,
                       at::ScalarType dtype, std::vector<std::string>* used = nullptr,
                       c10::Device device = c10::Device(c10::kCPU));

// The most negative finite value of `type`: masked scores get it (as Hugging Face does), so a
// row whose every key is masked (a padding query) stays finite instead of turning into NaN.
double lowest_score(at::ScalarType type);

}  // namespace sppo
