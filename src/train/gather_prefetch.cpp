#include "train/gather_prefetch.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/wall_time.hpp"

namespace sppo {

GatherSequence::GatherSequence(ShardedModel& model, Communicator& comm, Communicator* prefetch_comm, at::ScalarType dtype,
                               bool forward_only)
    : model_(model), comm_(comm), prefetch_comm_(prefetch_comm), dtype_(dtype) {
  const int64_t units = model.num_units();
  for (int64_t u = 0; u < units; ++u) order_.push_back(u);  // forward, then the head
  if (model.config().tie_word_embeddings) order_.push_back(0);  // the head's output matrix
  if (!forward_only)
    for (int64_t u = units - 2; u >= 0; --u) order_.push_back(u);  // backward: layers, embedding
  if (prefetch_comm_) ahead_ = launch(order_[0]);
}

GatherSequence::~GatherSequence() {
  if (ahead_.valid()) ahead_.wait();
}

// Called only when no gather is outstanding (at construction, and in next() once the one
// ahead has been taken), so the helper's collectives run one at a time in sequence order.
// The future hands its unit over (get() moves it out), so nothing here keeps a unit alive
// once it has been taken.
std::future<GatherSequence::TimedUnit> GatherSequence::launch(int64_t unit) {
  return std::async(std::launch::async, [this, unit] {
    const auto start = WallClock::now();
    TimedUnit timed{model_.unit(unit).gather(*prefetch_comm_, dtype_, false), 0.0};
    timed.seconds = seconds_since(start);
    return timed;
  });
}

GatheredUnit GatherSequence::next(int64_t expected, bool requires_grad) {
  if (cursor_ >= order_.size())
    throw DistError("GatherSequence: expected unit " + std::to_string(expected) + ", got none: the step's gathers are exhausted");
  const int64_t unit = order_[cursor_];
  if (unit != expected)
    throw DistError("GatherSequence: expected unit " + std::to_string(expected) + ", got " + std::to_string(unit));
  ++cursor_;
  GatheredUnit g;
  const auto start = WallClock::now();
  if (!prefetch_comm_) {
    g = model_.unit(unit).gather(comm_, dtype_, requires_grad);
    const double seconds = seconds_since(start);  // the gather itself, all of it waited for
    waited_seconds_ += seconds;
    gather_seconds_ += seconds;
  } else {
    TimedUnit timed = ahead_.get();  // the helper's time is handed over with its unit
    waited_seconds_ += seconds_since(start);
    gather_seconds_ += timed.seconds;
    g = std::move(timed.unit);
    if (cursor_ < order_.size()) ahead_ = launch(order_[cursor_]);
    if (requires_grad)
      for (auto& p : g.params) p = p.detach().requires_grad_(true);
  }
  return g;
}

void GatherSequence::drain() {
  while (!done()) next(order_[cursor_], false);
}

std::string describe_gather_time(double step_seconds, double gather_seconds, double waited_seconds, bool prefetch) {
  char line[200];
  const int n = std::snprintf(line, sizeof line, "all-gathers %.2f s of %.2f s of steps; the compute waited %.2f s for them",
                              gather_seconds, step_seconds, waited_seconds);
  std::string out(line, static_cast<std::size_t>(n));
  if (!prefetch) return out + " (dist.prefetch off)";
  // hidden = the gathers' time the compute did not wait for
  const double hidden = gather_seconds > 0 ? std::max(0.0, 1.0 - waited_seconds / gather_seconds) : 0.0;
  return out + " (dist.prefetch hid " + std::to_string(static_cast<int>(std::lround(100 * hidden))) + " %)";
}

}  // namespace sppo
