#include "io/samples_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

SamplesShape small_shape() {
  const SamplesShape s{10, 3, 7, 5, 4};  // N, K, Lp, Lr, chunk
  return s;
}

SamplesOrigin origin() {
  SamplesOrigin o;
  o.config_yaml = "run: {}\n";
  o.policy_path = "models/p";
  o.policy_fingerprint = "aa";
  o.prompts_fingerprint = "bb";
  o.generate_settings = "samples=3";
  o.chat_template = "mistral";
  o.seed = 42;
  o.iteration = 1;
  return o;
}

// Chunk c of small_shape(): prompt i is {1, i}, response k of prompt i holds k + 1 tokens.
SampleRows chunk_rows(int64_t c) {
  const SamplesShape s = small_shape();
  SampleRows r;
  for (int64_t i = s.chunk_begin(c); i < s.chunk_end(c); ++i) {
    r.prompt_ids.push_back(100 + i);
    r.prompts.push_back({1, int32_t(i)});
    for (int64_t k = 0; k < s.samples; ++k) {
      r.responses.push_back(std::vector<int32_t>(static_cast<std::size_t>(k + 1), int32_t(10 * i + k)));
      r.finished.push_back(k == 0 ? 1 : 0);
    }
  }
  return r;
}

SamplesFile create(const std::string& path) { return SamplesFile::create(path, small_shape(), origin(), RankGroup::serial()); }

std::string open_error(const std::string& path) {
  try {
    SamplesFile::open(path, SamplesFile::Access::read_only, RankGroup::serial());
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SamplesFile, CreateThenOpenRecoversTheShapeAndOrigin) {
  test::TempDir dir;
  const std::string path = dir.file("samples.h5");
  create(path).close();
  const SamplesFile f = SamplesFile::open(path, SamplesFile::Access::read_only, RankGroup::serial());
  EXPECT_EQ(f.shape().prompts, 10);
  EXPECT_EQ(f.shape().samples, 3);
  EXPECT_EQ(f.shape().max_prompt_tokens, 7);
  EXPECT_EQ(f.shape().max_response_tokens, 5);
  EXPECT_EQ(f.shape().chunk_prompts, 4);
  const SamplesOrigin o = f.origin();
  EXPECT_EQ(o.config_yaml, "run: {}\n");
  EXPECT_EQ(o.policy_path, "models/p");
  EXPECT_EQ(o.chat_template, "mistral");
  EXPECT_EQ(o.seed, 42);
  EXPECT_EQ(o.iteration, 1);
  for (SampleStage stage : sample_stages()) EXPECT_EQ(f.progress(stage).pending(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(f.ranker_fingerprint(), 0);
  EXPECT_EQ(test::run_process({"ls", "-A", dir.path()}).out, "samples.h5\n") << "no .partial left";
  // h5dump, a tool users have, reads it too.
  const auto dump = test::run_process({"h5dump", "-H", path});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("DATASET \"logits\""), std::string::npos);
}

TEST(SamplesFile, AChunksFlagIsSetByTheWriteOfItsDataAndOnlyThat) {
  test::TempDir dir;
  SamplesFile f = create(dir.file("s.h5"));
  f.write_generated(1, chunk_rows(1));
  EXPECT_EQ(f.progress(SampleStage::generate).pending(), (std::vector<int64_t>{0, 2}));
  EXPECT_FALSE(f.progress(SampleStage::generate).complete());
  const SampleRows back = f.read_chunk(1);
  EXPECT_EQ(back.prompt_ids, chunk_rows(1).prompt_ids);
  EXPECT_EQ(back.prompts, chunk_rows(1).prompts);
  EXPECT_EQ(back.responses, chunk_rows(1).responses);
  EXPECT_EQ(back.finished, chunk_rows(1).finished);
  f.write_generated(0, chunk_rows(0));
  f.write_generated(2, chunk_rows(2));  // the short last chunk: 2 prompts
  EXPECT_TRUE(f.progress(SampleStage::generate).complete());

  std::vector<float> logits(4 * 9, 0.25f), winrate(4 * 3, 0.5f);
  f.write_judged(0, logits, winrate);
  std::vector<float> logp(2 * 3, -3.0f);
  f.write_reference(2, logp);
  EXPECT_EQ(f.progress(SampleStage::annotate).pending(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(f.progress(SampleStage::reference).pending(), (std::vector<int64_t>{0, 1}));
  EXPECT_THROW(f.write_judged(2, logits, winrate), Error) << "a chunk of 2 prompts given 4 matrices";
  EXPECT_THROW(f.read_chunk(3), Error);

  const SamplesTable t = f.read_table();
  EXPECT_EQ(t.rows.prompt_ids[9], 109);
  EXPECT_EQ(t.rows.responses[9 * 3 + 2], std::vector<int32_t>(3, 92));
  EXPECT_EQ(t.logits[0], 0.25f);
  EXPECT_EQ(t.logits[4 * 9], 0.0f) << "chunk 1 not judged";
  EXPECT_EQ(t.reference_logp[8 * 3], -3.0f);
  EXPECT_TRUE(t.generated.complete());
  EXPECT_TRUE(t.annotated.is_done(0));
  EXPECT_FALSE(t.referenced.is_done(0));

  f.clear_progress(SampleStage::annotate);
  EXPECT_EQ(f.progress(SampleStage::annotate).done(), 0);
  f.claim_ranker(5, "judge");
  EXPECT_EQ(f.ranker_fingerprint(), 5);
  EXPECT_NO_THROW(f.claim_ranker(5, "judge")) << "the same judge again";
  EXPECT_THROW(f.claim_ranker(6, "another"), ConfigError);
  f.clear_ranker();
  EXPECT_EQ(f.ranker_fingerprint(), 0);
}

TEST(SamplesFile, OutputFingerprintsFollowTheStagesData) {
  test::TempDir dir;
  SamplesFile f = create(dir.file("s.h5"));
  const std::string empty = f.output_fingerprint(SampleStage::generate);
  const std::string judged = f.output_fingerprint(SampleStage::annotate);
  f.write_generated(0, chunk_rows(0));
  EXPECT_NE(f.output_fingerprint(SampleStage::generate), empty);
  EXPECT_EQ(f.output_fingerprint(SampleStage::annotate), judged);
  EXPECT_EQ(SamplesFile::output_dataset(SampleStage::generate), "/responses/tokens");
  EXPECT_EQ(SamplesFile::output_dataset(SampleStage::annotate), "/pairrm/logits");
}

TEST(SamplesFile, AnotherJobsOriginIsRefusedNamingWhatDiffers) {
  test::TempDir dir;
  const SamplesFile f = create(dir.file("s.h5"));
  EXPECT_NO_THROW(f.check_origin(origin()));
  SamplesOrigin other = origin();
  other.generate_settings = "samples=4";
  try {
    f.check_origin(other);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("s.h5") + ": was made with other sampling settings (generate_settings = "
                                     "\"samples=3\", this run: \"samples=4\"); give another --samples path or remove the file");
  }
  other = origin();
  other.policy_fingerprint = "cc";
  EXPECT_THROW(f.check_origin(other), ConfigError);
}

TEST(SamplesFile, OtherFilesAreRejectedWithTheReason) {
  test::TempDir dir;
  test::write_file(dir.file("text.h5"), "plain text");
  EXPECT_EQ(open_error(dir.file("text.h5")), dir.file("text.h5") + ": not an HDF5 file (or missing)");
  {
    h5::File f = h5::File::create(dir.file("foreign.h5"), MPI_COMM_NULL);
    f.create_dataset("/data", h5::ElementType::f32, {3});
  }
  EXPECT_EQ(open_error(dir.file("foreign.h5")),
            dir.file("foreign.h5") + ": not an sppo samples file (root attribute sppo_schema is missing)");
  create(dir.file("v2.h5")).close();
  h5::File::open(dir.file("v2.h5"), true, MPI_COMM_NULL).set_attribute(samples::kAttrSchemaVersion, int64_t{2});
  EXPECT_EQ(open_error(dir.file("v2.h5")), dir.file("v2.h5") + ": samples schema version 2, this sppo reads version 1");
}

TEST(SamplesFile, InconsistentShapesAndTypesAreNamed) {
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

TEST(SamplesFile, RefusesAbsurdShapes) {
  test::TempDir dir;
  SamplesShape s = small_shape();
  s.samples = 0;
  EXPECT_THROW(SamplesFile::create(dir.file("x.h5"), s, origin(), RankGroup::serial()), FormatError);
  s = small_shape();
  s.prompts = 0;
  EXPECT_THROW(SamplesFile::create(dir.file("y.h5"), s, origin(), RankGroup::serial()), FormatError);
  s = small_shape();
  s.samples = 1;  // K = 1: the eval responses
  EXPECT_NO_THROW(SamplesFile::create(dir.file("z.h5"), s, origin(), RankGroup::serial()));
}

// Files on which the HDF5 library itself misbehaves (found by fuzzing; see
// tests/fuzz/samples_schema_fuzz.cpp): opened as sppo opens them, through the child-process
// probe, each must be one FormatError and leave this process unharmed.
TEST(SamplesFile, FilesThatBreakHdf5AreRefusedWithoutHarm) {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator("tests/fuzz/samples_schema-hdf5-bugs")) {
    SCOPED_TRACE(e.path().string());
    EXPECT_THROW(SamplesFile::open(e.path().string(), SamplesFile::Access::read_only, RankGroup::serial()), FormatError);
    ++files;
  }
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace sppo
