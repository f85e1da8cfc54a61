// Runs under mpiexec -n 1, 2 and 3 (ctest): every rank checks every element it receives
// against the values every other rank must have sent.
#include "dist/mpi_communicator.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

// Rank r's contribution: element i of rank r is 1000 r + i.
at::Tensor contribution(int rank, int64_t n, at::ScalarType type) {
  return (at::arange(n, at::kDouble) + 1000.0 * rank).to(type);
}

class MpiCommunicatorTest : public ::testing::Test {
 protected:
  MpiCommunicator comm{RankGroup::duplicate(MPI_COMM_WORLD)};
  int rank = comm.rank();
  int size = comm.size();
};

TEST_F(MpiCommunicatorTest, AllGatherEqualSharesOfEveryDtype) {
  for (auto type : {at::kFloat, at::kBFloat16, at::kLong, at::kDouble, at::kInt, at::kByte}) {
    SCOPED_TRACE(c10::toString(type));
    const int64_t n = type == at::kByte ? 3 : 5;
    at::Tensor local = type == at::kByte ? at::full({n}, rank + 1, at::kByte) : contribution(rank, n, type);
    at::Tensor all = at::empty({n * size}, local.options());
    comm.all_gather(local, all);
    for (int r = 0; r < size; ++r) {
      at::Tensor expected = type == at::kByte ? at::full({n}, r + 1, at::kByte) : contribution(r, n, type);
      EXPECT_TRUE(at::equal(all.slice(0, r * n, (r + 1) * n), expected)) << "slice of rank " << r;
    }
  }
}

TEST_F(MpiCommunicatorTest, AllGatherUnequalSharesForSizesNotDivisibleByRanks) {
  // 10 elements over `size` ranks: the first 10 % size ranks hold one more.
  const int64_t total = 10;
  std::vector<int64_t> counts(size), offsets(size);
  for (int r = 0; r < size; ++r) counts[r] = total / size + (r < total % size ? 1 : 0);
  for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  at::Tensor full = at::arange(total, at::kFloat) * 3;
  at::Tensor local = full.slice(0, offsets[rank], offsets[rank] + counts[rank]).contiguous();
  at::Tensor gathered = at::zeros({total}, at::kFloat);
  comm.all_gather_v(local, gathered, counts);
  EXPECT_TRUE(at::equal(gathered, full));
}

TEST_F(MpiCommunicatorTest, ReduceScatterSumAndAverage) {
  const int64_t n = 4;
  at::Tensor in = at::empty({n * size}, at::kFloat);
  for (int64_t i = 0; i < n * size; ++i) in[i] = float(i + 10 * rank);
  at::Tensor out = at::empty({n}, at::kFloat);
  comm.reduce_scatter(in, out, ReduceOp::sum);
  // Element i of my slice = sum over ranks r of (rank*n + i + 10 r).
  const float rank_sum = 10.0f * size * (size - 1) / 2;
  for (int64_t i = 0; i < n; ++i) EXPECT_FLOAT_EQ(out[i].item<float>(), size * float(rank * n + i) + rank_sum) << i;
  comm.reduce_scatter(in, out, ReduceOp::avg);
  for (int64_t i = 0; i < n; ++i) EXPECT_FLOAT_EQ(out[i].item<float>(), float(rank * n + i) + rank_sum / size) << i;
}

TEST_F(MpiCommunicatorTest, ReduceScatterUnequalSharesAndBf16SummedInF32) {
  const int64_t total = 7;
  std::vector<int64_t> counts(size);
  for (int r = 0; r < size; ++r) counts[r] = total / size + (r < total % size ? 1 : 0);
  int64_t offset = 0;
  for (int r = 0; r < rank; ++r) offset += counts[r];
  at::Tensor in = at::arange(total, at::kFloat) + rank;
  at::Tensor out = at::empty({counts[rank]}, at::kFloat);
  comm.reduce_scatter_v(in, out, counts, ReduceOp::sum);
  for (int64_t i = 0; i < counts[rank]; ++i)
    EXPECT_FLOAT_EQ(out[i].item<float>(), size * float(offset + i) + float(size * (size - 1) / 2));
  // 256 + 1 + 1 + ... is exact in f32 but not in bf16 step by step (bf16 spacing at 256 is 2).
  at::Tensor b = at::full({size}, rank == 0 ? 256.0 : 1.0, at::kBFloat16);
  at::Tensor b_out = at::empty({1}, at::kBFloat16);
  comm.reduce_scatter(b, b_out, ReduceOp::sum);
  EXPECT_EQ(b_out.item<float>(), at::tensor({256.0f + (size - 1)}).to(at::kBFloat16).item<float>());
}

TEST_F(MpiCommunicatorTest, AllReduceBroadcastBarrier) {
  at::Tensor t = at::full({3}, double(rank + 1), at::kDouble);
  comm.all_reduce(t, ReduceOp::sum);
  EXPECT_DOUBLE_EQ(t[2].item<double>(), size * (size + 1) / 2.0);
  at::Tensor m = at::tensor({int64_t(rank), int64_t(-rank)});
  comm.all_reduce(m, ReduceOp::max);
  EXPECT_EQ(m[0].item<int64_t>(), size - 1);
  EXPECT_EQ(m[1].item<int64_t>(), 0);
  at::Tensor avg = at::full({2}, float(rank), at::kBFloat16);
  comm.all_reduce(avg, ReduceOp::avg);
  EXPECT_FLOAT_EQ(avg[0].item<float>(), (size - 1) / 2.0f);
  const int root = size - 1;
  at::Tensor b = rank == root ? at::arange(6, at::kLong) : at::zeros({6}, at::kLong);
  comm.broadcast(b, root);
  EXPECT_TRUE(at::equal(b, at::arange(6, at::kLong)));
  comm.barrier();
}

TEST_F(MpiCommunicatorTest, MisuseIsADistErrorNotACrash) {
  at::Tensor in = at::zeros({3});
  at::Tensor out = at::zeros({3 * size + 1});
  try {
    comm.all_gather(in, out);
    FAIL();
  } catch (const DistError& e) {
    EXPECT_EQ(std::string(e.what()), "all_gather: expected an output of " + std::to_string(3 * size) + " elements, got " +
                                         std::to_string(3 * size + 1));
  }
  at::Tensor wrong_type = at::zeros({3 * size}, at::kDouble);
  EXPECT_THROW(comm.all_gather(in, wrong_type), DistError);
  at::Tensor strided = at::zeros({4, 4}).t();
  EXPECT_THROW(comm.all_reduce(strided, ReduceOp::sum), DistError);
  at::Tensor b = at::zeros({1});
  EXPECT_THROW(comm.broadcast(b, size), DistError);
  EXPECT_THROW(comm.all_gather_v(in, out, {1}), DistError);
}

// On a serial group (one process, no MPI) every collective is the local identity.
TEST(MpiCommunicator, SerialGroupCollectivesAreLocal) {
  MpiCommunicator comm(RankGroup::serial());
  EXPECT_EQ(comm.size(), 1);
  at::Tensor in = at::arange(4, at::kFloat), out = at::zeros({4}, at::kFloat);
  comm.all_gather(in, out);
  EXPECT_TRUE(at::equal(out, in));
  comm.reduce_scatter(in, out, ReduceOp::avg);
  EXPECT_TRUE(at::equal(out, in));
  at::Tensor t = in.clone();
  comm.all_reduce(t, ReduceOp::sum);
  comm.broadcast(t, 0);
  EXPECT_TRUE(at::equal(t, in));
  EXPECT_THROW(comm.broadcast(t, 1), DistError);
  comm.barrier();
}

}  // namespace
}  // namespace sppo
