#include "train/sharded_model.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/error.hpp"
#include "model/weights.hpp"

namespace sppo {
namespace {

std::vector<int64_t> numels(const std::vector<ParamSpec>& specs) {
  std::vector<int64_t> out;
  for (const auto& s : specs) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    out.push_back(n);
  }
  return out;
}

// Views of a flat buffer shaped as the specs.
UnitParams views_of(const at::Tensor& flat, const std::vector<ParamSpec>& specs, const FlatLayout& layout) {
  UnitParams params;
  for (std::size_t i = 0; i < specs.size(); ++i)
    params.push_back(flat.slice(0, layout.offset(static_cast<int64_t>(i)),
                                layout.offset(static_cast<int64_t>(i)) + layout.param_numel(static_cast<int64_t>(i)))
                         .view(specs[i].shape));
  return params;
}

// Every unit all-gathered in turn (collective); on `rank0_only` ranks other than 0 nothing
// is consumed. `consume` gets views of the gathered unit, valid during the call.
void for_each_gathered(const std::vector<ShardedUnit>& units, Communicator& comm, bool grads, bool rank0_only,
                       const ShardedModel::Consume& consume) {
  for (const auto& u : units) {
    // A unit without a gradient since the last release contributes zeros.
    const at::Tensor mine = !grads ? u.master() : u.grad().defined() ? u.grad() : at::zeros_like(u.master());
    at::Tensor flat = at::empty({u.layout().padded_numel()}, mine.options());
    comm.all_gather(mine, flat);
    if (rank0_only && comm.rank() != 0) continue;
    const UnitParams views = views_of(flat, u.specs(), u.layout());
    for (std::size_t i = 0; i < views.size(); ++i) consume(u.specs()[i].name, views[i]);
  }
}

std::vector<std::pair<std::string, at::Tensor>> gather_named(const std::vector<ShardedUnit>& units, Communicator& comm,
                                                             bool grads) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for_each_gathered(units, comm, grads, false,
                    [&](const std::string& name, const at::Tensor& value) { out.emplace_back(name, value.clone()); });
  return out;
}

}  // namespace

ShardedUnit::ShardedUnit(const std::vector<ParamSpec>& specs, const UnitParams& full, const Communicator& comm)
    : specs_(specs), layout_(numels(specs), comm.size()) {
  if (full.size() != specs.size()) throw Error("ShardedUnit: expected " + std::to_string(specs.size()) + " tensors");
  const int64_t rank = comm.rank();
  // The fp32 master slice on the communicator's device; each parameter's part of this
  // rank's slice is copied there from `full` directly. The gradient slice comes with the
  // first gradient (grad()).
  master_ = at::zeros({layout_.shard_numel()}, at::TensorOptions(at::kFloat).device(comm.device()));
  // Copy the part of each parameter that falls in [shard_begin, shard_end).
  const int64_t begin = layout_.shard_begin(rank), end = layout_.shard_end(rank);
  for (std::size_t i = 0; i < full.size(); ++i) {
    const int64_t p0 = layout_.offset(static_cast<int64_t>(i)), p1 = p0 + layout_.param_numel(static_cast<int64_t>(i));
    const int64_t lo = std::max(begin, p0), hi = std::min(end, p1);
    if (lo >= hi) continue;
    master_.slice(0, lo - begin, hi - begin).copy_(full[i].reshape({-1}).slice(0, lo - p0, hi - p0));
  }
}

ShardedUnit::ShardedUnit(const std::vector<ParamSpec>& specs, const SafetensorsModel& weights, const Communicator& comm)
    : specs_(specs), layout_(numels(specs), comm.size()) {
  const int64_t rank = comm.rank();
  // As above, from the mapping.
  master_ = at::zeros({layout_.shard_numel()}, at::TensorOptions(at::kFloat).device(comm.device()));
  const int64_t begin = layout_.shard_begin(rank), end = layout_.shard_end(rank);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    check_weight(weights, specs[i].name, specs[i].shape);
    const int64_t p0 = layout_.offset(static_cast<int64_t>(i)), p1 = p0 + layout_.param_numel(static_cast<int64_t>(i));
    const int64_t lo = std::max(begin, p0), hi = std::min(end, p1);
    if (lo >= hi) continue;
    // A view of the mapping; only [lo, hi) is read and converted.
    master_.slice(0, lo - begin, hi - begin).copy_(weights.tensor(specs[i].name).reshape({-1}).slice(0, lo - p0, hi - p0));
  }
}

GatheredUnit ShardedUnit::gather(Communicator& comm, at::ScalarType dtype, bool requires_grad) const {
  GatheredUnit g;
  const at::Tensor mine = master_.to(dtype);
  g.flat = at::empty({layout_.padded_numel()}, mine.options());
  comm.all_gather(mine, g.flat);
  g.params = views_of(g.flat, specs_, layout_);
  if (requires_grad)
    for (auto& p : g.params) p = p.detach().requires_grad_(true);
  return g;
}

void ShardedUnit::reduce_scatter_grads(Communicator& comm, const GatheredUnit& gathered, int64_t bucket_elements) {
  // Bucket [b, b + n) of the owned slices: rank r's block is the flat buffer's
  // [r·S + b, r·S + b + n). The blocks are packed rank after rank straight from the
  // parameters' gradients (missing ones and padding stay zero), summed over the ranks, and
  // each rank adds its own block to grad_[b, b + n). No copy of the whole unit's gradient
  // is made, and the collective's own buffers are bounded by the bucket.
  const int64_t shard = layout_.shard_numel(), world = comm.size();
  const int64_t width = std::max<int64_t>(1, std::min(shard, bucket_elements / world));
  at::Tensor send = at::empty({world * width}, master_.options());
  at::Tensor mine = at::empty({width}, master_.options());
  for (int64_t b = 0; b < shard; b += width) {
    const int64_t n = std::min(width, shard - b);
    at::Tensor packed = send.slice(0, 0, world * n);
    packed.zero_();
    for (int64_t r = 0; r < world; ++r) {
      const int64_t block = r * shard + b;  // where rank r's block starts in the flat buffer
      for (std::size_t i = 0; i < gathered.params.size(); ++i) {
        const at::Tensor& g = gathered.params[i].grad();
        if (!g.defined()) continue;
        const int64_t p0 = layout_.offset(static_cast<int64_t>(i));
        const int64_t lo = std::max(block, p0), hi = std::min(block + n, p0 + g.numel());
        if (lo >= hi) continue;
        packed.slice(0, r * n + lo - block, r * n + hi - block).copy_(g.reshape({-1}).slice(0, lo - p0, hi - p0));
      }
    }
    at::Tensor out = mine.slice(0, 0, n);
    comm.reduce_scatter(packed, out, ReduceOp::sum);
    grad().slice(0, b, b + n).add_(out);
  }
}

at::Tensor& ShardedUnit::grad() {
  if (!grad_.defined()) grad_ = at::zeros_like(master_);
  return grad_;
}

void ShardedUnit::release_grad() { grad_ = at::Tensor(); }

ShardedModel::ShardedModel(const CausalLM& model, Communicator& comm) : config_(model.config()) {
  const auto specs = causal_lm_unit_specs(config_);
  for (std::size_t u = 0; u < specs.size(); ++u) units_.emplace_back(specs[u], model.unit(static_cast<int64_t>(u)), comm);
}

ShardedModel ShardedModel::load(const std::string& folder, Communicator& comm) {
  ShardedModel m;
  m.config_ = read_causal_lm_config(folder);
  const SafetensorsModel weights = SafetensorsModel::open(folder);
  const auto specs = causal_lm_unit_specs(m.config_);
  for (const auto& unit : specs) m.units_.emplace_back(unit, weights, comm);
  refuse_unexpected_tensors(m.config_, weights, specs);
  return m;
}

void ShardedModel::release_grads() {
  for (auto& u : units_) u.release_grad();
}

std::vector<std::pair<std::string, at::Tensor>> ShardedModel::full_parameters(Communicator& comm) const {
  return gather_named(units_, comm, false);
}

void ShardedModel::stream_parameters_to_rank0(Communicator& comm, const Consume& consume) const {
  for_each_gathered(units_, comm, false, /*rank0_only=*/true, consume);
}

std::vector<ParamSpec> ShardedModel::parameter_specs() const {
  std::vector<ParamSpec> specs;
  for (const auto& u : units_) specs.insert(specs.end(), u.specs().begin(), u.specs().end());
  return specs;
}

std::vector<std::pair<std::string, at::Tensor>> ShardedModel::full_gradients(Communicator& comm) const {
  return gather_named(units_, comm, true);
}

}  // namespace sppo
