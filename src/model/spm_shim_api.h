/* defines: the C interface of libsppo_spm, the shim that holds SentencePiece apart from
 * LibTorch (their protobuf copies clash in one binary: ENVIRONMENT.md). The shim is loaded
 * with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) by model/sentencepiece.cpp; nothing else calls it.
 * Every function that fills a buffer returns the length it needs (ids, or bytes without
 * the terminating NUL); a call with a buffer too small fills nothing useful and is repeated
 * with a larger one. Negative returns are errors. */
#ifndef SPPO_SPM_SHIM_API_H
#define SPPO_SPM_SHIM_API_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPPO_SPM_SHIM_ABI 1

int sppo_spm_abi(void);
/* Loads a serialized ModelProto; add_dummy_prefix = 0 overrides the model's normalizer spec
 * so that text is encoded without the leading "▁" (Llama's legacy=false behaviour after a
 * special token). Returns NULL and writes a message into err on failure. */
void* sppo_spm_load(const char* model_bytes, size_t size, int add_dummy_prefix, char* err, size_t err_size);
void sppo_spm_free(void* model);
int sppo_spm_piece_size(const void* model);
long sppo_spm_encode(const void* model, const char* text, size_t size, int* ids, size_t capacity);
long sppo_spm_decode(const void* model, const int* ids, size_t count, char* text, size_t capacity);
long sppo_spm_id_to_piece(const void* model, int id, char* piece, size_t capacity);
int sppo_spm_piece_to_id(const void* model, const char* piece, size_t size);
/* 1 when the piece is a byte-fallback piece <0xNN>, 2 unknown, 3 control, 0 otherwise. */
int sppo_spm_piece_kind(const void* model, int id);
/* Trains a model: args is SentencePieceTrainer's flag string ("--input=... --model_prefix=..."). */
int sppo_spm_train(const char* args, char* err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif
