// Runs under mpiexec -n 1, 2 and 3: a step's metrics are every rank's sums, reduced once, and
// metrics.csv keeps its header and appends on resume.
#include "train/step_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dist/mpi_communicator.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(StepMetrics, MeansOverEveryRanksRows) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const int r = comm.rank(), n = comm.size();
  MicroBatchStats mine;  // rank r: one chosen and one rejected row, terms r + 1 and 2(r + 1)
  mine.term_sum = 3.0 * (r + 1);
  mine.logratio_chosen = r;
  mine.logratio_rejected = -r;
  mine.term_chosen = r + 1;
  mine.term_rejected = 2.0 * (r + 1);
  mine.chosen = mine.rejected = 1;
  mine.tokens = 10;
  StepPlan plan;
  plan.step = 4;
  plan.epoch = 1;
  plan.global_rows = 2 * n;
  plan.loss_count = 2 * n;
  const StepMetrics m = StepMetrics::reduce(mine, plan, /*per_row_terms=*/true, comm);
  const double ranks_sum = n * (n + 1) / 2.0;  // Σ (r + 1)
  EXPECT_EQ(m.step, 5);
  EXPECT_EQ(m.epoch, 1);
  EXPECT_EQ(m.rows, 2 * n);
  EXPECT_DOUBLE_EQ(m.loss, 3.0 * ranks_sum / (2 * n));
  EXPECT_DOUBLE_EQ(m.logratio_chosen, (ranks_sum - n) / n);
  EXPECT_DOUBLE_EQ(m.term_rejected, 2.0 * ranks_sum / n);
  EXPECT_EQ(m.tokens, 10 * n);
  const StepMetrics pairs = StepMetrics::reduce(mine, plan, /*per_row_terms=*/false, comm);
  EXPECT_TRUE(std::isnan(pairs.term_chosen)) << "pair losses have no per-row term";
  EXPECT_TRUE(std::isnan(pairs.grad_norm)) << "until the step clips";
}

TEST(StepMetrics, CsvRowMatchesTheHeaderAndTheFileAppendsOnResume) {
  StepMetrics m;
  m.step = 3;
  m.epoch = 0;
  m.loss = 0.5;
  m.grad_norm = 2;
  m.lr = 1e-3;
  m.rows = 8;
  m.logratio_chosen = 0.25;
  m.logratio_rejected = -0.25;
  m.tokens = 1000;
  m.seconds = 0.5;
  m.term_chosen = 1;
  m.term_rejected = 2;
  EXPECT_EQ(StepMetrics::csv_header(),
            "step,epoch,loss,grad_norm,lr,rows,logratio_chosen,logratio_rejected,tokens_per_s,seconds,term_chosen,term_rejected");
  EXPECT_EQ(m.csv_row(), "3,0,0.5,2,0.001,8,0.25,-0.25,2000.0,0.500,1,2");
  test::TempDir dir;
  {
    MetricsFile f(dir.file("m.csv"), /*fresh=*/true, /*writer=*/true);
    f.write(m);
  }
  {
    MetricsFile f(dir.file("m.csv"), /*fresh=*/false, /*writer=*/true);
    m.step = 4;
    f.write(m);
    MetricsFile other(dir.file("m.csv"), false, /*writer=*/false);  // ranks other than 0 write nothing
    other.write(m);
  }
  EXPECT_EQ(test::read_file(dir.file("m.csv")), StepMetrics::csv_header() + "\n3,0,0.5,2,0.001,8,0.25,-0.25,2000.0,0.500,1,2\n"
                                                "4,0,0.5,2,0.001,8,0.25,-0.25,2000.0,0.500,1,2\n");
}

}  // namespace
}  // namespace sppo
