#include "model/tokenizer_json.hpp"

#include <limits>

#include "core/error.hpp"
#include "io/json_node.hpp"

namespace sppo {
namespace {

using Json = nlohmann::json;

// SAX handler: builds `document` like nlohmann's DOM parser, except below the root's "model"
// object, where "vocab" (an object) and "merges" (an array) go straight into flat vectors.
class TokenizerJsonSax : public nlohmann::json_sax<Json> {
 public:
  explicit TokenizerJsonSax(TokenizerJson& out) : out_(out) {}

  const std::string& error() const { return error_; }

  bool null() override { return scalar(Json(nullptr)); }
  bool boolean(bool v) override { return scalar(Json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override {
    if (!stack_.empty() && stack_.back().kind == Kind::Vocab) {
      if (v > static_cast<number_unsigned_t>(std::numeric_limits<int32_t>::max()))
        return vocab_error(" = " + std::to_string(v) + ": expected an integer id in [0, 2147483647]");
      out_.vocab.emplace_back(std::move(vocab_key_), static_cast<int64_t>(v));
      return true;
    }
    return scalar(Json(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return scalar(Json(v)); }
  bool binary(binary_t&) override { return fail("not valid JSON: binary value"); }

  bool string(string_t& s) override {
    if (!stack_.empty()) {
      Frame& top = stack_.back();
      if (top.kind == Kind::Merges) return legacy_merge(s);
      if (top.kind == Kind::MergePair) {
        if (top.parts.size() < 2) top.parts.push_back(std::move(s));
        else top.extra = true;
        return true;
      }
    }
    return scalar(Json(std::move(s)));
  }

  bool key(string_t& k) override {
    if (stack_.back().kind == Kind::Vocab) vocab_key_ = std::move(k);
    else key_ = std::move(k);
    return true;
  }

  bool start_object(std::size_t) override { return open(Json::object()); }
  bool start_array(std::size_t) override { return open(Json::array()); }

  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool end_array() override {
    Frame top = std::move(stack_.back());
    stack_.pop_back();
    if (top.kind != Kind::MergePair) return true;
    if (top.parts.size() != 2 || top.extra) return merge_error(": expected two strings [\"a\", \"b\"]");
    out_.merges.emplace_back(std::move(top.parts[0]), std::move(top.parts[1]));
    out_.merge_index.push_back(merge_count_++);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    return fail(std::string("not valid JSON: ") + e.what());
  }

 private:
  enum class Kind { Dom, Vocab, Merges, MergePair };
  struct Frame {
    Kind kind = Kind::Dom;
    Json* node = nullptr;  // Dom frames: the container being filled
    bool is_root = false;
    bool is_model = false;  // the root's "model" object
    std::vector<std::string> parts;  // MergePair frames
    bool extra = false;
  };

  bool fail(const std::string& why) {
    error_ = why;
    return false;
  }

  bool vocab_error(const std::string& why) {
    return fail("model.vocab[" + short_json(Json(vocab_key_)) + "]" + why);
  }
  bool merge_error(const std::string& why) {
    return fail("model.merges[" + std::to_string(merge_count_) + "]" + why);
  }

  // Places a scalar in the current container.
  bool scalar(Json&& v) {
    if (stack_.empty()) {
      out_.document = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    switch (top.kind) {
      case Kind::Dom:
        if (top.node->is_array()) top.node->push_back(std::move(v));
        else (*top.node)[key_] = std::move(v);
        return true;
      case Kind::Vocab:
        return vocab_error(" = " + short_json(v) + ": expected an integer id in [0, 2147483647]");
      case Kind::Merges:
        return merge_error(" = " + short_json(v) + ": expected \"a b\" or [\"a\", \"b\"]");
      case Kind::MergePair:
        return merge_error(": expected two strings [\"a\", \"b\"]");
    }
    return true;
  }

  // Opens an object or array (`empty` says which).
  bool open(Json&& empty) {
    const bool is_object = empty.is_object();
    if (stack_.empty()) {
      out_.document = std::move(empty);
      Frame f;
      f.node = &out_.document;
      f.is_root = true;
      stack_.push_back(std::move(f));
      return true;
    }
    Frame& top = stack_.back();
    switch (top.kind) {
      case Kind::Vocab:
        return vocab_error(": expected an integer id in [0, 2147483647]");
      case Kind::MergePair:
        return merge_error(": expected two strings [\"a\", \"b\"]");
      case Kind::Merges: {
        if (is_object) return merge_error(": expected \"a b\" or [\"a\", \"b\"]");
        Frame f;
        f.kind = Kind::MergePair;
        stack_.push_back(std::move(f));
        return true;
      }
      case Kind::Dom:
        break;
    }
    if (top.node->is_object() && top.is_model && is_object && key_ == "vocab") {
      if (out_.has_vocab) return fail("model.vocab appears twice");
      out_.has_vocab = true;
      Frame f;
      f.kind = Kind::Vocab;
      stack_.push_back(std::move(f));
      return true;
    }
    if (top.node->is_object() && top.is_model && !is_object && key_ == "merges") {
      if (out_.has_merges) return fail("model.merges appears twice");
      out_.has_merges = true;
      Frame f;
      f.kind = Kind::Merges;
      stack_.push_back(std::move(f));
      return true;
    }
    Frame f;
    if (top.node->is_array()) {
      top.node->push_back(std::move(empty));
      f.node = &top.node->back();
    } else {
      Json& slot = (*top.node)[key_];
      slot = std::move(empty);
      f.node = &slot;
      f.is_model = top.is_root && is_object && key_ == "model";
    }
    stack_.push_back(std::move(f));
    return true;
  }

  // "a b": exactly one space, as tokenizers' convert_merges_to_hashmap requires.
  bool legacy_merge(std::string& line) {
    if (line.rfind("#version", 0) == 0) {
      ++merge_count_;
      return true;
    }
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
      return merge_error(" = " + short_json(Json(line)) + ": expected two tokens separated by one space");
    out_.merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    out_.merge_index.push_back(merge_count_++);
    return true;
  }

  TokenizerJson& out_;
  std::vector<Frame> stack_;
  std::string key_;        // the last key read in a Dom object
  std::string vocab_key_;  // the last key read in model.vocab
  std::size_t merge_count_ = 0;
  std::string error_;
};

}  // namespace

TokenizerJson read_tokenizer_json(std::string_view text, const std::string& file) {
  TokenizerJson out;
  TokenizerJsonSax sax(out);
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  bool ok = false;
  try {
    ok = Json::sax_parse(begin, end, &sax);
  } catch (const Json::exception& e) {
    throw FormatError(file + ": not valid JSON: " + e.what());
  }
  if (!ok) throw FormatError(file + ": " + (sax.error().empty() ? std::string("not valid JSON") : sax.error()));
  return out;
}

}  // namespace sppo
