#include "model/post_processor.hpp"

#include "core/error.hpp"

namespace sppo {

PostProcessor PostProcessor::from_json(const std::optional<JsonNode>& node) {
  PostProcessor p;
  if (node) add_templates(*node, p.singles_);
  return p;
}

PostProcessor PostProcessor::single_template(std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
  PostProcessor p;
  Template t;
  if (!prefix.empty()) t.push_back({false, std::move(prefix)});
  t.push_back({true, {}});
  if (!suffix.empty()) t.push_back({false, std::move(suffix)});
  p.singles_.push_back(std::move(t));
  return p;
}

void PostProcessor::add_templates(const JsonNode& node, std::vector<Template>& templates) {
  const JsonNode type_node = node.at("type");
  const std::string type = type_node.string();
  if (type == "Sequence") {
    const JsonNode list = node.at("processors");
    for (std::size_t i = 0; i < list.size(); ++i) add_templates(list.element(i), templates);
  } else if (type == "ByteLevel") {
    // trim_offsets and add_prefix_space only move offsets, which sppo does not report.
  } else if (type == "TemplateProcessing") {
    const JsonNode special_tokens = node.at("special_tokens");
    if (!special_tokens.is_object()) special_tokens.fail_here("expected an object");
    templates.push_back(read_template(node.at("single"), special_tokens, false));
    if (std::optional<JsonNode> pair = node.find("pair")) read_template(*pair, special_tokens, true);
  } else {
    type_node.fail("not supported");
  }
}

PostProcessor::Template PostProcessor::read_template(const JsonNode& list, const JsonNode& special_tokens, bool pair) {
  Template t;
  bool saw_a = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const JsonNode item = list.element(i);
    if (std::optional<JsonNode> special = item.find("SpecialToken")) {
      const JsonNode id = special->at("id");
      const std::string name = id.string();
      const std::optional<JsonNode> entry = special_tokens.find(name.c_str());
      if (!entry) id.fail("not in " + special_tokens.path());
      const JsonNode ids = entry->at("ids");
      Item it;
      for (std::size_t k = 0; k < ids.size(); ++k) it.ids.push_back(static_cast<int32_t>(ids.element(k).integer(0, INT32_MAX)));
      t.push_back(std::move(it));
    } else if (std::optional<JsonNode> sequence = item.find("Sequence")) {
      const JsonNode id = sequence->at("id");
      const std::string which = id.string();
      if (which == "A") {
        saw_a = true;
        t.push_back({true, {}});
      } else if (which == "B") {
        if (!pair) id.fail("the single template has only sequence A");
      } else {
        id.fail("expected A or B");
      }
    } else {
      item.fail_here("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
  }
  if (!saw_a) list.fail_here("has no {\"Sequence\": {\"id\": \"A\"}}");
  return t;
}

std::vector<int32_t> PostProcessor::process(std::vector<int32_t> ids, bool add_special_tokens) const {
  for (const Template& t : singles_) {
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const Item& item : t) {
      if (item.is_sequence) out.insert(out.end(), ids.begin(), ids.end());
      else if (add_special_tokens) out.insert(out.end(), item.ids.begin(), item.ids.end());
    }
    ids = std::move(out);
  }
  return ids;
}

}  // namespace sppo
