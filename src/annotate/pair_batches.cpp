#include "annotate/pair_batches.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>

namespace sppo {

std::vector<float> score_pair_rows(const PairRanker& ranker, const std::vector<std::vector<int32_t>>& rows,
                                   int64_t batch_rows, int64_t max_batch_tokens, int part, int parts) {
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rows[a].size() < rows[b].size(); });
  std::vector<float> out(rows.size(), -0.0f);
  int64_t batch = 0;
  for (std::size_t first = 0, last = 0; first < order.size(); first = last, ++batch) {
    // Grow the batch while it stays within both limits (sorted: the newest row is the longest).
    last = first + 1;
    while (last < order.size() && static_cast<int64_t>(last - first) < batch_rows &&
           static_cast<int64_t>(last - first + 1) * static_cast<int64_t>(rows[order[last]].size()) <= max_batch_tokens)
      ++last;
    if (batch % parts != part) continue;
    const int64_t B = static_cast<int64_t>(last - first);
    const int64_t L = static_cast<int64_t>(rows[order[last - 1]].size());  // sorted: the last is the longest
    at::Tensor ids = at::full({B, L}, ranker.tokenizer().pad_id(), at::kLong), mask = at::zeros({B, L}, at::kLong);
    int64_t* id_data = ids.data_ptr<int64_t>();
    int64_t* mask_data = mask.data_ptr<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& row = rows[order[first + static_cast<std::size_t>(b)]];
      for (std::size_t t = 0; t < row.size(); ++t) {
        id_data[b * L + static_cast<int64_t>(t)] = row[t];
        mask_data[b * L + static_cast<int64_t>(t)] = 1;
      }
    }
    // Built on the host, moved once; the B logits come back in one copy.
    const at::Tensor logits = ranker.logits(ids.to(ranker.device()), mask.to(ranker.device())).to(at::kCPU).contiguous();
    const float* l = logits.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) out[order[first + static_cast<std::size_t>(b)]] = l[b];
  }
  return out;
}

}  // namespace sppo
