#include "io/hdf5.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Hdf5, RowRangesOfEveryTypeRoundTrip) {
  test::TempDir dir;
  const std::string path = dir.file("a.h5");
  {
    h5::File f = h5::File::create(path, MPI_COMM_NULL);
    auto tokens = f.create_dataset("/responses/tokens", h5::ElementType::i32, {4, 2, 3});
    auto ids = f.create_dataset("/prompts/id", h5::ElementType::i64, {4});
    auto logits = f.create_dataset("/pairrm/logits", h5::ElementType::f32, {4, 2, 2});
    auto flags = f.create_dataset("/progress/generate", h5::ElementType::u8, {2});
    std::vector<int32_t> rows(12);
    std::iota(rows.begin(), rows.end(), 100);
    tokens.write_rows(1, 2, rows.data());  // rows 1 and 2 only
    std::vector<int64_t> id{10, 11, 12, 13};
    ids.write_rows(0, 4, id.data());
    std::vector<float> l(4, 0.5f);
    logits.write_rows(3, 1, l.data());
    uint8_t one = 1;
    flags.write_rows(1, 1, &one);
    f.set_attribute("config_yaml", std::string("run:\n  name: x\n"));
    f.set_attribute("seed", int64_t{42});
    f.flush();
  }
  const h5::File f = h5::File::open(path, false, MPI_COMM_NULL);
  const auto tokens = f.open_dataset("/responses/tokens");
  EXPECT_EQ(tokens.dims(), (std::vector<int64_t>{4, 2, 3}));
  EXPECT_EQ(tokens.element_type(), h5::ElementType::i32);
  const auto all = tokens.read_all<int32_t>();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(all[i], 0) << "row 0 keeps its fill value";
  for (int i = 6; i < 18; ++i) EXPECT_EQ(all[i], 100 + i - 6);
  for (int i = 18; i < 24; ++i) EXPECT_EQ(all[i], 0);
  std::vector<int32_t> row2(6);
  tokens.read_rows(2, 1, row2.data());
  EXPECT_EQ(row2[0], 106);
  EXPECT_EQ(f.open_dataset("/prompts/id").read_all<int64_t>(), (std::vector<int64_t>{10, 11, 12, 13}));
  EXPECT_EQ(f.open_dataset("/progress/generate").read_all<uint8_t>(), (std::vector<uint8_t>{0, 1}));
  EXPECT_FLOAT_EQ(f.open_dataset("/pairrm/logits").read_all<float>()[12], 0.5f);
  EXPECT_EQ(f.string_attribute("config_yaml").value(), "run:\n  name: x\n");
  EXPECT_EQ(f.int_attribute("seed").value(), 42);
  EXPECT_FALSE(f.string_attribute("nope").has_value());
  EXPECT_EQ(f.dataset_paths(), (std::vector<std::string>{"/pairrm/logits", "/progress/generate", "/prompts/id", "/responses/tokens"}));
  EXPECT_EQ(f.open_dataset("/pairrm/logits").type_description(), "float32");
  EXPECT_EQ(f.describe_attribute("seed"), "int64 42");
}

TEST(Hdf5, ErrorsNameFileAndObject) {
  test::TempDir dir;
  const std::string path = dir.file("a.h5");
  h5::File f = h5::File::create(path, MPI_COMM_NULL);
  auto d = f.create_dataset("/x", h5::ElementType::f32, {3, 2});
  std::vector<float> buf(8);
  try {
    d.write_rows(2, 2, buf.data());
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": /x: rows [2, 4) outside [0, 3)");
  }
  try {
    f.open_dataset("/missing/y");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": dataset /missing/y is missing");
  }
  EXPECT_FALSE(f.exists("/missing/y"));
  EXPECT_TRUE(f.exists("/x"));
  EXPECT_THROW(f.create_dataset("/x", h5::ElementType::f32, {1}), FormatError);
  test::write_file(dir.file("text.h5"), "not hdf5 at all");
  EXPECT_FALSE(h5::is_hdf5(dir.file("text.h5")));
  EXPECT_THROW(h5::File::open(dir.file("text.h5"), false, MPI_COMM_NULL), FormatError);
  EXPECT_THROW(h5::File::create(dir.file("no/dir/x.h5"), MPI_COMM_NULL), IoError);
}

TEST(Hdf5, HandlesCloseOnceAndMove) {
  test::TempDir dir;
  h5::File f = h5::File::create(dir.file("m.h5"), MPI_COMM_NULL);
  h5::File g = std::move(f);
  g.create_dataset("/a", h5::ElementType::u8, {1});
  g.close();
  g.close();  // a second close is a no-op
  EXPECT_TRUE(h5::is_hdf5(dir.file("m.h5")));
}

}  // namespace
}  // namespace sppo
