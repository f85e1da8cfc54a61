// How prompts and text responses become ids: the built-in mistral format against the
// reference fixtures, and a folder's Jinja template (here the one init-model writes, Mistral's
// own) giving the same ids; the end-of-turn token read off the template.
#include "model/chat_format.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "io/safetensors.hpp"
#include "model/jinja_error.hpp"
#include "model/tokenizer_fixtures.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(ChatFormat, MistralTemplateGivesTheGreedyPrompts) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const ChatFormat mistral = ChatFormat::resolve("mistral", std::nullopt, tok);
  const auto greedy = SafetensorsModel::open(test::fixtures() + "/expected/policy_greedy.safetensors");
  const at::Tensor ids = greedy.tensor("prompt_ids"), lengths = greedy.tensor("prompt_lengths");
  const char* prompts[] = {"What is the capital of France?", "Write a short poem about the sea.",
                           "How many legs does a cat have?"};
  for (int i = 0; i < 3; ++i) {
    const int64_t n = lengths[i].item<int64_t>();
    at::Tensor row = ids[i].slice(0, ids.size(1) - n);  // left-padded
    std::vector<int32_t> expected(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + n);
    EXPECT_EQ(mistral.prompt_ids(prompts[i]), expected) << prompts[i];
  }
  std::vector<int32_t> plain{*tok.bos_id()};
  for (int32_t id : tok.encode("hi")) plain.push_back(id);
  EXPECT_EQ(ChatFormat::resolve("none", std::nullopt, tok).prompt_ids("hi"), plain);
}

TEST(ChatFormat, PromptPlusResponseRowsEqualTheTrainingFixture) {
  // sppo_step rows are HF's encoding of "[INST] {p} [/INST] {r}</s>" with BOS: our prompt
  // and response pieces, concatenated, must give the same ids.
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const ChatFormat mistral = ChatFormat::resolve("mistral", std::nullopt, tok);
  const auto step = SafetensorsModel::open(test::fixtures() + "/expected/sppo_step.safetensors");
  const at::Tensor ids = step.tensor("input_ids"), mask = step.tensor("attention_mask");
  const std::pair<const char*, const char*> rows[] = {{"Name a fruit that is yellow.", "A banana is yellow."},
                                                      {"Name a fruit that is yellow.", "The sky is blue today."},
                                                      {"What is 2 + 3?", "2 + 3 = 5."},
                                                      {"What is 2 + 3?", "I think the answer is 6."}};
  for (int i = 0; i < 4; ++i) {
    std::vector<int32_t> ours = mistral.prompt_ids(rows[i].first);
    const int64_t response_start = step.tensor("response_start")[i].item<int64_t>();
    EXPECT_EQ(static_cast<int64_t>(ours.size()), response_start) << i;
    for (int32_t id : mistral.response_ids(rows[i].second)) ours.push_back(id);
    const int64_t n = mask[i].sum().item<int64_t>();
    std::vector<int32_t> expected(ids[i].data_ptr<int64_t>(), ids[i].data_ptr<int64_t>() + n);
    EXPECT_EQ(ours, expected) << rows[i].second;
  }
}

TEST(ChatFormat, DecodedPromptsStripTheBuiltInWrapping) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  const ChatFormat mistral = ChatFormat::resolve("mistral", std::nullopt, tok);
  const auto ids = mistral.prompt_ids("caf\u00e9 \xF0\x9F\x99\x82");
  const std::string text = tok.decode(ids);
  EXPECT_EQ(text, "[INST] caf\u00e9 \xF0\x9F\x99\x82 [/INST]");
  EXPECT_EQ(mistral.strip(text), "caf\u00e9 \xF0\x9F\x99\x82");
  EXPECT_EQ(mistral.strip("plain"), "plain");
  EXPECT_EQ(tok.decode(mistral.response_ids("Hello world")), "Hello world");
}

// Mistral's Jinja template (what init-model writes) renders what the built-in format
// tokenizes: the same ids, and </s> as the end of turn.
TEST(ChatFormat, TheFoldersJinjaTemplateGivesTheBuiltInMistralIds) {
  test::TempDir dir;
  test::run_process({"cp", "-r", test::fixtures() + "/policy-f32", dir.file("p")});
  const std::string mistral_template =
      "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
      "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
      "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
      "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
      "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";
  test::write_file(dir.file("p/chat_template.jinja"), mistral_template);
  const PolicyTokenizer tok(dir.file("p"));
  const ChatFormat jinja = ChatFormat::resolve("auto", std::nullopt, tok);
  const ChatFormat builtin = ChatFormat::resolve("mistral", std::nullopt, tok);
  EXPECT_TRUE(jinja.uses_template());
  EXPECT_EQ(jinja.origin(), dir.file("p/chat_template.jinja"));
  for (const char* p : {"What is the capital of France?", "caf\u00e9 \xF0\x9F\x99\x82", "a [INST] b"})
    EXPECT_EQ(jinja.prompt_ids(p), builtin.prompt_ids(p)) << p;
  EXPECT_EQ(jinja.render(user_message("hi")), "<s>[INST] hi [/INST]");
  EXPECT_EQ(jinja.end_of_turn_token(), "</s>");
  EXPECT_EQ(jinja.end_of_turn_id(), 2);
  EXPECT_EQ(jinja.judge_source(jinja.prompt_ids("hi")), builtin.judge_source(builtin.prompt_ids("hi")));
  // A conversation the template refuses: its own message.
  nlohmann::ordered_json system = nlohmann::ordered_json::array({{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}});
  try {
    jinja.conversation_ids(system);
    FAIL();
  } catch (const TemplateRaisedError& e) {
    EXPECT_EQ(e.message(), "Conversation roles must alternate user/assistant/user/assistant/...");
  }
  EXPECT_THROW(builtin.conversation_ids(system), ConfigError) << "the built-in format takes one user message";
}

// The five real tokenizer folders with their own templates (policy.chat_template auto): the
// rendered prompt, its ids, the response ids a trainer feeds (ending with the family's
// end-of-turn token) and the template's refusals, all as the reference set has them.
TEST(ChatFormat, EveryFamilysPromptAndResponseIdsEqualTheReference) {
  const auto& chat = test::tokenizer_reference("chat.json");
  int checked = 0;
  for (const std::string& family : test::tokenizer_families()) {
    SCOPED_TRACE(family);
    const PolicyTokenizer tok(test::tokenizer_folder(family));
    EXPECT_EQ(tok.kind(), PolicyTokenizer::Kind::tokenizer_json);
    const ChatFormat format = ChatFormat::resolve("auto", std::nullopt, tok);
    EXPECT_EQ(format.end_of_turn_token(), chat["families"][family]["end_of_turn_token"].get<std::string>());
    EXPECT_EQ(format.end_of_turn_id(), chat["families"][family]["end_of_turn_id"].get<int32_t>());
    for (const auto& conversation : chat["conversations"]) {
      SCOPED_TRACE(conversation["name"].get<std::string>());
      const auto& want = conversation["by_family"][family];
      const nlohmann::ordered_json messages = nlohmann::ordered_json::parse(conversation["messages"].dump());
      if (want.contains("prompt_error")) {
        try {
          format.conversation_ids(messages);
          ADD_FAILURE() << "the template did not refuse";
        } catch (const TemplateRaisedError& e) {
          EXPECT_EQ(e.message(), want["prompt_error"].get<std::string>());
        }
        continue;
      }
      EXPECT_EQ(format.render(messages), want["prompt_text"].get<std::string>());
      EXPECT_EQ(format.conversation_ids(messages), want["prompt_ids"].get<std::vector<int32_t>>());
      EXPECT_EQ(format.response_ids(conversation["response"].get<std::string>()),
                want["response_ids_separate"].get<std::vector<int32_t>>());
      ++checked;
    }
  }
  EXPECT_GE(checked, 12);
}

TEST(ChatFormat, SettingsThatCannotWorkAreRefusedNamingTheKey) {
  const PolicyTokenizer tok(test::fixtures() + "/policy-f32");
  try {
    ChatFormat::resolve("auto", std::nullopt, tok);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("policy.chat_template = auto: " + test::fixtures() + "/policy-f32 has no chat template", 0), 0u)
        << e.what();
  }
  EXPECT_THROW(ChatFormat::resolve("/no/such.jinja", std::nullopt, tok), ConfigError);
  try {
    ChatFormat::resolve("mistral", std::string("<|eot|>"), tok);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "policy.end_of_turn = \"<|eot|>\": not a token of " + test::fixtures() + "/policy-f32");
  }
  EXPECT_EQ(ChatFormat::resolve("mistral", std::string("</s>"), tok).end_of_turn_id(), 2);
  test::TempDir dir;
  test::write_file(dir.file("t.jinja"), "{% for m in messages %}{{ m.content | wordwrap(10) }}{% endfor %}");
  EXPECT_THROW(ChatFormat::resolve(dir.file("t.jinja"), std::nullopt, tok).render(user_message("x")), TemplateError);
}

}  // namespace
}  // namespace sppo
