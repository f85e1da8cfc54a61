#include "io/model_fingerprint.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "io/fingerprint.hpp"
#include "io/mapped_file.hpp"
#include "io/safetensors.hpp"

namespace sppo {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string fingerprint_model_folder(const std::string& folder) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fingerprint_model_folder_value(folder)));
  return buf;
}

uint64_t fingerprint_model_folder_value(const std::string& folder) {
  Fingerprint f;
  for (const char* name : {"config.json", "tokenizer.model", "spm.model", "tokenizer_config.json", "added_tokens.json",
                           "tokenizer.json", "generation_config.json", "chat_template.jinja", "special_tokens_map.json"}) {
    const std::string path = folder + "/" + name;
    if (exists(path)) f.add(std::string_view(name)).add(file_bytes(path));
  }
  const SafetensorsModel model = SafetensorsModel::open(folder);
  for (const auto& file : model.files()) {
    const MappedFile map(file.path());
    f.add(static_cast<int64_t>(map.size()));
    f.add(map.data(), static_cast<std::size_t>(file.header().data_offset));
    constexpr std::size_t kWindow = 4096, kWindows = 64;
    const std::size_t data = map.size() - file.header().data_offset;
    for (std::size_t w = 0; w < kWindows && data > 0; ++w) {
      const std::size_t begin = file.header().data_offset + (data > kWindow ? (data - kWindow) * w / (kWindows - 1) : 0);
      f.add(map.data() + begin, std::min(kWindow, map.size() - begin));
    }
  }
  return f.value();
}

}  // namespace sppo
