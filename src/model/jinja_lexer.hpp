#pragma once
// defines: jinja::tokenize, the lexer of the chat-template interpreter: template text ->
// tokens, with the whitespace rules of jinja2's lexer as transformers configures it
// (trim_blocks, lstrip_blocks, "-"/"+" modifiers, newline normalisation, the trailing newline
// dropped, raw blocks).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sppo::jinja {

enum class TokenType {
  Data,           // template text between tags (already stripped as the whitespace rules say)
  VariableBegin,  // {{
  VariableEnd,    // }}
  BlockBegin,     // {%
  BlockEnd,       // %}
  Name,           // identifier (keywords are names too, as in jinja2)
  String,         // text: the decoded value of a string literal
  Integer,        // integer
  Float,          // number
  Operator,       // text: one of + - / // * % ** ~ [ ] ( ) { } == != > >= < <= = . : | , ;
  Eof,
};

struct Token {
  TokenType type = TokenType::Eof;
  std::string text;
  int64_t integer = 0;
  double number = 0.0;
  int line = 1;
};

// Tokens of `source` ending with one Eof token; TemplateSyntaxError ("<origin>:<line>: ...")
// on text that jinja2's lexer rejects, TemplateUnsupportedError on literals it accepts and this
// interpreter cannot represent (integers past 64 bits, \N{...} escapes, lone surrogates).
std::vector<Token> tokenize(std::string_view source, const std::string& origin);

// jinja2's newline handling before lexing: \r\n and \r become \n, one trailing newline goes.
std::string normalize_newlines(std::string_view source);

}  // namespace sppo::jinja
