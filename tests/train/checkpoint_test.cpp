// Checkpoints at 1, 2 and 3 ranks: a save holds the unpadded full vectors whatever the
// world size, reloads exactly, and loads into fewer ranks (resharding).
#include "train/checkpoint.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#include "io/hdf5.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string shared_folder(std::unique_ptr<test::TempDir>& dir) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char path[512] = {0};
  if (rank == 0) {
    dir = std::make_unique<test::TempDir>();
    std::snprintf(path, sizeof path, "%s", dir->path().c_str());
  }
  MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
  return path;
}

TEST(Checkpoint, SavesFullVectorsReloadsExactlyAndReshardsToFewerRanks) {
  std::unique_ptr<test::TempDir> dir;
  const std::string folder = shared_folder(dir);
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel sharded(model, comm);
  auto optimizer = make_optimizer(OptimizerKind::adamw, sharded);
  // Some optimizer state: one step on a made-up gradient. Padding keeps a zero gradient, as
  // the reduce-scatter of real gradients leaves it, so padded masters stay zero.
  for (int64_t u = 0; u < sharded.num_units(); ++u) {
    ShardedUnit& unit = sharded.unit(u);
    unit.grad().copy_(at::cos(at::arange(unit.grad().numel(), at::kFloat) + comm.rank() * 0.5));
    unit.grad().slice(0, unit.layout().real_end(comm.rank()) - unit.layout().real_begin(comm.rank())).zero_();
  }
  optimizer->step(sharded, 1e-3);
  const std::string path = folder + "/step-1.h5";
  save_checkpoint(path, sharded, *optimizer, "adamw", {1, 0, 16}, comm.group());
  EXPECT_EQ(newest_checkpoint(folder).value(), path);

  // The file holds the unpadded vectors: equal to the gathered parameters.
  const auto full = sharded.full_parameters(comm);
  if (comm.rank() == 0) {
    const h5::File f = h5::File::open(path, false, MPI_COMM_NULL);
    EXPECT_EQ(f.int_attribute("step").value(), 1);
    EXPECT_EQ(f.int_attribute("data_position").value(), 16);
    const auto master = f.open_dataset("/unit1/master").read_all<float>();
    at::Tensor first = full[1].second.reshape({-1});  // unit 1 starts with input_layernorm
    EXPECT_EQ(static_cast<int64_t>(master.size()), sharded.unit(1).layout().numel());
    EXPECT_EQ((at::tensor(std::vector<float>(master.begin(), master.begin() + first.numel())) - first).abs().max().item<double>(), 0);
  }

  // Reload into a fresh model at the same world size: every slice and state equal.
  ShardedModel fresh(model, comm);
  auto fresh_optimizer = make_optimizer(OptimizerKind::adamw, fresh);
  const TrainProgress progress = load_checkpoint(path, fresh, *fresh_optimizer, "adamw", comm.group());
  EXPECT_EQ(progress.step, 1);
  EXPECT_EQ(fresh_optimizer->steps_taken(), 1);
  for (int64_t u = 0; u < sharded.num_units(); ++u) {
    EXPECT_TRUE(at::equal(fresh.unit(u).master(), sharded.unit(u).master())) << "unit " << u;
    EXPECT_TRUE(at::equal(fresh_optimizer->state(u, "exp_avg_sq"), optimizer->state(u, "exp_avg_sq"))) << "unit " << u;
  }
  EXPECT_THROW(load_checkpoint(path, fresh, *make_optimizer(OptimizerKind::rmsprop, fresh), "rmsprop", comm.group()), FormatError);

  // Reshard: the first max(1, world - 1) ranks load it alone and gather the same parameters.
  MPI_Comm smaller;
  const int keep = std::max(1, comm.size() - 1);
  MPI_Comm_split(MPI_COMM_WORLD, comm.rank() < keep ? 0 : MPI_UNDEFINED, comm.rank(), &smaller);
  if (smaller != MPI_COMM_NULL) {
    MpiCommunicator sub(RankGroup::duplicate(smaller));
    ShardedModel resharded(model, sub);
    auto sub_optimizer = make_optimizer(OptimizerKind::adamw, resharded);
    load_checkpoint(path, resharded, *sub_optimizer, "adamw", sub.group());
    const auto again = resharded.full_parameters(sub);
    ASSERT_EQ(again.size(), full.size());
    for (std::size_t i = 0; i < full.size(); ++i) EXPECT_TRUE(at::equal(again[i].second, full[i].second)) << full[i].first;
    MPI_Comm_free(&smaller);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}


TEST(Checkpoint, PruneKeepsTheNewestCompleteOnes) {
  test::TempDir dir;
  for (const char* name : {"step-1.h5", "step-2.h5", "step-10.h5", "step-9.h5", "step-11.h5.partial", "notes.txt"})
    test::write_file(dir.file(name), "x");
  EXPECT_EQ(prune_checkpoints(dir.path(), 2), 2);
  for (const char* kept : {"step-9.h5", "step-10.h5", "step-11.h5.partial", "notes.txt"})
    EXPECT_TRUE(std::ifstream(dir.file(kept)).good()) << kept;
  for (const char* gone : {"step-1.h5", "step-2.h5"}) EXPECT_FALSE(std::ifstream(dir.file(gone)).good()) << gone;
  EXPECT_EQ(newest_checkpoint(dir.path()).value(), dir.file("step-10.h5"));
  EXPECT_EQ(prune_checkpoints(dir.path(), 0), 1);  // at least one is always kept
  EXPECT_EQ(newest_checkpoint(dir.path()).value(), dir.file("step-10.h5"));
}

}  // namespace
}  // namespace sppo
