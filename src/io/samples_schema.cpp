#include "io/samples_schema.hpp"

#include <unistd.h>

#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include "core/error.hpp"
#include "dist/mpi_handles.hpp"
#include "io/disk_space.hpp"

namespace sppo {
namespace {

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

int mpi_rank(MPI_Comm comm) {
  int rank = 0;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  return rank;
}

}  // namespace

const std::vector<std::string>& sample_stages() {
  static const std::vector<std::string> stages{"generate", "annotate", "reference"};
  return stages;
}

std::vector<DatasetSpec> samples_datasets(const SamplesShape& s) {
  using h5::ElementType;
  const int64_t n = s.prompts, k = s.samples;
  std::vector<DatasetSpec> specs{
      {samples::kPromptId, ElementType::i64, {n}},
      {samples::kPromptTokens, ElementType::i32, {n, s.max_prompt_tokens}},
      {samples::kPromptLength, ElementType::i32, {n}},
      {samples::kResponseTokens, ElementType::i32, {n, k, s.max_response_tokens}},
      {samples::kResponseLength, ElementType::i32, {n, k}},
      {samples::kResponseFinished, ElementType::u8, {n, k}},
      {samples::kPairrmLogits, ElementType::f32, {n, k, k}},
      {samples::kPairrmWinrate, ElementType::f32, {n, k}},
      {samples::kPairrmRanker, ElementType::i64, {1}},
      {samples::kReferenceLogp, ElementType::f32, {n, k}},
  };
  for (const auto& stage : sample_stages())
    specs.push_back({samples::kProgressPrefix + stage, ElementType::u8, {s.chunks()}});
  return specs;
}

h5::File create_samples_file(const std::string& path, const SamplesShape& shape,
                             const std::map<std::string, std::string>& string_attributes,
                             const std::map<std::string, int64_t>& int_attributes, MPI_Comm comm) {
  if (shape.prompts < 1 || shape.samples < 1 || shape.max_prompt_tokens < 1 || shape.max_response_tokens < 1 ||
      shape.chunk_prompts < 1)
    throw FormatError(path + ": cannot create a samples file of shape N=" + std::to_string(shape.prompts) +
                      " K=" + std::to_string(shape.samples) + " Lp=" + std::to_string(shape.max_prompt_tokens) +
                      " Lr=" + std::to_string(shape.max_response_tokens) +
                      " chunk=" + std::to_string(shape.chunk_prompts));
  const std::string partial = path + ".partial";
  uint64_t bytes = 0;  // every dataset is allocated at creation
  for (const auto& spec : samples_datasets(shape)) {
    uint64_t n = h5::element_size(spec.type);
    for (int64_t d : spec.dims) n *= static_cast<uint64_t>(d);
    bytes += n;
  }
  require_free_space(comm, partial, bytes);
  {
    h5::File file = h5::File::create(partial, comm);
    for (const auto& spec : samples_datasets(shape)) file.create_dataset(spec.path, spec.type, spec.dims);
    file.set_attribute(samples::kAttrSchema, std::string("samples"));
    file.set_attribute(samples::kAttrSchemaVersion, kSamplesSchemaVersion);
    file.set_attribute(samples::kAttrChunkPrompts, shape.chunk_prompts);
    for (const auto& [name, value] : string_attributes) file.set_attribute(name, value);
    for (const auto& [name, value] : int_attributes) file.set_attribute(name, value);
    file.flush();
    file.close();
  }
  if (mpi_rank(comm) == 0 && std::rename(partial.c_str(), path.c_str()) != 0) throw_io_error(path, "rename", errno);
  if (comm != MPI_COMM_NULL) MPI_Barrier(comm);
  SamplesShape reopened;
  return open_samples_file(path, true, comm, &reopened);
}

namespace {

h5::File open_checked(const std::string& path, bool writable, MPI_Comm comm, SamplesShape* shape_out);

// HDF5 1.10 can crash on malformed files (fuzzing found a heap use-after-free in its attribute
// code; tests/fuzz/samples_schema-hdf5-bugs/). So a samples file is first opened, checked and
// its first chunk read in a child process, where a crash is only a message: "nothing let in".
// Returns "" when the file is fine, else the reason.
std::string probe_in_child(const std::string& path) {
  int fds[2];
  if (pipe(fds) != 0) throw_io_error(path, "pipe (to check the file in a child process)", errno);
  const pid_t pid = fork();
  if (pid < 0) throw_io_error(path, "fork (to check the file in a child process)", errno);
  if (pid == 0) {
    close(fds[0]);
    // A crash here is the expected outcome for a malformed file: die quietly by the signal,
    // without the MPI library's backtrace handler (the parent reports it in one line).
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
    std::string message;
    int code = 0;
    try {
      SamplesShape shape;
      h5::File file = open_checked(path, false, MPI_COMM_NULL, &shape);
      if (shape.chunks() > 0) read_chunk_tokens(file, shape, 0);
    } catch (const std::exception& e) {
      message = e.what();
      code = 3;
    }
    if (!message.empty() && write(fds[1], message.data(), message.size()) < 0) code = 4;
    _exit(code);
  }
  close(fds[1]);
  std::string message;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) return message;
  return path + ": malformed: the HDF5 library failed reading it (" +
         (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status)) : "status " + std::to_string(WEXITSTATUS(status))) +
         " in a child process); the file is not opened";
}

}  // namespace

h5::File open_samples_file(const std::string& path, bool writable, MPI_Comm comm, SamplesShape* shape_out) {
  if (!h5::is_hdf5(path)) throw FormatError(path + ": not an HDF5 file (or missing)");
  // Rank 0 probes; every rank learns the verdict, so that all stop together or none does.
  const std::string verdict = broadcast_string(comm, mpi_rank(comm) == 0 ? probe_in_child(path) : "");
  if (!verdict.empty() && comm != MPI_COMM_NULL) throw CollectiveError(verdict, mpi_rank(comm));
  if (!verdict.empty()) throw FormatError(verdict);
  return open_checked(path, writable, comm, shape_out);
}

h5::File open_samples_file_in_process(const std::string& path, SamplesShape* shape_out) {
  if (!h5::is_hdf5(path)) throw FormatError(path + ": not an HDF5 file (or missing)");
  return open_checked(path, false, MPI_COMM_NULL, shape_out);
}

namespace {

h5::File open_checked(const std::string& path, bool writable, MPI_Comm comm, SamplesShape* shape_out) {
  h5::File file = h5::File::open(path, writable, comm);
  const auto schema = file.string_attribute(samples::kAttrSchema);
  if (!schema || *schema != "samples")
    throw FormatError(path + ": not an sppo samples file (root attribute " + samples::kAttrSchema + " is " +
                      (schema ? "\"" + *schema + "\"" : std::string("missing")) + ")");
  const auto version = file.int_attribute(samples::kAttrSchemaVersion);
  if (!version || *version != kSamplesSchemaVersion)
    throw FormatError(path + ": samples schema version " + (version ? std::to_string(*version) : "missing") +
                      ", this sppo reads version " + std::to_string(kSamplesSchemaVersion));
  const auto chunk = file.int_attribute(samples::kAttrChunkPrompts);
  if (!chunk || *chunk < 1) throw FormatError(path + ": root attribute chunk_prompts is missing or < 1");

  // The shape is read off /responses/tokens and /prompts/tokens, then every dataset is checked against it.
  SamplesShape shape;
  shape.chunk_prompts = *chunk;
  const auto response_dims = file.open_dataset(samples::kResponseTokens).dims();
  const auto prompt_dims = file.open_dataset(samples::kPromptTokens).dims();
  if (response_dims.size() != 3) throw FormatError(path + ": " + samples::kResponseTokens + " has shape " + dims_text(response_dims) + ", expected [N, K, Lr]");
  if (prompt_dims.size() != 2) throw FormatError(path + ": " + samples::kPromptTokens + " has shape " + dims_text(prompt_dims) + ", expected [N, Lp]");
  shape.prompts = response_dims[0];
  shape.samples = response_dims[1];
  shape.max_response_tokens = response_dims[2];
  shape.max_prompt_tokens = prompt_dims[1];
  // Sizes sppo could have written; a file declaring more (HDF5 allows huge unallocated
  // datasets) would make a reader allocate terabytes for one chunk.
  auto bound = [&](const char* what, int64_t value, int64_t most) {
    if (value < 1 || value > most)
      throw FormatError(path + ": " + what + " = " + std::to_string(value) + ": must be in [1, " + std::to_string(most) + "]");
  };
  bound("prompts (N)", shape.prompts, int64_t{1} << 32);
  bound("samples per prompt (K)", shape.samples, 4096);
  bound("prompt tokens (Lp)", shape.max_prompt_tokens, int64_t{1} << 20);
  bound("response tokens (Lr)", shape.max_response_tokens, int64_t{1} << 20);
  bound("chunk_prompts", shape.chunk_prompts, int64_t{1} << 20);
  if (std::min(shape.chunk_prompts, shape.prompts) * shape.samples * std::max(shape.max_response_tokens, shape.samples) > (int64_t{1} << 31))
    throw FormatError(path + ": one chunk of " + std::to_string(shape.chunk_prompts) + " prompts x " + std::to_string(shape.samples) +
                      " samples x " + std::to_string(shape.max_response_tokens) + " tokens exceeds 2^31 values");
  for (const auto& spec : samples_datasets(shape)) {
    const h5::Dataset ds = file.open_dataset(spec.path);
    const auto dims = ds.dims();
    if (dims != spec.dims)
      throw FormatError(path + ": " + spec.path + " has shape " + dims_text(dims) + ", expected " + dims_text(spec.dims));
    const auto type = ds.element_type();
    if (!type || *type != spec.type)
      throw FormatError(path + ": " + spec.path + " has type " + (type ? h5::element_type_name(*type) : "other") +
                        ", expected " + h5::element_type_name(spec.type));
  }
  if (shape_out) *shape_out = shape;
  return file;
}

}  // namespace

ChunkTokens read_chunk_tokens(const h5::File& file, const SamplesShape& shape, int64_t chunk) {
  const int64_t begin = shape.chunk_begin(chunk), rows = shape.chunk_end(chunk) - begin;
  const int64_t K = shape.samples, Lp = shape.max_prompt_tokens, Lr = shape.max_response_tokens;
  std::vector<int32_t> pt(static_cast<std::size_t>(rows * Lp)), pl(static_cast<std::size_t>(rows));
  std::vector<int32_t> rt(static_cast<std::size_t>(rows * K * Lr)), rl(static_cast<std::size_t>(rows * K));
  file.open_dataset(samples::kPromptTokens).read_rows(begin, rows, pt.data());
  file.open_dataset(samples::kPromptLength).read_rows(begin, rows, pl.data());
  file.open_dataset(samples::kResponseTokens).read_rows(begin, rows, rt.data());
  file.open_dataset(samples::kResponseLength).read_rows(begin, rows, rl.data());
  auto clamp = [](int32_t n, int64_t cap) { return static_cast<int64_t>(std::max<int32_t>(0, std::min<int64_t>(n, cap))); };
  ChunkTokens out;
  for (int64_t i = 0; i < rows; ++i) {
    const auto p0 = pt.begin() + i * Lp;
    out.prompts.emplace_back(p0, p0 + clamp(pl[static_cast<std::size_t>(i)], Lp));
    for (int64_t k = 0; k < K; ++k) {
      const auto r0 = rt.begin() + (i * K + k) * Lr;
      out.responses.emplace_back(r0, r0 + clamp(rl[static_cast<std::size_t>(i * K + k)], Lr));
    }
  }
  return out;
}

}  // namespace sppo
