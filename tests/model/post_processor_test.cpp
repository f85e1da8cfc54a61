#include "model/post_processor.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

using V = std::vector<int32_t>;

PostProcessor make(const std::string& json) {
  static std::vector<std::unique_ptr<nlohmann::json>> keep;
  keep.push_back(std::make_unique<nlohmann::json>(nlohmann::json::parse(json)));
  return PostProcessor::from_json(JsonNode(*keep.back(), "tokenizer.json", "post_processor"));
}

std::string error_of(const std::string& json) {
  try {
    make(json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kLlama31 = R"({"type":"Sequence","processors":[
  {"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
  {"type":"TemplateProcessing",
   "single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
   "pair":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
           {"SpecialToken":{"id":"<|begin_of_text|>","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
   "special_tokens":{"<|begin_of_text|>":{"id":"<|begin_of_text|>","ids":[128000],"tokens":["<|begin_of_text|>"]}}}]})";

TEST(PostProcessor, TemplateAddsSpecialTokensOnlyWhenAsked) {
  const PostProcessor p = make(kLlama31);
  EXPECT_EQ(p.process({5, 6}, true), (V{128000, 5, 6}));
  EXPECT_EQ(p.process({5, 6}, false), (V{5, 6}));
  EXPECT_EQ(p.process({}, true), (V{128000}));
  EXPECT_EQ(make(R"({"type":"ByteLevel","trim_offsets":false})").process({1, 2}, true), (V{1, 2}));
  EXPECT_EQ(PostProcessor().process({1}, true), (V{1}));
}

TEST(PostProcessor, BuiltTemplatesAndSuffixes) {
  EXPECT_EQ(PostProcessor::single_template({1}, {2}).process({7}, true), (V{1, 7, 2}));
  EXPECT_EQ(PostProcessor::single_template({}, {}).process({7}, true), (V{7}));
  const PostProcessor p = make(R"({"type":"TemplateProcessing",
      "single":[{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}],
      "special_tokens":{"</s>":{"id":"</s>","ids":[2, 3]}}})");
  EXPECT_EQ(p.process({9}, true), (V{9, 2, 3}));
}

TEST(PostProcessor, RefusesWhatItDoesNotImplement) {
  EXPECT_EQ(error_of(R"({"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0]})"),
            "tokenizer.json: post_processor.type = \"RobertaProcessing\": not supported");
  EXPECT_EQ(error_of(R"({"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<x>","type_id":0}},
      {"Sequence":{"id":"A","type_id":0}}],"special_tokens":{}})"),
            "tokenizer.json: post_processor.single[0].SpecialToken.id = \"<x>\": not in post_processor.special_tokens");
  EXPECT_EQ(error_of(R"({"type":"TemplateProcessing","single":[{"Sequence":{"id":"B","type_id":0}}],"special_tokens":{}})"),
            "tokenizer.json: post_processor.single[0].Sequence.id = \"B\": the single template has only sequence A");
  EXPECT_EQ(error_of(R"({"type":"TemplateProcessing","single":[],"special_tokens":{}})"),
            "tokenizer.json: post_processor.single: has no {\"Sequence\": {\"id\": \"A\"}}");
}

}  // namespace
}  // namespace sppo
