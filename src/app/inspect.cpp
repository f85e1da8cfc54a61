#include "app/inspect.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/prompts.hpp"
#include "io/safetensors.hpp"

namespace sppo {
namespace {

using h5::dims_text;

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string first_line(const std::string& s, std::size_t max_chars) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max_chars) line = line.substr(0, max_chars) + "...";
  if (line.size() < s.size()) line += " (" + std::to_string(s.size()) + " chars)";
  return line;
}

std::string inspect_safetensors(const std::string& path) {
  const SafetensorsModel model = SafetensorsModel::open(path);
  std::ostringstream out;
  uint64_t bytes = 0, parameters = 0;
  std::size_t width = 0;
  for (const auto& name : model.names()) {
    const auto& e = model.entry(name);
    bytes += e.end - e.begin;
    parameters += static_cast<uint64_t>(e.numel());
    width = std::max(width, name.size());
  }
  out << path << ": safetensors, " << model.files().size() << " file(s), " << model.names().size() << " tensors, "
      << parameters << " elements, " << bytes << " bytes\n";
  for (const auto& [k, v] : model.metadata()) out << "  metadata " << k << " = " << first_line(v, 80) << "\n";
  for (const auto& name : model.names()) {
    const auto& e = model.entry(name);
    out << "  " << pad(name, width + 1) << pad(dtype_name(e.dtype), 5) << dims_text(e.shape);
    if (model.files().size() > 1) {
      const std::string& file = model.file_of(name);
      out << "  " << file.substr(file.rfind('/') + 1);
    }
    out << "\n";
  }
  return out.str();
}

std::string inspect_hdf5(const std::string& path) {
  const h5::File file = h5::File::open(path, false, MPI_COMM_NULL);
  std::ostringstream out;
  const auto datasets = file.dataset_paths();
  out << path << ": HDF5, " << datasets.size() << " datasets\n";
  for (const auto& name : file.attribute_names())
    out << "  @" << name << " = " << first_line(file.describe_attribute(name), 80) << "\n";
  std::size_t width = 0;
  for (const auto& d : datasets) width = std::max(width, d.size());
  for (const auto& d : datasets) {
    const h5::Dataset ds = file.open_dataset(d);
    out << "  " << pad(d, width + 1) << pad(ds.type_description(), 8) << dims_text(ds.dims()) << "\n";
  }
  return out.str();
}

std::string inspect_prompts(const std::string& path, const DataConfig& data) {
  const auto prompts = read_prompts(path, data.prompt_field, data.id_field);
  std::vector<std::size_t> lengths;
  lengths.reserve(prompts.size());
  for (const auto& p : prompts) lengths.push_back(p.text.size());
  std::sort(lengths.begin(), lengths.end());
  std::ostringstream out;
  out << path << ": " << prompts.size() << " prompts (field \"" << data.prompt_field << "\", ids "
      << (data.id_field ? "from field \"" + *data.id_field + "\"" : std::string("= line order")) << ")\n";
  out << "  bytes per prompt: min " << lengths.front() << ", median " << lengths[lengths.size() / 2] << ", max "
      << lengths.back() << "\n";
  out << "  first: " << first_line(prompts.front().text, 80) << "\n";
  return out.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string inspect_path(const std::string& path, const Config& config) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_io_error(path, "stat", errno);
  if (S_ISDIR(st.st_mode)) return inspect_safetensors(path);
  if (h5::is_hdf5(path)) return inspect_hdf5(path);
  if (ends_with(path, ".safetensors")) return inspect_safetensors(path);
  if (ends_with(path, ".jsonl")) return inspect_prompts(path, config.data);
  throw FormatError(path + ": not a safetensors file or model folder, an HDF5 file, or a prompt set (*.jsonl)");
}

}  // namespace sppo
