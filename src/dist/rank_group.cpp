#include "dist/rank_group.hpp"

#include <climits>

#include "core/error.hpp"

namespace sppo {
namespace {

MPI_Op mpi_op(HostReduce op) { return op == HostReduce::max ? MPI_MAX : MPI_SUM; }

int as_count(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw DistError(std::string(what) + ": " + std::to_string(n) + " elements exceed MPI's int count");
  return static_cast<int>(n);
}

}  // namespace

RankGroup RankGroup::serial() { return RankGroup(); }

RankGroup RankGroup::duplicate(MPI_Comm comm) {
  RankGroup g;
  g.comm_ = MpiComm::duplicate(comm);
  check_mpi(MPI_Comm_rank(g.comm_.get(), &g.rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(g.comm_.get(), &g.size_), "MPI_Comm_size");
  return g;
}

RankGroup RankGroup::duplicate() const { return is_serial() ? serial() : duplicate(comm_.get()); }

RankGroup RankGroup::node_local() const {
  if (is_serial()) return serial();
  RankGroup g;
  g.comm_ = MpiComm::split_shared(comm_.get());
  check_mpi(MPI_Comm_rank(g.comm_.get(), &g.rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(g.comm_.get(), &g.size_), "MPI_Comm_size");
  return g;
}

RankGroup RankGroup::split(int color) const {
  if (color < 0) throw DistError("split: color " + std::to_string(color) + " is negative");
  if (is_serial()) return serial();
  RankGroup g;
  g.comm_ = MpiComm::split(comm_.get(), color);
  check_mpi(MPI_Comm_rank(g.comm_.get(), &g.rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(g.comm_.get(), &g.size_), "MPI_Comm_size");
  return g;
}

void RankGroup::barrier() const {
  if (!is_serial()) check_mpi(MPI_Barrier(comm_.get()), "barrier");
}

void RankGroup::broadcast_bytes(void* data, std::size_t bytes, int root) const {
  if (is_serial()) return;
  if (root < 0 || root >= size_) throw DistError("broadcast: root " + std::to_string(root) + " is not a rank");
  check_mpi(MPI_Bcast(data, as_count(bytes, "broadcast"), MPI_BYTE, root, comm_.get()), "broadcast");
}

std::string RankGroup::broadcast_string(std::string text, int root) const {
  if (is_serial()) return text;
  uint64_t n = broadcast<uint64_t>(text.size(), root);
  text.resize(static_cast<std::size_t>(n));
  broadcast_bytes(text.data(), text.size(), root);
  return text;
}

void RankGroup::all_reduce(std::vector<int64_t>& values, HostReduce op) const {
  if (is_serial() || values.empty()) return;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), as_count(values.size(), "all_reduce"), MPI_INT64_T, mpi_op(op),
                          comm_.get()),
            "all_reduce");
}

void RankGroup::all_reduce(std::vector<double>& values, HostReduce op) const {
  if (is_serial() || values.empty()) return;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), as_count(values.size(), "all_reduce"), MPI_DOUBLE, mpi_op(op),
                          comm_.get()),
            "all_reduce");
}

int64_t RankGroup::all_reduce(int64_t value, HostReduce op) const {
  std::vector<int64_t> v{value};
  all_reduce(v, op);
  return v[0];
}

bool decide_on_rank0(const RankGroup& group, const std::function<bool()>& decide) {
  int32_t decision = 0;  // 1 yes, 0 no, -1 rank 0 failed
  std::string error;
  if (group.rank() == 0) {
    try {
      decision = decide() ? 1 : 0;
    } catch (const Error& e) {
      error = e.what();
      decision = -1;
    }
  }
  decision = group.broadcast(decision);
  if (decision < 0) throw CollectiveError(group.broadcast_string(error), group.rank());
  return decision == 1;
}

void raise_rank0_verdict(const RankGroup& group, const std::string& verdict) {
  const std::string everyone = group.broadcast_string(group.rank() == 0 ? verdict : std::string());
  if (!everyone.empty()) throw CollectiveError(everyone, group.rank());
}

}  // namespace sppo
