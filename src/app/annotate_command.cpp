#include "annotate/annotate_stage.hpp"
#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "io/run_layout.hpp"

namespace sppo {

int annotate_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  AnnotateJob a;
  a.config = job.config();
  const int64_t iteration = JobContext::int_flag(cl, "iteration").value_or(0);
  a.samples_path = cl.flag("samples").value_or(samples_path(a.config, iteration));
  a.ranker_dir = a.config.ranker.path;
  run_annotate_stage(a, MPI_COMM_WORLD, job.mpi().thread_multiple(), job.log());
  return 0;
}

}  // namespace sppo
