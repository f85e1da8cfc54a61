#include "model/jinja_error.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(JinjaError, NamesTheTemplateAndLine) {
  const TemplateError e("tokenizer_config.json: chat_template", 3, "unknown filter \"x\"");
  EXPECT_EQ(std::string(e.what()), "tokenizer_config.json: chat_template:3: unknown filter \"x\"");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.message(), "unknown filter \"x\"");
}

TEST(JinjaError, EvalErrorsBecomeTheirKind) {
  using jinja::ErrorKind;
  using jinja::EvalError;
  EXPECT_THROW(jinja::throw_template_error(EvalError(ErrorKind::Raised, "m"), "t", 1), TemplateRaisedError);
  EXPECT_THROW(jinja::throw_template_error(EvalError(ErrorKind::Unsupported, "m"), "t", 1), TemplateUnsupportedError);
  EXPECT_THROW(jinja::throw_template_error(EvalError(ErrorKind::Limit, "m"), "t", 1), TemplateLimitError);
  EXPECT_THROW(jinja::throw_template_error(EvalError(ErrorKind::Undefined, "m"), "t", 1), TemplateRuntimeError);
  EXPECT_THROW(jinja::throw_template_error(EvalError(ErrorKind::Type, "m"), "t", 1), FormatError);
}

}  // namespace
}  // namespace sppo
