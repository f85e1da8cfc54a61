#include "train/response_head.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <utility>

#include "model/causal_lm.hpp"
#include "train/losses.hpp"

namespace sppo {

CountedTokens counted_tokens(const at::Tensor& ids, const at::Tensor& mask, const at::Tensor& response_start) {
  CountedTokens out;
  out.rows = ids.size(0);
  out.length = ids.size(1);
  // response_logp's positions but t = 0, which nothing predicts (response_logp adds a 0 there)
  at::Tensor counted = counted_positions(mask, response_start);
  if (out.length > 0) counted.select(1, 0).fill_(false);
  const at::Tensor where = counted.nonzero();  // [n, 2] (b, t), row-major
  out.row = where.select(1, 0).contiguous();
  const at::Tensor position = where.select(1, 1);
  out.source = (out.row * out.length + position - 1).contiguous();
  out.target = ids.to(at::kLong).reshape({-1}).index_select(0, out.row * out.length + position).contiguous();
  return out;
}

int64_t ResponseHead::chunk_tokens(int64_t vocab, bool on_gpu) {
  const int64_t bytes = on_gpu ? int64_t{256} << 20 : int64_t{16} << 20;
  return std::max<int64_t>(1, bytes / (std::max<int64_t>(vocab, 1) * 4));
}

ResponseHead::ResponseHead(const CausalLmConfig& config, at::Tensor x, at::Tensor output, CountedTokens tokens,
                           bool keep, HeadChunking chunking)
    : config_(config),
      x_(x.reshape({-1, x.size(-1)})),
      output_(std::move(output)),
      tokens_(std::move(tokens)),
      keep_(keep && tokens_.count() * output_.size(0) * 4 <= (chunking.keep_bytes > 0 ? chunking.keep_bytes : kKeepBytes)),
      chunk_(chunking.tokens > 0 ? chunking.tokens : chunk_tokens(output_.size(0), output_.is_cuda())) {}

at::Tensor ResponseHead::chunk_log_softmax(int64_t begin, int64_t end, at::Tensor* out, at::Tensor* lse) const {
  const at::Tensor xs = x_.index_select(0, tokens_.source.slice(0, begin, end));
  const at::Tensor z = output_logits(config_, output_, xs).to(at::kFloat);  // [n, vocab]
  at::Tensor log_p = out != nullptr ? at::log_softmax_out(*out, z, -1) : at::log_softmax(z, -1);
  if (lse != nullptr) {  // log Σ exp(z) = z − log-softmax, read at the target column
    const at::Tensor target = tokens_.target.slice(0, begin, end).unsqueeze(1);
    *lse = (z.gather(1, target) - log_p.gather(1, target)).squeeze(1);
  }
  return log_p;
}

void ResponseHead::chunk_logit_grad(at::Tensor& log_p, const at::Tensor& lse, const at::Tensor& grad_rows,
                                    int64_t begin, int64_t end) const {
  at::Tensor factor;
  if (config_.final_logit_softcap) {  // 1 − (z/cap)² with z = log-softmax + lse, the capped logits
    factor = (log_p + lse.unsqueeze(1)).div_(*config_.final_logit_softcap).pow_(2).neg_().add_(1.0);
  }
  const at::Tensor g = grad_rows.index_select(0, tokens_.row.slice(0, begin, end)).unsqueeze(1);  // [n, 1]
  log_p.exp_().mul_(g.neg());
  log_p.scatter_add_(1, tokens_.target.slice(0, begin, end).unsqueeze(1), g);
  if (factor.defined()) log_p.mul_(factor);
}

at::Tensor ResponseHead::logp() {
  at::NoGradGuard no_grad;
  at::Tensor rows = at::zeros({tokens_.rows}, x_.options().dtype(at::kFloat));
  const bool capped = config_.final_logit_softcap.has_value();
  const int64_t n = tokens_.count();
  if (keep_) {
    kept_ = at::empty({n, output_.size(0)}, x_.options().dtype(at::kFloat));
    if (capped) kept_lse_ = at::empty({n}, kept_.options());
  }
  for (int64_t begin = 0; begin < n; begin += chunk_) {
    const int64_t end = std::min(begin + chunk_, n);
    at::Tensor out = keep_ ? kept_.slice(0, begin, end) : at::Tensor();
    at::Tensor lse;
    const at::Tensor log_p = chunk_log_softmax(begin, end, keep_ ? &out : nullptr, keep_ && capped ? &lse : nullptr);
    if (lse.defined()) kept_lse_.slice(0, begin, end).copy_(lse);
    const at::Tensor token = log_p.gather(1, tokens_.target.slice(0, begin, end).unsqueeze(1)).squeeze(1);
    rows.index_add_(0, tokens_.row.slice(0, begin, end), token);
  }
  return rows;
}

HeadGradients ResponseHead::backward(const at::Tensor& grad_logp) {
  at::NoGradGuard no_grad;
  const bool capped = config_.final_logit_softcap.has_value();
  const int64_t n = tokens_.count();
  const at::ScalarType dtype = output_.scalar_type();
  const at::Tensor grad_rows = grad_logp.to(x_.device(), at::kFloat);
  HeadGradients g;
  g.input = at::zeros_like(x_);
  if (keep_) {
    for (int64_t begin = 0; begin < n; begin += chunk_) {
      const int64_t end = std::min(begin + chunk_, n);
      at::Tensor dz = kept_.slice(0, begin, end);
      chunk_logit_grad(dz, capped ? kept_lse_.slice(0, begin, end) : at::Tensor(), grad_rows, begin, end);
    }
    const at::Tensor dz = kept_.to(dtype);  // [n, vocab]
    kept_ = kept_lse_ = at::Tensor();
    const at::Tensor xs = x_.index_select(0, tokens_.source);
    g.output = at::mm(dz.t(), xs);
    g.input.index_copy_(0, tokens_.source, at::mm(dz, output_));
  } else {
    // float32 sums of the chunks' dzᵀ·x (a bfloat16 matrix's chunk products added in float32)
    at::Tensor output_sum = at::zeros(output_.sizes(), output_.options().dtype(at::kFloat));
    for (int64_t begin = 0; begin < n; begin += chunk_) {
      const int64_t end = std::min(begin + chunk_, n);
      at::Tensor lse;
      at::Tensor dz = chunk_log_softmax(begin, end, nullptr, capped ? &lse : nullptr);
      chunk_logit_grad(dz, lse, grad_rows, begin, end);
      const at::Tensor dz_compute = dz.to(dtype);
      const at::Tensor xs = x_.index_select(0, tokens_.source.slice(0, begin, end));
      if (dtype == at::kFloat)
        output_sum.addmm_(dz_compute.t(), xs);
      else
        output_sum.add_(at::mm(dz_compute.t(), xs));
      g.input.index_copy_(0, tokens_.source.slice(0, begin, end), at::mm(dz_compute, output_));
    }
    g.output = output_sum.to(dtype);
  }
  g.input = g.input.view({tokens_.rows, tokens_.length, x_.size(1)});
  return g;
}

}  // namespace sppo
