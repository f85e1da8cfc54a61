// Runs under mpiexec -n 1, 2 and 3: every chunk must be processed exactly once, whatever
// the rank count and however unevenly long the chunks take.
#include "dist/chunk_queue.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <thread>

namespace sppo {
namespace {

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// Gathers each rank's processed chunks on every rank and counts how often each was done.
std::vector<int> times_processed(const std::vector<int64_t>& mine, int64_t chunks) {
  std::vector<int> counts(chunks, 0);
  for (int64_t c : mine) counts[c] += 1;
  MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(chunks), MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  return counts;
}

TEST(ChunkQueue, EveryChunkExactlyOnceUnderUnevenDelays) {
  const int64_t chunks = 37;
  std::vector<int64_t> pending(chunks);
  for (int64_t c = 0; c < chunks; ++c) pending[c] = c;
  std::vector<int64_t> mine;
  {
    ChunkQueue queue(RankGroup::duplicate(MPI_COMM_WORLD), pending, true);
    EXPECT_EQ(queue.dynamic(), world_size() > 1);
    while (auto c = queue.next()) {
      mine.push_back(*c);
      // Rank 0 is slow and chunk 5 is very slow: other ranks must take up the slack.
      const int ms = (world_rank() == 0 ? 6 : 1) + (*c == 5 ? 40 : 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    EXPECT_FALSE(queue.next().has_value()) << "stays exhausted";
  }
  const auto counts = times_processed(mine, chunks);
  for (int64_t c = 0; c < chunks; ++c) EXPECT_EQ(counts[c], 1) << "chunk " << c;
  if (world_size() > 1) {
    // Dynamic hand-out: the slow rank 0 does fewer chunks than a static split would give it.
    int64_t rank0 = static_cast<int64_t>(mine.size());
    MPI_Bcast(&rank0, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    EXPECT_LT(rank0, (chunks + world_size() - 1) / world_size());
  }
}

TEST(ChunkQueue, OnlyPendingChunksInTheGivenOrder) {
  const std::vector<int64_t> pending{9, 2, 7};  // e.g. what a rerun has left
  std::vector<int64_t> mine;
  {
    ChunkQueue queue(RankGroup::duplicate(MPI_COMM_WORLD), pending, true);
    while (auto c = queue.next()) mine.push_back(*c);
  }
  const auto counts = times_processed(mine, 10);
  for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(counts[c], (c == 9 || c == 2 || c == 7) ? 1 : 0) << c;
  if (world_size() == 1) {
    EXPECT_EQ(mine, pending);
  }
}

TEST(ChunkQueue, RanksThatStopEarlyDoNotHangTheServer) {
  std::vector<int64_t> pending(20);
  for (int64_t c = 0; c < 20; ++c) pending[c] = c;
  std::vector<int64_t> mine;
  {
    ChunkQueue queue(RankGroup::duplicate(MPI_COMM_WORLD), pending, true);
    // Ranks other than 0 take one chunk and leave; rank 0 drains the rest.
    if (world_rank() != 0) {
      if (auto c = queue.next()) mine.push_back(*c);
    } else {
      while (auto c = queue.next()) mine.push_back(*c);
    }
  }
  const auto counts = times_processed(mine, 20);
  for (int64_t c = 0; c < 20; ++c) EXPECT_EQ(counts[c], 1) << c;
}

TEST(ChunkQueue, StaticFallbackIsStillExactlyOnce) {
  std::vector<int64_t> pending(11);
  for (int64_t c = 0; c < 11; ++c) pending[c] = c;
  std::vector<int64_t> mine;
  {
    ChunkQueue queue(RankGroup::duplicate(MPI_COMM_WORLD), pending, /*thread_multiple=*/false);
    EXPECT_FALSE(queue.dynamic());
    while (auto c = queue.next()) mine.push_back(*c);
  }
  const auto counts = times_processed(mine, 11);
  for (int64_t c = 0; c < 11; ++c) EXPECT_EQ(counts[c], 1) << c;
}

}  // namespace
}  // namespace sppo
