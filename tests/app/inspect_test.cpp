#include "app/inspect.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/safetensors.hpp"
#include "io/samples_file.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

// Every tensor of every fixture appears with the dtype and shape its header gives; the
// sidecar JSON of each expected output is the independent source for those files.
TEST(Inspect, ListsEveryFixtureTensorWithDtypeAndShape) {
  for (const char* folder : {"policy-f32", "policy-bf16", "ranker-f32", "ranker-bf16"}) {
    const std::string path = test::fixtures() + "/" + folder;
    const std::string text = inspect_path(path);
    const auto model = SafetensorsModel::open(path);
    EXPECT_NE(text.find(std::to_string(model.names().size()) + " tensors"), std::string::npos);
    const std::string dtype = std::string(folder).find("bf16") != std::string::npos ? "BF16" : "F32";
    for (const auto& name : model.names()) {
      const std::size_t line = text.find("  " + name + " ");
      ASSERT_NE(line, std::string::npos) << name;
      const std::string row = text.substr(line, text.find('\n', line) - line);
      EXPECT_NE(row.find(dtype), std::string::npos) << row;
    }
  }
  const auto sidecar = nlohmann::json::parse(test::read_file(test::fixtures() + "/expected/policy_forward.json"));
  const std::string text = inspect_path(test::fixtures() + "/expected/policy_forward.safetensors");
  int rows = 0;
  for (const auto& [name, t] : sidecar["tensors"].items()) {
    std::string shape = "[";
    for (std::size_t i = 0; i < t["shape"].size(); ++i) shape += (i ? ", " : "") + t["shape"][i].dump();
    shape += "]";
    const std::size_t line = text.find("  " + name + " ");
    ASSERT_NE(line, std::string::npos) << name;
    const std::string row = text.substr(line, text.find('\n', line) - line);
    EXPECT_NE(row.find(t["dtype"].get<std::string>()), std::string::npos) << row;
    EXPECT_NE(row.find(shape), std::string::npos) << row << " wants " << shape;
    ++rows;
  }
  EXPECT_EQ(rows, 10);
}

TEST(Inspect, SummarisesASamplesFile) {
  test::TempDir dir;
  const SamplesShape shape{4, 2, 3, 5, 2};  // N, K, Lp, Lr, chunk
  SamplesOrigin origin;
  origin.config_yaml = "run:\n  name: x\n";
  origin.seed = 42;
  SamplesFile::create(dir.file("s.h5"), shape, origin, RankGroup::serial());
  const std::string text = inspect_path(dir.file("s.h5"));
  EXPECT_NE(text.find("HDF5, 13 datasets"), std::string::npos) << text;
  EXPECT_NE(text.find("/responses/tokens"), std::string::npos);
  EXPECT_NE(text.find("int32   [4, 2, 5]"), std::string::npos) << text;
  EXPECT_NE(text.find("@seed = int64 42"), std::string::npos) << text;
  EXPECT_NE(text.find("@schema_version = int64 1"), std::string::npos) << text;
}

TEST(Inspect, RefusesWhatItCannotRead) {
  test::TempDir dir;
  test::write_file(dir.file("notes.txt"), "hello");
  EXPECT_THROW(inspect_path(dir.file("notes.txt")), FormatError);
  EXPECT_THROW(inspect_path(dir.file("missing")), IoError);
}

}  // namespace
}  // namespace sppo
