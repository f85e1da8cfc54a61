#pragma once
// defines: sppo::CommandLine, the parsed `sppo <command> [args] [--flag value] [--set k=v]`,
// and parse_command_line, which checks flags against what each command accepts.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace sppo {

struct CommandSpec {
  std::string name;                      // "inspect", "config show", ...
  std::vector<std::string> positionals;  // names of required positional arguments
  std::vector<std::string> flags;        // accepted "--flag value" options (without --)
  std::vector<std::string> required;     // flags that must be given
  std::string summary;
};

// Every command this build provides, in `sppo --help` order.
const std::vector<CommandSpec>& command_specs();

struct CommandLine {
  std::string command;  // "" for --help
  std::vector<std::string> positionals;
  std::map<std::string, std::string> flags;
  std::vector<Override> overrides;  // --set, in order
  bool help = false;

  std::optional<std::string> flag(const std::string& name) const;
};

// argv without the program name. Throws ConfigError naming the offending argument.
CommandLine parse_command_line(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace sppo
