// Runs under mpiexec -n 1, 2 and 3: the reference pass writes log π_t(y|x) of every sample into
// samples.h5, equal to the whole model's on the truncated rows, reuses what is done, and
// refuses a file whose responses are not complete.
#include "train/reference_stage.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <sstream>

#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#include "io/samples_file.hpp"
#include "test_support.hpp"
#include "train/dataset.hpp"
#include "train/rows_logp.hpp"

namespace sppo {
namespace {

// N, K, Lp, Lr, chunk: chunks of 2, 2, 1, fewer chunks than 3 ranks in the last round.
SamplesShape shape() { return {5, 2, 4, 4, 2}; }

// The job's ranks, a log, the context, and a samples.h5 path all ranks share.
struct Job {
  MpiCommunicator comm{RankGroup::duplicate(MPI_COMM_WORLD)};
  std::ostringstream out;
  Log log{out, comm.rank()};
  RunContext ctx{comm, nullptr, c10::Device(c10::kCPU), 1, true, log};
  std::unique_ptr<test::TempDir> dir = comm.rank() == 0 ? std::make_unique<test::TempDir>() : nullptr;
  std::string path = comm.group().broadcast_string(dir ? dir->file("s.h5") : "");
};

SampleRows chunk(int64_t c) {
  SampleRows r;
  for (int64_t n = shape().chunk_begin(c); n < shape().chunk_end(c); ++n) {
    r.prompt_ids.push_back(n);
    r.prompts.push_back({1, int32_t(50 + n), int32_t(60 + n)});
    for (int64_t k = 0; k < 2; ++k) {
      r.responses.push_back({int32_t(300 + 10 * n + k), 44, 2});
      r.finished.push_back(1);
    }
  }
  return r;
}

TEST(ReferenceStage, WritesEverySamplesLogProbabilityAtAnyRankCount) {
  Job job;
  MpiCommunicator& comm = job.comm;
  const RunContext& ctx = job.ctx;
  const std::string& path = job.path;
  {
    SamplesFile f = SamplesFile::create(path, shape(), {}, comm.group());
    if (comm.rank() == 0)
      for (int64_t c = 0; c < shape().chunks(); ++c) f.write_generated(c, chunk(c));
    f.close();
  }
  ShardedModel policy = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
  const int64_t max_length = 6, max_prompt_length = 2;  // rows are truncated as training truncates them
  run_reference_stage(path, policy, max_length, max_prompt_length, ctx);

  const CausalLM whole = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  const SamplesTable t = SamplesFile::open(path, SamplesFile::Access::read_only, comm.group()).read_table();
  EXPECT_TRUE(t.referenced.complete());
  for (int64_t n = 0; n < 5; ++n)
    for (int64_t k = 0; k < 2; ++k) {
      const std::size_t i = static_cast<std::size_t>(n * 2 + k);
      const TrainRow row = truncated_row(t.rows.prompts[static_cast<std::size_t>(n)], t.rows.responses[i], 0.5f, max_length,
                                         max_prompt_length);
      EXPECT_NEAR(t.reference_logp[i], rows_logp(whole, {row})[0], 1e-4) << "prompt " << n << " sample " << k;
    }
  run_reference_stage(path, policy, max_length, max_prompt_length, ctx);  // done: reused
  if (comm.rank() == 0) {
    EXPECT_NE(job.out.str().find("reference log-probs already in " + path), std::string::npos) << job.out.str();
  }
  comm.barrier();
}

TEST(ReferenceStage, RefusesResponsesThatAreNotComplete) {
  Job job;
  SamplesFile::create(job.path, shape(), {}, job.comm.group()).close();
  ShardedModel policy = ShardedModel::load(test::fixtures() + "/policy-f32", job.comm);
  EXPECT_THROW(run_reference_stage(job.path, policy, 8, 4, job.ctx), FormatError);
  job.comm.barrier();
}

}  // namespace
}  // namespace sppo
