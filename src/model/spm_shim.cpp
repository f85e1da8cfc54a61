// The shim library: the only code that links SentencePiece. See spm_shim_api.h.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <string>
#include <vector>

#include "model/spm_shim_api.h"

namespace {

void write_error(const std::string& message, char* err, size_t err_size) {
  if (!err || err_size == 0) return;
  const size_t n = std::min(message.size(), err_size - 1);
  std::memcpy(err, message.data(), n);
  err[n] = '\0';
}

long copy_out(const std::string& s, char* out, size_t capacity) {
  if (out && capacity > s.size()) {
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
  }
  return static_cast<long>(s.size());
}

const sentencepiece::SentencePieceProcessor& sp(const void* model) {
  return *static_cast<const sentencepiece::SentencePieceProcessor*>(model);
}

}  // namespace

extern "C" {

int sppo_spm_abi(void) { return SPPO_SPM_SHIM_ABI; }

void* sppo_spm_load(const char* model_bytes, size_t size, int add_dummy_prefix, char* err, size_t err_size) {
  std::string proto(model_bytes, size);
  if (!add_dummy_prefix) {
    // Protocol buffers merge a repeated embedded message field by field, so appending
    // ModelProto.normalizer_spec (field 3) = { add_dummy_prefix (field 3) = false }
    // overrides just that flag: tag 0x1A, length 2, then tag 0x18, value 0.
    proto.append("\x1A\x02\x18\x00", 4);
  }
  auto* processor = new sentencepiece::SentencePieceProcessor();
  const auto status = processor->LoadFromSerializedProto(proto);
  if (!status.ok()) {
    write_error(status.ToString(), err, err_size);
    delete processor;
    return nullptr;
  }
  return processor;
}

void sppo_spm_free(void* model) { delete static_cast<sentencepiece::SentencePieceProcessor*>(model); }

int sppo_spm_piece_size(const void* model) { return sp(model).GetPieceSize(); }

long sppo_spm_encode(const void* model, const char* text, size_t size, int* ids, size_t capacity) {
  std::vector<int> out;
  if (!sp(model).Encode(std::string(text, size), &out).ok()) return -1;
  if (ids && capacity >= out.size()) std::memcpy(ids, out.data(), out.size() * sizeof(int));
  return static_cast<long>(out.size());
}

long sppo_spm_decode(const void* model, const int* ids, size_t count, char* text, size_t capacity) {
  std::string out;
  if (!sp(model).Decode(std::vector<int>(ids, ids + count), &out).ok()) return -1;
  return copy_out(out, text, capacity);
}

long sppo_spm_id_to_piece(const void* model, int id, char* piece, size_t capacity) {
  if (id < 0 || id >= sp(model).GetPieceSize()) return -1;
  return copy_out(sp(model).IdToPiece(id), piece, capacity);
}

int sppo_spm_piece_to_id(const void* model, const char* piece, size_t size) {
  return sp(model).PieceToId(std::string(piece, size));
}

int sppo_spm_piece_kind(const void* model, int id) {
  if (sp(model).IsByte(id)) return 1;
  if (sp(model).IsUnknown(id)) return 2;
  if (sp(model).IsControl(id)) return 3;
  return 0;
}

int sppo_spm_train(const char* args, char* err, size_t err_size) {
  const auto status = sentencepiece::SentencePieceTrainer::Train(args);
  if (!status.ok()) {
    write_error(status.ToString(), err, err_size);
    return -1;
  }
  return 0;
}

}  // extern "C"
