#pragma once
// defines: sppo::PreTokenizer, the `pre_tokenizer` of a tokenizer.json: Split (String or Regex
// pattern; behaviors Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous; invert),
// ByteLevel (add_prefix_space, use_regex with GPT-2's pattern; maps bytes to the byte-level
// alphabet), Metaspace (replacement, prepend_scheme first/always/never, split) and Sequence.
// Each step splits every piece the previous step made, as Hugging Face's PreTokenizedString does.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/json_node.hpp"
#include "model/pcre_regex.hpp"

namespace sppo {

struct PreToken {
  std::string text;
  bool at_input_start = false;  // begins at byte 0 of the text given to encode (Metaspace "first")
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Hugging Face's NormalizedString::split on one text, given the pattern's matches (sorted,
// non-overlapping byte ranges): the [begin, end) pieces to keep, empty ones dropped.
std::vector<std::pair<std::size_t, std::size_t>> split_ranges(std::size_t text_size,
                                                              const std::vector<std::pair<std::size_t, std::size_t>>& matches,
                                                              SplitBehavior behavior, bool invert);

class PreTokenizer {
 public:
  PreTokenizer() = default;  // none: each stretch of text is one pre-token

  // Reads a pre_tokenizer object (nullopt: none). Any other type is one FormatError naming the
  // file and the path, e.g. "<file>: pre_tokenizer.pretokenizers[1].type = \"Digits\": not supported".
  static PreTokenizer from_json(const std::optional<JsonNode>& node);

  // Splits `pieces` in place, every step in turn.
  void pre_tokenize(std::vector<PreToken>& pieces) const;
  bool is_identity() const { return steps_.empty(); }

 private:
  enum class Kind { Split, ByteLevel, Metaspace };
  enum class PrependScheme { First, Always, Never };
  struct Step {
    Kind kind = Kind::Split;
    std::optional<PcreRegex> regex;  // Split with a Regex pattern
    std::string literal;             // Split with a String pattern
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    bool add_prefix_space = false;  // ByteLevel
    bool use_regex = true;          // ByteLevel
    std::string replacement;        // Metaspace (one character)
    PrependScheme prepend_scheme = PrependScheme::Always;
    bool split = true;  // Metaspace
  };
  static void add_steps(const JsonNode& node, std::vector<Step>& steps);
  static void apply(const Step& step, std::vector<PreToken>& pieces, std::vector<PreToken>& scratch);

  std::vector<Step> steps_;  // Sequence flattened
};

}  // namespace sppo
