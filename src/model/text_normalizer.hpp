#pragma once
// defines: sppo::TextNormalizer, the `normalizer` of a tokenizer.json: NFC, NFD, NFKC, NFKD
// (utf8proc), Lowercase, Strip, Prepend, Replace (String or Regex pattern) and Sequence. It is
// applied to each stretch of text between added tokens, never across one.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/json_node.hpp"
#include "model/pcre_regex.hpp"

namespace sppo {

class TextNormalizer {
 public:
  TextNormalizer() = default;  // the identity (tokenizer.json's "normalizer": null)

  // Reads a normalizer object (nullopt: the identity). Any other type is one FormatError:
  // "<file>: normalizer.normalizers[0].type = \"BertNormalizer\": not supported".
  static TextNormalizer from_json(const std::optional<JsonNode>& node);

  // `text` (valid UTF-8) normalized; valid UTF-8 again.
  std::string normalize(std::string_view text) const;
  bool is_identity() const { return steps_.empty(); }

 private:
  enum class Kind { Nfc, Nfd, Nfkc, Nfkd, Lowercase, Strip, Prepend, ReplaceString, ReplaceRegex };
  struct Step {
    Kind kind;
    std::string text;     // Prepend: the prefix; Replace: the pattern string
    std::string content;  // Replace: the replacement
    std::optional<PcreRegex> regex;
    bool strip_left = false, strip_right = false;
  };
  static void add_steps(const JsonNode& node, std::vector<Step>& steps);
  static void apply(const Step& step, std::string& text);

  std::vector<Step> steps_;  // Sequence flattened
};

// Every occurrence of `pattern` in `text` (left to right, not overlapping) replaced by `content`;
// an empty pattern replaces nothing.
std::string replace_all_literal(std::string_view text, std::string_view pattern, std::string_view content);

}  // namespace sppo
