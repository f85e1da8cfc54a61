// The layer order of src/ (README "Architecture"): a file may include its own layer and the
// layers below it, never one above or beside it. Every `#include "<layer>/..."` in src/ is read.
//   core < dist < io < model < generate, annotate < train < pipeline < app
// (dist below io: parallel HDF5 needs MPI; generate and annotate side by side, neither
// including the other.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

const std::map<std::string, int>& layer_rank() {
  static const std::map<std::string, int> ranks{{"core", 0},     {"dist", 1},  {"io", 2},       {"model", 3}, {"generate", 4},
                                                {"annotate", 4}, {"train", 5}, {"pipeline", 6}, {"app", 7}};
  return ranks;
}

// One line per include that breaks the order: "<file>:<line>: <layer> includes <path> (<why>)".
std::vector<std::string> upward_includes(const fs::path& src) {
  std::vector<std::string> out;
  const std::regex include(R"(^\s*#\s*include\s*"([a-z_]+)/([^"]+)\")");
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h")) continue;
    const fs::path relative = fs::relative(entry.path(), src);
    const std::string own = relative.begin()->string();
    const std::string name = (src / relative).string();
    if (relative.begin() == std::prev(relative.end())) continue;  // a file at the top of src/
    const auto mine = layer_rank().find(own);
    if (mine == layer_rank().end()) {
      out.push_back(name + ": " + own + "/ is not a layer of the README's order");
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      const std::string theirs = m[1];
      const auto it = layer_rank().find(theirs);
      if (it == layer_rank().end()) continue;  // e.g. "nlohmann/json.hpp" in quotes
      const std::string where = name + ":" + std::to_string(number) + ": " + own + " includes " + theirs + "/" + m[2].str();
      if (it->second > mine->second) out.push_back(where + " (" + theirs + " is above " + own + ")");
      else if (it->second == mine->second && theirs != own) out.push_back(where + " (" + theirs + " sits beside " + own + ")");
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(Layers, NoIncludeInSrcGoesUpwardOrSideways) { EXPECT_EQ(joined(upward_includes("src")), ""); }

TEST(Layers, AnUpwardOrSidewaysIncludeIsNamedWithItsFileAndLine) {
  sppo::test::TempDir dir;
  fs::create_directories(dir.file("src/io"));
  fs::create_directories(dir.file("src/generate"));
  fs::create_directories(dir.file("src/train"));
  sppo::test::write_file(dir.file("src/io/a.cpp"), "#include \"io/a.hpp\"\n\n#include \"train/trainer.hpp\"\n#include \"core/log.hpp\"\n");
  sppo::test::write_file(dir.file("src/generate/b.hpp"), "#pragma once\n#include \"annotate/judge.hpp\"\n");
  sppo::test::write_file(dir.file("src/train/c.cpp"), "#include \"generate/engine.hpp\"\n#include <nlohmann/json.hpp>\n");
  EXPECT_EQ(joined(upward_includes(dir.file("src"))),
            dir.file("src") + "/generate/b.hpp:2: generate includes annotate/judge.hpp (annotate sits beside generate)\n" +
                dir.file("src") + "/io/a.cpp:3: io includes train/trainer.hpp (train is above io)\n");
}

TEST(Layers, AFolderOutsideTheOrderIsNamed) {
  sppo::test::TempDir dir;
  fs::create_directories(dir.file("src/utils"));
  sppo::test::write_file(dir.file("src/utils/x.cpp"), "int x;\n");
  EXPECT_EQ(joined(upward_includes(dir.file("src"))), dir.file("src") + "/utils/x.cpp: utils/ is not a layer of the README's order\n");
}

}  // namespace
