// The sppo command line. The one place errors are caught: each is printed as one line and
// the process exits non-zero; under MPI with several ranks the whole job is aborted so that
// no rank is left waiting in a collective.
#include <iostream>
#include <string>
#include <vector>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/inspect.hpp"
#include "app/version.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "dist/mpi_session.hpp"

namespace {

int run(const sppo::CommandLine& cl) {
  if (cl.help || cl.command.empty()) {
    std::cout << sppo::usage_text();
    return 0;
  }
  if (cl.command == "run") return sppo::run_command(cl);
  if (cl.command == "eval") return sppo::eval_command(cl);
  if (cl.command == "generate") return sppo::generate_command(cl);
  if (cl.command == "annotate") return sppo::annotate_command(cl);
  if (cl.command == "compare") return sppo::compare_command(cl);
  if (cl.command == "train") return sppo::train_command(cl);
  if (cl.command == "score") return sppo::score_command(cl);
  if (cl.command == "export") return sppo::export_command(cl);
  if (cl.command == "tokenize") return sppo::tokenize_command(cl);
  if (cl.command == "init-model") return sppo::init_model_command(cl);
  if (cl.command == "version") {
    std::cout << sppo::version_text();
  } else if (cl.command == "config show") {
    std::cout << sppo::config_to_yaml(sppo::load_config(cl.positionals[0], cl.overrides));
  } else if (cl.command == "inspect") {
    // No config file here: --set adjusts the defaults (e.g. data.prompt_field for a JSONL).
    std::cout << sppo::inspect_path(cl.positionals[0], sppo::parse_config("", "<defaults>", cl.overrides));
  }
  return 0;
}

// One line on stderr, then the job ends (every rank, so that none waits in a collective).
[[noreturn]] void fail(const std::string& message) {
  std::cerr << "sppo: " << sppo::world_rank_prefix() << "error: " << message << std::endl;
  sppo::abort_job(1);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(sppo::parse_command_line(std::vector<std::string>(argv + 1, argv + argc)));
  } catch (const sppo::CollectiveError& e) {
    // Every rank threw it together (and has left MPI): one line, from rank 0.
    if (e.rank() == 0) std::cerr << "sppo: error: " << e.what() << std::endl;
    return 1;
  } catch (const sppo::Error& e) {
    fail(e.what());
  } catch (const std::exception& e) {
    fail(std::string("internal error: ") + e.what());
  }
}
