#pragma once
// defines: the learning rate of the paper's schedule (Hugging Face's linear schedule with
// warm-up, which the official SPPO trainer uses).
#include <cstdint>

namespace sppo {

// Warm-up steps = ceil(warmup_ratio x total_steps). For the optimizer step that follows
// `completed` earlier steps: lr x completed / warmup during warm-up, then
// lr x max(0, (total − completed) / (total − warmup)). As in Hugging Face, the first step
// of a warm-up runs at lr 0.
double linear_schedule_lr(double base_lr, int64_t completed, int64_t total_steps, double warmup_ratio);
int64_t warmup_steps(int64_t total_steps, double warmup_ratio);

}  // namespace sppo
