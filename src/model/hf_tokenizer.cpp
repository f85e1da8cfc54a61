#include "model/hf_tokenizer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <unordered_set>

#include "core/error.hpp"
#include "io/json_fields.hpp"
#include "io/json_node.hpp"
#include "io/utf8.hpp"
#include "model/added_vocabulary.hpp"
#include "model/bpe_model.hpp"
#include "model/post_processor.hpp"
#include "model/pre_tokenizer.hpp"
#include "model/text_normalizer.hpp"
#include "model/token_decoder.hpp"
#include "model/tokenizer_json.hpp"

namespace sppo {
namespace {

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A special token of tokenizer_config.json: a string, or an AddedToken object {"content": ...}.
std::optional<std::string> config_token(const JsonNode& config, const char* key) {
  const std::optional<JsonNode> node = config.find(key);
  if (!node) return std::nullopt;
  if (node->is_string()) return node->string();
  if (node->is_object()) return node->at("content").string();
  node->fail("expected a string or {\"content\": ...}");
}

// transformers' LlamaTokenizerFast and GemmaTokenizerFast rebuild the post-processor from
// add_bos_token / add_eos_token (update_post_processor); PreTrainedTokenizerFast and the
// others (Qwen2TokenizerFast, ...) keep tokenizer.json's.
bool class_rebuilds_template(std::string name) {
  const std::string fast = "Fast";
  if (name.size() > fast.size() && name.compare(name.size() - fast.size(), fast.size(), fast) == 0)
    name.resize(name.size() - fast.size());
  return name == "LlamaTokenizer" || name == "CodeLlamaTokenizer" || name == "GemmaTokenizer";
}

}  // namespace

struct HfTokenizer::Impl {
  std::string tokenizer_file;
  std::string config_file;
  std::optional<BpeModel> model;
  AddedVocabulary added;
  TextNormalizer normalizer;
  PreTokenizer pre_tokenizer;
  PostProcessor post_processor;
  TokenDecoder decoder;
  bool clean_up_tokenization_spaces = false;
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  std::optional<int32_t> bos_id, eos_id, pad_id, unk_id;
  std::vector<std::pair<std::string, std::string>> chat_templates;  // (name, source)
  std::unordered_set<int32_t> special_ids;
  int64_t vocab_size = 0;

  std::optional<int32_t> token_to_id(std::string_view token) const {
    if (std::optional<int32_t> id = added.id_of(token)) return id;
    return model->token_to_id(token);
  }

  std::string_view token_of(int32_t id) const {
    if (const AddedToken* t = added.by_id(id)) return t->content;
    if (std::optional<std::string_view> t = model->id_to_token(id)) return *t;
    throw FormatError(tokenizer_file + ": id " + std::to_string(id) + " has no token (vocabulary size " +
                      std::to_string(vocab_size) + ")");
  }

  void encode_stretch(std::string_view text, bool at_input_start, std::vector<int32_t>& ids) const;
};

HfTokenizer::HfTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HfTokenizer::HfTokenizer(HfTokenizer&&) noexcept = default;
HfTokenizer& HfTokenizer::operator=(HfTokenizer&&) noexcept = default;
HfTokenizer::~HfTokenizer() = default;

HfTokenizer HfTokenizer::load(const std::string& folder) {
  const std::string tokenizer_path = folder + "/tokenizer.json";
  const std::string config_path = folder + "/tokenizer_config.json";
  const std::string tokenizer_text = read_text_file(tokenizer_path);
  const std::string config_text = file_exists(config_path) ? read_text_file(config_path) : std::string();
  HfTokenizer t = from_json(tokenizer_text, tokenizer_path, config_text, config_path);
  // transformers >= 4.43 may keep the template in a file of its own.
  const std::string jinja_path = folder + "/chat_template.jinja";
  if (t.impl_->chat_templates.empty() && file_exists(jinja_path))
    t.impl_->chat_templates.emplace_back("default", read_text_file(jinja_path));
  return t;
}

HfTokenizer HfTokenizer::from_json(std::string_view tokenizer_json, const std::string& tokenizer_json_name,
                                   std::string_view config_json, const std::string& config_name) {
  auto impl = std::make_unique<Impl>();
  impl->tokenizer_file = tokenizer_json_name;
  impl->config_file = config_name;
  const std::string& file = tokenizer_json_name;

  // ---------------------------------------------------------------- tokenizer.json
  TokenizerJson parsed = read_tokenizer_json(tokenizer_json, file);
  const JsonNode root(parsed.document, file, "");
  const JsonNode model = root.at("model");
  const JsonNode model_type = model.at("type");
  if (model_type.string() != "BPE") model_type.fail("not supported (only BPE)");
  impl->model.emplace(BpeModel::from_json(model, parsed));
  impl->normalizer = TextNormalizer::from_json(root.find("normalizer"));
  impl->pre_tokenizer = PreTokenizer::from_json(root.find("pre_tokenizer"));
  impl->post_processor = PostProcessor::from_json(root.find("post_processor"));
  impl->decoder = TokenDecoder::from_json(root.find("decoder"));

  std::vector<AddedToken> added;
  std::unordered_set<int32_t> added_ids;
  std::unordered_set<std::string> added_contents;
  if (std::optional<JsonNode> list = root.find("added_tokens")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const JsonNode item = list->element(i);
      AddedToken t;
      const JsonNode id = item.at("id");
      t.id = static_cast<int32_t>(id.integer(0, INT32_MAX));
      const JsonNode content = item.at("content");
      t.content = content.string();
      if (t.content.empty()) content.fail("must not be empty");
      t.special = item.boolean_or("special", false);
      t.single_word = item.boolean_or("single_word", false);
      t.lstrip = item.boolean_or("lstrip", false);
      t.rstrip = item.boolean_or("rstrip", false);
      t.normalized = item.boolean_or("normalized", !t.special);
      if (!added_ids.insert(t.id).second) id.fail("id listed twice in added_tokens");
      if (!added_contents.insert(t.content).second) content.fail("listed twice in added_tokens");
      added.push_back(std::move(t));
    }
  }
  // A stretch of text is normalized on its own: added tokens that a normalizer would have to
  // look for across stretches cannot exist, so there is nothing else to check here.

  // ---------------------------------------------------------------- tokenizer_config.json
  const nlohmann::json config_doc = config_json.empty() ? nlohmann::json::object()
                                                        : parse_json_object(std::string(config_json), config_name);
  const JsonNode config(config_doc, config_name, "");
  impl->clean_up_tokenization_spaces = config.boolean_or("clean_up_tokenization_spaces", false);
  const bool split_special_tokens = config.boolean_or("split_special_tokens", false);

  // Named special tokens. One that is not yet an added token but is in the vocab becomes a
  // special added token, as transformers' PreTrainedTokenizerFast does when it loads.
  auto resolve = [&](const std::string& token, const JsonNode& where) -> int32_t {
    for (const AddedToken& t : added)
      if (t.content == token) return t.id;
    const std::optional<int32_t> id = impl->model->token_to_id(token);
    if (!id) where.fail("not a token of " + file);
    AddedToken t;
    t.id = *id;
    t.content = token;
    t.special = true;
    added.push_back(t);
    return *id;
  };
  auto named = [&](const char* key, std::optional<std::string>* token_out, std::optional<int32_t>* id_out) {
    std::optional<std::string> token = config_token(config, key);
    if (!token) return;
    const int32_t id = resolve(*token, config.at(key));
    if (token_out) *token_out = token, *id_out = id;
  };
  named("bos_token", &impl->bos_token, &impl->bos_id);
  named("eos_token", &impl->eos_token, &impl->eos_id);
  named("unk_token", &impl->unk_token, &impl->unk_id);
  named("pad_token", &impl->pad_token, &impl->pad_id);
  named("sep_token", nullptr, nullptr);
  named("cls_token", nullptr, nullptr);
  named("mask_token", nullptr, nullptr);
  if (std::optional<JsonNode> extra = config.find("additional_special_tokens")) {
    for (std::size_t i = 0; i < extra->size(); ++i) {
      const JsonNode item = extra->element(i);
      const std::string token = item.is_object() ? item.at("content").string() : item.string();
      resolve(token, item);
    }
  }

  if (class_rebuilds_template(config.string_or("tokenizer_class", ""))) {
    const bool add_bos = config.boolean_or("add_bos_token", true);
    const bool add_eos = config.boolean_or("add_eos_token", false);
    if (add_bos && !impl->bos_id) config.fail_here("add_bos_token is true but bos_token is not set");
    if (add_eos && !impl->eos_id) config.fail_here("add_eos_token is true but eos_token is not set");
    impl->post_processor = PostProcessor::single_template(add_bos ? std::vector<int32_t>{*impl->bos_id} : std::vector<int32_t>{},
                                                          add_eos ? std::vector<int32_t>{*impl->eos_id} : std::vector<int32_t>{});
  }

  if (std::optional<JsonNode> templates = config.find("chat_template")) {
    if (templates->is_string()) {
      impl->chat_templates.emplace_back("default", templates->string());
    } else if (templates->is_array()) {
      for (std::size_t i = 0; i < templates->size(); ++i) {
        const JsonNode item = templates->element(i);
        impl->chat_templates.emplace_back(item.at("name").string(), item.at("template").string());
      }
    } else {
      templates->fail("expected a string or a list of {\"name\", \"template\"}");
    }
  }

  // ---------------------------------------------------------------- derived
  impl->vocab_size = impl->model->id_limit();
  for (const AddedToken& t : added) {
    impl->vocab_size = std::max<int64_t>(impl->vocab_size, int64_t{t.id} + 1);
    if (t.special) impl->special_ids.insert(t.id);
  }
  impl->added = AddedVocabulary(std::move(added), impl->normalizer, split_special_tokens);
  return HfTokenizer(std::move(impl));
}

void HfTokenizer::Impl::encode_stretch(std::string_view text, bool at_input_start, std::vector<int32_t>& ids) const {
  std::vector<PreToken> pieces(1);
  pieces[0].text.assign(text);
  pieces[0].at_input_start = at_input_start;
  pre_tokenizer.pre_tokenize(pieces);
  for (const PreToken& p : pieces) model->tokenize(p.text, ids);
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  if (const std::optional<std::size_t> bad = first_invalid_utf8(text))
    throw FormatError("text to encode: not valid UTF-8 at byte " + std::to_string(*bad));
  const Impl& m = *impl_;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<AddedVocabulary::Piece> raw, normalized_pieces;
  m.added.split(text, false, raw);
  for (const AddedVocabulary::Piece& piece : raw) {
    if (piece.id >= 0) {
      ids.push_back(piece.id);
      continue;
    }
    const std::string_view stretch = text.substr(piece.begin, piece.end - piece.begin);
    const bool at_start = piece.begin == 0;
    if (m.normalizer.is_identity() && !m.added.has_normalized_tokens()) {
      m.encode_stretch(stretch, at_start, ids);
      continue;
    }
    const std::string normalized = m.normalizer.normalize(stretch);
    m.added.split(normalized, true, normalized_pieces);
    for (const AddedVocabulary::Piece& sub : normalized_pieces) {
      if (sub.id >= 0) ids.push_back(sub.id);
      else m.encode_stretch(std::string_view(normalized).substr(sub.begin, sub.end - sub.begin), at_start && sub.begin == 0, ids);
    }
  }
  return m.post_processor.process(std::move(ids), add_special_tokens);
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& m = *impl_;
  std::vector<std::string> pieces;
  pieces.reserve(ids.size());
  for (const int32_t id : ids) {
    const std::string_view token = m.token_of(id);
    if (skip_special_tokens && m.special_ids.count(id)) continue;
    pieces.emplace_back(token);
  }
  std::string text = m.decoder.decode(std::move(pieces));
  return m.clean_up_tokenization_spaces ? clean_up_tokenization(std::move(text)) : text;
}

std::vector<std::string> HfTokenizer::tokens(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const int32_t id : ids) out.emplace_back(impl_->token_of(id));
  return out;
}

std::optional<int32_t> HfTokenizer::token_to_id(std::string_view token) const { return impl_->token_to_id(token); }
int64_t HfTokenizer::vocab_size() const { return impl_->vocab_size; }
bool HfTokenizer::is_special(int32_t id) const { return impl_->special_ids.count(id) > 0; }
std::optional<int32_t> HfTokenizer::bos_id() const { return impl_->bos_id; }
std::optional<int32_t> HfTokenizer::eos_id() const { return impl_->eos_id; }
std::optional<int32_t> HfTokenizer::pad_id() const { return impl_->pad_id; }
std::optional<int32_t> HfTokenizer::unk_id() const { return impl_->unk_id; }
std::optional<std::string> HfTokenizer::bos_token() const { return impl_->bos_token; }
std::optional<std::string> HfTokenizer::eos_token() const { return impl_->eos_token; }
std::optional<std::string> HfTokenizer::pad_token() const { return impl_->pad_token; }
std::optional<std::string> HfTokenizer::unk_token() const { return impl_->unk_token; }

std::optional<std::string> HfTokenizer::chat_template(const std::string& name) const {
  for (const auto& [n, source] : impl_->chat_templates)
    if (n == name) return source;
  return std::nullopt;
}

std::string clean_up_tokenization(std::string text) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},    {" ?", "?"},    {" !", "!"},     {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) text = replace_all_literal(text, from, to);
  return text;
}

}  // namespace sppo
