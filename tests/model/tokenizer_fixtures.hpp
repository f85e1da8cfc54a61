#pragma once
// defines: the real tokenizer folders of tests/data/tokenizers (Llama-3, its update, Qwen3,
// Gemma-3, Mistral-7B; see the README there), unpacked once per test process into a temporary
// folder (the big files are kept xz-compressed and decompressed here with liblzma), loaded
// tokenizers cached per family, and the reference cases beside them.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/hf_tokenizer.hpp"

namespace sppo::test {

// The five family names, in the order of cases.json.
const std::vector<std::string>& tokenizer_families();

// The contents of an .xz file's bytes; throws std::runtime_error on malformed data.
std::string xz_decompress(const std::string& compressed);

// A folder holding `family`'s tokenizer.json and tokenizer_config.json, uncompressed.
const std::string& tokenizer_folder(const std::string& family);

// HfTokenizer::load(tokenizer_folder(family)), loaded once per process.
const HfTokenizer& family_tokenizer(const std::string& family);

// tests/data/tokenizers/<name> parsed as JSON (cases.json, chat.json, ...).
const nlohmann::json& tokenizer_reference(const std::string& name);

// "[1, 2, 3]" for failure messages.
std::string ids_text(const std::vector<int32_t>& ids);

}  // namespace sppo::test
