#include "io/samples_file.hpp"

#include <unistd.h>

#include <sys/wait.h>

#include <algorithm>
#include <csignal>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/disk_space.hpp"
#include "io/fingerprint.hpp"

namespace sppo {
namespace {

using h5::dims_text;

// Reads and checks the file in this process: schema name and version, then every dataset's
// shape and type against the shape read off /responses/tokens and /prompts/tokens.
SamplesShape check_schema(const h5::File& file) {
  const std::string& path = file.path();
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

  SamplesShape shape;
  shape.chunk_prompts = *chunk;
  const auto response_dims = file.open_dataset(samples::kResponseTokens).dims();
  const auto prompt_dims = file.open_dataset(samples::kPromptTokens).dims();
  if (response_dims.size() != 3)
    throw FormatError(path + ": " + samples::kResponseTokens + " has shape " + dims_text(response_dims) + ", expected [N, K, Lr]");
  if (prompt_dims.size() != 2)
    throw FormatError(path + ": " + samples::kPromptTokens + " has shape " + dims_text(prompt_dims) + ", expected [N, Lp]");
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
  if (std::min(shape.chunk_prompts, shape.prompts) * shape.samples * std::max(shape.max_response_tokens, shape.samples) >
      (int64_t{1} << 31))
    throw FormatError(path + ": one chunk of " + std::to_string(shape.chunk_prompts) + " prompts x " +
                      std::to_string(shape.samples) + " samples x " + std::to_string(shape.max_response_tokens) +
                      " tokens exceeds 2^31 values");
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
  return shape;
}

SampleRows read_rows(const h5::File& file, const SamplesShape& shape, int64_t begin, int64_t rows) {
  const int64_t K = shape.samples, Lp = shape.max_prompt_tokens, Lr = shape.max_response_tokens;
  std::vector<int32_t> pt(static_cast<std::size_t>(rows * Lp)), pl(static_cast<std::size_t>(rows));
  std::vector<int32_t> rt(static_cast<std::size_t>(rows * K * Lr)), rl(static_cast<std::size_t>(rows * K));
  SampleRows out;
  out.prompt_ids.resize(static_cast<std::size_t>(rows));
  out.finished.resize(static_cast<std::size_t>(rows * K));
  file.open_dataset(samples::kPromptId).read_rows(begin, rows, out.prompt_ids.data());
  file.open_dataset(samples::kPromptTokens).read_rows(begin, rows, pt.data());
  file.open_dataset(samples::kPromptLength).read_rows(begin, rows, pl.data());
  file.open_dataset(samples::kResponseTokens).read_rows(begin, rows, rt.data());
  file.open_dataset(samples::kResponseLength).read_rows(begin, rows, rl.data());
  file.open_dataset(samples::kResponseFinished).read_rows(begin, rows, out.finished.data());
  // Lengths are clamped to the padded width: a damaged length must not read past its row.
  auto clamp = [](int32_t n, int64_t cap) { return static_cast<int64_t>(std::max<int32_t>(0, std::min<int64_t>(n, cap))); };
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
      const h5::File file = h5::File::open(path, false, MPI_COMM_NULL);
      const SamplesShape shape = check_schema(file);
      if (shape.chunks() > 0) read_rows(file, shape, 0, shape.chunk_rows(0));
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

int64_t ChunkProgress::done() const { return std::count(flags_.begin(), flags_.end(), uint8_t{1}); }

std::vector<int64_t> ChunkProgress::pending() const {
  std::vector<int64_t> out;
  for (std::size_t c = 0; c < flags_.size(); ++c)
    if (!flags_[c]) out.push_back(static_cast<int64_t>(c));
  return out;
}

SamplesFile SamplesFile::create(const std::string& path, const SamplesShape& shape, const SamplesOrigin& origin,
                                const RankGroup& group) {
  if (shape.prompts < 1 || shape.samples < 1 || shape.max_prompt_tokens < 1 || shape.max_response_tokens < 1 ||
      shape.chunk_prompts < 1)
    throw FormatError(path + ": cannot create a samples file of shape N=" + std::to_string(shape.prompts) +
                      " K=" + std::to_string(shape.samples) + " Lp=" + std::to_string(shape.max_prompt_tokens) +
                      " Lr=" + std::to_string(shape.max_response_tokens) + " chunk=" + std::to_string(shape.chunk_prompts));
  const std::string partial = path + ".partial";
  uint64_t bytes = 0;  // every dataset is allocated at creation
  for (const auto& spec : samples_datasets(shape)) {
    uint64_t n = h5::element_size(spec.type);
    for (int64_t d : spec.dims) n *= static_cast<uint64_t>(d);
    bytes += n;
  }
  require_free_space(group, partial, bytes);
  {
    h5::File file = h5::File::create(partial, group.mpi_comm());
    for (const auto& spec : samples_datasets(shape)) file.create_dataset(spec.path, spec.type, spec.dims);
    file.set_attribute(samples::kAttrSchema, std::string("samples"));
    file.set_attribute(samples::kAttrSchemaVersion, kSamplesSchemaVersion);
    file.set_attribute(samples::kAttrChunkPrompts, shape.chunk_prompts);
    file.set_attribute(samples::kAttrConfig, origin.config_yaml);
    file.set_attribute(samples::kAttrPolicyPath, origin.policy_path);
    file.set_attribute(samples::kAttrPolicyFingerprint, origin.policy_fingerprint);
    file.set_attribute(samples::kAttrPromptsFingerprint, origin.prompts_fingerprint);
    file.set_attribute(samples::kAttrGenerateSettings, origin.generate_settings);
    file.set_attribute(samples::kAttrChatTemplate, origin.chat_template);
    file.set_attribute(samples::kAttrSeed, origin.seed);
    file.set_attribute(samples::kAttrIteration, origin.iteration);
    file.flush();
    file.close();
  }
  publish_partial(group, partial, path);
  return open(path, Access::read_write, group);
}

SamplesFile SamplesFile::open(const std::string& path, Access access, const RankGroup& group) {
  if (!h5::is_hdf5(path)) throw FormatError(path + ": not an HDF5 file (or missing)");
  // Rank 0 probes; every rank learns the verdict, so that all stop together or none does.
  const std::string verdict = group.rank() == 0 ? probe_in_child(path) : std::string();
  if (group.is_serial()) {
    if (!verdict.empty()) throw FormatError(verdict);
  } else {
    raise_rank0_verdict(group, verdict);
  }
  RankGroup mine = group.duplicate();
  h5::File file = h5::File::open(path, access == Access::read_write, mine.mpi_comm());
  const SamplesShape shape = check_schema(file);
  return SamplesFile(std::move(mine), std::move(file), shape);
}

SamplesFile SamplesFile::open_in_process(const std::string& path) {
  if (!h5::is_hdf5(path)) throw FormatError(path + ": not an HDF5 file (or missing)");
  h5::File file = h5::File::open(path, false, MPI_COMM_NULL);
  const SamplesShape shape = check_schema(file);
  return SamplesFile(RankGroup::serial(), std::move(file), shape);
}

SamplesOrigin SamplesFile::origin() const {
  SamplesOrigin o;
  auto text = [&](const char* name) { return file_.string_attribute(name).value_or(""); };
  o.config_yaml = text(samples::kAttrConfig);
  o.policy_path = text(samples::kAttrPolicyPath);
  o.policy_fingerprint = text(samples::kAttrPolicyFingerprint);
  o.prompts_fingerprint = text(samples::kAttrPromptsFingerprint);
  o.generate_settings = text(samples::kAttrGenerateSettings);
  o.chat_template = text(samples::kAttrChatTemplate);
  o.seed = file_.int_attribute(samples::kAttrSeed).value_or(0);
  o.iteration = file_.int_attribute(samples::kAttrIteration).value_or(0);
  return o;
}

void SamplesFile::check_origin(const SamplesOrigin& wanted) const {
  const SamplesOrigin found = origin();
  auto expect = [&](const std::string& have, const std::string& want, const char* name, const char* what) {
    if (have != want)
      throw ConfigError(path() + ": was made with " + what + " (" + name + " = \"" + have + "\", this run: \"" + want +
                        "\"); give another --samples path or remove the file");
  };
  expect(found.policy_fingerprint, wanted.policy_fingerprint, samples::kAttrPolicyFingerprint, "another policy");
  expect(found.prompts_fingerprint, wanted.prompts_fingerprint, samples::kAttrPromptsFingerprint,
         "another prompt set, template or truncation");
  expect(found.generate_settings, wanted.generate_settings, samples::kAttrGenerateSettings, "other sampling settings");
}

ChunkProgress SamplesFile::progress(SampleStage stage) const {
  return ChunkProgress(file_.open_dataset(progress_dataset(stage)).read_all<uint8_t>());
}

void SamplesFile::mark_done(SampleStage stage, int64_t chunk) {
  const uint8_t one = 1;
  file_.open_dataset(progress_dataset(stage)).write_rows(chunk, 1, &one);
}

void SamplesFile::clear_progress(SampleStage stage) {
  if (file_.parallel()) throw Error(path() + ": clear_progress is for a file opened by one process");
  const std::vector<uint8_t> zeros(static_cast<std::size_t>(shape_.chunks()), 0);
  file_.open_dataset(progress_dataset(stage)).write_rows(0, shape_.chunks(), zeros.data());
}

void SamplesFile::write_generated(int64_t chunk, const SampleRows& rows) {
  const int64_t begin = shape_.chunk_begin(chunk), n = shape_.chunk_rows(chunk);
  const int64_t K = shape_.samples, Lp = shape_.max_prompt_tokens, Lr = shape_.max_response_tokens;
  if (static_cast<int64_t>(rows.prompts.size()) != n || static_cast<int64_t>(rows.responses.size()) != n * K ||
      static_cast<int64_t>(rows.prompt_ids.size()) != n || static_cast<int64_t>(rows.finished.size()) != n * K)
    throw Error(path() + ": chunk " + std::to_string(chunk) + ": expected " + std::to_string(n) + " prompts x " +
                std::to_string(K) + " responses");
  // Laid out as the datasets are: padded with 0 past each length.
  std::vector<int32_t> p_tok(static_cast<std::size_t>(n * Lp), 0), p_len(static_cast<std::size_t>(n));
  std::vector<int32_t> r_tok(static_cast<std::size_t>(n * K * Lr), 0), r_len(static_cast<std::size_t>(n * K));
  for (int64_t i = 0; i < n; ++i) {
    const auto& p = rows.prompts[static_cast<std::size_t>(i)];
    if (static_cast<int64_t>(p.size()) > Lp) throw Error(path() + ": a prompt longer than /prompts/tokens is wide");
    std::copy(p.begin(), p.end(), p_tok.begin() + i * Lp);
    p_len[static_cast<std::size_t>(i)] = static_cast<int32_t>(p.size());
  }
  for (int64_t r = 0; r < n * K; ++r) {
    const auto& t = rows.responses[static_cast<std::size_t>(r)];
    if (static_cast<int64_t>(t.size()) > Lr) throw Error(path() + ": a response longer than /responses/tokens is wide");
    std::copy(t.begin(), t.end(), r_tok.begin() + r * Lr);
    r_len[static_cast<std::size_t>(r)] = static_cast<int32_t>(t.size());
  }
  file_.open_dataset(samples::kPromptId).write_rows(begin, n, rows.prompt_ids.data());
  file_.open_dataset(samples::kPromptTokens).write_rows(begin, n, p_tok.data());
  file_.open_dataset(samples::kPromptLength).write_rows(begin, n, p_len.data());
  file_.open_dataset(samples::kResponseTokens).write_rows(begin, n, r_tok.data());
  file_.open_dataset(samples::kResponseLength).write_rows(begin, n, r_len.data());
  file_.open_dataset(samples::kResponseFinished).write_rows(begin, n, rows.finished.data());
  mark_done(SampleStage::generate, chunk);  // only after the chunk's data
}

void SamplesFile::write_judged(int64_t chunk, const std::vector<float>& logits, const std::vector<float>& winrate) {
  const int64_t begin = shape_.chunk_begin(chunk), n = shape_.chunk_rows(chunk), K = shape_.samples;
  if (static_cast<int64_t>(logits.size()) != n * K * K || static_cast<int64_t>(winrate.size()) != n * K)
    throw Error(path() + ": chunk " + std::to_string(chunk) + ": expected " + std::to_string(n) + " K x K matrices");
  file_.open_dataset(samples::kPairrmLogits).write_rows(begin, n, logits.data());
  file_.open_dataset(samples::kPairrmWinrate).write_rows(begin, n, winrate.data());
  mark_done(SampleStage::annotate, chunk);  // only after the chunk's data
}

void SamplesFile::write_reference(int64_t chunk, const std::vector<float>& logp) {
  const int64_t begin = shape_.chunk_begin(chunk), n = shape_.chunk_rows(chunk);
  if (static_cast<int64_t>(logp.size()) != n * shape_.samples)
    throw Error(path() + ": chunk " + std::to_string(chunk) + ": expected " + std::to_string(n * shape_.samples) + " log-probs");
  file_.open_dataset(samples::kReferenceLogp).write_rows(begin, n, logp.data());
  mark_done(SampleStage::reference, chunk);  // only after the chunk's data
}

SampleRows SamplesFile::read_chunk(int64_t chunk) const {
  if (chunk < 0 || chunk >= shape_.chunks())
    throw Error(path() + ": chunk " + std::to_string(chunk) + " outside [0, " + std::to_string(shape_.chunks()) + ")");
  return read_rows(file_, shape_, shape_.chunk_begin(chunk), shape_.chunk_rows(chunk));
}

SamplesTable SamplesFile::read_table() const {
  SamplesTable t;
  t.shape = shape_;
  t.rows = read_rows(file_, shape_, 0, shape_.prompts);
  t.logits = file_.open_dataset(samples::kPairrmLogits).read_all<float>();
  t.winrate = file_.open_dataset(samples::kPairrmWinrate).read_all<float>();
  t.reference_logp = file_.open_dataset(samples::kReferenceLogp).read_all<float>();
  t.generated = progress(SampleStage::generate);
  t.annotated = progress(SampleStage::annotate);
  t.referenced = progress(SampleStage::reference);
  return t;
}

int64_t SamplesFile::ranker_fingerprint() const { return file_.open_dataset(samples::kPairrmRanker).read_all<int64_t>()[0]; }

void SamplesFile::claim_ranker(int64_t fingerprint, const std::string& judge) {
  const int64_t recorded = ranker_fingerprint();
  if (recorded != 0 && recorded != fingerprint)
    throw ConfigError(path() + ": was annotated by another ranker (fingerprint " + std::to_string(recorded) + ", " + judge +
                      ": " + std::to_string(fingerprint) + "); give another --samples or remove /pairrm by regenerating");
  group_.barrier();  // everyone has read it before rank 0 writes it
  if (recorded == 0 && group_.rank() == 0) file_.open_dataset(samples::kPairrmRanker).write_rows(0, 1, &fingerprint);
}

void SamplesFile::clear_ranker() {
  if (file_.parallel()) throw Error(path() + ": clear_ranker is for a file opened by one process");
  const int64_t none = 0;
  file_.open_dataset(samples::kPairrmRanker).write_rows(0, 1, &none);
}

std::string SamplesFile::output_dataset(SampleStage stage) {
  switch (stage) {
    case SampleStage::generate: return samples::kResponseTokens;
    case SampleStage::annotate: return samples::kPairrmLogits;
    case SampleStage::reference: return samples::kReferenceLogp;
  }
  return "";
}

std::string SamplesFile::output_fingerprint(SampleStage stage) const {
  const h5::Dataset d = file_.open_dataset(output_dataset(stage));
  const auto dims = d.dims();
  const auto type = d.element_type();
  if (!type || dims.empty()) throw FormatError(path() + ": " + d.path() + ": not the dataset sppo wrote");
  int64_t row_elements = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) row_elements *= dims[i];
  const std::size_t row_bytes = static_cast<std::size_t>(row_elements) * h5::element_size(*type);
  const int64_t block = std::max<int64_t>(1, static_cast<int64_t>((16u << 20) / std::max<std::size_t>(1, row_bytes)));
  std::vector<char> buf;
  Fingerprint f;
  for (int64_t r = 0; r < dims[0]; r += block) {
    const int64_t n = std::min(block, dims[0] - r);
    buf.resize(static_cast<std::size_t>(n) * row_bytes);
    d.read_rows(r, n, buf.data(), *type);
    f.add(buf.data(), buf.size());
  }
  return f.hex();
}

void SamplesFile::close() { file_.close(); }

}  // namespace sppo
