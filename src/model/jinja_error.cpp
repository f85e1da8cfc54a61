#include "model/jinja_error.hpp"

namespace sppo {

TemplateError::TemplateError(const std::string& origin, int line, const std::string& message)
    : FormatError(origin + ":" + std::to_string(line) + ": " + message), origin_(origin), line_(line), message_(message) {}

namespace jinja {

void throw_template_error(const EvalError& error, const std::string& origin, int line) {
  switch (error.kind()) {
    case ErrorKind::Raised:
      throw TemplateRaisedError(origin, line, error.message());
    case ErrorKind::Unsupported:
      throw TemplateUnsupportedError(origin, line, error.message());
    case ErrorKind::Limit:
      throw TemplateLimitError(origin, line, error.message());
    case ErrorKind::Type:
    case ErrorKind::Undefined:
    case ErrorKind::Security:
    case ErrorKind::Runtime:
      break;
  }
  throw TemplateRuntimeError(origin, line, error.message());
}

}  // namespace jinja
}  // namespace sppo
