#include "model/pre_tokenizer.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "model/byte_level.hpp"
#include "model/text_normalizer.hpp"

namespace sppo {
namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

// GPT-2's pattern, which the ByteLevel pre-tokenizer uses when use_regex is true.
const PcreRegex& gpt2_regex() {
  static const PcreRegex re = PcreRegex::compile_oniguruma(
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)", "ByteLevel pre-tokenizer");
  return re;
}

void find_literal(const std::string& text, const std::string& literal, Ranges& matches) {
  if (literal.empty()) return;
  for (std::size_t pos = text.find(literal); pos != std::string::npos; pos = text.find(literal, pos + literal.size()))
    matches.emplace_back(pos, pos + literal.size());
}

SplitBehavior read_behavior(const JsonNode& node) {
  const std::string b = node.string();
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  node.fail("expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

}  // namespace

Ranges split_ranges(std::size_t text_size, const Ranges& matches, SplitBehavior behavior, bool invert) {
  // (range, is_match) covering the whole text, as tokenizers' Pattern::find_matches.
  struct Part {
    std::size_t begin, end;
    bool flag;  // is_match before the behavior; should_remove after
  };
  std::vector<Part> parts;
  parts.reserve(matches.size() * 2 + 1);
  if (text_size == 0) {
    parts.push_back({0, 0, false});
  } else {
    std::size_t prev = 0;
    for (const auto& [b, e] : matches) {
      if (prev != b) parts.push_back({prev, b, false});
      parts.push_back({b, e, true});
      prev = e;
    }
    if (prev != text_size) parts.push_back({prev, text_size, false});
  }
  if (invert)
    for (Part& p : parts) p.flag = !p.flag;

  std::vector<Part> splits;
  splits.reserve(parts.size());
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Isolated:
      for (const Part& p : parts) splits.push_back({p.begin, p.end, false});
      break;
    case SplitBehavior::Removed:
      splits = parts;
      break;
    case SplitBehavior::Contiguous:
      for (const Part& p : parts) {
        if (p.flag == previous_match && !splits.empty()) splits.back().end = p.end;
        else splits.push_back({p.begin, p.end, false});
        previous_match = p.flag;
      }
      break;
    case SplitBehavior::MergedWithPrevious:
      for (const Part& p : parts) {
        if (p.flag && !previous_match && !splits.empty()) splits.back().end = p.end;
        else splits.push_back({p.begin, p.end, false});
        previous_match = p.flag;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->flag && !previous_match && !splits.empty()) splits.back().begin = it->begin;
        else splits.push_back({it->begin, it->end, false});
        previous_match = it->flag;
      }
      std::reverse(splits.begin(), splits.end());
      break;
  }
  Ranges out;
  out.reserve(splits.size());
  for (const Part& s : splits)
    if (!s.flag && s.end > s.begin) out.emplace_back(s.begin, s.end);
  return out;
}

PreTokenizer PreTokenizer::from_json(const std::optional<JsonNode>& node) {
  PreTokenizer p;
  if (node) add_steps(*node, p.steps_);
  return p;
}

void PreTokenizer::add_steps(const JsonNode& node, std::vector<Step>& steps) {
  const JsonNode type_node = node.at("type");
  const std::string type = type_node.string();
  Step step;
  if (type == "Sequence") {
    const JsonNode list = node.at("pretokenizers");
    for (std::size_t i = 0; i < list.size(); ++i) add_steps(list.element(i), steps);
    return;
  }
  if (type == "Split") {
    step.kind = Kind::Split;
    const JsonNode pattern = node.at("pattern");
    if (std::optional<JsonNode> s = pattern.find("String")) {
      step.literal = s->string();
    } else if (std::optional<JsonNode> r = pattern.find("Regex")) {
      step.regex = PcreRegex::compile_oniguruma(r->string(), r->file() + ": " + r->path());
    } else {
      pattern.fail_here("expected {\"String\": ...} or {\"Regex\": ...}");
    }
    step.behavior = read_behavior(node.at("behavior"));
    step.invert = node.boolean_or("invert", false);
  } else if (type == "ByteLevel") {
    step.kind = Kind::ByteLevel;
    step.add_prefix_space = node.boolean_or("add_prefix_space", true);
    step.use_regex = node.boolean_or("use_regex", true);
  } else if (type == "Metaspace") {
    step.kind = Kind::Metaspace;
    const JsonNode replacement = node.at("replacement");
    step.replacement = replacement.string();
    if (step.replacement.empty() || decode_utf8_at(step.replacement, 0).second != step.replacement.size())
      replacement.fail("expected one character");
    const std::optional<JsonNode> scheme = node.find("prepend_scheme");
    const std::string s = scheme ? scheme->string() : "always";
    if (s == "always") step.prepend_scheme = PrependScheme::Always;
    else if (s == "first") step.prepend_scheme = PrependScheme::First;
    else if (s == "never") step.prepend_scheme = PrependScheme::Never;
    else scheme->fail("expected first, always or never");
    // Older files say add_prefix_space instead; false must agree with the scheme (as tokenizers checks).
    if (std::optional<JsonNode> add = node.find("add_prefix_space"); add && !add->boolean()) {
      if (scheme && step.prepend_scheme != PrependScheme::Never)
        add->fail("contradicts prepend_scheme = \"" + s + "\"");
      step.prepend_scheme = PrependScheme::Never;
    }
    step.split = node.boolean_or("split", true);
  } else {
    type_node.fail("not supported");
  }
  steps.push_back(std::move(step));
}

void PreTokenizer::apply(const Step& step, std::vector<PreToken>& pieces, std::vector<PreToken>& out) {
  out.clear();
  Ranges matches;
  auto emit = [&](PreToken& piece, const Ranges& ranges) {
    for (const auto& [b, e] : ranges) {
      PreToken t;
      t.text.assign(piece.text, b, e - b);
      t.at_input_start = piece.at_input_start && b == 0;
      out.push_back(std::move(t));
    }
  };
  for (PreToken& piece : pieces) {
    matches.clear();
    switch (step.kind) {
      case Kind::Split:
        if (step.regex) step.regex->find_all(piece.text, matches);
        else find_literal(piece.text, step.literal, matches);
        emit(piece, split_ranges(piece.text.size(), matches, step.behavior, step.invert));
        break;
      case Kind::ByteLevel: {
        if (step.add_prefix_space && (piece.text.empty() || piece.text[0] != ' ')) piece.text.insert(0, " ");
        const std::size_t first = out.size();
        if (step.use_regex) {
          gpt2_regex().find_all(piece.text, matches);
          emit(piece, split_ranges(piece.text.size(), matches, SplitBehavior::Isolated, false));
        } else if (!piece.text.empty()) {
          out.push_back(std::move(piece));
        }
        std::string mapped;
        for (std::size_t k = first; k < out.size(); ++k) {
          mapped.clear();
          append_byte_level(out[k].text, mapped);
          out[k].text.swap(mapped);
        }
        break;
      }
      case Kind::Metaspace: {
        piece.text = replace_all_literal(piece.text, " ", step.replacement);
        const bool starts = piece.text.compare(0, step.replacement.size(), step.replacement) == 0;
        if (!starts && (step.prepend_scheme == PrependScheme::Always ||
                        (step.prepend_scheme == PrependScheme::First && piece.at_input_start)))
          piece.text.insert(0, step.replacement);
        if (step.split) {
          find_literal(piece.text, step.replacement, matches);
          emit(piece, split_ranges(piece.text.size(), matches, SplitBehavior::MergedWithNext, false));
        } else if (!piece.text.empty()) {
          out.push_back(std::move(piece));
        }
        break;
      }
    }
  }
  pieces.swap(out);
}

void PreTokenizer::pre_tokenize(std::vector<PreToken>& pieces) const {
  std::vector<PreToken> scratch;
  for (const Step& step : steps_) apply(step, pieces, scratch);
}

}  // namespace sppo
