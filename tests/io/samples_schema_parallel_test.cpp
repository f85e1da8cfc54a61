// Runs under mpiexec -n 1, 2 and 3: ranks create samples.h5 collectively over MPI-IO, write
// the chunks the queue gives them as independent hyperslabs, flag them, and every rank then
// reads back every chunk.
#include <gtest/gtest.h>
#include <mpi.h>

#include "dist/chunk_queue.hpp"
#include "io/samples_schema.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(SamplesSchemaParallel, ChunksWrittenByAnyRankReadBackWhole) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // One folder for all ranks: rank 0 makes it and broadcasts the name.
  std::unique_ptr<test::TempDir> dir;
  char path[512] = {0};
  if (rank == 0) {
    dir = std::make_unique<test::TempDir>();
    std::snprintf(path, sizeof path, "%s/samples.h5", dir->path().c_str());
  }
  MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);

  SamplesShape shape;
  shape.prompts = 11;
  shape.samples = 2;
  shape.max_prompt_tokens = 3;
  shape.max_response_tokens = 4;
  shape.chunk_prompts = 3;  // chunks of 3, 3, 3, 2
  {
    h5::File file = create_samples_file(path, shape, {}, {}, MPI_COMM_WORLD);
    auto tokens = file.open_dataset(samples::kResponseTokens);
    auto ids = file.open_dataset(samples::kPromptId);
    auto flags = file.open_dataset(std::string(samples::kProgressPrefix) + "generate");
    std::vector<int64_t> pending(shape.chunks());
    for (int64_t c = 0; c < shape.chunks(); ++c) pending[c] = c;
    ChunkQueue queue(MPI_COMM_WORLD, pending);
    while (auto c = queue.next()) {
      const int64_t begin = shape.chunk_begin(*c), rows = shape.chunk_end(*c) - begin;
      std::vector<int32_t> t(rows * shape.samples * shape.max_response_tokens);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] = int32_t(begin * 100 + i);
      std::vector<int64_t> id(rows);
      for (int64_t i = 0; i < rows; ++i) id[i] = begin + i;
      tokens.write_rows(begin, rows, t.data());
      ids.write_rows(begin, rows, id.data());
      const uint8_t done = 1;
      flags.write_rows(*c, 1, &done);  // after the chunk's data
    }
  }  // collective close
  MPI_Barrier(MPI_COMM_WORLD);
  SamplesShape reread;
  const h5::File file = open_samples_file(path, false, MPI_COMM_WORLD, &reread);
  EXPECT_EQ(reread.prompts, 11);
  EXPECT_EQ(file.open_dataset(std::string(samples::kProgressPrefix) + "generate").read_all<uint8_t>(),
            std::vector<uint8_t>(4, 1));
  const auto ids = file.open_dataset(samples::kPromptId).read_all<int64_t>();
  for (int64_t i = 0; i < 11; ++i) EXPECT_EQ(ids[i], i);
  const auto tokens = file.open_dataset(samples::kResponseTokens).read_all<int32_t>();
  for (int64_t c = 0; c < shape.chunks(); ++c) {
    const int64_t begin = shape.chunk_begin(c);
    for (int64_t i = 0; i < (shape.chunk_end(c) - begin) * 8; ++i)
      ASSERT_EQ(tokens[begin * 8 + i], int32_t(begin * 100 + i)) << "chunk " << c << " element " << i;
  }
  MPI_Barrier(MPI_COMM_WORLD);  // nobody reads while rank 0 removes the folder
}

}  // namespace
}  // namespace sppo
