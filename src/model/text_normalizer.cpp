#include "model/text_normalizer.hpp"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "core/error.hpp"
#include "model/byte_level.hpp"

namespace sppo {
namespace {

bool is_ascii(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string unicode_normalize(std::string_view text, utf8proc_option_t options) {
  if (is_ascii(text)) return std::string(text);  // no ASCII character has a decomposition
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &out, options);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(out, &std::free);
  if (n < 0) throw FormatError(std::string("Unicode normalization failed: ") + utf8proc_errmsg(n));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

// Rust's char::to_lowercase per character (tokenizers' Lowercase). utf8proc gives the simple
// mapping; the one unconditional multi-character lowercase mapping in SpecialCasing.txt is
// U+0130 (I with dot above) -> "i" U+0307.
std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto [c, len] = decode_utf8_at(text, i);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (c == 0x130) {
      out += "i\xCC\x87";
    } else {
      append_utf8(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))), out);
    }
    i += len;
  }
  return out;
}

std::string strip(std::string_view text, bool left, bool right) {
  std::size_t begin = 0, end = text.size();
  if (left) {
    while (begin < end) {
      const auto [c, len] = decode_utf8_at(text, begin);
      if (!is_white_space(c)) break;
      begin += len;
    }
  }
  if (right) {
    while (end > begin) {
      std::size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      if (!is_white_space(decode_utf8_at(text, start).first)) break;
      end = start;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

std::string replace_all_literal(std::string_view text, std::string_view pattern, std::string_view content) {
  if (pattern.empty()) return std::string(text);
  std::size_t pos = text.find(pattern);
  if (pos == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t prev = 0;
  while (pos != std::string_view::npos) {
    out.append(text.substr(prev, pos - prev));
    out.append(content);
    prev = pos + pattern.size();
    pos = text.find(pattern, prev);
  }
  out.append(text.substr(prev));
  return out;
}

TextNormalizer TextNormalizer::from_json(const std::optional<JsonNode>& node) {
  TextNormalizer n;
  if (node) add_steps(*node, n.steps_);
  return n;
}

void TextNormalizer::add_steps(const JsonNode& node, std::vector<Step>& steps) {
  const JsonNode type_node = node.at("type");
  const std::string type = type_node.string();
  if (type == "Sequence") {
    const JsonNode list = node.at("normalizers");
    for (std::size_t i = 0; i < list.size(); ++i) add_steps(list.element(i), steps);
    return;
  }
  Step step{Kind::Nfc, {}, {}, std::nullopt};
  if (type == "NFC") {
    step.kind = Kind::Nfc;
  } else if (type == "NFD") {
    step.kind = Kind::Nfd;
  } else if (type == "NFKC") {
    step.kind = Kind::Nfkc;
  } else if (type == "NFKD") {
    step.kind = Kind::Nfkd;
  } else if (type == "Lowercase") {
    step.kind = Kind::Lowercase;
  } else if (type == "Strip") {
    step.kind = Kind::Strip;
    step.strip_left = node.boolean_or("strip_left", true);
    step.strip_right = node.boolean_or("strip_right", true);
  } else if (type == "Prepend") {
    step.kind = Kind::Prepend;
    step.text = node.at("prepend").string();
  } else if (type == "Replace") {
    const JsonNode pattern = node.at("pattern");
    step.content = node.at("content").string();
    if (std::optional<JsonNode> s = pattern.find("String")) {
      step.kind = Kind::ReplaceString;
      step.text = s->string();
    } else if (std::optional<JsonNode> r = pattern.find("Regex")) {
      step.kind = Kind::ReplaceRegex;
      step.regex = PcreRegex::compile_oniguruma(r->string(), r->file() + ": " + r->path());
    } else {
      pattern.fail_here("expected {\"String\": ...} or {\"Regex\": ...}");
    }
  } else {
    type_node.fail("not supported");
  }
  steps.push_back(std::move(step));
}

void TextNormalizer::apply(const Step& step, std::string& text) {
  switch (step.kind) {
    case Kind::Nfc: text = unicode_normalize(text, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE)); break;
    case Kind::Nfd: text = unicode_normalize(text, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE)); break;
    case Kind::Nfkc:
      text = unicode_normalize(text, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
      break;
    case Kind::Nfkd:
      text = unicode_normalize(text, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT));
      break;
    case Kind::Lowercase: text = lowercase(text); break;
    case Kind::Strip: text = strip(text, step.strip_left, step.strip_right); break;
    case Kind::Prepend:
      if (!text.empty()) text.insert(0, step.text);  // tokenizers prepends to non-empty text only
      break;
    case Kind::ReplaceString: text = replace_all_literal(text, step.text, step.content); break;
    case Kind::ReplaceRegex: text = step.regex->replace_all(text, step.content); break;
  }
}

std::string TextNormalizer::normalize(std::string_view text) const {
  std::string out(text);
  for (const Step& step : steps_) apply(step, out);
  return out;
}

}  // namespace sppo
