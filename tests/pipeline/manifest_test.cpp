#include "pipeline/manifest.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Manifest, RoundTripsRecordsInOrder) {
  test::TempDir dir;
  Manifest m = Manifest::load(dir.file("absent.yaml"));
  EXPECT_TRUE(m.stages().empty());
  m.record({"iter-0/generate", {{"generate.top_p", "0.9"}, {"data.prompts", "a: \"b\""}}, {{"x.h5", "00ff"}}, utc_now()});
  m.record({"iter-0/annotate", {{"ranker.type", "pairrm"}}, {}, "t"});
  m.record({"iter-0/generate", {{"generate.top_p", "0.8"}}, {}, "t2"});  // replaces in place
  m.save(dir.file("m.yaml"));
  const Manifest back = Manifest::load(dir.file("m.yaml"));
  ASSERT_EQ(back.stages().size(), 2u);
  EXPECT_EQ(back.stages()[0].stage, "iter-0/generate");
  EXPECT_EQ(back.stages()[0].settings.at("generate.top_p"), "0.8");
  EXPECT_EQ(back.stages()[1].settings.at("ranker.type"), "pairrm");
  Manifest edited = back;
  edited.erase("iter-0/generate");
  ASSERT_EQ(edited.stages().size(), 1u);
  EXPECT_EQ(edited.find("iter-0/generate"), nullptr);
  EXPECT_NE(edited.find("iter-0/annotate"), nullptr);
}

TEST(Manifest, SpecialCharactersSurvive) {
  test::TempDir dir;
  Manifest m;
  m.record({"iter-0/train", {{"k", "a: \"b\"\n# c"}}, {{"p", "v"}}, "t"});
  m.save(dir.file("m.yaml"));
  EXPECT_EQ(Manifest::load(dir.file("m.yaml")).stages()[0].settings.at("k"), "a: \"b\"\n# c");
}

TEST(Manifest, ForeignFilesAreRefusedNamingTheFile) {
  test::TempDir dir;
  test::write_file(dir.file("a.yaml"), "- just\n- a list\n");
  try {
    Manifest::load(dir.file("a.yaml"));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("a.yaml")), std::string::npos) << e.what();
  }
  test::write_file(dir.file("b.yaml"), "stages:\n  - {settings: {}}\n");
  EXPECT_THROW(Manifest::load(dir.file("b.yaml")), FormatError);
  test::write_file(dir.file("c.yaml"), "stages: [\n");
  EXPECT_THROW(Manifest::load(dir.file("c.yaml")), FormatError);
}

}  // namespace
}  // namespace sppo
