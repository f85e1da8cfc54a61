#pragma once
// defines: sppo::PostProcessor, the `post_processor` of a tokenizer.json as it acts on the ids of
// one sequence: TemplateProcessing (its "single" template; "pair" is read and checked but
// sppo never encodes pairs), ByteLevel (offsets only: ids unchanged) and Sequence.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/json_node.hpp"

namespace sppo {

class PostProcessor {
 public:
  PostProcessor() = default;  // none: ids unchanged

  // Reads a post_processor object (nullopt: none). RobertaProcessing, BertProcessing and any
  // other type: one FormatError "<file>: post_processor.type = \"...\": not supported".
  static PostProcessor from_json(const std::optional<JsonNode>& node);

  // The template [prefix ids] $A [suffix ids] (transformers' LlamaTokenizerFast and
  // GemmaTokenizerFast build theirs from add_bos_token/add_eos_token).
  static PostProcessor single_template(std::vector<int32_t> prefix, std::vector<int32_t> suffix);

  // The sequence's ids with the special tokens added when `add_special_tokens` is set.
  std::vector<int32_t> process(std::vector<int32_t> ids, bool add_special_tokens) const;

 private:
  struct Item {
    bool is_sequence = false;     // $A
    std::vector<int32_t> ids;     // a special token's ids
  };
  using Template = std::vector<Item>;
  static void add_templates(const JsonNode& node, std::vector<Template>& templates);
  static Template read_template(const JsonNode& list, const JsonNode& special_tokens, bool pair);

  std::vector<Template> singles_;  // one per TemplateProcessing, in Sequence order
};

}  // namespace sppo
