#include "model/chat_template.hpp"

#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "model/jinja_error.hpp"
#include "jinja2_reference.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

using json = nlohmann::ordered_json;

json read_json(const std::string& path) { return json::parse(test::read_file(path)); }

const char* const kFamilies[] = {"llama3", "llama3_1", "qwen3", "gemma3", "mistral"};

std::string family_config_path(const std::string& family) {
  return "tests/data/tokenizers/" + family + "/tokenizer_config.json";
}

JinjaChatTemplate family_template(const std::string& family) {
  return JinjaChatTemplate::from_tokenizer_config(read_json(family_config_path(family)), family_config_path(family));
}

// "<rendered>" or "error: <message>", what the two renderers are compared on.
std::string outcome(const JinjaChatTemplate& t, const json& messages, const ChatRenderOptions& options) {
  try {
    return t.render(messages, options);
  } catch (const TemplateError& e) {
    return "error: " + e.message();
  }
}

using test::first_difference;

// ------------------------------------------------------------------ the reference set
// fixtures/tokenizers/chat.json: prompts (add_generation_prompt) and whole conversations of the
// five families, rendered by @huggingface/jinja and by jinja2 with transformers' settings.
TEST(ChatTemplateReference, EveryFamilyRendersTheReferenceTextsByteForByte) {
  const json chat = read_json("tests/data/tokenizers/chat.json");
  int renders = 0, raised = 0;
  for (const json& conversation : chat["conversations"]) {
    for (const auto& [family, expected] : conversation["by_family"].items()) {
      SCOPED_TRACE(family + " / " + conversation["name"].get<std::string>());
      const JinjaChatTemplate t = family_template(family);
      ChatRenderOptions options;
      options.special_tokens = chat_special_tokens(read_json(family_config_path(family)));
      options.add_generation_prompt = true;
      if (expected.contains("prompt_error")) {
        try {
          t.render(conversation["messages"], options);
          ADD_FAILURE() << "expected the template to raise";
        } catch (const TemplateRaisedError& e) {
          EXPECT_EQ(e.message(), expected["prompt_error"].get<std::string>());
          ++raised;
        }
        continue;
      }
      const std::string prompt = t.render(conversation["messages"], options);
      EXPECT_EQ(prompt, expected["prompt_text"].get<std::string>())
          << first_difference(expected["prompt_text"].get<std::string>(), prompt);
      json full = conversation["messages"];
      full.push_back({{"role", "assistant"}, {"content", conversation["response"]}});
      options.add_generation_prompt = false;
      const std::string whole = t.render(full, options);
      EXPECT_EQ(whole, expected["full_text"].get<std::string>())
          << first_difference(expected["full_text"].get<std::string>(), whole);
      renders += 2;
    }
  }
  EXPECT_EQ(renders, 28);
  EXPECT_EQ(raised, 1);
}

TEST(ChatTemplateReference, MistralRefusesASystemMessageWithTheTemplatesOwnWords) {
  const JinjaChatTemplate t = family_template("mistral");
  ChatRenderOptions options;
  options.special_tokens = chat_special_tokens(read_json(family_config_path("mistral")));
  const json messages = json::parse(R"([{"role": "system", "content": "x"}, {"role": "user", "content": "y"}])");
  try {
    t.render(messages, options);
    FAIL() << "no error";
  } catch (const TemplateRaisedError& e) {
    EXPECT_EQ(e.message(), "Conversation roles must alternate user/assistant/user/assistant/...");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(std::string(e.what()), "tests/data/tokenizers/mistral/tokenizer_config.json: chat_template:1: " + e.message());
  }
}

// ------------------------------------------------------------------ against jinja2
struct Case {
  std::string label;
  const JinjaChatTemplate* chat_template;
  std::string source;
  json messages;
  ChatRenderOptions options;
};

// Renders every case with both renderers; the texts (or raised messages) must be identical.
void expect_same_as_jinja2(const std::vector<Case>& cases) {
  std::vector<test::Jinja2Request> requests;
  for (const Case& c : cases) {
    json context = c.options.extra_variables;
    context["messages"] = c.messages;
    context["add_generation_prompt"] = c.options.add_generation_prompt;
    for (const auto& [name, token] : c.options.special_tokens) context[name] = token;
    requests.push_back({c.source, context, c.options.now});
  }
  std::string why_not;
  const std::optional<json> reference = test::render_with_jinja2(requests, why_not);
  if (!reference) GTEST_SKIP() << why_not;
  ASSERT_EQ(reference->size(), cases.size());
  int failures = 0, texts = 0, errors = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json& ref = (*reference)[i];
    const std::string mine = outcome(*cases[i].chat_template, cases[i].messages, cases[i].options);
    const std::string theirs = test::jinja2_outcome(ref);
    if (ref.contains("text")) ++texts; else ++errors;
    if (mine == theirs) continue;
    if (++failures <= 15)
      ADD_FAILURE() << cases[i].label << ": " << first_difference(theirs, mine);
  }
  EXPECT_EQ(failures, 0) << "of " << cases.size() << " renders";
  std::printf("[ jinja2   ] %zu renders identical to jinja2's (%d texts, %d errors)\n", cases.size() - failures, texts, errors);
}

struct TemplateFile {
  std::string name;
  std::string source;
  JinjaChatTemplate chat_template;
  std::vector<json> contexts;
};

std::vector<TemplateFile> real_templates() {
  std::vector<TemplateFile> out;
  const json cases = read_json("tests/data/chat_templates/cases.json");
  for (const json& c : cases["cases"]) {
    const std::string name = c["template"].get<std::string>();
    const std::string path = "tests/data/chat_templates/" + name;
    const std::string source = test::read_file(path);
    std::vector<json> contexts(c["contexts"].begin(), c["contexts"].end());
    out.push_back({name, source, JinjaChatTemplate::parse(source, path), contexts});
  }
  for (const char* family : kFamilies) {
    const json config = read_json(family_config_path(family));
    out.push_back({std::string(family) + " (tokenizer_config.json)", config["chat_template"].get<std::string>(),
                   family_template(family), {}});
  }
  return out;
}

TEST(ChatTemplateVsJinja2, RealTemplatesRenderTheirOwnExamplesLikeJinja2) {
  const std::vector<TemplateFile> templates = real_templates();
  std::vector<Case> cases;
  for (const TemplateFile& t : templates) {
    for (const json& context : t.contexts) {
      Case c{t.name, &t.chat_template, t.source, context["messages"], {}};
      c.options.add_generation_prompt = context.value("add_generation_prompt", false);
      for (const auto& [key, value] : context.items())
        if (key != "messages" && key != "add_generation_prompt") c.options.extra_variables[key] = value;
      cases.push_back(std::move(c));
    }
  }
  EXPECT_GE(cases.size(), 45u);
  expect_same_as_jinja2(cases);
}

TEST(ChatTemplateVsJinja2, RealTemplatesRenderManyConversationsLikeJinja2) {
  const std::vector<TemplateFile> templates = real_templates();
  const json data = read_json("tests/data/chat_templates/conversations.json");
  const json tools = json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "description": "Weather \"now\" in a city.", "parameters": {"type": "object",
      "properties": {"city": {"type": "string", "description": "City, e.g. Paris"}}, "required": ["city"]}}}])");
  std::vector<Case> cases;
  for (const TemplateFile& t : templates) {
    ChatRenderOptions base;
    base.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"pad_token", "<pad>"}};
    for (const char* family : kFamilies)
      if (t.name.rfind(family, 0) == 0 && t.name.find(" (") == std::string(family).size())
        base.special_tokens = chat_special_tokens(read_json(family_config_path(family)));
    for (const json& conversation : data["conversations"]) {
      const std::string label = t.name + " / " + conversation["name"].get<std::string>();
      for (bool prompt : {true, false}) {
        Case c{label + (prompt ? " / prompt" : " / no prompt"), &t.chat_template, t.source, conversation["messages"], base};
        c.options.add_generation_prompt = prompt;
        cases.push_back(c);
      }
      for (const json& response : data["responses"]) {
        Case c{label + " / with response " + response.dump(), &t.chat_template, t.source, conversation["messages"], base};
        c.messages.push_back({{"role", "assistant"}, {"content", response}});
        c.options.add_generation_prompt = false;
        cases.push_back(std::move(c));
      }
      Case with_tools{label + " / tools", &t.chat_template, t.source, conversation["messages"], base};
      with_tools.options.extra_variables["tools"] = tools;
      cases.push_back(std::move(with_tools));
    }
  }
  expect_same_as_jinja2(cases);
}

TEST(ChatTemplateVsJinja2, StrftimeNowFormatsTheConfiguredMoment) {
  const std::vector<TemplateFile> templates = real_templates();
  const auto it = std::find_if(templates.begin(), templates.end(),
                               [](const TemplateFile& t) { return t.name == "meta-llama--Llama-3.2-3B-Instruct.jinja"; });
  ASSERT_NE(it, templates.end());
  std::vector<Case> cases;
  for (const char* now : {"2024-07-26 00:00:00", "1999-12-31 23:59:59", "2025-02-03 10:00:00"}) {
    Case c{std::string("Llama-3.2 at ") + now, &it->chat_template, it->source, json::parse(R"([{"role":"user","content":"hi"}])"), {}};
    c.options.now = now;
    c.options.special_tokens = {{"bos_token", "<|begin_of_text|>"}};
    cases.push_back(std::move(c));
  }
  const std::string text = outcome(*cases[1].chat_template, cases[1].messages, cases[1].options);
  EXPECT_NE(text.find("Today Date: 31 Dec 1999"), std::string::npos) << text;
  expect_same_as_jinja2(cases);
}

// ------------------------------------------------------------------ API
TEST(ChatTemplate, RendersChatMessagesAndPlainJson) {
  const JinjaChatTemplate t = JinjaChatTemplate::parse(
      "{% for m in messages %}[{{ m.role }}|{{ m['content'] }}|{{ m.tool_calls is defined }}]{% endfor %}"
      "{% if add_generation_prompt %}>{% endif %}",
      "inline");
  ChatRenderOptions options;
  EXPECT_EQ(t.render(std::vector<ChatMessage>{{"user", "a"}, {"assistant", "b"}}, options), "[user|a|False][assistant|b|False]>");
  options.add_generation_prompt = false;
  EXPECT_EQ(t.render(nlohmann::json::parse(R"([{"role": "user", "content": "x", "tool_calls": []}])"), options),
            "[user|x|True]");
}

TEST(ChatTemplate, KeepsTheKeyOrderOfTheMessagesAsPythonDoes) {
  const JinjaChatTemplate t = JinjaChatTemplate::parse("{{ messages[0] | tojson }}|{{ messages[0].keys() | list }}", "inline");
  EXPECT_EQ(t.render(json::parse(R"([{"role": "user", "content": "x", "a": 1}])"), {}),
            R"({"role": "user", "content": "x", "a": 1}|['role', 'content', 'a'])");
}

TEST(ChatTemplate, TakesTheTemplateOutOfATokenizerConfig) {
  const json one = json::parse(R"({"chat_template": "{{ bos_token }}hi", "bos_token": {"content": "<s>", "lstrip": false}})");
  ChatRenderOptions options;
  options.special_tokens = chat_special_tokens(one);
  EXPECT_EQ(options.special_tokens.at("bos_token"), "<s>");
  EXPECT_EQ(JinjaChatTemplate::from_tokenizer_config(one, "cfg.json").render(json::array(), options), "<s>hi");
  const json named = json::parse(R"({"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]})");
  EXPECT_EQ(JinjaChatTemplate::from_tokenizer_config(named, "cfg.json").render(json::array(), {}), "D");
  EXPECT_EQ(JinjaChatTemplate::from_tokenizer_config(named, "cfg.json", "tool_use").render(json::array(), {}), "T");
  EXPECT_THROW(JinjaChatTemplate::from_tokenizer_config(named, "cfg.json", "rag"), FormatError);
  EXPECT_THROW(JinjaChatTemplate::from_tokenizer_config(json::object(), "cfg.json"), FormatError);
  try {
    JinjaChatTemplate::from_tokenizer_config(json::parse(R"({"chat_template": "{% for %}"})"), "cfg.json");
    FAIL() << "no error";
  } catch (const TemplateSyntaxError& e) {
    EXPECT_EQ(e.origin(), "cfg.json: chat_template");
  }
}

TEST(ChatTemplate, ExtraVariablesAndTheClockAreOptions) {
  const JinjaChatTemplate t = JinjaChatTemplate::parse("{{ enable_thinking }} {{ strftime_now('%Y-%m-%d %a %H:%M') }}", "inline");
  ChatRenderOptions options;
  options.extra_variables["enable_thinking"] = false;
  options.now = "2023-03-05 17:04:00";
  EXPECT_EQ(t.render(json::array(), options), "False 2023-03-05 Sun 17:04");
  options.now = "2023-02-30 00:00:00";
  EXPECT_THROW(t.render(json::array(), options), ConfigError);
  options.now = "yesterday";
  EXPECT_THROW(t.render(json::array(), options), ConfigError);
}

TEST(ChatTemplate, RefusesMessagesThatAreNotAList) {
  const JinjaChatTemplate t = JinjaChatTemplate::parse("x", "inline");
  EXPECT_THROW(t.render(json::object(), {}), FormatError);
  EXPECT_THROW(t.render(json::parse("[18446744073709551615]"), {}), FormatError);
}

}  // namespace
}  // namespace sppo
