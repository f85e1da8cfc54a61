// GoogleTest main for every suite: MPI is initialised once (threads: multiple) for the whole
// run, and only rank 0 prints, so that mpiexec -n 3 output stays readable. A failure on any
// rank still fails the job: the exit code is the maximum over ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include <iostream>

#include "dist/mpi_session.hpp"

namespace {

// Stands in for the default printer on ranks other than 0: prints failures only, with the rank.
class FailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed())
      std::cerr << "[rank " << rank_ << "] " << (result.file_name() ? result.file_name() : "?") << ":"
                << result.line_number() << ": failure\n" << result.summary() << std::endl;
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  sppo::MpiSession mpi(&argc, &argv);
  if (mpi.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(mpi.rank()));
  }
  int failed = RUN_ALL_TESTS();
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
