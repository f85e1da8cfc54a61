#include "model/token_decoder.hpp"

#include "core/error.hpp"
#include "io/utf8.hpp"
#include "model/byte_level.hpp"
#include "model/text_normalizer.hpp"

namespace sppo {
namespace {

// "<0xNN>" -> NN (tokenizers' ByteFallback decoder: six characters, two hex digits).
std::optional<uint8_t> byte_token(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const int hi = hex(token[3]), lo = hex(token[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<uint8_t>(hi * 16 + lo);
}

std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto [c, len] = decode_utf8_at(s, i);
    out.push_back(c);
    i += len;
  }
  return out;
}

}  // namespace

TokenDecoder TokenDecoder::from_json(const std::optional<JsonNode>& node) {
  TokenDecoder d;
  if (node) {
    d.present_ = true;
    add_steps(*node, d.steps_);
  }
  return d;
}

void TokenDecoder::add_steps(const JsonNode& node, std::vector<Step>& steps) {
  const JsonNode type_node = node.at("type");
  const std::string type = type_node.string();
  if (type == "Sequence") {
    const JsonNode list = node.at("decoders");
    for (std::size_t i = 0; i < list.size(); ++i) add_steps(list.element(i), steps);
    return;
  }
  Step step;
  if (type == "ByteLevel") {
    step.kind = Kind::ByteLevel;
  } else if (type == "Replace") {
    const JsonNode pattern = node.at("pattern");
    step.content = node.at("content").string();
    if (std::optional<JsonNode> s = pattern.find("String")) {
      step.kind = Kind::ReplaceString;
      step.pattern = s->string();
    } else if (std::optional<JsonNode> r = pattern.find("Regex")) {
      step.kind = Kind::ReplaceRegex;
      step.regex = PcreRegex::compile_oniguruma(r->string(), r->file() + ": " + r->path());
    } else {
      pattern.fail_here("expected {\"String\": ...} or {\"Regex\": ...}");
    }
  } else if (type == "ByteFallback") {
    step.kind = Kind::ByteFallback;
  } else if (type == "Fuse") {
    step.kind = Kind::Fuse;
  } else if (type == "Strip") {
    step.kind = Kind::Strip;
    const JsonNode content = node.at("content");
    step.content = content.string();
    if (code_points(step.content).size() != 1) content.fail("expected one character");
    step.start = static_cast<std::size_t>(node.at("start").integer(0, INT32_MAX));
    step.stop = static_cast<std::size_t>(node.at("stop").integer(0, INT32_MAX));
  } else if (type == "Metaspace") {
    step.kind = Kind::Metaspace;
    const JsonNode replacement = node.at("replacement");
    const std::vector<char32_t> cps = code_points(replacement.string());
    if (cps.size() != 1) replacement.fail("expected one character");
    step.replacement = cps[0];
    std::string scheme = node.string_or("prepend_scheme", "always");
    if (std::optional<JsonNode> add = node.find("add_prefix_space"); add && !add->boolean()) scheme = "never";
    step.prepend = scheme != "never";
  } else {
    type_node.fail("not supported");
  }
  steps.push_back(std::move(step));
}

void TokenDecoder::apply(const Step& step, std::vector<std::string>& tokens) {
  switch (step.kind) {
    case Kind::ByteLevel: {
      // One string of all the bytes; a token with a character outside the alphabet (an added
      // token's own text) contributes its UTF-8 as is. Invalid UTF-8 becomes U+FFFD.
      std::string bytes;
      for (const std::string& t : tokens)
        if (!append_bytes_of_byte_level(t, bytes)) bytes += t;
      std::string text;
      append_utf8_lossy(bytes, text);
      tokens.assign(1, std::move(text));
      break;
    }
    case Kind::ReplaceString:
      for (std::string& t : tokens) t = replace_all_literal(t, step.pattern, step.content);
      break;
    case Kind::ReplaceRegex:
      for (std::string& t : tokens) t = step.regex->replace_all(t, step.content);
      break;
    case Kind::ByteFallback: {
      // Runs of <0xNN> tokens become their bytes when those are valid UTF-8, else one U+FFFD
      // per byte token (tokenizers' ByteFallback).
      std::vector<std::string> out;
      std::string run;
      std::size_t run_tokens = 0;
      auto flush = [&]() {
        if (run_tokens == 0) return;
        if (!first_invalid_utf8(run)) out.push_back(run);
        else
          for (std::size_t k = 0; k < run_tokens; ++k) out.emplace_back("\xEF\xBF\xBD");
        run.clear();
        run_tokens = 0;
      };
      for (std::string& t : tokens) {
        if (const std::optional<uint8_t> b = byte_token(t)) {
          run += static_cast<char>(*b);
          ++run_tokens;
        } else {
          flush();
          out.push_back(std::move(t));
        }
      }
      flush();
      tokens.swap(out);
      break;
    }
    case Kind::Fuse: {
      std::string all;
      for (const std::string& t : tokens) all += t;
      tokens.assign(1, std::move(all));
      break;
    }
    case Kind::Strip: {
      const char32_t strip = code_points(step.content)[0];
      for (std::string& t : tokens) {
        const std::vector<char32_t> cps = code_points(t);
        std::size_t begin = 0;
        while (begin < step.start && begin < cps.size() && cps[begin] == strip) ++begin;
        std::size_t end = cps.size();
        for (std::size_t k = 0; k < step.stop && end > begin && cps[end - 1] == strip; ++k) --end;
        std::string out;
        for (std::size_t k = begin; k < end; ++k) append_utf8(cps[k], out);
        t = std::move(out);
      }
      break;
    }
    case Kind::Metaspace:
      // Every replacement character becomes a space, except in the first token, where
      // tokenizers drops them all (not only a leading one) unless prepend_scheme is "never".
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        std::string out;
        for (const char32_t c : code_points(tokens[i])) {
          if (c != step.replacement) append_utf8(c, out);
          else if (!(i == 0 && step.prepend)) out += ' ';
        }
        tokens[i] = std::move(out);
      }
      break;
  }
}

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
  std::string out;
  if (!present_) {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) out += ' ';
      out += tokens[i];
    }
    return out;
  }
  for (const Step& step : steps_) apply(step, tokens);
  for (const std::string& t : tokens) out += t;
  return out;
}

}  // namespace sppo
