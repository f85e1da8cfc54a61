#include "model/jinja_lexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/jinja_error.hpp"

namespace sppo::jinja {
namespace {

// "D:text" for data, "{{" / "}}" / "{%" / "%}", "N:name", "S:value", "I:42", "F:1.5", "O:+".
std::vector<std::string> kinds(const std::string& source) {
  std::vector<std::string> out;
  for (const Token& t : tokenize(source, "t")) {
    switch (t.type) {
      case TokenType::Data: out.push_back("D:" + t.text); break;
      case TokenType::VariableBegin: out.push_back("{{"); break;
      case TokenType::VariableEnd: out.push_back("}}"); break;
      case TokenType::BlockBegin: out.push_back("{%"); break;
      case TokenType::BlockEnd: out.push_back("%}"); break;
      case TokenType::Name: out.push_back("N:" + t.text); break;
      case TokenType::String: out.push_back("S:" + t.text); break;
      case TokenType::Integer: out.push_back("I:" + std::to_string(t.integer)); break;
      case TokenType::Float: out.push_back("F:" + std::to_string(t.number)); break;
      case TokenType::Operator: out.push_back("O:" + t.text); break;
      case TokenType::Eof: break;
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(JinjaLexer, SplitsTextAndTags) {
  EXPECT_EQ(kinds("a{{ x }}b{% if y %}c"), (V{"D:a", "{{", "N:x", "}}", "D:b", "{%", "N:if", "N:y", "%}", "D:c"}));
  EXPECT_EQ(kinds("a{# c #}b"), (V{"D:a", "D:b"}));
  EXPECT_EQ(kinds("{ not a tag } {x"), (V{"D:{ not a tag } {x"}));
}

TEST(JinjaLexer, NormalisesNewlinesAndDropsOneTrailingNewline) {
  EXPECT_EQ(normalize_newlines("a\r\nb\rc\n"), "a\nb\nc");
  EXPECT_EQ(normalize_newlines("a\n\n"), "a\n");
  EXPECT_EQ(normalize_newlines("\n"), "");
  EXPECT_EQ(kinds("x\r\n"), (V{"D:x"}));
}

TEST(JinjaLexer, TrimBlocksEatsTheNewlineAfterABlockOrComment) {
  EXPECT_EQ(kinds("{% if x %}\nA"), (V{"{%", "N:if", "N:x", "%}", "D:A"}));
  EXPECT_EQ(kinds("{# c #}\nA"), (V{"D:A"}));
  EXPECT_EQ(kinds("{{ x }}\nA"), (V{"{{", "N:x", "}}", "D:\nA"}));  // not after a variable
  EXPECT_EQ(kinds("{% if x +%}\nA"), (V{"{%", "N:if", "N:x", "%}", "D:\nA"}));
}

TEST(JinjaLexer, LstripBlocksRemovesIndentationBeforeABlockOnItsOwnLine) {
  EXPECT_EQ(kinds("a\n   {% if x %}"), (V{"D:a\n", "{%", "N:if", "N:x", "%}"}));
  EXPECT_EQ(kinds("   {% if x %}"), (V{"{%", "N:if", "N:x", "%}"}));  // the template's first line
  EXPECT_EQ(kinds("a  {% if x %}"), (V{"D:a  ", "{%", "N:if", "N:x", "%}"}));  // not alone on the line
  EXPECT_EQ(kinds("a\n  {{ x }}"), (V{"D:a\n  ", "{{", "N:x", "}}"}));      // variables keep it
  EXPECT_EQ(kinds("a\n  {%+ if x %}"), (V{"D:a\n  ", "{%", "N:if", "N:x", "%}"}));
  // \s of Python: tabs and Unicode spaces count, after a block that ended its line too
  EXPECT_EQ(kinds("{% if x %}\n\t\u3000{% if y %}"), (V{"{%", "N:if", "N:x", "%}", "{%", "N:if", "N:y", "%}"}));
}

TEST(JinjaLexer, MinusStripsAllWhitespaceOnItsSide) {
  EXPECT_EQ(kinds("a \n {{- x -}} \n b"), (V{"D:a", "{{", "N:x", "}}", "D:b"}));
  EXPECT_EQ(kinds("a\u00a0{%- if x -%}\u3000b"), (V{"D:a", "{%", "N:if", "N:x", "%}", "D:b"}));
  EXPECT_EQ(kinds("a {#- c -#} b"), (V{"D:a", "D:b"}));
}

TEST(JinjaLexer, RawBlocksAreText) {
  EXPECT_EQ(kinds("{% raw %}{{ x }}{% endraw %}"), (V{"D:{{ x }}"}));
  EXPECT_EQ(kinds("a {%- raw -%} {{ x }} {%- endraw -%} b"), (V{"D:a", "D:{{ x }}", "D:b"}));
}

TEST(JinjaLexer, Literals) {
  EXPECT_EQ(kinds("{{ 42 1_000 0x1f 0o17 0b11 1.5 2e3 'a\\'b' \"c\\nd\" }}"),
            (V{"{{", "I:42", "I:1000", "I:31", "I:15", "I:3", "F:1.500000", "F:2000.000000", "S:a'b", "S:c\nd", "}}"}));
  EXPECT_EQ(kinds("{{ '\\x41\\u00e9\\U0001F600\\101\\q' }}")[1], "S:A\u00e9\U0001F600A\\q");
  // a backslash before a non-ASCII character: jinja2 yields its escape text
  EXPECT_EQ(kinds("{{ '\\\u00e9' }}")[1], "S:\\xe9");
  EXPECT_EQ(kinds("{{ a.b[0] | f(x=1) ** 2 // 3 != 4 }}"),
            (V{"{{", "N:a", "O:.", "N:b", "O:[", "I:0", "O:]", "O:|", "N:f", "O:(", "N:x", "O:=", "I:1", "O:)", "O:**",
               "I:2", "O://", "I:3", "O:!=", "I:4", "}}"}));
}

TEST(JinjaLexer, BracesInsideTagsDoNotCloseThem) {
  EXPECT_EQ(kinds("{{ {'a': {'b': 1}} }}"),
            (V{"{{", "O:{", "S:a", "O::", "O:{", "S:b", "O::", "I:1", "O:}", "O:}", "}}"}));
}

TEST(JinjaLexer, TokensCarryTheirLines) {
  const std::vector<Token> tokens = tokenize("a\nb\n{{\nx }}\n{% if y %}", "t");
  ASSERT_GE(tokens.size(), 7u);
  EXPECT_EQ(tokens[0].line, 1);  // data "a\nb\n"
  EXPECT_EQ(tokens[1].line, 3);  // {{
  EXPECT_EQ(tokens[2].line, 4);  // x
  EXPECT_EQ(tokens[5].line, 5);  // {%
}

std::string lex_error(const std::string& source) {
  try {
    tokenize(source, "bad.jinja");
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "no error";
}

TEST(JinjaLexer, BadTextIsOneErrorWithItsLine) {
  EXPECT_EQ(lex_error("a\n{# open"), "bad.jinja:2: Missing end of comment tag");
  EXPECT_EQ(lex_error("{% raw %}x"), "bad.jinja:1: Missing end of raw directive");
  EXPECT_EQ(lex_error("\n\n{{ a ! b }}"), "bad.jinja:3: unexpected char '!'");
  EXPECT_EQ(lex_error("{{ (a] }}"), "bad.jinja:1: unexpected ']', expected ')'");
  EXPECT_EQ(lex_error("{{ a) }}"), "bad.jinja:1: unexpected ')'");
  EXPECT_EQ(lex_error("{{ '\\x4' }}"), "bad.jinja:1: truncated \\xXX escape");
  EXPECT_EQ(lex_error("x\xff"), "bad.jinja:1: not valid UTF-8 (byte 1)");
  EXPECT_EQ(lex_error("{{ 99999999999999999999 }}"), "bad.jinja:1: integer literal 99999999999999999999 does not fit in 64 bits");
  EXPECT_THROW(tokenize("{{ '\\N{BULLET}' }}", "t"), TemplateUnsupportedError);
  EXPECT_THROW(tokenize("{{ '\\ud800' }}", "t"), TemplateUnsupportedError);
}

}  // namespace
}  // namespace sppo::jinja
