#include "model/family_chat_templates.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "model/chat_template.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

using json = nlohmann::ordered_json;

std::string chat_template_in(const std::string& tokenizer_config_path) {
  return json::parse(test::read_file(tokenizer_config_path))["chat_template"].get<std::string>();
}

TEST(FamilyChatTemplates, AreTheRealFilesTemplatesByteForByte) {
  EXPECT_EQ(std::string(kLlama3InstructChatTemplate), chat_template_in("tests/data/families/llama3-f32/tokenizer_config.json"));
  EXPECT_EQ(std::string(kQwen25InstructChatTemplate), chat_template_in("tests/data/families/qwen2-f32/tokenizer_config.json"));
  EXPECT_EQ(std::string(kQwen3ChatTemplate), chat_template_in("tests/data/tokenizers/qwen3/tokenizer_config.json"));
  // The collected templates of the real repositories agree.
  EXPECT_EQ(std::string(kQwen25InstructChatTemplate),
            test::read_file("tests/data/chat_templates/Qwen--Qwen2.5-7B-Instruct.jinja"));
  EXPECT_EQ(std::string(kQwen3ChatTemplate), test::read_file("tests/data/chat_templates/Qwen--Qwen3-0.6B.jinja"));
}

// One user turn with the generation prompt, written out: what each family's prompt looks like.
TEST(FamilyChatTemplates, RenderTheFamilysPrompt) {
  const json hi = json::parse(R"([{"role": "user", "content": "Hi"}])");
  ChatRenderOptions options;
  options.add_generation_prompt = true;

  options.special_tokens = {{"bos_token", "<|begin_of_text|>"}, {"eos_token", "<|eot_id|>"}};
  EXPECT_EQ(JinjaChatTemplate::parse(std::string(kLlama3InstructChatTemplate), "llama3").render(hi, options),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");

  options.special_tokens = {{"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"}};
  EXPECT_EQ(JinjaChatTemplate::parse(std::string(kQwen25InstructChatTemplate), "qwen2.5").render(hi, options),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");

  const JinjaChatTemplate qwen3 = JinjaChatTemplate::parse(std::string(kQwen3ChatTemplate), "qwen3");
  EXPECT_EQ(qwen3.render(hi, options), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  options.extra_variables = json{{"enable_thinking", false}};
  EXPECT_EQ(qwen3.render(hi, options), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

}  // namespace
}  // namespace sppo
