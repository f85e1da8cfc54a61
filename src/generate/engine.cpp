#include "generate/engine.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/wall_time.hpp"

namespace sppo {

std::vector<Generation> generate_samples(const CausalLM& model, const std::vector<std::vector<int32_t>>& prompts,
                                         const std::vector<int64_t>& prompt_ids, int64_t samples_per_prompt,
                                         const SamplingParams& params, const SampleStream& stream,
                                         GenerationStats* stats) {
  const int64_t P = static_cast<int64_t>(prompts.size()), K = samples_per_prompt;
  if (static_cast<int64_t>(prompt_ids.size()) != P) throw Error("generate_samples: one id per prompt expected");
  if (P == 0) return {};
  const int32_t eos = static_cast<int32_t>(model.config().eos_token_id);
  std::vector<int32_t> stops = params.stop_ids;
  if (stops.empty()) stops.push_back(eos);
  auto is_stop = [&](int64_t id) { return std::find(stops.begin(), stops.end(), static_cast<int32_t>(id)) != stops.end(); };
  int64_t prompt_slots = 0;  // Lp: every prompt is left-padded to the longest
  for (const auto& p : prompts) {
    if (p.empty()) throw Error("generate_samples: empty prompt");
    prompt_slots = std::max<int64_t>(prompt_slots, static_cast<int64_t>(p.size()));
  }
  const int64_t capacity = prompt_slots + params.max_new_tokens;
  // Tensors live on the model's device; the host keeps only integer bookkeeping (live rows,
  // lengths) and the sampled ids, which come back in one small copy per step.
  const c10::Device device = model.device();
  const auto on_device = at::TensorOptions().device(device);

  const auto started = WallClock::now();
  // ---- prefill: P left-padded prompts, once each
  at::Tensor ids = at::zeros({P, prompt_slots}, at::kLong);
  at::Tensor mask = at::zeros({P, prompt_slots}, at::kLong);
  std::vector<int64_t> prompt_length(static_cast<std::size_t>(P));
  int64_t* id_data = ids.data_ptr<int64_t>();
  int64_t* mask_data = mask.data_ptr<int64_t>();
  for (int64_t i = 0; i < P; ++i) {
    const auto& p = prompts[static_cast<std::size_t>(i)];
    const int64_t n = static_cast<int64_t>(p.size()), pad = prompt_slots - n;
    prompt_length[static_cast<std::size_t>(i)] = n;
    if (stats) stats->prefill_tokens += n;
    for (int64_t t = 0; t < n; ++t) {
      id_data[i * prompt_slots + pad + t] = p[static_cast<std::size_t>(t)];
      mask_data[i * prompt_slots + pad + t] = 1;
    }
  }
  ids = ids.to(device);
  mask = mask.to(device);
  KvCache prefill_cache = KvCache::allocate(model.config(), P, prompt_slots, model.dtype(), device);
  const AttentionInputs prefill_attn = attention_from_mask(mask);
  at::Tensor logits = model.last_logits(ids, prefill_attn, &prefill_cache);  // [P, V]

  // ---- expand to P*K rows (row r = prompt r / K, sample r % K)
  at::Tensor expand = at::arange(P, on_device.dtype(at::kLong)).repeat_interleave(K);
  KvCache cache = prefill_cache.select_rows(expand, capacity, prompt_slots);
  prefill_cache = KvCache();
  logits = logits.index_select(0, expand);
  // key_valid: the prompt's mask, then every generated slot
  at::Tensor key_valid = at::cat({mask.to(at::kBool).index_select(0, expand), at::ones({P * K, params.max_new_tokens}, on_device.dtype(at::kBool))}, 1);

  if (stats) stats->prefill_seconds += seconds_since(started);
  const auto decoding = WallClock::now();
  std::vector<Generation> results(static_cast<std::size_t>(P * K));
  std::vector<int64_t> live;  // result index of each row of the current batch
  for (int64_t r = 0; r < P * K; ++r) live.push_back(r);
  std::vector<bool> done_in_batch(live.size(), false);
  int64_t done_count = 0;
  at::Tensor logits_buffer;  // the decode steps' logits, reused: each step's are read before the next's are written

  for (int64_t step = 0; step < params.max_new_tokens; ++step) {
    // ---- choose this step's token for every live row
    std::vector<double> uniforms(live.size());
    for (std::size_t b = 0; b < live.size(); ++b) {
      const int64_t r = live[b];
      uniforms[b] = sample_uniform(stream, static_cast<uint64_t>(prompt_ids[static_cast<std::size_t>(r / K)]),
                                   static_cast<uint32_t>(r % K), static_cast<uint32_t>(step));
    }
    const auto sampling = WallClock::now();
    const at::Tensor chosen = sample_tokens(logits, uniforms, params).to(at::kCPU);  // [B] ids: the step's one copy back
    if (stats) stats->sample_seconds += seconds_since(sampling);
    const int64_t* tok = chosen.data_ptr<int64_t>();
    for (std::size_t b = 0; b < live.size(); ++b) {
      if (done_in_batch[b]) continue;
      Generation& g = results[static_cast<std::size_t>(live[b])];
      g.tokens.push_back(static_cast<int32_t>(tok[b]));
      if (stats) ++stats->generated_tokens;
      if (params.stop_at_eos && is_stop(tok[b])) {
        g.finished = true;
        done_in_batch[b] = true;
        ++done_count;
      }
    }
    if (step + 1 == params.max_new_tokens || done_count == static_cast<int64_t>(live.size())) break;

    // ---- drop finished rows once they are a quarter of the batch
    if (done_count > 0 && done_count * 4 >= static_cast<int64_t>(live.size())) {
      std::vector<int64_t> keep_rows, keep_live;
      for (std::size_t b = 0; b < live.size(); ++b)
        if (!done_in_batch[b]) {
          keep_rows.push_back(static_cast<int64_t>(b));
          keep_live.push_back(live[b]);
        }
      const at::Tensor rows = at::tensor(keep_rows, at::kLong).to(device);
      cache = cache.select_rows(rows, capacity, prompt_slots + step);
      key_valid = key_valid.index_select(0, rows);
      live = std::move(keep_live);
      done_in_batch.assign(live.size(), false);
      done_count = 0;
    }

    // ---- feed this step's tokens: slot Lp + step, position = prompt length + step
    const int64_t B = static_cast<int64_t>(live.size());
    at::Tensor step_ids = at::empty({B, 1}, at::kLong), positions = at::empty({B, 1}, at::kLong);
    int64_t* step_data = step_ids.data_ptr<int64_t>();
    int64_t* position_data = positions.data_ptr<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      const int64_t r = live[static_cast<std::size_t>(b)];
      const auto& tokens = results[static_cast<std::size_t>(r)].tokens;
      step_data[b] = done_in_batch[static_cast<std::size_t>(b)] ? eos : static_cast<int64_t>(tokens.back());
      position_data[b] = prompt_length[static_cast<std::size_t>(r / K)] + step;
    }
    AttentionInputs attn{positions.to(device), key_valid, prompt_slots + step};
    step_ids = step_ids.to(device);
    logits = model.last_logits(step_ids, attn, &cache, &logits_buffer);
    if (stats) ++stats->decode_steps;
  }
  if (stats) stats->decode_seconds += seconds_since(decoding);
  return results;
}

}  // namespace sppo
