// libFuzzer target: the chat-template interpreter on arbitrary template text, rendered for a
// small conversation. It must return text or throw sppo::FormatError (TemplateError is one):
// no crash, no hang, no unbounded memory. The render budget is small so that a hostile
// template (deep recursion, huge ranges, doubling strings) stops quickly with an error.
// See tests/fuzz/safetensors_header_fuzz.cpp.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "model/chat_template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::ordered_json messages = nlohmann::ordered_json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi <there> \u00e9\u4e2d"},
    {"role": "assistant", "content": "<think>x</think>Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
    {"role": "user", "content": "  Bye\n"}
  ])");
  sppo::ChatRenderOptions options;
  options.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
  options.extra_variables["tools"] = nlohmann::ordered_json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  options.limits.max_output_bytes = 1 << 16;
  options.limits.max_allocated_bytes = 1 << 22;
  options.limits.max_steps = 200000;
  options.limits.max_call_depth = 32;
  try {
    const auto tmpl = sppo::JinjaChatTemplate::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.jinja");
    tmpl.render(messages, options);
  } catch (const sppo::FormatError&) {
  }
  return 0;
}
