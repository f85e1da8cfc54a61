#include "app/version.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(Version, NamesEveryLibrary) {
  const std::string text = version_text();
  for (const char* part : {"sppo ", "(git ", "LibTorch ", "MPI ", "HDF5 ", "(parallel)", "NCCL backend ", "devices: "})
    EXPECT_NE(text.find(part), std::string::npos) << part << " in\n" << text;
}

}  // namespace
}  // namespace sppo
