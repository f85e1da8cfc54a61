#pragma once
// defines: GatherSequence, the all-gathers of one training step in their fixed order
// (units 0..L+1 forward, then unit 0 again when the head reuses the tied embedding matrix,
// L..0 backward), run one ahead on a second communicator from a helper
// thread so that the gather of the next unit overlaps the compute of the current one
// (DESIGN.md §5). Every rank walks the same sequence, so the collectives match; a gather is
// launched only once the one before it has been taken, so they run in order, and the
// sequence itself holds only the one gathered ahead: a unit the consumer drops is freed.
#include <future>
#include <string>
#include <vector>

#include "dist/communicator.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

class GatherSequence {
 public:
  // `prefetch_comm` null: every gather runs synchronously on `comm` (no helper thread).
  // `forward_only`: units 0..L+1 once, and 0 again when tied (a forward pass without backward).
  GatherSequence(ShardedModel& model, Communicator& comm, Communicator* prefetch_comm, at::ScalarType dtype,
                 bool forward_only = false);
  ~GatherSequence();  // waits for an outstanding gather
  GatherSequence(const GatherSequence&) = delete;
  GatherSequence& operator=(const GatherSequence&) = delete;

  // The next unit of the sequence, gathered, which must be `unit` (the consumer says which one
  // it expects; a mismatch is the DistError "GatherSequence: expected unit u, got v", never a
  // silent use of another unit's weights); starts gathering the one after it. With
  // `requires_grad` its parameter views are autograd leaves.
  GatheredUnit next(int64_t unit, bool requires_grad);
  // The rest of the sequence gathered and dropped: what a rank without rows runs so that the
  // others' collectives match.
  void drain();
  bool done() const { return cursor_ >= order_.size(); }

  // Of the units taken so far: the seconds their gathers took (on the helper thread when
  // prefetching), and the seconds next() waited for them on the calling thread. Without
  // prefetch the two are the same; with it, their difference is the gather time that the
  // compute hid.
  double gather_seconds() const { return gather_seconds_; }
  double waited_seconds() const { return waited_seconds_; }

 private:
  struct TimedUnit {
    GatheredUnit unit;
    double seconds = 0;  // of its gather
  };
  std::future<TimedUnit> launch(int64_t unit);

  ShardedModel& model_;
  Communicator& comm_;
  Communicator* prefetch_comm_;
  at::ScalarType dtype_;
  std::vector<int64_t> order_;
  std::size_t cursor_ = 0;
  std::future<TimedUnit> ahead_;  // gather of order_[cursor_], when prefetching
  double gather_seconds_ = 0, waited_seconds_ = 0;
};

// The line `sppo train` logs on every rank at its end: the steps' time, the gathers' time
// within it, and how much of that dist.prefetch hid, e.g. "all-gathers 3.20 s of 40.00 s of
// steps; the compute waited 1.10 s for them (dist.prefetch hid 66 %)".
std::string describe_gather_time(double step_seconds, double gather_seconds, double waited_seconds, bool prefetch);

}  // namespace sppo
