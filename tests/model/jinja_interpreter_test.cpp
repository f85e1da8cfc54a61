#include "model/jinja_interpreter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jinja2_reference.hpp"
#include "model/chat_template.hpp"
#include "model/jinja_error.hpp"
#include "model/jinja_parser.hpp"
#include "test_support.hpp"

namespace sppo::jinja {
namespace {

using json = nlohmann::ordered_json;

// The variables every snippet sees.
const json& snippet_context() {
  static const json context = json::parse(R"({
    "messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Hello"},
                 {"role": "assistant", "content": "Hi there"}],
    "s": "Hello World", "l": [3, 1, 2], "d": {"b": 1, "a": 2}, "n": null, "u8": "é中😀",
    "tools": [{"type": "function", "function": {"name": "f"}}],
    "add_generation_prompt": true, "bos_token": "<s>"
  })");
  return context;
}

std::string render_snippet(const std::string& source, const json& context = snippet_context()) {
  ChatRenderOptions options;
  for (const auto& [k, v] : context.items())
    if (k != "messages") options.extra_variables[k] = v;
  try {
    return JinjaChatTemplate::parse(source, "snippet").render(context["messages"], options);
  } catch (const TemplateError& e) {
    return "error: " + e.message();
  }
}

struct Snippet {
  std::string name, source;
};

// tests/data/jinja_constructs.txt: "=== name" lines, each followed by one template.
std::vector<Snippet> read_snippets() {
  const std::string text = test::read_file("tests/data/jinja_constructs.txt");
  std::vector<Snippet> out;
  std::size_t pos = text.find("\n=== ");
  while (pos != std::string::npos) {
    const std::size_t name_end = text.find('\n', pos + 1);
    const std::size_t next = text.find("\n=== ", name_end);
    Snippet s;
    s.name = text.substr(pos + 5, name_end - pos - 5);
    s.source = text.substr(name_end + 1, next == std::string::npos ? std::string::npos : next - name_end - 1);
    if (next == std::string::npos && !s.source.empty() && s.source.back() == '\n') s.source.pop_back();
    out.push_back(s);
    pos = next;
  }
  return out;
}

TEST(JinjaInterpreterVsJinja2, EveryConstructSnippetRendersLikeJinja2) {
  const std::vector<Snippet> snippets = read_snippets();
  ASSERT_GE(snippets.size(), 150u);
  std::vector<test::Jinja2Request> requests;
  for (const Snippet& s : snippets) requests.push_back({s.source, snippet_context()});
  std::string why_not;
  const auto reference = test::render_with_jinja2(requests, why_not);
  if (!reference) GTEST_SKIP() << why_not;
  int failures = 0;
  for (std::size_t i = 0; i < snippets.size(); ++i) {
    const std::string theirs = test::jinja2_outcome((*reference)[i]);
    const std::string mine = render_snippet(snippets[i].source);
    if (mine == theirs) continue;
    ++failures;
    ADD_FAILURE() << snippets[i].name << ": " << test::first_difference(theirs, mine);
  }
  EXPECT_EQ(failures, 0) << "of " << snippets.size() << " snippets";
}

}  // namespace
}  // namespace sppo::jinja
