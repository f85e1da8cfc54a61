// Runs under mpiexec -n 1, 2 and 3: the gathers of a step come in their fixed order, the
// same with and without the prefetching helper, and a consumer that expects another unit
// is told so instead of computing with the wrong weights.
#include "train/gather_prefetch.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

struct Sharded {
  MpiCommunicator comm{RankGroup::duplicate(MPI_COMM_WORLD)};
  MpiCommunicator prefetch{RankGroup::duplicate(MPI_COMM_WORLD)};
  CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel sharded{model, comm};
};

TEST(GatherSequence, ForwardThenBackwardOrderWithTheFullParametersOfEachUnit) {
  Sharded s;
  const int64_t units = s.sharded.num_units();
  for (Communicator* prefetch : {static_cast<Communicator*>(nullptr), static_cast<Communicator*>(&s.prefetch)}) {
    SCOPED_TRACE(prefetch ? "prefetch" : "synchronous");
    GatherSequence gathers(s.sharded, s.comm, prefetch, at::kFloat);
    std::vector<int64_t> order;
    for (int64_t u = 0; u < units; ++u) order.push_back(u);
    for (int64_t u = units - 2; u >= 0; --u) order.push_back(u);
    for (int64_t u : order) {
      const GatheredUnit g = gathers.next(u, /*requires_grad=*/u == 0);
      ASSERT_EQ(g.params.size(), s.model.unit(u).size());
      for (std::size_t i = 0; i < g.params.size(); ++i)
        EXPECT_TRUE(at::equal(g.params[i], s.model.unit(u)[i])) << "unit " << u << " tensor " << i;
      if (u == 0) {
        EXPECT_TRUE(g.params[0].requires_grad());
      }
    }
    EXPECT_TRUE(gathers.done());
    EXPECT_THROW(gathers.next(0, false), DistError) << "exhausted";
  }
}

TEST(GatherSequence, AMismatchedUnitIsAnErrorNamingBoth) {
  Sharded s;
  GatherSequence gathers(s.sharded, s.comm, nullptr, at::kFloat, /*forward_only=*/true);
  try {
    gathers.next(1, false);
    FAIL();
  } catch (const DistError& e) {
    EXPECT_EQ(std::string(e.what()), "GatherSequence: expected unit 1, got 0");
  }
  gathers.drain();  // every rank still runs the rest of the sequence's gathers
  EXPECT_TRUE(gathers.done());
}

TEST(GatherSequence, ForwardOnlyIsEachUnitOnceAndDrainMatchesTheOtherRanks) {
  Sharded s;
  // Rank 0 consumes the sequence, the others drain it: the collectives still pair up.
  GatherSequence gathers(s.sharded, s.comm, &s.prefetch, at::kBFloat16, /*forward_only=*/true);
  if (s.comm.rank() == 0) {
    for (int64_t u = 0; u < s.sharded.num_units(); ++u)
      EXPECT_EQ(gathers.next(u, false).params[0].scalar_type(), at::kBFloat16);
  } else {
    gathers.drain();
  }
  EXPECT_TRUE(gathers.done());
}

// A unit the consumer drops is freed while the sequence goes on: the sequence holds only the
// unit gathered ahead, with and without the helper. (Holding every unit of a step until its
// end put the whole model on each rank again, in the compute dtype.)
TEST(GatherSequence, ADroppedUnitIsFreedAsTheSequenceGoesOn) {
  Sharded s;
  for (Communicator* prefetch : {static_cast<Communicator*>(nullptr), static_cast<Communicator*>(&s.prefetch)}) {
    SCOPED_TRACE(prefetch ? "prefetch" : "synchronous");
    GatherSequence gathers(s.sharded, s.comm, prefetch, at::kFloat);
    std::vector<c10::weak_intrusive_ptr<c10::StorageImpl>> dropped;
    for (int64_t u = 0; u < s.sharded.num_units(); ++u) {
      {
        const GatheredUnit g = gathers.next(u, u % 2 == 0);
        dropped.push_back(g.flat.storage().getWeakStorageImpl());
      }
      for (std::size_t d = 0; d < dropped.size(); ++d) EXPECT_TRUE(dropped[d].expired()) << "unit " << d << " at unit " << u;
    }
    gathers.drain();
  }
}

// Without the helper the compute waits for every gather; with it, compute between two units
// (here a 5 ms pause) is time in which the next gather runs, and the pause itself is never
// counted as waiting.
TEST(GatherSequence, TimesItsGathersAndWhatTheComputeWaitedForThem) {
  Sharded s;
  using Clock = std::chrono::steady_clock;
  for (Communicator* prefetch : {static_cast<Communicator*>(nullptr), static_cast<Communicator*>(&s.prefetch)}) {
    SCOPED_TRACE(prefetch ? "prefetch" : "synchronous");
    GatherSequence gathers(s.sharded, s.comm, prefetch, at::kFloat, /*forward_only=*/true);
    EXPECT_EQ(gathers.gather_seconds(), 0.0);
    EXPECT_EQ(gathers.waited_seconds(), 0.0);
    const auto start = Clock::now();
    const int64_t units = s.sharded.num_units();
    for (int64_t u = 0; u < units; ++u) {
      gathers.next(u, false);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_GT(gathers.gather_seconds(), 0.0);
    EXPECT_GT(gathers.waited_seconds(), 0.0);
    EXPECT_LT(gathers.waited_seconds(), wall - 0.005 * static_cast<double>(units)) << "the pauses are not waits";
    if (!prefetch) {
      EXPECT_EQ(gathers.waited_seconds(), gathers.gather_seconds());
    }
  }
}

TEST(GatherSequence, DescribesTheGatherTimeAndWhatPrefetchHid) {
  EXPECT_EQ(describe_gather_time(40.0, 3.2, 1.1, true),
            "all-gathers 3.20 s of 40.00 s of steps; the compute waited 1.10 s for them (dist.prefetch hid 66 %)");
  EXPECT_EQ(describe_gather_time(40.0, 3.2, 3.2, false),
            "all-gathers 3.20 s of 40.00 s of steps; the compute waited 3.20 s for them (dist.prefetch off)");
  // A wait longer than the gathers (the handover's own cost): nothing hidden, not a negative share.
  EXPECT_EQ(describe_gather_time(1.0, 0.0, 0.01, true),
            "all-gathers 0.00 s of 1.00 s of steps; the compute waited 0.01 s for them (dist.prefetch hid 0 %)");
}

}  // namespace
}  // namespace sppo
