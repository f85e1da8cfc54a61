#include "model/init_parts.hpp"

#include <ATen/ATen.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "model/init_model.hpp"
#include "model/sentencepiece.hpp"

namespace sppo {

std::string tokenizer_text(const ModelArch& a) {
  std::ifstream in(a.tokenizer_text, std::ios::binary);
  if (!in) throw_io_error(a.tokenizer_text, "open (tokenizer_text of " + a.source + ")", errno);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int64_t train_sentencepiece(const ModelArch& a, const std::string& prefix, const std::string& layout_flags) {
  std::string flags = "--input=" + a.tokenizer_text + " --model_prefix=" + prefix +
                      " --vocab_size=" + std::to_string(a.vocab_size) + " --model_type=" + a.tokenizer_type +
                      " --character_coverage=1.0 --num_threads=1 --hard_vocab_limit=false"
                      " --shuffle_input_sentence=false --minloglevel=2 --max_sentence_length=65536 " + layout_flags;
  if (a.byte_fallback) flags += " --byte_fallback=true";
  SentencePiece::train(flags);
  std::filesystem::remove(prefix + ".vocab");
  return SentencePiece(prefix + ".model").piece_size();
}

std::string fewer_pieces_notice(const ModelArch& a, int64_t pieces) {
  if (pieces >= a.vocab_size) return "";
  return a.tokenizer_text + " gives " + std::to_string(pieces) + " SentencePiece pieces, fewer than vocab_size " +
         std::to_string(a.vocab_size) + " in " + a.source + ": the vocabulary has " + std::to_string(pieces) +
         " (give more text for more)";
}

namespace {

at::Tensor random_tensor(uint64_t seed, uint32_t index, const std::vector<int64_t>& shape, double std) {
  at::Tensor t = at::empty(shape, at::kFloat);
  float* p = t.data_ptr<float>();
  for (int64_t k = 0; k < t.numel(); ++k) p[k] = static_cast<float>(std * init_normal(seed, index, static_cast<uint64_t>(k)));
  return t;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<NamedTensor> draw_weights(const ModelArch& a, const std::vector<ParamSpec>& specs, float norm_value) {
  std::vector<NamedTensor> out;
  uint32_t index = 0;
  for (const auto& s : specs) {
    const bool norm = s.name.find("norm") != std::string::npos || s.name.find("LayerNorm") != std::string::npos;
    if (ends_with(s.name, ".bias")) out.push_back({s.name, at::zeros(s.shape)});
    else if (norm) out.push_back({s.name, at::full(s.shape, norm_value)});
    else out.push_back({s.name, random_tensor(static_cast<uint64_t>(a.seed), index, s.shape, a.initializer_range)});
    ++index;
  }
  return out;
}

int64_t write_weights(const std::string& dir, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_safetensors_folder(dir, tensors, metadata);
  int64_t n = 0;
  for (const auto& t : tensors) n += t.tensor.numel();
  return n;
}

}  // namespace sppo
