// libFuzzer target: samples.h5 validation on arbitrary file bytes. The bytes are written to a
// file and opened as sppo opens a samples.h5 from another run; then its first chunk's tokens
// are read as annotate and train read them. Either that succeeds within the shapes the file
// declares, or a FormatError/IoError says why; a crash or sanitizer report is a bug (in sppo,
// or, where the stack says so, in the HDF5 library: those inputs go to
// tests/fuzz/samples_schema-hdf5-bugs/, which a unit test opens the way sppo does, through the
// child-process probe of SamplesFile::open, and expects a FormatError).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "io/samples_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/dev/shm/sppo-fuzz-samples-" + std::to_string(getpid()) + ".h5";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    const sppo::SamplesFile file = sppo::SamplesFile::open_in_process(path);
    const sppo::SamplesShape& shape = file.shape();
    if (shape.chunks() > 0) {
      const sppo::SampleRows t = file.read_chunk(0);
      if (static_cast<int64_t>(t.prompts.size()) != shape.chunk_rows(0)) std::abort();
    }
  } catch (const sppo::Error&) {
  }
  return 0;
}
