#pragma once
// defines: the chat templates (Jinja source, exact to the byte) of the model families whose tiny
// test policies carry a byte-level BPE tokenizer, as their real tokenizer_config.json files hold
// them, for writing a tokenizer_config.json that renders prompts as the real family does.
#include <string_view>

namespace sppo {

// meta-llama/Meta-Llama-3-8B-Instruct (current revision; the BOS comes from the template text).
extern const std::string_view kLlama3InstructChatTemplate;
// Qwen/Qwen2.5-*-Instruct: ChatML with the default system prompt and <tool_call> blocks.
extern const std::string_view kQwen25InstructChatTemplate;
// Qwen/Qwen3-*: ChatML with an optional <think> block and enable_thinking.
extern const std::string_view kQwen3ChatTemplate;

// google/gemma-2-2b-it (and -9b-it): no system role, the assistant written `model`.
extern const std::string_view kGemma2ItChatTemplate;

}  // namespace sppo
