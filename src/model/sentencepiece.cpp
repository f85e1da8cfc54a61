#include "model/sentencepiece.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "core/error.hpp"
#include "model/spm_shim_api.h"

namespace sppo {

// The shim's functions, resolved once per process from one dlopen handle.
class SharedLibrary {
 public:
  explicit SharedLibrary(const std::string& path);
  ~SharedLibrary() {
    if (handle_) dlclose(handle_);
  }
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  decltype(&sppo_spm_load) load;
  decltype(&sppo_spm_free) free;
  decltype(&sppo_spm_piece_size) piece_size;
  decltype(&sppo_spm_encode) encode;
  decltype(&sppo_spm_decode) decode;
  decltype(&sppo_spm_id_to_piece) id_to_piece;
  decltype(&sppo_spm_piece_to_id) piece_to_id;
  decltype(&sppo_spm_piece_kind) piece_kind;
  decltype(&sppo_spm_train) train;

 private:
  template <class F>
  void resolve(F& fn, const char* name) {
    fn = reinterpret_cast<F>(dlsym(handle_, name));
    if (!fn) throw IoError(path_ + ": missing symbol " + name);
  }
  std::string path_;
  void* handle_ = nullptr;
};

SharedLibrary::SharedLibrary(const std::string& path) : path_(path) {
  // RTLD_DEEPBIND: the shim binds to its own protobuf, not to LibTorch's.
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!handle_) throw IoError(path + ": cannot load the SentencePiece shim: " + dlerror());
  decltype(&sppo_spm_abi) abi;
  resolve(abi, "sppo_spm_abi");
  if (abi() != SPPO_SPM_SHIM_ABI) throw IoError(path + ": SentencePiece shim of another ABI version");
  resolve(load, "sppo_spm_load");
  resolve(free, "sppo_spm_free");
  resolve(piece_size, "sppo_spm_piece_size");
  resolve(encode, "sppo_spm_encode");
  resolve(decode, "sppo_spm_decode");
  resolve(id_to_piece, "sppo_spm_id_to_piece");
  resolve(piece_to_id, "sppo_spm_piece_to_id");
  resolve(piece_kind, "sppo_spm_piece_kind");
  resolve(train, "sppo_spm_train");
}

namespace {

std::string executable_dir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// One shim per process, loaded on first use and shared by every model.
std::shared_ptr<const SharedLibrary> shim() {
  static std::mutex mutex;
  static std::weak_ptr<const SharedLibrary> cached;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto library = cached.lock()) return library;
  std::string tried;
  for (const auto& candidate : spm_shim_candidates()) {
    if (access(candidate.c_str(), R_OK) != 0) {
      tried += (tried.empty() ? "" : ", ") + candidate;
      continue;
    }
    auto library = std::make_shared<const SharedLibrary>(candidate);
    cached = library;
    return library;
  }
  throw IoError("SentencePiece shim libsppo_spm.so not found (tried " + tried + "; set SPPO_SPM_SHIM)");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io_error(path, "open", errno);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

std::vector<std::string> spm_shim_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("SPPO_SPM_SHIM"); env && *env) out.emplace_back(env);
  const std::string dir = executable_dir();
  out.push_back(dir + "/libsppo_spm.so");
  out.push_back(dir + "/../lib/sppo/libsppo_spm.so");
  return out;
}

SentencePiece::SentencePiece(const std::string& model_path) : path_(model_path), library_(shim()) {
  const std::string bytes = read_file(model_path);
  char err[512] = {0};
  with_prefix_ = library_->load(bytes.data(), bytes.size(), 1, err, sizeof err);
  if (!with_prefix_) throw FormatError(model_path + ": not a SentencePiece model: " + err);
  without_prefix_ = library_->load(bytes.data(), bytes.size(), 0, err, sizeof err);
  if (!without_prefix_) {
    library_->free(with_prefix_);
    throw FormatError(model_path + ": not a SentencePiece model: " + err);
  }
}

SentencePiece::~SentencePiece() {
  if (library_) {
    if (with_prefix_) library_->free(with_prefix_);
    if (without_prefix_) library_->free(without_prefix_);
  }
}

SentencePiece::SentencePiece(SentencePiece&& other) noexcept
    : path_(std::move(other.path_)),
      library_(std::move(other.library_)),
      with_prefix_(std::exchange(other.with_prefix_, nullptr)),
      without_prefix_(std::exchange(other.without_prefix_, nullptr)) {}

SentencePiece& SentencePiece::operator=(SentencePiece&& other) noexcept {
  // Swapped, not released here: `other`'s destructor frees what this held.
  std::swap(path_, other.path_);
  std::swap(library_, other.library_);
  std::swap(with_prefix_, other.with_prefix_);
  std::swap(without_prefix_, other.without_prefix_);
  return *this;
}

std::vector<int> SentencePiece::encode(std::string_view text, bool dummy_prefix) const {
  const void* model = dummy_prefix ? with_prefix_ : without_prefix_;
  std::vector<int> ids(text.size() + 8);
  long n = library_->encode(model, text.data(), text.size(), ids.data(), ids.size());
  if (n < 0) throw FormatError(path_ + ": encoding failed");
  if (static_cast<std::size_t>(n) > ids.size()) {
    ids.resize(static_cast<std::size_t>(n));
    n = library_->encode(model, text.data(), text.size(), ids.data(), ids.size());
  }
  ids.resize(static_cast<std::size_t>(n));
  return ids;
}

std::string SentencePiece::decode(const std::vector<int>& ids) const {
  std::string text(ids.size() * 8 + 16, '\0');
  long n = library_->decode(with_prefix_, ids.data(), ids.size(), text.data(), text.size());
  if (n < 0) throw FormatError(path_ + ": decoding failed (an id outside the vocabulary?)");
  if (static_cast<std::size_t>(n) >= text.size()) {
    text.resize(static_cast<std::size_t>(n) + 1);
    n = library_->decode(with_prefix_, ids.data(), ids.size(), text.data(), text.size());
  }
  text.resize(static_cast<std::size_t>(n));
  return text;
}

std::string SentencePiece::id_to_piece(int id) const {
  char buf[256];
  const long n = library_->id_to_piece(with_prefix_, id, buf, sizeof buf);
  if (n < 0) throw FormatError(path_ + ": id " + std::to_string(id) + " outside the vocabulary");
  if (static_cast<std::size_t>(n) < sizeof buf) return std::string(buf, static_cast<std::size_t>(n));
  std::string piece(static_cast<std::size_t>(n) + 1, '\0');
  library_->id_to_piece(with_prefix_, id, piece.data(), piece.size());
  piece.resize(static_cast<std::size_t>(n));
  return piece;
}

int SentencePiece::piece_to_id(std::string_view piece) const {
  return library_->piece_to_id(with_prefix_, piece.data(), piece.size());
}
int SentencePiece::piece_size() const { return library_->piece_size(with_prefix_); }
bool SentencePiece::is_byte(int id) const { return library_->piece_kind(with_prefix_, id) == 1; }
bool SentencePiece::is_unknown(int id) const { return library_->piece_kind(with_prefix_, id) == 2; }
bool SentencePiece::is_control(int id) const { return library_->piece_kind(with_prefix_, id) == 3; }

void SentencePiece::train(const std::string& flags) {
  auto library = shim();
  char err[1024] = {0};
  if (library->train(flags.c_str(), err, sizeof err) != 0)
    throw FormatError(std::string("SentencePiece training failed: ") + err);
}

}  // namespace sppo
