// Runs under mpiexec -n 1, 2 and 3: totals are summed over the ranks and rank 0 prints them.
#include "dist/stage_totals.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace sppo {
namespace {

TEST(StageTotals, SumsOverRanksPrintsTheTotalsOnRankZeroAndEachRanksMemory) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::ostringstream out;
  const Log log(out, rank);
  const StageTotals t = report_stage_totals(RankGroup::duplicate(MPI_COMM_WORLD), log, "annotate", "pairs", rank + 1, 2,
                                            std::chrono::steady_clock::now(), "s.h5");
  EXPECT_EQ(t.items, size * (size + 1) / 2);
  EXPECT_EQ(t.chunks, 2 * size);
  EXPECT_GE(t.seconds, 0.0);
  if (rank == 0) {
    EXPECT_NE(out.str().find("annotate: " + std::to_string(2 * size) + " chunks, " + std::to_string(size * (size + 1) / 2) +
                             " pairs in 0s ("),
              std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find(" pairs/s) -> s.h5"), std::string::npos) << out.str();
  }
  // Every rank adds its own peak memory line (scaling studies read it).
  EXPECT_NE(out.str().find("[rank " + std::to_string(rank) + "] info: annotate: peak resident memory of this rank "),
            std::string::npos)
      << out.str();
  if (rank != 0) EXPECT_EQ(out.str().find("chunks"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace sppo
