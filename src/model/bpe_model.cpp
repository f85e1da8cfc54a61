#include "model/bpe_model.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

#include "core/error.hpp"
#include "model/pcre_regex.hpp"

namespace sppo {
namespace {

constexpr char32_t kWordStart = 0x2581;             // '▁', SentencePiece's space
constexpr std::string_view kWordStartUtf8 = "\xE2\x96\x81";

std::size_t table_size_for(std::size_t entries) {
  std::size_t size = 16;
  while (size < entries * 2) size <<= 1;  // load factor <= 1/2
  return size;
}

uint64_t mix(uint64_t key) {  // Fibonacci hashing of the packed pair
  return key * 0x9E3779B97F4A7C15ULL;
}

std::string json_quoted(std::string_view s) { return short_json(nlohmann::json(std::string(s))); }

// Scratch buffers of merge_word, one set per thread.
struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  bool alive;
};
struct Candidate {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};
struct MergeScratch {
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  std::string text;
};

}  // namespace

BpeModel::BpeModel(BpeModel&& o) noexcept
    : arena_(std::move(o.arena_)),
      offset_(std::move(o.offset_)),
      present_(std::move(o.present_)),
      token_slots_(std::move(o.token_slots_)),
      merge_slots_(std::move(o.merge_slots_)),
      bmp_char_id_(std::move(o.bmp_char_id_)),
      unk_id_(o.unk_id_),
      fuse_unk_(o.fuse_unk_),
      byte_fallback_(o.byte_fallback_),
      ignore_merges_(o.ignore_merges_),
      continuing_subword_prefix_(std::move(o.continuing_subword_prefix_)),
      end_of_word_suffix_(std::move(o.end_of_word_suffix_)),
      cut_at_word_starts_(o.cut_at_word_starts_),
      joins_before_word_start_(std::move(o.joins_before_word_start_)) {
  std::memcpy(byte_id_, o.byte_id_, sizeof byte_id_);
  std::lock_guard<std::mutex> lock(o.cache_mutex_);
  cache_ = std::move(o.cache_);
}

int32_t BpeModel::find_token(std::string_view token) const {
  const std::size_t mask = token_slots_.size() - 1;
  for (std::size_t i = std::hash<std::string_view>{}(token) & mask;; i = (i + 1) & mask) {
    const int32_t id = token_slots_[i];
    if (id < 0) return -1;
    const std::size_t begin = offset_[id];
    const std::size_t len = offset_[id + 1] - begin;
    if (len == token.size() && std::memcmp(arena_.data() + begin, token.data(), len) == 0) return id;
  }
}

const BpeModel::MergeSlot* BpeModel::find_merge(int32_t left, int32_t right) const {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  const std::size_t mask = merge_slots_.size() - 1;
  for (std::size_t i = (mix(key) >> 32) & mask;; i = (i + 1) & mask) {
    const MergeSlot& slot = merge_slots_[i];
    if (slot.key == key) return &slot;
    if (slot.key == kEmpty) return nullptr;
  }
}

void BpeModel::insert_merge(int32_t left, int32_t right, uint32_t rank, int32_t new_id) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  const std::size_t mask = merge_slots_.size() - 1;
  for (std::size_t i = (mix(key) >> 32) & mask;; i = (i + 1) & mask) {
    MergeSlot& slot = merge_slots_[i];
    if (slot.key == kEmpty || slot.key == key) {  // a repeated pair keeps its last rank, as in tokenizers
      slot.key = key;
      slot.rank = rank;
      slot.new_id = new_id;
      return;
    }
  }
}

BpeModel BpeModel::from_json(const JsonNode& model, TokenizerJson& parsed) {
  BpeModel m;
  const std::string& file = model.file();
  if (std::optional<JsonNode> dropout = model.find("dropout")) dropout->fail("must be null (BPE dropout is not implemented)");
  m.fuse_unk_ = model.boolean_or("fuse_unk", false);
  m.byte_fallback_ = model.boolean_or("byte_fallback", false);
  m.ignore_merges_ = model.boolean_or("ignore_merges", false);
  m.continuing_subword_prefix_ = model.string_or("continuing_subword_prefix", "");
  m.end_of_word_suffix_ = model.string_or("end_of_word_suffix", "");
  if (!parsed.has_vocab) {
    if (std::optional<JsonNode> vocab = model.find("vocab")) vocab->fail_here("expected an object of token -> id");
    throw FormatError(file + ": model.vocab is missing");
  }
  if (!parsed.has_merges) {
    if (std::optional<JsonNode> merges = model.find("merges")) merges->fail_here("expected an array");
    throw FormatError(file + ": model.merges is missing");
  }

  // Vocab: ids may come in any order; each id and each token once.
  int64_t limit = 0;
  std::size_t bytes = 0;
  for (const auto& [token, id] : parsed.vocab) {
    limit = std::max(limit, id + 1);
    bytes += token.size();
  }
  if (bytes > UINT32_MAX) throw FormatError(file + ": model.vocab: more than 4 GiB of token text");
  // Ids index dense tables: a vocabulary must not be mostly holes.
  if (limit > static_cast<int64_t>(parsed.vocab.size()) + (1 << 20))
    throw FormatError(file + ": model.vocab: ids go up to " + std::to_string(limit - 1) + " for " +
                      std::to_string(parsed.vocab.size()) + " tokens (more than 2^20 unused ids are not supported)");
  std::vector<const std::string*> by_id(static_cast<std::size_t>(limit), nullptr);
  for (const auto& [token, id] : parsed.vocab) {
    const std::string*& slot = by_id[static_cast<std::size_t>(id)];
    if (slot)
      throw FormatError(file + ": model.vocab[" + json_quoted(token) + "] = " + std::to_string(id) + ": id also given to " +
                        json_quoted(*slot));
    slot = &token;
  }
  m.arena_.reserve(bytes);
  m.offset_.resize(static_cast<std::size_t>(limit) + 1);
  m.present_.assign(static_cast<std::size_t>(limit), 0);
  for (std::size_t id = 0; id < by_id.size(); ++id) {
    m.offset_[id] = static_cast<uint32_t>(m.arena_.size());
    if (by_id[id]) {
      m.arena_ += *by_id[id];
      m.present_[id] = 1;
    }
  }
  m.offset_[by_id.size()] = static_cast<uint32_t>(m.arena_.size());
  m.token_slots_.assign(table_size_for(parsed.vocab.size()), -1);
  const std::size_t mask = m.token_slots_.size() - 1;
  for (std::size_t id = 0; id < by_id.size(); ++id) {
    if (!by_id[id]) continue;
    const std::string_view token = *by_id[id];
    std::size_t i = std::hash<std::string_view>{}(token) & mask;
    while (m.token_slots_[i] >= 0) {
      const int32_t other = m.token_slots_[i];
      if (std::string_view(m.arena_.data() + m.offset_[other], m.offset_[other + 1] - m.offset_[other]) == token)
        throw FormatError(file + ": model.vocab[" + json_quoted(token) + "]: token given twice");
      i = (i + 1) & mask;
    }
    m.token_slots_[i] = static_cast<int32_t>(id);
  }

  if (std::optional<JsonNode> unk = model.find("unk_token")) {
    m.unk_id_ = m.find_token(unk->string());
    if (m.unk_id_ < 0) unk->fail("not in model.vocab");
  }

  // Fast path for one-character symbols (the start of every word) when no prefix/suffix is glued on.
  m.bmp_char_id_.assign(0x10000, -1);
  if (m.continuing_subword_prefix_.empty() && m.end_of_word_suffix_.empty()) {
    for (std::size_t id = 0; id < by_id.size(); ++id) {
      if (!by_id[id] || by_id[id]->empty()) continue;
      const std::string_view token = *by_id[id];
      const auto [c, len] = decode_utf8_at(token, 0);
      if (len == token.size() && c < 0x10000) m.bmp_char_id_[c] = static_cast<int32_t>(id);
    }
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    m.byte_id_[b] = m.find_token(name);
  }

  // Merges: (a, b) -> (rank, id of a + b without b's continuing_subword_prefix).
  m.merge_slots_.assign(table_size_for(parsed.merges.size()), MergeSlot{});
  const std::size_t prefix_len = m.continuing_subword_prefix_.size();
  std::string merged;
  for (std::size_t rank = 0; rank < parsed.merges.size(); ++rank) {
    const std::string& a = parsed.merges[rank].first;  // not a structured binding: lambdas below capture it
    const std::string& b = parsed.merges[rank].second;
    auto where = [&]() {
      return file + ": model.merges[" + std::to_string(parsed.merge_index[rank]) + "] = [" + json_quoted(a) + ", " +
             json_quoted(b) + "]";
    };
    const int32_t a_id = m.find_token(a);
    if (a_id < 0) throw FormatError(where() + ": " + json_quoted(a) + " is not in model.vocab");
    const int32_t b_id = m.find_token(b);
    if (b_id < 0) throw FormatError(where() + ": " + json_quoted(b) + " is not in model.vocab");
    if (prefix_len > 0 && b.compare(0, prefix_len, m.continuing_subword_prefix_) != 0)
      throw FormatError(where() + ": " + json_quoted(b) + " does not start with continuing_subword_prefix " +
                        json_quoted(m.continuing_subword_prefix_));
    merged.assign(a);
    merged.append(b, prefix_len, std::string::npos);
    const int32_t new_id = m.find_token(merged);
    if (new_id < 0) throw FormatError(where() + ": the merged token " + json_quoted(merged) + " is not in model.vocab");
    m.insert_merge(a_id, b_id, static_cast<uint32_t>(rank), new_id);
  }
  std::vector<std::pair<std::string, std::string>>().swap(parsed.merges);

  // Where may a word be cut before '▁'? (see cut_at_word_starts_)
  const int32_t word_start_id = m.find_token(kWordStartUtf8);
  if (word_start_id >= 0 && m.continuing_subword_prefix_.empty() && m.end_of_word_suffix_.empty()) {
    m.cut_at_word_starts_ = true;
    for (std::size_t id = 0; id < by_id.size(); ++id) {
      if (!by_id[id]) continue;
      const std::string_view token = *by_id[id];
      for (std::size_t pos = token.find(kWordStartUtf8, 1); pos != std::string_view::npos;
           pos = token.find(kWordStartUtf8, pos + 1)) {
        std::size_t start = pos - 1;
        while (start > 0 && (static_cast<unsigned char>(token[start]) & 0xC0) == 0x80) --start;
        const char32_t c = decode_utf8_at(token, start).first;
        if (c != kWordStart) m.joins_before_word_start_.push_back(c);
      }
    }
    std::sort(m.joins_before_word_start_.begin(), m.joins_before_word_start_.end());
    m.joins_before_word_start_.erase(std::unique(m.joins_before_word_start_.begin(), m.joins_before_word_start_.end()),
                                     m.joins_before_word_start_.end());
  }
  std::vector<std::pair<std::string, int64_t>>().swap(parsed.vocab);  // by_id points into it until here
  return m;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const int32_t id = find_token(token);
  if (id < 0) return std::nullopt;
  return id;
}

std::optional<std::string_view> BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || id >= id_limit() || !present_[static_cast<std::size_t>(id)]) return std::nullopt;
  return std::string_view(arena_.data() + offset_[id], offset_[id + 1] - offset_[id]);
}

int32_t BpeModel::char_id(std::string_view ch, bool is_first, bool is_last, std::string& scratch) const {
  const bool prefix = !is_first && !continuing_subword_prefix_.empty();
  const bool suffix = is_last && !end_of_word_suffix_.empty();
  if (!prefix && !suffix) {
    const char32_t c = decode_utf8_at(ch, 0).first;
    // The table is filled only for models without prefix/suffix (it would miss "a" + suffix).
    if (c < 0x10000 && continuing_subword_prefix_.empty() && end_of_word_suffix_.empty()) return bmp_char_id_[c];
    return find_token(ch);
  }
  scratch.clear();
  if (prefix) scratch += continuing_subword_prefix_;
  scratch.append(ch);
  if (suffix) scratch += end_of_word_suffix_;
  return find_token(scratch);
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    const int32_t id = find_token(word);
    if (id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  if (cut_at_word_starts_ && word.size() > kCacheMaxWordBytes / 4) {
    split_at_word_starts(word, ids);
    return;
  }
  tokenize_cached(word, ids);
}

void BpeModel::split_at_word_starts(std::string_view word, std::vector<int32_t>& ids) const {
  std::size_t piece_begin = 0;
  std::size_t pos = word.find(kWordStartUtf8, 1);
  while (pos != std::string_view::npos) {
    std::size_t start = pos - 1;
    while (start > 0 && (static_cast<unsigned char>(word[start]) & 0xC0) == 0x80) --start;
    const std::string_view before = word.substr(start, pos - start);
    const char32_t c = decode_utf8_at(before, 0).first;
    // c must be a symbol of its own (not byte fallback, not unk) that no token joins to '▁'.
    const bool cut = c != kWordStart && (c < 0x10000 ? bmp_char_id_[c] : find_token(before)) >= 0 &&
                     !std::binary_search(joins_before_word_start_.begin(), joins_before_word_start_.end(), c);
    if (cut && pos > piece_begin) {
      tokenize_cached(word.substr(piece_begin, pos - piece_begin), ids);
      piece_begin = pos;
    }
    pos = word.find(kWordStartUtf8, pos + kWordStartUtf8.size());
  }
  tokenize_cached(word.substr(piece_begin), ids);
}

void BpeModel::tokenize_cached(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.size() > kCacheMaxWordBytes) {
    merge_word(word, ids);
    return;
  }
  thread_local std::string key;
  key.assign(word);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const std::size_t first = ids.size();
  merge_word(word, ids);
  std::vector<int32_t> value(ids.begin() + static_cast<std::ptrdiff_t>(first), ids.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kCacheMaxEntries) cache_.clear();
  cache_.emplace(key, std::move(value));
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& ids) const {
  thread_local MergeScratch scratch;
  std::vector<Symbol>& symbols = scratch.symbols;
  symbols.clear();
  auto add = [&](int32_t id) {
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, index + 1, true});
  };

  // Characters -> symbols (tokenizers' merge_word); consecutive unknown characters become one
  // unk when fuse_unk is set. Without unk_token an unknown character is dropped, as in tokenizers.
  bool pending_unk = false;
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t len = decode_utf8_at(word, i).second;
    const std::string_view ch = word.substr(i, len);
    const bool is_first = i == 0;
    i += len;
    const int32_t id = char_id(ch, is_first, i == word.size(), scratch.text);
    if (id >= 0) {
      if (pending_unk) add(unk_id_), pending_unk = false;
      add(id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (const char b : ch) all = all && byte_id_[static_cast<unsigned char>(b)] >= 0;
      if (all) {
        if (pending_unk) add(unk_id_), pending_unk = false;
        for (const char b : ch) add(byte_id_[static_cast<unsigned char>(b)]);
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (pending_unk && !fuse_unk_) add(unk_id_);
      pending_unk = true;
    }
  }
  if (pending_unk) add(unk_id_);
  if (symbols.empty()) return;
  symbols.back().next = -1;

  // Merge loop: a min-heap of (rank, position); an entry is stale when its pair has changed.
  std::vector<Candidate>& heap = scratch.heap;
  heap.clear();
  const auto n = static_cast<uint32_t>(symbols.size());
  for (uint32_t pos = 0; pos + 1 < n; ++pos)
    if (const MergeSlot* m = find_merge(symbols[pos].id, symbols[pos + 1].id)) heap.push_back({m->rank, pos, m->new_id});
  std::make_heap(heap.begin(), heap.end(), std::greater<>());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[static_cast<std::size_t>(left.next)];
    const MergeSlot* current = find_merge(left.id, right.id);
    if (!current || current->rank != top.rank || current->new_id != top.new_id) continue;
    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[static_cast<std::size_t>(left.next)].prev = static_cast<int32_t>(top.pos);
    if (left.prev >= 0) {
      if (const MergeSlot* m = find_merge(symbols[static_cast<std::size_t>(left.prev)].id, left.id)) {
        heap.push_back({m->rank, static_cast<uint32_t>(left.prev), m->new_id});
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      }
    }
    if (left.next >= 0) {
      if (const MergeSlot* m = find_merge(left.id, symbols[static_cast<std::size_t>(left.next)].id)) {
        heap.push_back({m->rank, top.pos, m->new_id});
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      }
    }
  }
  for (int32_t i = 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) ids.push_back(symbols[static_cast<std::size_t>(i)].id);
}

}  // namespace sppo
