#include "train/fsdp_step.hpp"

#include <ATen/ATen.h>

#include "train/gather_prefetch.hpp"
#include "train/losses.hpp"
#include "train/response_head.hpp"

namespace sppo {
namespace {

// The head's parameters gathered: its final norm and its output matrix, which is lm_head or,
// with tied embeddings, unit 0's embedding matrix gathered once more (its gradient from this
// use is reduce-scattered into unit 0, where the embedding's own gradient adds to it).
struct GatheredHead {
  GatheredUnit head;
  GatheredUnit tied;  // unit 0 again, when tied
  const at::Tensor& norm() const { return head.params[0]; }
  const at::Tensor& output() const { return tied.params.empty() ? head.params[1] : tied.params[0]; }
};

GatheredHead gather_head(const ShardedModel& model, GatherSequence& gathers, bool requires_grad) {
  GatheredHead g;
  g.head = gathers.next(model.num_units() - 1, requires_grad);
  if (model.config().tie_word_embeddings) g.tied = gathers.next(0, requires_grad);
  return g;
}

void reduce_scatter_head(ShardedModel& model, Communicator& comm, const GatheredHead& g) {
  model.unit(model.num_units() - 1).reduce_scatter_grads(comm, g.head);
  if (model.config().tie_word_embeddings) model.unit(0).reduce_scatter_grads(comm, g.tied);
}

// The collectives of a step for a rank without rows, in the order a rank with rows runs
// them, with zero gradients: nobody waits on it. Each gathered unit is dropped at once (a
// unit without gradients reduce-scatters zeros), so such a rank holds one unit at a time.
void participate_without_rows(ShardedModel& model, Communicator& comm, GatherSequence& gathers, bool recompute) {
  const int64_t head = model.num_units() - 1;
  for (int64_t u = 0; u < head; ++u) gathers.next(u, false);  // forward
  gather_head(model, gathers, false);
  reduce_scatter_head(model, comm, GatheredHead{});
  for (int64_t u = head - 1; u >= 0; --u) {  // layers, embedding
    if (recompute) gathers.next(u, false);
    model.unit(u).reduce_scatter_grads(comm, GatheredUnit{});
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
  gather_seconds += o.gather_seconds;
  gather_wait_seconds += o.gather_wait_seconds;
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

TrainRows TrainRows::to(c10::Device device) const {
  if (!ids.defined() || ids.device() == device) return *this;
  return TrainRows{ids.to(device), mask.to(device), response_start.to(device), ref_logp.to(device), win_prob.to(device)};
}

at::Tensor sharded_response_logp(ShardedModel& model, Communicator& comm, const TrainRows& host_rows, at::ScalarType dtype,
                                 Communicator* prefetch_comm) {
  const TrainRows rows = host_rows.to(comm.device());
  GatherSequence gathers(model, comm, prefetch_comm, dtype, /*forward_only=*/true);
  if (rows.rows() == 0) {
    gathers.drain();
    return at::zeros({0}, at::kFloat);
  }
  at::NoGradGuard no_grad;
  const CausalLmConfig& c = model.config();
  const AttentionInputs attn = attention_from_mask(rows.mask);
  const auto [cos, sin] = rotary_tables(c, attn.positions, dtype);
  const AttentionMasks masks(c, attn, rows.ids.size(1));
  at::Tensor h = embedding_forward(c, gathers.next(0, false).params[0], rows.ids);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const GatheredUnit g = gathers.next(l + 1, false);
    h = decoder_layer_forward(c, g.params, h, cos, sin, masks.layer(l));
  }
  const GatheredHead head = gather_head(model, gathers, false);
  ResponseHead response(c, final_norm(c, head.norm(), h), head.output(),
                        counted_tokens(rows.ids, rows.mask, rows.response_start), /*keep=*/false);
  return response.logp();
}

double accumulate_sppo_gradients(ShardedModel& model, Communicator& comm, const TrainRows& rows, int64_t global_rows,
                                 double beta, at::ScalarType dtype, Communicator* prefetch_comm) {
  // sppo_all has the same per-row term and denominator, without pairing the rows.
  return accumulate_gradients(model, comm, rows, LossKind::sppo_all, beta, global_rows, dtype, prefetch_comm).term_sum;
}

MicroBatchStats accumulate_gradients(ShardedModel& model, Communicator& comm, const TrainRows& host_rows, LossKind loss,
                                     double beta, int64_t global_count, at::ScalarType dtype, Communicator* prefetch_comm,
                                     bool recompute) {
  MicroBatchStats stats;
  const TrainRows rows = host_rows.to(comm.device());
  GatherSequence gathers(model, comm, prefetch_comm, dtype, /*forward_only=*/!recompute);
  if (rows.rows() == 0) {
    participate_without_rows(model, comm, gathers, recompute);
    stats.gather_seconds = gathers.gather_seconds();
    stats.gather_wait_seconds = gathers.waited_seconds();
    return stats;
  }
  stats.tokens = rows.mask.sum().item<int64_t>();
  const CausalLmConfig& c = model.config();
  const int64_t layers = c.num_layers;
  const AttentionInputs attn = attention_from_mask(rows.mask);
  const auto [cos, sin] = rotary_tables(c, attn.positions, dtype);
  const AttentionMasks masks(c, attn, rows.ids.size(1));

  // ---- forward. Recomputing: without autograd, only each decoder layer's input is kept.
  // Keeping: each layer's input is an autograd leaf, and its output, graph and gathered
  // weights stay alive until its backward.
  std::vector<at::Tensor> layer_input(static_cast<std::size_t>(layers)), layer_output;
  std::vector<GatheredUnit> kept;  // keeping: units 0..L, gathered with autograd leaves
  at::Tensor h, embedded;
  if (recompute) {
    at::NoGradGuard no_grad;
    h = embedding_forward(c, gathers.next(0, false).params[0], rows.ids);
    for (int64_t l = 0; l < layers; ++l) {
      layer_input[static_cast<std::size_t>(l)] = h;
      const GatheredUnit g = gathers.next(l + 1, false);
      h = decoder_layer_forward(c, g.params, h, cos, sin, masks.layer(l));
    }
  } else {
    kept.push_back(gathers.next(0, true));
    embedded = embedding_forward(c, kept[0].params[0], rows.ids);
    h = embedded;
    for (int64_t l = 0; l < layers; ++l) {
      const at::Tensor x = h.detach().requires_grad_(true);
      layer_input[static_cast<std::size_t>(l)] = x;
      kept.push_back(gathers.next(l + 1, true));
      h = decoder_layer_forward(c, kept.back().params, x, cos, sin, masks.layer(l));
      layer_output.push_back(h);
    }
  }

  // ---- head and loss with autograd: dL/dh of the last layer
  at::Tensor grad_h;
  {
    // The output matrix's part by hand over the counted tokens (ResponseHead), the final norm
    // and the loss with autograd: logp is a leaf whose gradient seeds the head's backward.
    const at::Tensor h_last = h.detach().requires_grad_(true);
    const GatheredHead g = gather_head(model, gathers, true);
    const at::Tensor normed = final_norm(c, g.norm(), h_last);
    ResponseHead response(c, normed.detach(), g.output().detach(),
                          counted_tokens(rows.ids, rows.mask, rows.response_start), /*keep=*/true);
    const at::Tensor logp = response.logp().requires_grad_(true);
    const at::Tensor terms = loss_terms(loss, logp, rows.ref_logp, rows.win_prob, beta);
    (terms.sum() / static_cast<double>(global_count)).backward();
    HeadGradients head_grads = response.backward(logp.grad());
    g.output().mutable_grad() = std::move(head_grads.output);
    normed.backward(head_grads.input);
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
    reduce_scatter_head(model, comm, g);
    grad_h = h_last.grad();
  }

  // ---- backward, last layer first (recomputing: re-gather and recompute with autograd
  // first), then reduce-scatter each unit's gradients and free it
  for (int64_t l = layers - 1; l >= 0; --l) {
    const auto layer = static_cast<std::size_t>(l);
    if (recompute) {
      const at::Tensor x = layer_input[layer].detach().requires_grad_(true);
      GatheredUnit g = gathers.next(l + 1, true);
      decoder_layer_forward(c, g.params, x, cos, sin, masks.layer(l)).backward(grad_h);
      grad_h = x.grad();
      model.unit(l + 1).reduce_scatter_grads(comm, g);
    } else {
      layer_output[layer].backward(grad_h);
      grad_h = layer_input[layer].grad();
      model.unit(l + 1).reduce_scatter_grads(comm, kept[layer + 1]);
      layer_output[layer] = at::Tensor();
      kept[layer + 1] = GatheredUnit();
    }
    layer_input[layer] = at::Tensor();  // freed as soon as its unit is done
  }
  if (recompute) {
    GatheredUnit g = gathers.next(0, true);
    embedding_forward(c, g.params[0], rows.ids).backward(grad_h);
    model.unit(0).reduce_scatter_grads(comm, g);
  } else {
    embedded.backward(grad_h);
    model.unit(0).reduce_scatter_grads(comm, kept[0]);
  }
  stats.gather_seconds = gathers.gather_seconds();
  stats.gather_wait_seconds = gathers.waited_seconds();
  return stats;
}

}  // namespace sppo
