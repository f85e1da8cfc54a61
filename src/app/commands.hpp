#pragma once
// defines: the commands of the sppo binary that do work, one function each, called by main
// with the parsed command line. Each returns the process exit status or throws.
#include "app/command_line.hpp"

namespace sppo {

int generate_command(const CommandLine& cl);  // sppo generate  (MPI)
int score_command(const CommandLine& cl);     // sppo score
int export_command(const CommandLine& cl);    // sppo export
int tokenize_command(const CommandLine& cl);  // sppo tokenize
int annotate_command(const CommandLine& cl);  // sppo annotate  (MPI)
int compare_command(const CommandLine& cl);   // sppo compare
int train_command(const CommandLine& cl);     // sppo train  (MPI)
int run_command(const CommandLine& cl);       // sppo run  (MPI)
int eval_command(const CommandLine& cl);      // sppo eval  (MPI)
int init_model_command(const CommandLine& cl);  // sppo init-model

}  // namespace sppo
