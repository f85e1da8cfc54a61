#include "app/command_line.hpp"

#include <algorithm>
#include <sstream>

#include "core/error.hpp"
#include "core/text_distance.hpp"

namespace sppo {

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> specs{
      {"run", {}, {"config", "restart-from"}, {"config"},
       "the whole SPPO loop: T iterations of generate, annotate, train, eval; resumes where it stopped (MPI)"},
      {"generate", {}, {"config", "iteration", "policy", "samples"}, {"config"},
       "sample K responses per prompt from the policy into samples.h5 (MPI ranks share the chunks)"},
      {"annotate", {}, {"config", "iteration", "samples"}, {"config"},
       "score every ordered pair of each prompt's responses with the judge (PairRM or synthetic) into samples.h5 (MPI)"},
      {"train", {}, {"config", "iteration", "samples", "policy", "out", "max-steps"}, {"config"},
       "train pi_{t+1} with the SPPO loss, sharded over the ranks, with checkpoints; export it (MPI)"},
      {"eval", {}, {"config", "iteration"}, {"config"},
       "judge trained policies against the base on held-out prompts; write report.md and plots (MPI)"},
      {"compare", {}, {"ranker", "input"}, {"ranker", "input"},
       "print PairRM's logits for each {source, a, b} line of a JSONL, both orders"},
      {"score", {}, {"model", "input", "template"}, {"model", "input"},
       "print log p(response | prompt) for each line of a JSONL, under a model folder"},
      {"export", {}, {"samples", "out"}, {"samples", "out"}, "write a samples.h5 as JSONL text (prompt, responses, ...)"},
      {"tokenize", {}, {"model", "input"}, {"model", "input"},
       "encode, decode or chat-template each line of a JSONL with a model folder's tokenizer, as Hugging Face does"},
      {"init-model", {}, {"arch", "out", "seed"}, {"arch", "out"},
       "build a Hugging Face model folder (random weights, trained tokenizer) from an architecture file"},
      {"config show", {"FILE"}, {}, {}, "validate a run config and print it resolved, as YAML"},
      {"inspect", {"PATH"}, {}, {}, "summarise a safetensors file or model folder, an HDF5 file, or a prompt JSONL"},
      {"version", {}, {}, {}, "print the version and the libraries this build uses"},
  };
  return specs;
}

std::optional<std::string> CommandLine::flag(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

std::string usage_text() {
  std::ostringstream out;
  out << "usage: sppo <command> [arguments] [--set section.key=value ...]\n\n"
         "Self-Play Preference Optimization for language models, on MPI ranks.\n\ncommands:\n";
  for (const auto& spec : command_specs()) {
    std::string line = "  " + spec.name;
    for (const auto& p : spec.positionals) line += " " + p;
    for (const auto& f : spec.flags) {
      const bool required = std::find(spec.required.begin(), spec.required.end(), f) != spec.required.end();
      line += required ? " --" + f + " V" : " [--" + f + " V]";
    }
    out << line << "\n      " << spec.summary << "\n";
  }
  out << "\nEvery command accepts --set section.key=value (repeatable) and --help.\n";
  return out.str();
}

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  std::size_t i = 0;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    cl.help = true;
    return cl;
  }
  // Commands are one word or two ("config show").
  const CommandSpec* spec = nullptr;
  for (const auto& s : command_specs()) {
    const bool two_words = s.name.find(' ') != std::string::npos;
    if (!two_words && args[0] == s.name) spec = &s;
    if (two_words && args.size() > 1 && args[0] + " " + args[1] == s.name) spec = &s;
  }
  if (!spec) {
    std::vector<std::string> names;
    for (const auto& s : command_specs()) names.push_back(s.name);
    auto guess = closest_match(args[0], names);
    throw ConfigError("unknown command '" + args[0] + "'" + (guess ? " (did you mean '" + *guess + "'?)" : "") +
                      "; see sppo --help");
  }
  cl.command = spec->name;
  i = spec->name.find(' ') != std::string::npos ? 2 : 1;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      cl.help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      cl.positionals.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const auto eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const bool known = name == "set" || std::find(spec->flags.begin(), spec->flags.end(), name) != spec->flags.end();
    if (!known) {
      std::vector<std::string> choices{"--set"};
      for (const auto& f : spec->flags) choices.push_back("--" + f);
      auto guess = closest_match("--" + name, choices);
      throw ConfigError("sppo " + cl.command + ": unknown flag --" + name +
                        (guess ? " (did you mean " + *guess + "?)" : ""));
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) throw ConfigError("sppo " + cl.command + ": flag --" + name + " needs a value");
      value = args[++i];
    }
    if (name == "set") cl.overrides.push_back(parse_override(value));
    else if (!cl.flags.emplace(name, value).second)
      throw ConfigError("sppo " + cl.command + ": flag --" + name + " given twice");
  }
  if (!cl.help)
    for (const auto& f : spec->required)
      if (!cl.flags.count(f)) throw ConfigError("sppo " + cl.command + ": --" + f + " is required");
  if (!cl.help && cl.positionals.size() != spec->positionals.size()) {
    std::string expected;
    for (const auto& p : spec->positionals) expected += " " + p;
    throw ConfigError("sppo " + cl.command + ": expected" + (expected.empty() ? " no arguments" : expected) + ", got " +
                      std::to_string(cl.positionals.size()) + " argument(s)");
  }
  return cl;
}

}  // namespace sppo
