#include "tokenizer_fixtures.hpp"

#include <lzma.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "test_support.hpp"

namespace sppo::test {
namespace {

constexpr const char* kDataFolder = "tests/data/tokenizers";

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::mutex& fixtures_mutex() {
  static std::mutex m;
  return m;
}

TempDir& unpack_root() {
  static TempDir dir;
  return dir;
}

}  // namespace

const std::vector<std::string>& tokenizer_families() {
  static const std::vector<std::string> families{"llama3", "llama3_1", "qwen3", "gemma3", "mistral"};
  return families;
}

std::string xz_decompress(const std::string& compressed) {
  lzma_stream stream = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&stream, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    throw std::runtime_error("lzma_stream_decoder failed");
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&stream, lzma_end);
  stream.next_in = reinterpret_cast<const uint8_t*>(compressed.data());
  stream.avail_in = compressed.size();
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    stream.next_out = reinterpret_cast<uint8_t*>(buffer);
    stream.avail_out = sizeof buffer;
    const lzma_ret ret = lzma_code(&stream, LZMA_FINISH);
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (ret == LZMA_STREAM_END) return out;
    if (ret != LZMA_OK) throw std::runtime_error("xz data is malformed (lzma_code returned " + std::to_string(ret) + ")");
  }
}

const std::string& tokenizer_folder(const std::string& family) {
  static std::map<std::string, std::string> folders;
  std::lock_guard<std::mutex> lock(fixtures_mutex());
  auto it = folders.find(family);
  if (it != folders.end()) return it->second;
  const std::string source = std::string(kDataFolder) + "/" + family;
  const std::string target = unpack_root().file(family);
  if (::mkdir(target.c_str(), 0755) != 0) throw std::runtime_error("cannot create " + target);
  for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
    const std::string plain = source + "/" + name;
    if (exists(plain)) write_file(target + "/" + name, read_file(plain));
    else if (exists(plain + ".xz")) write_file(target + "/" + name, xz_decompress(read_file(plain + ".xz")));
    else throw std::runtime_error("no " + plain + " (nor .xz)");
  }
  return folders.emplace(family, target).first->second;
}

const HfTokenizer& family_tokenizer(const std::string& family) {
  static std::map<std::string, std::unique_ptr<HfTokenizer>> loaded;
  const std::string& folder = tokenizer_folder(family);
  std::lock_guard<std::mutex> lock(fixtures_mutex());
  auto it = loaded.find(family);
  if (it == loaded.end()) it = loaded.emplace(family, std::make_unique<HfTokenizer>(HfTokenizer::load(folder))).first;
  return *it->second;
}

const nlohmann::json& tokenizer_reference(const std::string& name) {
  static std::map<std::string, nlohmann::json> parsed;
  std::lock_guard<std::mutex> lock(fixtures_mutex());
  auto it = parsed.find(name);
  if (it == parsed.end())
    it = parsed.emplace(name, nlohmann::json::parse(read_file(std::string(kDataFolder) + "/" + name))).first;
  return it->second;
}

std::string ids_text(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  return s + "]";
}

}  // namespace sppo::test
