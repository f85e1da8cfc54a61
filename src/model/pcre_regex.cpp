#include "model/pcre_regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/error.hpp"

namespace sppo {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Oniguruma's character classes, spelled with PCRE2's Unicode properties.
constexpr const char* kWordItems = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
constexpr const char* kHexItems = "0-9a-fA-F";

// Per-thread matching state: match data for the whole-match offsets only (the ovector of
// one pair; rc 0 then just means "groups not stored") and a JIT stack that grows to 8 MiB,
// so that long runs such as \s+ over a page of spaces do not fail with JIT_STACKLIMIT.
struct MatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  MatchState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (!data || !context || !jit_stack) throw std::bad_alloc();
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~MatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  MatchState(const MatchState&) = delete;
  MatchState& operator=(const MatchState&) = delete;
};

MatchState& match_state() {
  thread_local MatchState state;
  return state;
}

// The pattern quoted for an error message, cut to 80 bytes (at a character boundary).
std::string short_pattern(const std::string& pattern) {
  if (pattern.size() <= 80) return "\"" + pattern + "\"";
  std::size_t cut = 80;
  while (cut > 0 && (static_cast<unsigned char>(pattern[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + pattern.substr(0, cut) + "...\"";
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "PCRE2 error " + std::to_string(code);
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

struct PcreRegex::Code {
  pcre2_code* code = nullptr;
  std::string pattern;
  std::string context;
  ~Code() { pcre2_code_free(code); }
};

std::string translate_oniguruma(const std::string& p, const std::string& context) {
  std::string out;
  out.reserve(p.size() + 32);
  bool in_class = false;
  bool class_first = false;  // just after "[" or "[^": a ']' here is literal
  const std::size_t n = p.size();
  std::size_t i = 0;
  auto refuse = [&](const std::string& what) {
    throw FormatError(context + ": " + what + " (at offset " + std::to_string(i) + ") not supported");
  };
  while (i < n) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= n) {  // a trailing backslash: PCRE2 reports it
        out += c;
        ++i;
        continue;
      }
      const char d = p[i + 1];
      switch (d) {
        case 's': out += "\\p{White_Space}"; i += 2; break;
        case 'S': out += "\\P{White_Space}"; i += 2; break;
        case 'w':
          out += in_class ? std::string(kWordItems) : "[" + std::string(kWordItems) + "]";
          i += 2;
          break;
        case 'W':
          if (in_class) refuse("\\W inside [...]");
          out += "[^" + std::string(kWordItems) + "]";
          i += 2;
          break;
        case 'h':
          out += in_class ? std::string(kHexItems) : "[" + std::string(kHexItems) + "]";
          i += 2;
          break;
        case 'H':
          if (in_class) refuse("\\H inside [...]");
          out += "[^" + std::string(kHexItems) + "]";
          i += 2;
          break;
        case 'u':
          if (i + 5 < n && is_hex(p[i + 2]) && is_hex(p[i + 3]) && is_hex(p[i + 4]) && is_hex(p[i + 5])) {
            out += "\\x{" + p.substr(i + 2, 4) + "}";
            i += 6;
          } else {
            out += "\\u";  // PCRE2 reports it
            i += 2;
          }
          break;
        case 'x':
        case 'p':
        case 'P': {
          // \x{...}, \p{...}: copied whole so that the braces are not read as a quantifier
          out += '\\';
          out += d;
          i += 2;
          if (i < n && p[i] == '{') {
            const std::size_t close = p.find('}', i);
            const std::size_t stop = close == std::string::npos ? n : close + 1;
            out.append(p, i, stop - i);
            i = stop;
          }
          break;
        }
        default:
          out += c;
          out += d;
          i += 2;
          break;
      }
      class_first = false;
      continue;
    }
    if (in_class) {
      if (c == ']' && !class_first) {
        in_class = false;
      } else if (c == '[') {
        if (i + 1 < n && p[i + 1] == ':') {  // POSIX [:alpha:] is the same in both
          const std::size_t close = p.find(":]", i + 2);
          const std::size_t stop = close == std::string::npos ? n : close + 2;
          out.append(p, i, stop - i);
          i = stop;
          class_first = false;
          continue;
        }
        refuse("a class nested in [...]");
      } else if (c == '&' && i + 1 < n && p[i + 1] == '&') {
        refuse("the class intersection &&");
      }
      out += c;
      ++i;
      class_first = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      class_first = true;
      out += c;
      ++i;
      if (i < n && p[i] == '^') {
        out += '^';
        ++i;
      }
      continue;
    }
    if (c == '{' && i + 1 < n && p[i + 1] == ',') {
      // Oniguruma's {,n} is {0,n}; PCRE2 10.42 reads "{,n}" as literal text.
      std::size_t j = i + 2;
      while (j < n && is_digit(p[j])) ++j;
      if (j > i + 2 && j < n && p[j] == '}') {
        out += "{0,";
        out.append(p, i + 2, j - (i + 2));
        out += '}';
        i = j + 1;
        continue;
      }
    }
    if (c == '(' && i + 1 < n && p[i + 1] == '?') {
      // Inline options (?imx-imx) and (?imx-imx:...): Ruby's m is PCRE2's s.
      std::size_t j = i + 2;
      while (j < n && (p[j] == 'i' || p[j] == 'm' || p[j] == 'x' || p[j] == '-')) ++j;
      if (j > i + 2 && j < n && (p[j] == ')' || p[j] == ':')) {
        out += "(?";
        for (std::size_t k = i + 2; k < j; ++k) out += p[k] == 'm' ? 's' : p[k];
        i = j;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

PcreRegex PcreRegex::compile_pcre2(const std::string& pattern, const std::string& context) {
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  if (!cctx) throw std::bad_alloc();
  pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &error_code, &error_offset, cctx);
  pcre2_compile_context_free(cctx);
  if (!code)
    throw FormatError(context + ": " + pcre2_message(error_code) + " at offset " + std::to_string(error_offset) +
                      " of " + short_pattern(pattern));
  // Without JIT (a build of PCRE2 without it) the interpreter gives the same matches, slower.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto holder = std::make_shared<Code>();
  holder->code = code;
  holder->pattern = pattern;
  holder->context = context;
  return PcreRegex(std::move(holder));
}

PcreRegex PcreRegex::compile_oniguruma(const std::string& pattern, const std::string& context) {
  return compile_pcre2(translate_oniguruma(pattern, context), context);
}

const std::string& PcreRegex::pattern() const { return code_->pattern; }

void PcreRegex::find_all(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& matches) const {
  MatchState& state = match_state();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const std::size_t n = text.size();
  std::size_t start = 0;
  bool have_last = false;
  std::size_t last_end = 0;
  while (start <= n) {
    const int rc = pcre2_match(code_->code, subject, n, start, PCRE2_NO_UTF_CHECK, state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw FormatError(code_->context + ": matching failed: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const std::size_t begin = ovector[0];
    const std::size_t end = ovector[1];
    if (begin == end && have_last && last_end == end) {
      if (start >= n) break;
      start += decode_utf8_at(text, start).second;
      continue;
    }
    matches.emplace_back(begin, end);
    start = end;
    have_last = true;
    last_end = end;
  }
}

std::string PcreRegex::replace_all(std::string_view text, std::string_view replacement) const {
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  find_all(text, matches);
  if (matches.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t prev = 0;
  for (const auto& [begin, end] : matches) {
    out.append(text.substr(prev, begin - prev));
    out.append(replacement);
    prev = end;
  }
  out.append(text.substr(prev));
  return out;
}

std::pair<char32_t, std::size_t> decode_utf8_at(std::string_view text, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  auto cont = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(text[pos + k]) & 0x3F); };
  if (b0 < 0x80) return {b0, 1};
  if (b0 < 0xE0 && pos + 1 < text.size()) return {((b0 & 0x1F) << 6) | cont(1), 2};
  if (b0 < 0xF0 && pos + 2 < text.size()) return {((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3};
  if (pos + 3 < text.size()) return {((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4};
  return {0xFFFD, 1};  // truncated input: callers only pass valid UTF-8
}

namespace {

enum class CharClass { WhiteSpace, Word };

bool matches_char(CharClass which, char32_t c) {
  // One anchored PCRE2 class per property: the Unicode tables are PCRE2's, not ours.
  struct Compiled {
    pcre2_code* code;
    explicit Compiled(const char* p) {
      int error_code = 0;
      PCRE2_SIZE error_offset = 0;
      code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p), PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED,
                           &error_code, &error_offset, nullptr);
      if (!code) throw std::logic_error("built-in pattern does not compile: " + pcre2_message(error_code));
      pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    }
    ~Compiled() { pcre2_code_free(code); }
  };
  static const Compiled white_space("\\p{White_Space}");
  static const Compiled word("[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}]");
  const Compiled& compiled = which == CharClass::WhiteSpace ? white_space : word;
  char utf8[4];
  std::size_t len = 0;
  if (c < 0x80) {
    utf8[len++] = static_cast<char>(c);
  } else if (c < 0x800) {
    utf8[len++] = static_cast<char>(0xC0 | (c >> 6));
    utf8[len++] = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    utf8[len++] = static_cast<char>(0xE0 | (c >> 12));
    utf8[len++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    utf8[len++] = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    utf8[len++] = static_cast<char>(0xF0 | (c >> 18));
    utf8[len++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    utf8[len++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    utf8[len++] = static_cast<char>(0x80 | (c & 0x3F));
  }
  MatchState& state = match_state();
  return pcre2_match(compiled.code, reinterpret_cast<PCRE2_SPTR>(utf8), len, 0, PCRE2_NO_UTF_CHECK, state.data,
                     state.context) >= 0;
}

}  // namespace

bool is_white_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
  return matches_char(CharClass::WhiteSpace, c);
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return matches_char(CharClass::Word, c);
}

}  // namespace sppo
