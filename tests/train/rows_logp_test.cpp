// Runs under mpiexec -n 1, 2 and 3: log π(y|x) of training rows through the sharded model
// equals the whole model's, whatever the rank count, and ranks without rows still take part.
#include "train/rows_logp.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "dist/mpi_communicator.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::vector<TrainRow> rows(int n) {
  std::vector<TrainRow> out;
  for (int i = 0; i < n; ++i) out.push_back({{1, 100 + i, 200}, {300 + 7 * i, 42, 2}, 0.5f});
  return out;
}

TEST(RowsLogp, ShardedEqualsTheWholeModelForAnyRowCount) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const CausalLM whole = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel sharded = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
  for (int n : {1, 2, 5}) {  // 1 row: every rank but one runs its batches without rows
    SCOPED_TRACE(std::to_string(n) + " rows");
    const std::vector<TrainRow> r = rows(n);
    std::vector<const TrainRow*> view;
    for (const auto& x : r) view.push_back(&x);
    const std::vector<float> got = rows_logp(sharded, view, /*batch=*/2, comm, nullptr);
    const std::vector<double> want = rows_logp(whole, r);
    ASSERT_EQ(got.size(), want.size());
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(got[static_cast<std::size_t>(i)], want[static_cast<std::size_t>(i)], 1e-4) << "row " << i;
      EXPECT_LT(want[static_cast<std::size_t>(i)], 0.0);
    }
  }
}

}  // namespace
}  // namespace sppo
