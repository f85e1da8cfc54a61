#include "train/rows_logp.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "train/fsdp_step.hpp"
#include "train/losses.hpp"

namespace sppo {

std::vector<float> rows_logp(ShardedModel& policy, const std::vector<const TrainRow*>& rows, int64_t batch,
                             Communicator& comm, Communicator* prefetch_comm) {
  at::Tensor all = at::zeros({static_cast<int64_t>(rows.size())}, at::kFloat);  // host; summed on comm's device
  std::vector<int64_t> mine;
  for (int64_t r = comm.rank(); r < static_cast<int64_t>(rows.size()); r += comm.size()) mine.push_back(r);
  const int64_t most = (static_cast<int64_t>(rows.size()) + comm.size() - 1) / comm.size();
  const int64_t batches = (most + batch - 1) / batch;
  for (int64_t b = 0; b < batches; ++b) {
    std::vector<const TrainRow*> chunk;
    for (int64_t i = b * batch; i < std::min<int64_t>(static_cast<int64_t>(mine.size()), (b + 1) * batch); ++i)
      chunk.push_back(rows[static_cast<std::size_t>(mine[static_cast<std::size_t>(i)])]);
    const TrainRows t = chunk.empty() ? TrainRows{} : batch_tensors(chunk);
    const at::Tensor logp = sharded_response_logp(policy, comm, t, at::kFloat, prefetch_comm).cpu();
    for (std::size_t i = 0; i < chunk.size(); ++i)
      all[mine[static_cast<std::size_t>(b * batch) + i]] = logp[static_cast<int64_t>(i)];
  }
  all = all.to(comm.device());
  comm.all_reduce(all, ReduceOp::sum);
  all = all.cpu();
  return {all.data_ptr<float>(), all.data_ptr<float>() + all.numel()};
}

std::vector<double> rows_logp(const CausalLM& model, const std::vector<TrainRow>& rows) {
  std::vector<const TrainRow*> pointers;
  for (const auto& r : rows) pointers.push_back(&r);
  const TrainRows t = batch_tensors(pointers).to(model.device());
  const at::Tensor logp =
      response_logp(model.logits(t.ids, attention_from_mask(t.mask)), t.ids, t.mask, t.response_start).cpu();
  std::vector<double> out;
  for (std::size_t i = 0; i < rows.size(); ++i) out.push_back(logp[static_cast<int64_t>(i)].item<double>());
  return out;
}

}  // namespace sppo
