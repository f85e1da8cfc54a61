// `sppo tokenize` as users run it on a tokenizer-only folder: encodes, chat renders and decodes
// equal to the reference set's, a line the template refuses gives {"error"} and the next line
// goes on, and a line that is none of the three stops with one error line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "model/tokenizer_fixtures.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::vector<nlohmann::json> lines_of(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(Tokenize, EveryFamilyEncodesRendersAndDecodesAsTheReference) {
  const auto& cases = test::tokenizer_reference("cases.json");
  const auto& chat = test::tokenizer_reference("chat.json");
  test::TempDir dir;
  for (const std::string& family : test::tokenizer_families()) {
    SCOPED_TRACE(family);
    std::string input;
    for (const auto& c : cases["cases"]) {
      input += nlohmann::json{{"text", c["text"]}, {"add_special_tokens", true}}.dump() + "\n";
      input += nlohmann::json{{"ids", c["by_family"][family]["ids_add_special"]}, {"skip_special_tokens", true}}.dump() + "\n";
    }
    for (const auto& conversation : chat["conversations"])
      input += nlohmann::json{{"messages", conversation["messages"]}, {"add_generation_prompt", true}}.dump() + "\n";
    test::write_file(dir.file(family + ".jsonl"), input);
    const auto r = test::run_process({test::sppo_binary(), "tokenize", "--model", test::tokenizer_folder(family), "--input",
                                      dir.file(family + ".jsonl")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto out = lines_of(r.out);
    ASSERT_EQ(out.size(), 2 * cases["cases"].size() + chat["conversations"].size());
    std::size_t i = 0;
    for (const auto& c : cases["cases"]) {
      const auto& want = c["by_family"][family];
      EXPECT_EQ(out[i]["ids"], want["ids_add_special"]) << c["name"];
      EXPECT_EQ(out[i + 1]["text"], want["decode_add_special_skip_special"]) << c["name"];
      i += 2;
    }
    for (const auto& conversation : chat["conversations"]) {
      const auto& want = conversation["by_family"][family];
      if (want.contains("prompt_error")) {
        EXPECT_NE(out[i]["error"].get<std::string>().find(want["prompt_error"].get<std::string>()), std::string::npos) << out[i];
      } else {
        EXPECT_EQ(out[i]["text"], want["prompt_text"]) << conversation["name"];
        EXPECT_EQ(out[i]["ids"], want["prompt_ids"]) << conversation["name"];
      }
      ++i;
    }
  }
}

TEST(Tokenize, AFailingLineGoesOnAndABadLineStops) {
  test::TempDir dir;
  test::write_file(dir.file("in.jsonl"), "{\"ids\": [99999999]}\n{\"text\": \"hi\", \"add_special_tokens\": false}\n");
  const auto ok = test::run_process({test::sppo_binary(), "tokenize", "--model", test::tokenizer_folder("llama3"), "--input",
                                     dir.file("in.jsonl")});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto out = lines_of(ok.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].contains("error")) << out[0];
  EXPECT_EQ(out[1]["ids"], nlohmann::json::array({6151})) << out[1];
  EXPECT_EQ(out[1]["tokens"], nlohmann::json::array({"hi"}));
  test::write_file(dir.file("bad.jsonl"), "{\"words\": \"hi\"}\n");
  const auto bad = test::run_process({test::sppo_binary(), "tokenize", "--model", test::tokenizer_folder("llama3"), "--input",
                                      dir.file("bad.jsonl")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "sppo: error: " + dir.file("bad.jsonl") + ":1: expected a field \"text\", \"messages\" or \"ids\"\n");
}

TEST(Tokenize, InspectNamesTheTokenizerItsStopsAndItsTemplate) {
  const auto r = test::run_process({test::sppo_binary(), "inspect", test::tokenizer_folder("llama3_1")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tokenizer files only"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokenizer: tokenizer.json (Hugging Face BPE), 128256 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eos_token = <|eot_id|> (128009)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokenizer_config.json: chat_template"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("end of turn: <|eot_id|> (128009)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sppo
