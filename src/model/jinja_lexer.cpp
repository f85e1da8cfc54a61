#include "model/jinja_lexer.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "io/utf8.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_unicode.hpp"

namespace sppo::jinja {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Byte length of the Python-whitespace code points starting at `pos`.
std::size_t whitespace_length(std::string_view text, std::size_t pos) {
  std::size_t end = pos;
  while (end < text.size()) {
    std::size_t next = end;
    if (!is_space(next_code_point(text, next))) break;
    end = next;
  }
  return end - pos;
}

// str.rstrip(): the text without its trailing Python whitespace.
std::string_view rstrip_space(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    std::size_t pos = start;
    if (!is_space(next_code_point(text, pos))) break;
    end = start;
  }
  return text.substr(0, end);
}

bool all_space(std::string_view text) { return whitespace_length(text, 0) == text.size(); }

class Lexer {
 public:
  Lexer(std::string source, const std::string& origin) : source_(std::move(source)), origin_(origin) {}

  std::vector<Token> run() {
    std::size_t pos = 0;
    const std::size_t n = source_.size();
    while (pos < n) {
      const std::size_t tag = find_tag(pos);
      if (tag == std::string::npos) {
        emit_data(pos, std::string_view(source_).substr(pos));
        break;
      }
      const char kind = source_[tag + 1];
      const char sign = tag + 2 < n && (source_[tag + 2] == '-' || source_[tag + 2] == '+') ? source_[tag + 2] : '\0';
      std::string_view text = std::string_view(source_).substr(pos, tag - pos);
      std::size_t raw_body = kind == '%' ? match_raw_begin(tag, sign) : std::string::npos;
      text = strip_before_tag(text, sign, kind != '{');
      emit_data(pos, text);
      const std::size_t inside = tag + 2 + (sign ? 1 : 0);
      if (raw_body != std::string::npos) {
        line_starting_ = source_[raw_body - 1] == '\n';
        pos = lex_raw(raw_body);
      } else if (kind == '#') {
        pos = lex_comment(tag, inside);
      } else {
        pos = lex_tag(tag, inside, kind == '{');
      }
    }
    push(TokenType::Eof, n);
    return std::move(tokens_);
  }

 private:
  // ------------------------------------------------------------ positions and tokens
  int line_at(std::size_t pos) {
    // Positions only move forward except for an occasional look back: count incrementally.
    if (pos < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
    }
    for (; line_pos_ < pos && line_pos_ < source_.size(); ++line_pos_)
      if (source_[line_pos_] == '\n') ++line_;
    return line_;
  }

  Token& push(TokenType type, std::size_t pos, std::string text = {}) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.line = line_at(pos);
    tokens_.push_back(std::move(t));
    return tokens_.back();
  }

  void emit_data(std::size_t pos, std::string_view text) {
    if (!text.empty()) push(TokenType::Data, pos, std::string(text));
  }

  [[noreturn]] void fail(std::size_t pos, const std::string& message) {
    throw TemplateSyntaxError(origin_, line_at(pos), message);
  }
  [[noreturn]] void unsupported(std::size_t pos, const std::string& message) {
    throw TemplateUnsupportedError(origin_, line_at(pos), message);
  }

  // ------------------------------------------------------------ root state
  // The first "{{", "{%" or "{#" at or after `pos`.
  std::size_t find_tag(std::size_t pos) const {
    for (std::size_t p = source_.find('{', pos); p != std::string::npos; p = source_.find('{', p + 1)) {
      if (p + 1 < source_.size() && (source_[p + 1] == '{' || source_[p + 1] == '%' || source_[p + 1] == '#')) return p;
    }
    return std::string::npos;
  }

  // The text before a tag after the "-" modifier or lstrip_blocks (blocks and comments only,
  // and only when the tag is the first thing on its line).
  std::string_view strip_before_tag(std::string_view text, char sign, bool lstrip_applies) const {
    if (sign == '-') return rstrip_space(text);
    if (sign == '+' || !lstrip_applies) return text;
    const std::size_t newline = text.rfind('\n');
    const std::size_t l_pos = newline == std::string_view::npos ? 0 : newline + 1;
    if ((l_pos > 0 || line_starting_) && l_pos < text.size() && all_space(text.substr(l_pos)))
      return text.substr(0, l_pos);
    return text;
  }

  // "{%[-+] raw [-]%}" at `tag`: the position after it (and after the whitespace a "-%}"
  // strips), or npos when the block is not a raw block.
  std::size_t match_raw_begin(std::size_t tag, char sign) const {
    std::size_t p = tag + 2 + (sign ? 1 : 0);
    p += whitespace_length(source_, p);
    if (source_.compare(p, 3, "raw") != 0) return std::string::npos;
    p += 3;
    p += whitespace_length(source_, p);
    if (source_.compare(p, 3, "-%}") == 0) {
      p += 3;
      p += whitespace_length(source_, p);
    } else if (source_.compare(p, 2, "%}") == 0) {
      p += 2;
    } else {
      return std::string::npos;
    }
    return p;
  }

  // ------------------------------------------------------------ raw and comments
  std::size_t lex_raw(std::size_t body) {
    for (std::size_t p = source_.find("{%", body); p != std::string::npos; p = source_.find("{%", p + 1)) {
      std::size_t q = p + 2;
      const char sign = q < source_.size() && (source_[q] == '-' || source_[q] == '+') ? source_[q] : '\0';
      if (sign) ++q;
      q += whitespace_length(source_, q);
      if (source_.compare(q, 6, "endraw") != 0) continue;
      q += 6;
      q += whitespace_length(source_, q);
      std::size_t end = block_end_at(q);
      if (end == std::string::npos) continue;
      emit_data(body, strip_before_tag(std::string_view(source_).substr(body, p - body), sign, true));
      line_starting_ = source_[end - 1] == '\n';
      return end;
    }
    fail(body, "Missing end of raw directive");
  }

  std::size_t lex_comment(std::size_t tag, std::size_t inside) {
    for (std::size_t p = inside; p < source_.size(); ++p) {
      std::size_t end = std::string::npos;
      if (source_.compare(p, 3, "+#}") == 0) {
        end = p + 3;
      } else if (source_.compare(p, 3, "-#}") == 0) {
        end = p + 3;
        end += whitespace_length(source_, end);
      } else if (source_.compare(p, 2, "#}") == 0) {
        end = p + 2;
        if (end < source_.size() && source_[end] == '\n') ++end;
      }
      if (end != std::string::npos) {
        line_starting_ = source_[end - 1] == '\n';
        return end;
      }
    }
    fail(tag, "Missing end of comment tag");
  }

  // The end of "+%}", "-%}<whitespace>" or "%}[\n]" at `p`, else npos.
  std::size_t block_end_at(std::size_t p) const {
    if (source_.compare(p, 3, "+%}") == 0) return p + 3;
    if (source_.compare(p, 3, "-%}") == 0) return p + 3 + whitespace_length(source_, p + 3);
    if (source_.compare(p, 2, "%}") == 0) return p + 2 + (p + 2 < source_.size() && source_[p + 2] == '\n' ? 1 : 0);
    return std::string::npos;
  }

  std::size_t variable_end_at(std::size_t p) const {
    if (source_.compare(p, 3, "-}}") == 0) return p + 3 + whitespace_length(source_, p + 3);
    if (source_.compare(p, 2, "}}") == 0) return p + 2;
    return std::string::npos;
  }

  // ------------------------------------------------------------ {{ ... }} and {% ... %}
  std::size_t lex_tag(std::size_t tag, std::size_t pos, bool variable) {
    push(variable ? TokenType::VariableBegin : TokenType::BlockBegin, tag);
    std::vector<char> balancing;
    while (pos < source_.size()) {
      if (balancing.empty()) {
        const std::size_t end = variable ? variable_end_at(pos) : block_end_at(pos);
        if (end != std::string::npos) {
          push(variable ? TokenType::VariableEnd : TokenType::BlockEnd, pos);
          line_starting_ = source_[end - 1] == '\n';
          return end;
        }
      }
      pos = lex_expression_token(pos, balancing);
    }
    return pos;  // unclosed: the parser reports the end of the template
  }

  std::size_t lex_expression_token(std::size_t pos, std::vector<char>& balancing) {
    const char c = source_[pos];
    if (const std::size_t ws = whitespace_length(source_, pos)) return pos + ws;
    if (is_digit(c)) return lex_number(pos);
    if (is_name_start(c)) {
      std::size_t end = pos;
      while (end < source_.size() && is_name_char(source_[end])) ++end;
      push(TokenType::Name, pos, source_.substr(pos, end - pos));
      return end;
    }
    if (c == '\'' || c == '"') {
      const std::size_t end = string_end(pos);
      if (end != std::string::npos) {
        push(TokenType::String, pos, decode_string(pos, std::string_view(source_).substr(pos + 1, end - pos - 2)));
        return end;
      }
    }
    static const char* const two_char_ops[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : two_char_ops) {
      if (source_.compare(pos, 2, op) == 0) {
        push(TokenType::Operator, pos, op);
        return pos + 2;
      }
    }
    static const std::string one_char_ops = "+-/*%~[](){}><=.:|,;";
    if (one_char_ops.find(c) != std::string::npos) {
      if (c == '(' || c == '[' || c == '{') {
        balancing.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (balancing.empty()) fail(pos, std::string("unexpected '") + c + "'");
        if (balancing.back() != c) fail(pos, std::string("unexpected '") + c + "', expected '" + balancing.back() + "'");
        balancing.pop_back();
      }
      push(TokenType::Operator, pos, std::string(1, c));
      return pos + 1;
    }
    std::size_t next = pos;
    const char32_t cp = next_code_point(source_, next);
    std::string shown;
    append_utf8(shown, cp);
    fail(pos, "unexpected char '" + shown + "'");
  }

  // ------------------------------------------------------------ numbers
  // End of "\d+(_\d+)*" at `pos` (npos when no digit is there).
  std::size_t digits_end(std::size_t pos) const {
    if (pos >= source_.size() || !is_digit(source_[pos])) return std::string::npos;
    std::size_t end = pos;
    while (end < source_.size() && is_digit(source_[end])) ++end;
    while (end + 1 < source_.size() && source_[end] == '_' && is_digit(source_[end + 1])) {
      ++end;
      while (end < source_.size() && is_digit(source_[end])) ++end;
    }
    return end;
  }

  // End of jinja2's float pattern at `pos`, npos if it does not match.
  std::size_t float_end(std::size_t pos) const {
    if (pos > 0 && source_[pos - 1] == '.') return std::string::npos;
    const std::size_t mantissa = digits_end(pos);
    auto exponent_end = [&](std::size_t p) -> std::size_t {
      if (p >= source_.size() || (source_[p] != 'e' && source_[p] != 'E')) return std::string::npos;
      ++p;
      if (p < source_.size() && (source_[p] == '+' || source_[p] == '-')) ++p;
      return digits_end(p);
    };
    std::size_t fraction = std::string::npos;
    if (mantissa < source_.size() && source_[mantissa] == '.') fraction = digits_end(mantissa + 1);
    if (fraction != std::string::npos) {
      if (const std::size_t e = exponent_end(fraction); e != std::string::npos) return e;
    }
    if (const std::size_t e = exponent_end(mantissa); e != std::string::npos) return e;
    return fraction;
  }

  // End of jinja2's integer pattern at `pos` and its base.
  std::size_t integer_end(std::size_t pos, int& base) const {
    auto prefixed = [&](char letter, int b) -> std::size_t {
      if (source_[pos] != '0' || pos + 1 >= source_.size() || (source_[pos + 1] | 0x20) != letter) return std::string::npos;
      std::size_t end = pos + 2;
      auto digit_ok = [&](char c) { return hex_value(c) >= 0 && hex_value(c) < b; };
      std::size_t p = end;
      for (;;) {
        std::size_t q = p;
        if (q < source_.size() && source_[q] == '_') ++q;
        if (q < source_.size() && digit_ok(source_[q])) {
          p = q + 1;
          end = p;
        } else {
          break;
        }
      }
      return end == pos + 2 ? std::string::npos : end;
    };
    for (auto [letter, b] : {std::pair<char, int>{'b', 2}, {'o', 8}, {'x', 16}}) {
      if (const std::size_t e = prefixed(letter, b); e != std::string::npos) {
        base = b;
        return e;
      }
    }
    base = 10;
    const char first = source_[pos];
    std::size_t end = pos + 1;
    for (;;) {  // [1-9](_?\d)*  or  0(_?0)*
      std::size_t q = end;
      if (q < source_.size() && source_[q] == '_') ++q;
      if (q < source_.size() && (first == '0' ? source_[q] == '0' : is_digit(source_[q])))
        end = q + 1;
      else
        break;
    }
    return end;
  }

  std::size_t lex_number(std::size_t pos) {
    if (const std::size_t end = float_end(pos); end != std::string::npos) {
      std::string digits;
      for (std::size_t i = pos; i < end; ++i)
        if (source_[i] != '_') digits.push_back(source_[i]);
      double value = 0.0;
      const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (result.ec == std::errc::result_out_of_range) {
        // Python: a huge exponent is inf, a tiny one 0.0.
        const std::size_t e = digits.find_first_of("eE");
        value = e != std::string::npos && digits[e + 1] == '-' ? 0.0 : std::numeric_limits<double>::infinity();
      }
      push(TokenType::Float, pos, source_.substr(pos, end - pos)).number = value;
      return end;
    }
    int base = 10;
    const std::size_t end = integer_end(pos, base);
    const std::size_t skip = base == 10 ? 0 : 2;
    uint64_t value = 0;
    for (std::size_t i = pos + skip; i < end; ++i) {
      if (source_[i] == '_') continue;
      const uint64_t digit = static_cast<uint64_t>(hex_value(source_[i]));
      if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / static_cast<uint64_t>(base))
        unsupported(pos, "integer literal " + source_.substr(pos, end - pos) + " does not fit in 64 bits");
      value = value * static_cast<uint64_t>(base) + digit;
    }
    push(TokenType::Integer, pos, source_.substr(pos, end - pos)).integer = static_cast<int64_t>(value);
    return end;
  }

  // ------------------------------------------------------------ strings
  std::size_t string_end(std::size_t pos) const {
    const char quote = source_[pos];
    for (std::size_t p = pos + 1; p < source_.size(); ++p) {
      if (source_[p] == '\\') {
        ++p;
      } else if (source_[p] == quote) {
        return p + 1;
      }
    }
    return std::string::npos;
  }

  // The value of a string literal's body: Python's unicode-escape decoding of the body with
  // its non-ASCII characters first written as \x, \u, \U escapes (what jinja2 does).
  std::string decode_string(std::size_t pos, std::string_view body) {
    std::string out;
    out.reserve(body.size());
    auto bad = [&](const std::string& what) { fail(pos, what); };
    for (std::size_t i = 0; i < body.size();) {
      if (body[i] != '\\') {
        const std::size_t start = i;
        next_code_point(body, i);
        out.append(body.substr(start, i - start));
        continue;
      }
      if (i + 1 >= body.size()) bad("\\ at end of string");
      const char e = body[i + 1];
      i += 2;
      switch (e) {
        case '\n': break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x': case 'u': case 'U': {
          const std::size_t width = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t value = 0;
          for (std::size_t k = 0; k < width; ++k) {
            if (i + k >= body.size() || hex_value(body[i + k]) < 0)
              bad(std::string("truncated \\") + (e == 'x' ? "xXX" : e == 'u' ? "uXXXX" : "UXXXXXXXX") + " escape");
            value = value * 16 + static_cast<uint32_t>(hex_value(body[i + k]));
          }
          i += width;
          if (value > 0x10FFFF) bad("illegal Unicode character");
          if (value >= 0xD800 && value <= 0xDFFF)
            unsupported(pos, "a lone surrogate in a string literal cannot be rendered as UTF-8");
          append_utf8(out, value);
          break;
        }
        case 'N':
          unsupported(pos, "\\N{...} escapes in string literals are not supported");
        default:
          if (e >= '0' && e <= '7') {
            uint32_t value = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k, ++i)
              value = value * 8 + static_cast<uint32_t>(body[i] - '0');
            append_utf8(out, value);
          } else if (static_cast<unsigned char>(e) >= 0x80) {
            // A backslash before a non-ASCII character escapes the backslash of its
            // backslashreplace form: "\é" is the four characters \xe9.
            std::size_t cp_pos = i - 1;
            const char32_t cp = next_code_point(body, cp_pos);
            i = cp_pos;
            static const char* digits = "0123456789abcdef";
            const int width = cp < 0x100 ? 2 : cp < 0x10000 ? 4 : 8;
            out.push_back('\\');
            out.push_back(cp < 0x100 ? 'x' : cp < 0x10000 ? 'u' : 'U');
            for (int k = width - 1; k >= 0; --k) out.push_back(digits[(cp >> (4 * k)) & 0xF]);
          } else {
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
    return out;
  }

  std::string source_;
  const std::string& origin_;
  std::vector<Token> tokens_;
  bool line_starting_ = true;
  std::size_t line_pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<Token> tokenize(std::string_view source, const std::string& origin) {
  if (const auto bad = first_invalid_utf8(source)) {
    int line = 1;
    for (std::size_t i = 0; i < *bad; ++i) line += source[i] == '\n';
    throw TemplateSyntaxError(origin, line, "not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  return Lexer(normalize_newlines(source), origin).run();
}

}  // namespace sppo::jinja
