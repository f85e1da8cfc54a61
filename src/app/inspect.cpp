#include "app/inspect.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/prompts.hpp"
#include "io/safetensors.hpp"
#include "model/chat_format.hpp"

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

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string token_list(const PolicyTokenizer& tokenizer, const std::vector<int32_t>& ids) {
  std::string s;
  const auto strings = tokenizer.token_strings(ids);
  for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + strings[i] + " (" + std::to_string(ids[i]) + ")";
  return s;
}

// A model folder's tokenizer and prompt format, as sppo will use them under `policy`.
std::string inspect_tokenizer(const std::string& folder, const PolicyConfig& policy) {
  const PolicyTokenizer tokenizer(folder);
  std::ostringstream out;
  out << "tokenizer: " << tokenizer.describe() << ", " << tokenizer.vocab_size() << " tokens\n  special tokens:";
  for (const auto& [key, text] : tokenizer.special_tokens()) {
    const auto id = tokenizer.token_to_id(text);
    out << " " << key << " = " << text << (id ? " (" + std::to_string(*id) + ")" : std::string()) << ";";
  }
  out << "\n  generation stops at: " << token_list(tokenizer, tokenizer.stop_ids()) << " (" << tokenizer.stop_ids_origin() << ")\n";
  out << "  folder's chat template: " << (tokenizer.chat_template() ? tokenizer.chat_template_origin() : std::string("none")) << "\n";
  try {
    const ChatFormat format = ChatFormat::resolve(policy.chat_template, policy.end_of_turn, tokenizer);
    out << "  policy.chat_template = " << policy.chat_template << ": " << format.origin() << "; end of turn: "
        << token_list(tokenizer, {format.end_of_turn_id()}) << "\n";
  } catch (const Error& e) {
    out << "  policy.chat_template = " << policy.chat_template << ": unusable: " << e.what() << "\n";
  }
  return out.str();
}

bool has_tokenizer(const std::string& folder) {
  return is_file(folder + "/tokenizer.json") || is_file(folder + "/tokenizer.model");
}

bool has_weights(const std::string& folder) {
  return is_file(folder + "/model.safetensors") || is_file(folder + "/model.safetensors.index.json");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string inspect_path(const std::string& path, const Config& config) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_io_error(path, "stat", errno);
  if (S_ISDIR(st.st_mode)) {
    if (has_tokenizer(path) && !has_weights(path)) return path + ": tokenizer files only\n" + inspect_tokenizer(path, config.policy);
    std::string out = inspect_safetensors(path);
    if (has_tokenizer(path)) out += inspect_tokenizer(path, config.policy);
    return out;
  }
  if (h5::is_hdf5(path)) return inspect_hdf5(path);
  if (ends_with(path, ".safetensors")) return inspect_safetensors(path);
  if (ends_with(path, ".jsonl")) return inspect_prompts(path, config.data);
  throw FormatError(path + ": not a safetensors file or model folder, an HDF5 file, or a prompt set (*.jsonl)");
}

}  // namespace sppo
