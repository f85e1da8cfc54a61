#pragma once
// defines: CountedTokens (the positions of a batch whose next token is a counted response
// token) and ResponseHead, the policy head over those positions alone: each row's
// Σ log softmax(logits)[token] and, for training, its gradients with respect to the head's input
// and output matrix, without ever holding the [rows, length, vocab] logits. The output matrix
// multiplies only positions that predict a counted token (the prompt and padding are skipped),
// a chunk of tokens at a time; the log-softmax of the chunks is kept for the backward pass
// while it fits a budget and recomputed beyond it.
#include <ATen/core/Tensor.h>

#include <vector>

#include "model/causal_lm_config.hpp"

namespace sppo {

// Position t − 1 predicts token t; t is counted when t >= response_start and mask is 1 (the
// EOS included when present, the prompt never), as in response_logp. Row-major order.
struct CountedTokens {
  at::Tensor source;  // [n] long: b × L + t − 1, a row of the head input viewed as [B × L, hidden]
  at::Tensor target;  // [n] long: the token id at t
  at::Tensor row;     // [n] long: b
  int64_t rows = 0;   // B
  int64_t length = 0; // L
  int64_t count() const { return source.defined() ? source.size(0) : 0; }
};
// ids, mask [B, L]; response_start [B]
CountedTokens counted_tokens(const at::Tensor& ids, const at::Tensor& mask, const at::Tensor& response_start);

struct HeadGradients {
  at::Tensor input;   // dL/dx [B, L, hidden] in x's dtype, zero where no counted token is predicted
  at::Tensor output;  // dL/d(output matrix) [vocab, hidden] in the matrix's dtype
};

// How the head walks the tokens; 0 takes the defaults below (tests pass small values).
struct HeadChunking {
  int64_t tokens = 0;      // tokens per chunk
  int64_t keep_bytes = 0;  // the most kept log-softmax bytes
};

class ResponseHead {
 public:
  // x: the final norm's output [B, L, hidden]; output: the output matrix [vocab, hidden] (both
  // in the compute dtype, without autograd). `keep`: keep the chunks' log-softmax for
  // backward() (within the budget); a forward-only pass says false.
  ResponseHead(const CausalLmConfig& config, at::Tensor x, at::Tensor output, CountedTokens tokens, bool keep,
               HeadChunking chunking = {});

  // [B] float32: Σ over each row's counted tokens of log softmax(logits[t − 1])[token t],
  // the logits soft-capped as the family caps them and the softmax in float32.
  at::Tensor logp();

  // Given dL/dlogp [B] float32 (after logp()): with z the logits and p = softmax(z),
  // dL/dz[t − 1] = g_row · (onehot(token t) − p), times the cap's derivative 1 − (z/cap)² when
  // capped; dL/dx = dL/dz · output and dL/d output = dL/dzᵀ · x. Kept: dL/dz replaces the kept
  // log-softmax in place and each product is one matrix multiplication over all the tokens;
  // recomputed: a chunk at a time, the output's products summed in float32.
  HeadGradients backward(const at::Tensor& grad_logp);

  // Tokens per chunk: a chunk's [tokens, vocab] float32 logits stay within 16 MiB on the CPU
  // (under glibc's largest mmap threshold, so its buffers are reused instead of being mapped
  // and faulted in anew) and 256 MiB on a GPU.
  static int64_t chunk_tokens(int64_t vocab, bool on_gpu);
  // The most kept log-softmax bytes; beyond it backward() recomputes each chunk's logits.
  static constexpr int64_t kKeepBytes = int64_t{256} << 20;

 private:
  // The float32 log-softmax of tokens [begin, end) [n, vocab], written into `out` when given
  // (a row slice of kept_); with the cap, lse [n] receives each row's log Σ exp(z) (z = capped
  // logits = log-softmax + lse).
  at::Tensor chunk_log_softmax(int64_t begin, int64_t end, at::Tensor* out, at::Tensor* lse) const;
  // dL/dz over the chunk's rows of `log_p`, in place: g · (onehot − exp(log_p)), × the cap's derivative
  void chunk_logit_grad(at::Tensor& log_p, const at::Tensor& lse, const at::Tensor& grad_rows, int64_t begin,
                        int64_t end) const;

  CausalLmConfig config_;
  at::Tensor x_;       // [B × L, hidden]
  at::Tensor output_;  // [vocab, hidden]
  CountedTokens tokens_;
  bool keep_;
  int64_t chunk_;
  at::Tensor kept_;      // [n, vocab] float32 log-softmax of all counted tokens, when keeping
  at::Tensor kept_lse_;  // [n], when keeping a capped head's
};

}  // namespace sppo
