#include "model/jinja_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/jinja_error.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return float_repr(d);
}

class JsonWriter {
 public:
  explicit JsonWriter(const JsonDumpOptions& options) : options_(options) {
    item_separator_ = options.item_separator ? *options.item_separator : options.indent ? "," : ", ";
    key_separator_ = options.key_separator ? *options.key_separator : ": ";
  }

  void write(const Value& v, int level) {
    switch (v.kind()) {
      case ValueKind::None: out_ += "null"; return;
      case ValueKind::Bool: out_ += v.as_bool() ? "true" : "false"; return;
      case ValueKind::Int: out_ += std::to_string(v.as_int()); return;
      case ValueKind::Float: out_ += float_json(v.as_float()); return;
      case ValueKind::String: append_json_string(out_, v.as_string(), options_.ensure_ascii); return;
      case ValueKind::List:
        if (v.sequence_kind() == SequenceKind::List || v.sequence_kind() == SequenceKind::Tuple) {
          write_list(v.items(), level);
          return;
        }
        break;
      case ValueKind::Dict: write_dict(v.as_dict(), level); return;
      default: break;
    }
    throw_type_error("Object of type " + type_name(v) + " is not JSON serializable");
  }

  std::string take() { return std::move(out_); }

 private:
  void newline(int level) {
    if (!options_.indent) return;
    out_.push_back('\n');
    for (int i = 0; i < level; ++i) out_ += *options_.indent;
  }

  void write_list(const std::vector<Value>& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_.push_back('[');
    newline(level + 1);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) {
        out_ += item_separator_;
        newline(level + 1);
      }
      write(items[i], level + 1);
    }
    newline(level);
    out_.push_back(']');
  }

  static std::string key_text(const Value& key) {
    switch (key.kind()) {
      case ValueKind::String: return key.as_string();
      case ValueKind::Int: return std::to_string(key.as_int());
      case ValueKind::Float: return float_json(key.as_float());
      case ValueKind::Bool: return key.as_bool() ? "true" : "false";
      case ValueKind::None: return "null";
      default: break;
    }
    throw_type_error("keys must be str, int, float, bool or None, not " + type_name(key));
  }

  void write_dict(const DictData& d, int level) {
    if (d.size() == 0) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (options_.sort_keys)
      std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return compare(a->first, b->first, "<"); });
    out_.push_back('{');
    newline(level + 1);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i) {
        out_ += item_separator_;
        newline(level + 1);
      }
      append_json_string(out_, key_text(entries[i]->first), options_.ensure_ascii);
      out_ += key_separator_;
      write(entries[i]->second, level + 1);
    }
    newline(level);
    out_.push_back('}');
  }

  const JsonDumpOptions& options_;
  std::string item_separator_, key_separator_;
  std::string out_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view text, bool ensure_ascii) {
  out.push_back('"');
  char buf[16];
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const char32_t c = next_code_point(text, pos);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || (ensure_ascii && c >= 0x7F)) {
      if (c >= 0x10000) {  // a surrogate pair, as json.dumps writes it
        const char32_t v = c - 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 | (v >> 10)),
                      static_cast<unsigned>(0xDC00 | (v & 0x3FF)));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      }
      out += buf;
      continue;
    }
    out.append(text.substr(start, pos - start));
  }
  out.push_back('"');
}

std::string dump_json(const Value& value, const JsonDumpOptions& options) {
  JsonWriter writer(options);
  writer.write(value, 0);
  return writer.take();
}

}  // namespace sppo::jinja
