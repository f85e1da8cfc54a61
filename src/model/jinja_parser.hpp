#pragma once
// defines: jinja::parse_template, jinja2's parser for the statements and expressions chat
// templates use: tokens -> jinja::Program. Constructs outside that set are refused here, at
// parse time, with their name and line, as are unknown filters and tests (jinja2 also checks
// those when it compiles).
#include <memory>
#include <string>
#include <string_view>

#include "model/jinja_ast.hpp"

namespace sppo::jinja {

// Statement and expression nesting deeper than this is refused (TemplateLimitError): it keeps
// the recursive parser and interpreter off the end of the stack.
constexpr int kMaxNesting = 200;

// TemplateSyntaxError / TemplateUnsupportedError / TemplateLimitError, each naming `origin`
// and the line, when `source` is not a template this interpreter can run.
std::shared_ptr<const Program> parse_template(std::string_view source, const std::string& origin);

}  // namespace sppo::jinja
