#include "io/prompts.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& content, const std::optional<std::string>& id_field = std::nullopt) {
  test::TempDir dir;
  test::write_file(dir.file("p.jsonl"), content);
  try {
    read_prompts(dir.file("p.jsonl"), "prompt", id_field);
  } catch (const FormatError& e) {
    std::string m = e.what();
    return m.substr(m.find("p.jsonl"));
  }
  return "(no error)";
}

TEST(Prompts, ReadsTextIdsAndSkipsBlankLines) {
  test::TempDir dir;
  test::write_file(dir.file("p.jsonl"),
                   "{\"prompt\": \"Hello\", \"uid\": \"a1\"}\n\n   \n{\"prompt\": \"caf\u00e9 \\n two lines\", \"uid\": 7, "
                   "\"extra\": [1]}\r\n{\"prompt\":\"\\ud83d\\ude42\",\"uid\":\"z\"}");
  const auto with_ids = read_prompts(dir.file("p.jsonl"), "prompt", std::string("uid"));
  ASSERT_EQ(with_ids.size(), 3u);
  EXPECT_EQ(with_ids[0].text, "Hello");
  EXPECT_EQ(with_ids[0].id, "a1");
  EXPECT_EQ(with_ids[1].index, 1);
  EXPECT_EQ(with_ids[1].id, "7");
  EXPECT_EQ(with_ids[1].text, "caf\u00e9 \n two lines");
  EXPECT_EQ(with_ids[2].text, "\xF0\x9F\x99\x82");
  const auto plain = read_prompts(dir.file("p.jsonl"), "prompt", std::nullopt);
  EXPECT_EQ(plain[2].id, "2");
}

TEST(Prompts, BadLinesNameFileLineAndField) {
  EXPECT_EQ(error_of("{\"prompt\": \"a\"}\n{\"prompt\": 5}\n"), "p.jsonl:2: field \"prompt\" must be a string");
  EXPECT_EQ(error_of("{\"text\": \"a\"}\n"), "p.jsonl:1: field \"prompt\" is missing");
  EXPECT_EQ(error_of("{\"prompt\": \"\"}\n"), "p.jsonl:1: field \"prompt\" is empty");
  EXPECT_EQ(error_of("[1, 2]\n"), "p.jsonl:1: expected a JSON object");
  EXPECT_EQ(error_of("{\"prompt\": \"a\"\n").rfind("p.jsonl:1: not valid JSON", 0), 0u);
  EXPECT_EQ(error_of("{\"prompt\": \"a\xff\"}\n"), "p.jsonl:1: invalid UTF-8 at byte 14");
  EXPECT_EQ(error_of("\n\n"), "p.jsonl: no prompts (the file is empty or blank)");
  EXPECT_EQ(error_of(""), "p.jsonl: no prompts (the file is empty or blank)");
  EXPECT_EQ(error_of("{\"prompt\": \"a\", \"id\": 1}\n{\"prompt\": \"b\", \"id\": 1}\n", std::string("id")),
            "p.jsonl:2: id \"1\" already used on line 1");
  EXPECT_EQ(error_of("{\"prompt\": \"a\"}\n", std::string("id")), "p.jsonl:1: field \"id\" is missing");
  EXPECT_EQ(error_of("{\"prompt\": \"a\", \"id\": 1.5}\n", std::string("id")),
            "p.jsonl:1: field \"id\" must be a string or an integer");
  EXPECT_EQ(error_of("{\"prompt\": \"" + std::string(kMaxPromptLineBytes, 'x') + "\"}\n").rfind("p.jsonl:1: line of ", 0), 0u);
}

TEST(Prompts, MissingFileIsAnIoError) {
  EXPECT_THROW(read_prompts("/nonexistent/p.jsonl", "prompt", std::nullopt), IoError);
}

}  // namespace
}  // namespace sppo
