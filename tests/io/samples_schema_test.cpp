#include "io/samples_schema.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

SamplesShape small_shape() {
  SamplesShape s;
  s.prompts = 10;
  s.samples = 3;
  s.max_prompt_tokens = 7;
  s.max_response_tokens = 5;
  s.chunk_prompts = 4;
  return s;
}

std::string open_error(const std::string& path) {
  try {
    open_samples_file(path, false, MPI_COMM_NULL, nullptr);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SamplesSchema, ChunkArithmetic) {
  const SamplesShape s = small_shape();
  EXPECT_EQ(s.chunks(), 3);
  EXPECT_EQ(s.chunk_begin(2), 8);
  EXPECT_EQ(s.chunk_end(2), 10);
  EXPECT_EQ(s.chunk_end(0), 4);
}

TEST(SamplesSchema, CreateThenOpenRecoversTheShapeAndAttributes) {
  test::TempDir dir;
  const std::string path = dir.file("samples.h5");
  {
    h5::File f = create_samples_file(path, small_shape(), {{samples::kAttrConfig, "run: {}\n"}}, {{samples::kAttrSeed, 42}},
                                     MPI_COMM_NULL);
    EXPECT_EQ(f.open_dataset(samples::kPairrmLogits).dims(), (std::vector<int64_t>{10, 3, 3}));
  }
  SamplesShape shape;
  const h5::File f = open_samples_file(path, false, MPI_COMM_NULL, &shape);
  EXPECT_EQ(shape.prompts, 10);
  EXPECT_EQ(shape.samples, 3);
  EXPECT_EQ(shape.max_prompt_tokens, 7);
  EXPECT_EQ(shape.max_response_tokens, 5);
  EXPECT_EQ(shape.chunk_prompts, 4);
  EXPECT_EQ(f.int_attribute(samples::kAttrSeed).value(), 42);
  EXPECT_EQ(f.string_attribute(samples::kAttrConfig).value(), "run: {}\n");
  for (const auto& stage : sample_stages())
    EXPECT_EQ(f.open_dataset(samples::kProgressPrefix + stage).read_all<uint8_t>(), (std::vector<uint8_t>(3, 0)));
  EXPECT_EQ(test::run_process({"ls", "-A", dir.path()}).out, "samples.h5\n") << "no .partial left";
  // h5dump, a tool users have, reads it too.
  const auto dump = test::run_process({"h5dump", "-H", path});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("DATASET \"logits\""), std::string::npos);
}

TEST(SamplesSchema, OtherFilesAreRejectedWithTheReason) {
  test::TempDir dir;
  test::write_file(dir.file("text.h5"), "plain text");
  EXPECT_EQ(open_error(dir.file("text.h5")), dir.file("text.h5") + ": not an HDF5 file (or missing)");
  {
    h5::File f = h5::File::create(dir.file("foreign.h5"), MPI_COMM_NULL);
    f.create_dataset("/data", h5::ElementType::f32, {3});
  }
  EXPECT_EQ(open_error(dir.file("foreign.h5")),
            dir.file("foreign.h5") + ": not an sppo samples file (root attribute sppo_schema is missing)");
  {
    h5::File f = create_samples_file(dir.file("v2.h5"), small_shape(), {}, {}, MPI_COMM_NULL);
    f.set_attribute(samples::kAttrSchemaVersion, int64_t{2});
  }
  EXPECT_EQ(open_error(dir.file("v2.h5")), dir.file("v2.h5") + ": samples schema version 2, this sppo reads version 1");
}

TEST(SamplesSchema, InconsistentShapesAndTypesAreNamed) {
  test::TempDir dir;
  // Build a file by hand that follows the schema except for one dataset.
  auto build = [&](const std::string& path, const std::string& odd, h5::ElementType type, std::vector<int64_t> dims) {
    h5::File f = h5::File::create(path, MPI_COMM_NULL);
    for (const auto& spec : samples_datasets(small_shape())) {
      if (spec.path == odd) f.create_dataset(odd, type, dims);
      else f.create_dataset(spec.path, spec.type, spec.dims);
    }
    f.set_attribute(samples::kAttrSchema, std::string("samples"));
    f.set_attribute(samples::kAttrSchemaVersion, kSamplesSchemaVersion);
    f.set_attribute(samples::kAttrChunkPrompts, int64_t{4});
  };
  build(dir.file("a.h5"), samples::kPairrmWinrate, h5::ElementType::f32, {10, 4});
  EXPECT_EQ(open_error(dir.file("a.h5")), dir.file("a.h5") + ": /pairrm/winrate has shape [10, 4], expected [10, 3]");
  build(dir.file("b.h5"), samples::kResponseFinished, h5::ElementType::i32, {10, 3});
  EXPECT_EQ(open_error(dir.file("b.h5")), dir.file("b.h5") + ": /responses/finished has type int32, expected uint8");
  build(dir.file("c.h5"), "/progress/annotate", h5::ElementType::u8, {2});
  EXPECT_EQ(open_error(dir.file("c.h5")), dir.file("c.h5") + ": /progress/annotate has shape [2], expected [3]");
  {
    h5::File f = h5::File::create(dir.file("d.h5"), MPI_COMM_NULL);
    f.set_attribute(samples::kAttrSchema, std::string("samples"));
    f.set_attribute(samples::kAttrSchemaVersion, kSamplesSchemaVersion);
    f.set_attribute(samples::kAttrChunkPrompts, int64_t{4});
  }
  EXPECT_EQ(open_error(dir.file("d.h5")), dir.file("d.h5") + ": dataset /responses/tokens is missing");
}

TEST(SamplesSchema, RefusesAbsurdShapes) {
  test::TempDir dir;
  SamplesShape s = small_shape();
  s.samples = 0;
  EXPECT_THROW(create_samples_file(dir.file("x.h5"), s, {}, {}, MPI_COMM_NULL), FormatError);
  s = small_shape();
  s.prompts = 0;
  EXPECT_THROW(create_samples_file(dir.file("y.h5"), s, {}, {}, MPI_COMM_NULL), FormatError);
  s = small_shape();
  s.samples = 1;  // K = 1: the eval responses
  EXPECT_NO_THROW(create_samples_file(dir.file("z.h5"), s, {}, {}, MPI_COMM_NULL));
}


// Files on which the HDF5 library itself misbehaves (found by fuzzing; see
// tests/fuzz/samples_schema_fuzz.cpp): opened as sppo opens them, through the child-process
// probe, each must be one FormatError and leave this process unharmed.
TEST(SamplesSchema, FilesThatBreakHdf5AreRefusedWithoutHarm) {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator("tests/fuzz/samples_schema-hdf5-bugs")) {
    SCOPED_TRACE(e.path().string());
    SamplesShape shape;
    EXPECT_THROW(open_samples_file(e.path().string(), false, MPI_COMM_NULL, &shape), FormatError);
    ++files;
  }
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace sppo
