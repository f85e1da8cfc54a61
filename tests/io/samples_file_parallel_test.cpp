// Runs under mpiexec -n 1, 2 and 3: ranks create samples.h5 collectively over MPI-IO, write
// the chunks the queue gives them (data, then the chunk's flag, as SamplesFile does it), and
// every rank then reads back every chunk, its flags and the judge a claim recorded.
#include <gtest/gtest.h>
#include <mpi.h>

#include "core/error.hpp"
#include "dist/chunk_queue.hpp"
#include "io/samples_file.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(SamplesFileParallel, ChunksWrittenByAnyRankReadBackWhole) {
  const RankGroup world = RankGroup::duplicate(MPI_COMM_WORLD);
  // One folder for all ranks: rank 0 makes it and broadcasts the name.
  std::unique_ptr<test::TempDir> dir;
  if (world.rank() == 0) dir = std::make_unique<test::TempDir>();
  const std::string path = world.broadcast_string(dir ? dir->file("samples.h5") : "");

  const SamplesShape shape{11, 2, 3, 4, 3};  // N, K, Lp, Lr, chunk: chunks of 3, 3, 3, 2
  auto rows_of = [&](int64_t c) {
    SampleRows r;
    for (int64_t i = shape.chunk_begin(c); i < shape.chunk_end(c); ++i) {
      r.prompt_ids.push_back(i);
      r.prompts.push_back({1, int32_t(i)});
      for (int64_t k = 0; k < shape.samples; ++k) {
        r.responses.push_back(std::vector<int32_t>(static_cast<std::size_t>(1 + (i + k) % 4), int32_t(100 * i + k)));
        r.finished.push_back(uint8_t(k % 2));
      }
    }
    return r;
  };
  {
    SamplesFile file = SamplesFile::create(path, shape, {}, world);
    std::vector<int64_t> pending(shape.chunks());
    for (int64_t c = 0; c < shape.chunks(); ++c) pending[c] = c;
    ChunkQueue queue(world, pending, true);
    while (auto c = queue.next()) file.write_generated(*c, rows_of(*c));
    file.claim_ranker(77, "test judge");
    file.close();  // collective
  }
  SamplesFile file = SamplesFile::open(path, SamplesFile::Access::read_only, world);
  EXPECT_EQ(file.shape().prompts, 11);
  EXPECT_TRUE(file.progress(SampleStage::generate).complete());
  EXPECT_EQ(file.progress(SampleStage::annotate).done(), 0);
  EXPECT_EQ(file.ranker_fingerprint(), 77);
  for (int64_t c = 0; c < shape.chunks(); ++c) {
    const SampleRows want = rows_of(c), got = file.read_chunk(c);
    EXPECT_EQ(got.prompt_ids, want.prompt_ids) << "chunk " << c;
    EXPECT_EQ(got.prompts, want.prompts) << "chunk " << c;
    EXPECT_EQ(got.responses, want.responses) << "chunk " << c;
    EXPECT_EQ(got.finished, want.finished) << "chunk " << c;
  }
  const SamplesTable t = file.read_table();
  EXPECT_EQ(t.rows.prompts.size(), 11u);
  EXPECT_EQ(t.rows.responses[21], rows_of(3).responses[3]);  // prompt 10, sample 1
  file.close();
  // A second judge is refused on every rank, with the recorded one named.
  SamplesFile again = SamplesFile::open(path, SamplesFile::Access::read_write, world);
  try {
    again.claim_ranker(78, "other judge");
    ADD_FAILURE() << "a second judge was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("was annotated by another ranker (fingerprint 77, other judge: 78)"), std::string::npos)
        << e.what();
  }
  again.close();
  world.barrier();  // nobody reads while rank 0 removes the folder
}

}  // namespace
}  // namespace sppo
