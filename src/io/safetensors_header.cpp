#include "io/safetensors_header.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/error.hpp"

namespace sppo {
namespace {

struct DTypeInfo {
  StDType dtype;
  const char* name;
  std::size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {StDType::F64, "F64", 8}, {StDType::F32, "F32", 4}, {StDType::F16, "F16", 2}, {StDType::BF16, "BF16", 2},
    {StDType::I64, "I64", 8}, {StDType::I32, "I32", 4}, {StDType::I16, "I16", 2}, {StDType::I8, "I8", 1},
    {StDType::U8, "U8", 1},   {StDType::BOOL, "BOOL", 1},
};

using json = nlohmann::json;

// nlohmann keeps the last of two equal keys; a header with duplicates is ambiguous, so the
// parse callback rejects it. One set of keys per open object.
json parse_without_duplicate_keys(const char* begin, const char* end) {
  std::vector<std::set<std::string>> open_objects;
  json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case json::parse_event_t::object_end: open_objects.pop_back(); break;
      case json::parse_event_t::key:
        if (!open_objects.back().insert(parsed.get<std::string>()).second)
          throw FormatError("duplicate key \"" + parsed.get<std::string>() + "\"");
        break;
      default: break;
    }
    return true;
  };
  return json::parse(begin, end, callback);
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

TensorEntry parse_entry(const std::string& name, const json& value, const std::string& where) {
  if (!value.is_object()) throw FormatError(where + ": expected an object");
  TensorEntry t;
  t.name = name;
  for (const auto& [key, field] : value.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      throw FormatError(where + ": unexpected field \"" + key + "\"");

  auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string()) throw FormatError(where + ": missing string field dtype");
  auto dtype = dtype_from_name(dtype_it->get<std::string>());
  if (!dtype) throw FormatError(where + ": unknown dtype \"" + dtype_it->get<std::string>() + "\"");
  t.dtype = *dtype;

  auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array()) throw FormatError(where + ": missing array field shape");
  if (shape_it->size() > 16) throw FormatError(where + ": shape has " + std::to_string(shape_it->size()) + " dimensions");
  for (const auto& d : *shape_it) {
    if (!d.is_number_unsigned()) throw FormatError(where + ": shape " + shape_it->dump() + " must hold non-negative integers");
    const uint64_t v = d.get<uint64_t>();
    if (v > (1ull << 62)) throw FormatError(where + ": shape " + shape_it->dump() + " is absurdly large");
    t.shape.push_back(static_cast<int64_t>(v));
  }

  auto off_it = value.find("data_offsets");
  if (off_it == value.end() || !off_it->is_array() || off_it->size() != 2 || !(*off_it)[0].is_number_unsigned() ||
      !(*off_it)[1].is_number_unsigned())
    throw FormatError(where + ": data_offsets must be [begin, end] of non-negative integers");
  t.begin = (*off_it)[0].get<uint64_t>();
  t.end = (*off_it)[1].get<uint64_t>();
  if (t.end < t.begin)
    throw FormatError(where + ": data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                      "] end before they begin");

  // bytes = numel x dtype size, computed without overflow
  uint64_t bytes = dtype_size(t.dtype);
  for (int64_t d : t.shape)
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
      throw FormatError(where + ": shape " + shape_it->dump() + " overflows 64-bit byte counts");
  if (bytes != t.end - t.begin)
    throw FormatError(where + ": shape " + shape_it->dump() + " of " + dtype_name(t.dtype) + " needs " +
                      std::to_string(bytes) + " bytes but data_offsets [" + std::to_string(t.begin) + ", " +
                      std::to_string(t.end) + "] hold " + std::to_string(t.end - t.begin));
  return t;
}

}  // namespace

std::size_t dtype_size(StDType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.size;
  return 0;
}

const char* dtype_name(StDType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.name;
  return "?";
}

std::optional<StDType> dtype_from_name(const std::string& name) {
  for (const auto& d : kDTypes)
    if (name == d.name) return d.dtype;
  return std::nullopt;
}

int64_t TensorEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const TensorEntry* SafetensorsHeader::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, std::size_t file_size, const std::string& path) {
  if (file_size < 8)
    throw FormatError(path + ": file of " + std::to_string(file_size) +
                      " bytes is shorter than the 8-byte safetensors header length");
  const uint64_t header_len = read_u64_le(bytes);
  if (header_len == 0) throw FormatError(path + ": header length is 0");
  if (header_len > kMaxSafetensorsHeaderBytes)
    throw FormatError(path + ": header length " + std::to_string(header_len) + " exceeds the limit of " +
                      std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  if (header_len > file_size - 8)
    throw FormatError(path + ": header length " + std::to_string(header_len) + " runs past the end of the file (" +
                      std::to_string(file_size) + " bytes)");

  SafetensorsHeader header;
  header.data_offset = 8 + header_len;
  header.data_size = file_size - header.data_offset;

  const char* text = reinterpret_cast<const char*>(bytes + 8);
  if (text[0] != '{') throw FormatError(path + ": header is not a JSON object (first byte is not '{')");
  json root;
  try {
    root = parse_without_duplicate_keys(text, text + header_len);
  } catch (const json::exception& e) {
    throw FormatError(path + ": header is not valid JSON: " + e.what());
  } catch (const FormatError& e) {
    throw FormatError(path + ": header: " + e.what());
  }
  if (!root.is_object()) throw FormatError(path + ": header is not a JSON object");

  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw FormatError(path + ": __metadata__ must be an object of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) throw FormatError(path + ": __metadata__." + k + " must be a string");
        header.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    header.tensors.push_back(parse_entry(name, value, path + ": tensor " + name));
  }

  std::sort(header.tensors.begin(), header.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // The tensors tile the data exactly, as Hugging Face's safetensors requires: in offset order
  // each begins where the one before ends, and the last ends at the end of the file.
  const TensorEntry* previous = nullptr;
  uint64_t covered = 0;  // bytes [0, covered) of the data belong to the tensors so far
  for (const auto& t : header.tensors) {
    if (t.end > header.data_size)
      throw FormatError(path + ": tensor " + t.name + ": offsets [" + std::to_string(t.begin) + ", " +
                        std::to_string(t.end) + "] outside data (size " + std::to_string(header.data_size) + ")");
    if (previous && t.begin < covered)
      throw FormatError(path + ": tensor " + t.name + ": offsets [" + std::to_string(t.begin) + ", " +
                        std::to_string(t.end) + "] overlap tensor " + previous->name + " [" +
                        std::to_string(previous->begin) + ", " + std::to_string(previous->end) + "]");
    if (t.begin > covered)
      throw FormatError(path + ": tensor " + t.name + ": offsets [" + std::to_string(t.begin) + ", " +
                        std::to_string(t.end) + "] leave bytes [" + std::to_string(covered) + ", " +
                        std::to_string(t.begin) + ") of the data to no tensor (safetensors tiles the data exactly)");
    covered = t.end;
    if (t.begin != t.end) previous = &t;
  }
  if (covered != header.data_size)
    throw FormatError(path + ": bytes [" + std::to_string(covered) + ", " + std::to_string(header.data_size) +
                      ") of the data belong to no tensor (safetensors tiles the data exactly)");
  return header;
}

}  // namespace sppo
