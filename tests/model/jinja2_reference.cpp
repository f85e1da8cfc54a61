#include "jinja2_reference.hpp"

#include "model/chat_template.hpp"
#include "model/jinja_error.hpp"
#include "test_support.hpp"

namespace sppo::test {

std::optional<nlohmann::ordered_json> render_with_jinja2(const std::vector<Jinja2Request>& requests, std::string& why_not) {
  nlohmann::ordered_json batch = nlohmann::ordered_json::array();
  for (const Jinja2Request& r : requests) batch.push_back({{"template", r.source}, {"context", r.context}, {"now", r.now}});
  TempDir dir;
  write_file(dir.file("requests.json"), batch.dump());
  const ProcessResult result =
      run_process({"python3", "tests/data/render_chat_template.py", dir.file("requests.json"), dir.file("results.json")});
  if (result.exit_code != 0) {
    why_not = result.exit_code == 3 || result.exit_code == 127
                  ? "python3 with jinja2 (python3-jinja2) is not available: " + result.err
                  : "tests/data/render_chat_template.py failed: " + result.err;
    return std::nullopt;
  }
  return nlohmann::ordered_json::parse(read_file(dir.file("results.json")));
}

std::string jinja2_outcome(const nlohmann::ordered_json& result) {
  return result.contains("text") ? result["text"].get<std::string>() : "error: " + result["error"].get<std::string>();
}

std::string render_jinja(const std::string& source, const nlohmann::ordered_json& variables) {
  ChatRenderOptions options;
  options.add_generation_prompt = variables.value("add_generation_prompt", false);
  for (const auto& [k, v] : variables.items())
    if (k != "messages" && k != "add_generation_prompt") options.extra_variables[k] = v;
  try {
    return JinjaChatTemplate::parse(source, "t.jinja")
        .render(variables.value("messages", nlohmann::ordered_json::array()), options);
  } catch (const TemplateError& e) {
    return "error: " + e.message();
  }
}

std::string first_difference(const std::string& expected, const std::string& actual) {
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  const std::size_t from = i > 40 ? i - 40 : 0;
  return "first difference at byte " + std::to_string(i) +
         "\n  expected: " + nlohmann::ordered_json(expected.substr(from, 100)).dump() +
         "\n  actual:   " + nlohmann::ordered_json(actual.substr(from, 100)).dump();
}

}  // namespace sppo::test
