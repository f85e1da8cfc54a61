// Runs under mpiexec -n 1, 2 and 3: the host collectives every stage uses.
#include "dist/rank_group.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

TEST(RankGroup, BroadcastsRankZerosStringAndValue) {
  const RankGroup g = RankGroup::duplicate(MPI_COMM_WORLD);
  const std::string mine = g.rank() == 0 ? "from rank 0: " + std::string(1000, 'x') : "rank " + std::to_string(g.rank());
  EXPECT_EQ(g.broadcast_string(mine), "from rank 0: " + std::string(1000, 'x'));
  EXPECT_EQ(g.broadcast_string(g.rank() == 0 ? "" : "ignored"), "");
  struct Pair {
    int32_t a;
    double b;
  };
  const Pair p = g.broadcast(g.rank() == 0 ? Pair{7, 2.5} : Pair{-1, -1.0});
  EXPECT_EQ(p.a, 7);
  EXPECT_EQ(p.b, 2.5);
  EXPECT_EQ(g.broadcast_string("last rank's", g.size() - 1), "last rank's");
}

TEST(RankGroup, AllReducesCountersBySumAndMax) {
  const RankGroup g = RankGroup::duplicate(MPI_COMM_WORLD);
  std::vector<int64_t> counts{g.rank(), 1};
  g.all_reduce(counts, HostReduce::sum);
  EXPECT_EQ(counts, (std::vector<int64_t>{g.size() * (g.size() - 1) / 2, g.size()}));
  std::vector<double> values{0.5 * g.rank()};
  g.all_reduce(values, HostReduce::max);
  EXPECT_EQ(values[0], 0.5 * (g.size() - 1));
  EXPECT_EQ(g.all_reduce(int64_t{g.rank() == 1 ? 9 : 0}, HostReduce::max), g.size() > 1 ? 9 : 0);
}

TEST(RankGroup, NodeLocalGroupAndDuplicateKnowTheirRanks) {
  const RankGroup g = RankGroup::duplicate(MPI_COMM_WORLD);
  const RankGroup node = g.node_local(), copy = g.duplicate();
  EXPECT_EQ(node.size(), g.size()) << "ctest runs every rank on one node";
  EXPECT_EQ(copy.rank(), g.rank());
  EXPECT_NE(copy.mpi_comm(), g.mpi_comm());
}

// Ranks 0, 2, ... and 1, 3, ...: each team knows its own ranks and sums only among them.
TEST(RankGroup, SplitGroupsReduceAmongTheirOwnRanks) {
  const RankGroup g = RankGroup::duplicate(MPI_COMM_WORLD);
  const RankGroup team = g.split(g.rank() % 2);
  const int members = (g.size() - g.rank() % 2 + 1) / 2;
  EXPECT_EQ(team.size(), members);
  EXPECT_EQ(team.rank(), g.rank() / 2);
  int64_t expected = 0;
  for (int r = g.rank() % 2; r < g.size(); r += 2) expected += r;
  EXPECT_EQ(team.all_reduce(int64_t{g.rank()}, HostReduce::sum), expected);
  EXPECT_THROW(g.split(-1), DistError);
  EXPECT_TRUE(RankGroup::serial().split(3).is_serial());
}

TEST(RankGroup, SerialGroupAnswersLocally) {
  const RankGroup g = RankGroup::serial();
  EXPECT_TRUE(g.is_serial());
  EXPECT_EQ(g.mpi_comm(), MPI_COMM_NULL);
  EXPECT_EQ(g.rank(), 0);
  EXPECT_EQ(g.size(), 1);
  EXPECT_EQ(g.broadcast_string("local"), "local");
  EXPECT_EQ(g.all_reduce(int64_t{5}, HostReduce::sum), 5);
  g.barrier();
  EXPECT_TRUE(g.duplicate().is_serial());
}

TEST(RankGroup, RankZerosDecisionOrErrorReachesEveryRank) {
  const RankGroup g = RankGroup::duplicate(MPI_COMM_WORLD);
  int calls = 0;
  EXPECT_TRUE(decide_on_rank0(g, [&] { return ++calls == 1; }));
  EXPECT_EQ(calls, g.rank() == 0 ? 1 : 0) << "only rank 0 decides";
  EXPECT_FALSE(decide_on_rank0(g, [] { return false; }));
  try {
    decide_on_rank0(g, []() -> bool { throw ConfigError("runs/x/manifest.yaml: refused"); });
    ADD_FAILURE() << "no error";
  } catch (const CollectiveError& e) {
    EXPECT_EQ(std::string(e.what()), "runs/x/manifest.yaml: refused");
    EXPECT_EQ(e.rank(), g.rank());
  }
  EXPECT_NO_THROW(raise_rank0_verdict(g, g.rank() == 0 ? "" : "ignored on other ranks"));
  EXPECT_THROW(raise_rank0_verdict(g, g.rank() == 0 ? "bad file" : ""), CollectiveError);
}

}  // namespace
}  // namespace sppo
