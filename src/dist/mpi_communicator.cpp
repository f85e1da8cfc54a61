#include "dist/mpi_communicator.hpp"

#include <ATen/ATen.h>

#include <climits>
#include <numeric>

#include "core/error.hpp"

namespace sppo {
namespace {

bool is_16bit_float(at::ScalarType t) { return t == at::kBFloat16 || t == at::kHalf; }

// The MPI type that moves a tensor's elements unchanged.
MPI_Datatype transport_type(at::ScalarType t, const char* collective) {
  switch (t) {
    case at::kFloat: return MPI_FLOAT;
    case at::kDouble: return MPI_DOUBLE;
    case at::kLong: return MPI_INT64_T;
    case at::kInt: return MPI_INT32_T;
    case at::kByte: return MPI_UINT8_T;
    case at::kChar: return MPI_INT8_T;
    case at::kBool: return MPI_UINT8_T;
    case at::kBFloat16:
    case at::kHalf: return MPI_UINT16_T;
    default: throw DistError(std::string(collective) + ": unsupported dtype " + c10::toString(t));
  }
}

// avg = sum / ranks; integer tensors truncate, as integer division does.
void divide_by_ranks(at::Tensor& t, int ranks) {
  if (at::isFloatingType(t.scalar_type())) t.div_(ranks);
  else t.div_(ranks, "trunc");
}

MPI_Op mpi_op(ReduceOp op) { return op == ReduceOp::max ? MPI_MAX : MPI_SUM; }

int as_count(int64_t n, const char* collective) {
  if (n < 0 || n > INT_MAX)
    throw DistError(std::string(collective) + ": " + std::to_string(n) + " elements exceed MPI's int count");
  return static_cast<int>(n);
}

void check_cpu(const at::Tensor& t, const char* collective) {
  if (!t.device().is_cpu()) throw DistError(std::string(collective) + ": the MPI backend takes CPU tensors");
}

}  // namespace

MpiCommunicator::MpiCommunicator(RankGroup group) : Communicator(std::move(group)) {}

void MpiCommunicator::all_gather_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts) {
  const char* name = "all_gather";
  check_counts(name, counts);
  check_collective_args(name, in, out, counts[rank()], std::accumulate(counts.begin(), counts.end(), int64_t{0}));
  check_cpu(in, name);
  if (group().is_serial()) {
    out.view({-1}).copy_(in.view({-1}));
    return;
  }
  std::vector<int> recv_counts(counts.size()), displacements(counts.size());
  int64_t offset = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    recv_counts[r] = as_count(counts[r], name);
    displacements[r] = as_count(offset, name);
    offset += counts[r];
  }
  const MPI_Datatype type = transport_type(in.scalar_type(), name);
  check_mpi(MPI_Allgatherv(in.data_ptr(), recv_counts[rank()], type, out.data_ptr(), recv_counts.data(),
                           displacements.data(), type, group().mpi_comm()),
            name);
}

void MpiCommunicator::reduce_scatter_v(const at::Tensor& in, at::Tensor& out, const std::vector<int64_t>& counts,
                                       ReduceOp op) {
  const char* name = "reduce_scatter";
  check_counts(name, counts);
  check_collective_args(name, in, out, std::accumulate(counts.begin(), counts.end(), int64_t{0}), counts[rank()]);
  check_cpu(in, name);
  if (group().is_serial()) {  // op over one rank: sum, avg and max are the value itself
    out.view({-1}).copy_(in.view({-1}));
    return;
  }
  if (is_16bit_float(in.scalar_type())) {
    at::Tensor wide_in = in.to(at::kFloat);
    at::Tensor wide_out = at::empty({out.numel()}, wide_in.options());
    reduce_scatter_v(wide_in, wide_out, counts, op);
    out.view({-1}).copy_(wide_out);
    return;
  }
  std::vector<int> recv_counts(counts.size());
  for (std::size_t r = 0; r < counts.size(); ++r) recv_counts[r] = as_count(counts[r], name);
  check_mpi(MPI_Reduce_scatter(in.data_ptr(), out.data_ptr(), recv_counts.data(), transport_type(in.scalar_type(), name),
                               mpi_op(op), group().mpi_comm()),
            name);
  if (op == ReduceOp::avg) divide_by_ranks(out, size());
}

void MpiCommunicator::all_reduce(at::Tensor& tensor, ReduceOp op) {
  const char* name = "all_reduce";
  check_collective_args(name, tensor, tensor, tensor.numel(), tensor.numel());
  check_cpu(tensor, name);
  if (group().is_serial()) return;
  if (is_16bit_float(tensor.scalar_type())) {
    at::Tensor wide = tensor.to(at::kFloat);
    all_reduce(wide, op);
    tensor.copy_(wide);
    return;
  }
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, tensor.data_ptr(), as_count(tensor.numel(), name),
                          transport_type(tensor.scalar_type(), name), mpi_op(op), group().mpi_comm()),
            name);
  if (op == ReduceOp::avg) divide_by_ranks(tensor, size());
}

void MpiCommunicator::broadcast(at::Tensor& tensor, int root) {
  const char* name = "broadcast";
  check_collective_args(name, tensor, tensor, tensor.numel(), tensor.numel());
  check_cpu(tensor, name);
  if (root < 0 || root >= size()) throw DistError("broadcast: root " + std::to_string(root) + " is not a rank");
  if (group().is_serial()) return;
  check_mpi(MPI_Bcast(tensor.data_ptr(), as_count(tensor.numel(), name), transport_type(tensor.scalar_type(), name),
                      root, group().mpi_comm()),
            name);
}

void MpiCommunicator::barrier() { group().barrier(); }

}  // namespace sppo
