#pragma once
// defines: what the tests of whole runs share (sppo run, Slurm jobs): tiny models built once
// per test process with `sppo init-model`, a two-iteration config over them, and the check
// that two run directories hold the same samples.h5 data and weights.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/hdf5.hpp"
#include "test_support.hpp"

namespace sppo::test {

// A folder holding policy/ and ranker/ (tiny Llama and PairRM from fixed seeds).
const std::string& tiny_models();

// A tiny policy of init-model kind `kind` (llama3, qwen2, qwen3, gemma2), built once per test
// process: the family's shape and tokenizer at 0.03 M parameters.
const std::string& tiny_family_policy(const std::string& kind);

// dir/run.yaml: run t under dir/runs, 2 iterations over tests/data/prompts.jsonl, K = 3, 8 new
// tokens, with the tiny PairRM and the tiny Llama (write_config) or `policy`.
std::string write_config(const TempDir& dir);
std::string write_config_with_policy(const TempDir& dir, const std::string& policy);

template <class T>
std::vector<T> dataset(const std::string& file, const std::string& path) {
  return h5::File::open(file, false, MPI_COMM_NULL).open_dataset(path).read_all<T>();
}

// Largest absolute difference between two model folders' tensors.
double max_difference(const std::string& a, const std::string& b);

// Run directories a and b: same prompts, responses and judge outputs (bytes), reference
// log-probs within 1e-4, every iteration's policy within 1e-5.
void expect_same_results(const std::string& a, const std::string& b, int iterations = 2);

}  // namespace sppo::test
