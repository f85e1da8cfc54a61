#pragma once
// defines: sppo::TokenDecoder, the `decoder` of a tokenizer.json: ByteLevel, Replace (String or
// Regex pattern), ByteFallback, Fuse, Strip, Metaspace and Sequence, each a step from token
// strings to strings as in Hugging Face's Decoder::decode_chain; the results are concatenated.
#include <optional>
#include <string>
#include <vector>

#include "io/json_node.hpp"
#include "model/pcre_regex.hpp"

namespace sppo {

class TokenDecoder {
 public:
  TokenDecoder() = default;  // none: tokens joined with one space, as tokenizers does

  // Reads a decoder object (nullopt: none). WordPiece, CTC, BPEDecoder and any other type:
  // one FormatError "<file>: decoder.decoders[2].type = \"CTC\": not supported".
  static TokenDecoder from_json(const std::optional<JsonNode>& node);

  std::string decode(std::vector<std::string> tokens) const;

 private:
  enum class Kind { ByteLevel, ReplaceString, ReplaceRegex, ByteFallback, Fuse, Strip, Metaspace };
  struct Step {
    Kind kind = Kind::Fuse;
    std::string pattern, content;  // Replace; Strip: content is the character to strip
    std::optional<PcreRegex> regex;
    std::size_t start = 0, stop = 0;  // Strip: at most this many characters at each end
    char32_t replacement = 0;         // Metaspace
    bool prepend = true;              // Metaspace: prepend_scheme is not "never"
  };
  static void add_steps(const JsonNode& node, std::vector<Step>& steps);
  static void apply(const Step& step, std::vector<std::string>& tokens);

  bool present_ = false;
  std::vector<Step> steps_;  // Sequence flattened
};

}  // namespace sppo
