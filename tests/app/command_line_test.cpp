#include "app/command_line.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_command_line(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CommandLine, ParsesCommandsArgumentsAndOverrides) {
  const auto cl = parse_command_line({"config", "show", "c.yaml", "--set", "train.lr=1e-6", "--set=run.name=x"});
  EXPECT_EQ(cl.command, "config show");
  EXPECT_EQ(cl.positionals, std::vector<std::string>{"c.yaml"});
  ASSERT_EQ(cl.overrides.size(), 2u);
  EXPECT_EQ(cl.overrides[1].key, "run.name");
  EXPECT_EQ(cl.overrides[1].value, "x");
  EXPECT_TRUE(parse_command_line({}).help);
  EXPECT_TRUE(parse_command_line({"--help"}).help);
  EXPECT_TRUE(parse_command_line({"inspect", "--help"}).help);
  EXPECT_EQ(parse_command_line({"version"}).command, "version");
}

TEST(CommandLine, MistakesAreNamed) {
  EXPECT_EQ(error_of({"inspec", "x"}), "unknown command 'inspec' (did you mean 'inspect'?); see sppo --help");
  EXPECT_EQ(error_of({"inspect", "x", "--sett", "a=b"}), "sppo inspect: unknown flag --sett (did you mean --set?)");
  EXPECT_EQ(error_of({"inspect"}), "sppo inspect: expected PATH, got 0 argument(s)");
  EXPECT_EQ(error_of({"version", "extra"}), "sppo version: expected no arguments, got 1 argument(s)");
  EXPECT_EQ(error_of({"inspect", "x", "--set"}), "sppo inspect: flag --set needs a value");
  EXPECT_EQ(error_of({"config", "show", "c.yaml", "--set", "nonsense"}), "--set nonsense: expected section.key=value");
}

TEST(CommandLine, UsageListsEveryCommand) {
  const std::string usage = usage_text();
  for (const auto& spec : command_specs()) EXPECT_NE(usage.find(spec.name), std::string::npos) << spec.name;
}

}  // namespace
}  // namespace sppo
