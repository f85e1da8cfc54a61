#include "train/fsdp_step.hpp"

#include <ATen/ATen.h>

#include "train/gather_prefetch.hpp"
#include "train/losses.hpp"

namespace sppo {
namespace {

// The collectives of a step for a rank without rows, in the order a rank with rows runs
// them, with zero gradients: nobody waits on it.
void participate_without_rows(ShardedModel& model, Communicator& comm, GatherSequence& gathers) {
  const int64_t last = model.num_units() - 1;
  for (int64_t u = 0; u < last; ++u) gathers.next(u, false);  // forward
  for (int64_t u = last; u >= 0; --u) {                        // head, layers, embedding
    GatheredUnit g = gathers.next(u, true);
    model.unit(u).reduce_scatter_grads(comm, g);
  }
}

}  // namespace

MicroBatchStats& MicroBatchStats::operator+=(const MicroBatchStats& o) {
  term_sum += o.term_sum;
  logratio_chosen += o.logratio_chosen;
  logratio_rejected += o.logratio_rejected;
  term_chosen += o.term_chosen;
  term_rejected += o.term_rejected;
  chosen += o.chosen;
  rejected += o.rejected;
  tokens += o.tokens;
  return *this;
}

TrainRows TrainRows::slice(int64_t begin, int64_t end) const {
  TrainRows out;
  const at::Tensor m = mask.slice(0, begin, end);
  const int64_t length = end > begin ? m.sum(1).max().item<int64_t>() : 0;
  out.ids = ids.slice(0, begin, end).slice(1, 0, length);
  out.mask = m.slice(1, 0, length);
  out.response_start = response_start.slice(0, begin, end);
  out.ref_logp = ref_logp.slice(0, begin, end);
  out.win_prob = win_prob.slice(0, begin, end);
  return out;
}

at::Tensor sharded_response_logp(ShardedModel& model, Communicator& comm, const TrainRows& rows, at::ScalarType dtype,
                                 Communicator* prefetch_comm) {
  GatherSequence gathers(model, comm, prefetch_comm, dtype, /*forward_only=*/true);
  if (rows.rows() == 0) {
    gathers.drain();
    return at::zeros({0}, at::kFloat);
  }
  at::NoGradGuard no_grad;
  const LlamaConfig& c = model.config();
  const AttentionInputs attn = attention_from_mask(rows.mask);
  const auto [cos, sin] = rotary_tables(c, attn.positions, dtype);
  const at::Tensor allowed = attention_allowed(c, attn, rows.ids.size(1));
  at::Tensor h = embedding_forward(gathers.next(0, false).params[0], rows.ids);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const GatheredUnit g = gathers.next(l + 1, false);
    h = decoder_layer_forward(c, g.params, h, cos, sin, allowed);
  }
  const GatheredUnit head = gathers.next(c.num_layers + 1, false);
  const at::Tensor logits = head_forward(c, head.params[0], head.params[1], h).to(at::kFloat);
  return response_logp(logits, rows.ids, rows.mask, rows.response_start);
}

double accumulate_sppo_gradients(ShardedModel& model, Communicator& comm, const TrainRows& rows, int64_t global_rows,
                                 double beta, at::ScalarType dtype, Communicator* prefetch_comm) {
  // sppo_all has the same per-row term and denominator, without pairing the rows.
  return accumulate_gradients(model, comm, rows, LossKind::sppo_all, beta, global_rows, dtype, prefetch_comm).term_sum;
}

MicroBatchStats accumulate_gradients(ShardedModel& model, Communicator& comm, const TrainRows& rows, LossKind loss,
                                     double beta, int64_t global_count, at::ScalarType dtype, Communicator* prefetch_comm) {
  MicroBatchStats stats;
  GatherSequence gathers(model, comm, prefetch_comm, dtype);
  if (rows.rows() == 0) {
    participate_without_rows(model, comm, gathers);
    return stats;
  }
  stats.tokens = rows.mask.sum().item<int64_t>();
  const LlamaConfig& c = model.config();
  const int64_t layers = c.num_layers, head = layers + 1;
  const AttentionInputs attn = attention_from_mask(rows.mask);
  const auto [cos, sin] = rotary_tables(c, attn.positions, dtype);
  const at::Tensor allowed = attention_allowed(c, attn, rows.ids.size(1));

  // ---- forward without autograd: only each decoder layer's input is kept
  std::vector<at::Tensor> layer_input(static_cast<std::size_t>(layers));
  at::Tensor h;
  {
    at::NoGradGuard no_grad;
    h = embedding_forward(gathers.next(0, false).params[0], rows.ids);
    for (int64_t l = 0; l < layers; ++l) {
      layer_input[static_cast<std::size_t>(l)] = h;
      const GatheredUnit g = gathers.next(l + 1, false);
      h = decoder_layer_forward(c, g.params, h, cos, sin, allowed);
    }
  }

  // ---- head and loss with autograd: dL/dh of the last layer
  at::Tensor grad_h;
  {
    const at::Tensor h_last = h.detach().requires_grad_(true);
    GatheredUnit g = gathers.next(head, true);
    const at::Tensor logits = head_forward(c, g.params[0], g.params[1], h_last).to(at::kFloat);
    const at::Tensor logp = response_logp(logits, rows.ids, rows.mask, rows.response_start);
    const at::Tensor terms = loss_terms(loss, logp, rows.ref_logp, rows.win_prob, beta);
    (terms.sum() / static_cast<double>(global_count)).backward();
    stats.term_sum = terms.sum().item<double>();
    const at::Tensor a = (logp - rows.ref_logp).detach();
    const LossProperties& properties = loss_properties(loss);
    const bool per_row_terms = properties.per_row_terms;
    if (properties.rows_per_example == 2) {
      const at::Tensor pairs = a.view({-1, 2});
      stats.logratio_chosen = pairs.select(1, 0).sum().item<double>();
      stats.logratio_rejected = pairs.select(1, 1).sum().item<double>();
      stats.chosen = stats.rejected = pairs.size(0);
      if (per_row_terms) {
        const at::Tensor t = terms.detach().view({-1, 2});
        stats.term_chosen = t.select(1, 0).sum().item<double>();
        stats.term_rejected = t.select(1, 1).sum().item<double>();
      }
    } else {
      stats.logratio_chosen = a.sum().item<double>();
      stats.chosen = a.size(0);
      stats.term_chosen = terms.detach().sum().item<double>();
    }
    model.unit(head).reduce_scatter_grads(comm, g);
    grad_h = h_last.grad();
  }

  // ---- backward, last layer first: re-gather, recompute with autograd, reduce-scatter
  for (int64_t l = layers - 1; l >= 0; --l) {
    const at::Tensor x = layer_input[static_cast<std::size_t>(l)].detach().requires_grad_(true);
    GatheredUnit g = gathers.next(l + 1, true);
    decoder_layer_forward(c, g.params, x, cos, sin, allowed).backward(grad_h);
    grad_h = x.grad();
    model.unit(l + 1).reduce_scatter_grads(comm, g);
    layer_input[static_cast<std::size_t>(l)] = at::Tensor();  // freed as soon as its unit is done
  }
  {
    GatheredUnit g = gathers.next(0, true);
    embedding_forward(g.params[0], rows.ids).backward(grad_h);
    model.unit(0).reduce_scatter_grads(comm, g);
  }
  return stats;
}

}  // namespace sppo
