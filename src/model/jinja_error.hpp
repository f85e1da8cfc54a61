#pragma once
// defines: the errors of the chat-template interpreter (sppo::TemplateError and its kinds) and
// jinja::EvalError, the line-less error the value operations throw inside a render.
// Every TemplateError names the template and the line: "<origin>:<line>: <message>".
#include <string>

#include "core/error.hpp"

namespace sppo {

// A chat template could not be parsed or rendered. what() is "<origin>:<line>: <message>";
// message() is the bare message (for a raise_exception() it is exactly the template's text).
class TemplateError : public FormatError {
 public:
  TemplateError(const std::string& origin, int line, const std::string& message);
  const std::string& origin() const { return origin_; }
  int line() const { return line_; }
  const std::string& message() const { return message_; }

 private:
  std::string origin_;
  int line_;
  std::string message_;
};

// The text is not a template: an unclosed tag, a bad token, an unbalanced bracket.
class TemplateSyntaxError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// The template uses a Jinja construct (statement, filter, test, method, global) that this
// interpreter does not implement; jinja2 might have rendered it.
class TemplateUnsupportedError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// Rendering failed the way jinja2 fails: an undefined value used, a type error, a bad index.
class TemplateRuntimeError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// The template refused the conversation: raise_exception(message).
class TemplateRaisedError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// A render went past one of its budgets (output, allocations, steps, nesting): a hostile or
// runaway template.
class TemplateLimitError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

namespace jinja {

// What went wrong, in jinja2's terms; the interpreter turns it into the TemplateError above
// with the line of the node being evaluated.
enum class ErrorKind {
  Type,          // TypeError, ValueError, ZeroDivisionError, OverflowError, ...
  Undefined,     // UndefinedError: an undefined value was used
  Security,      // SecurityError: a mutating or private attribute
  Runtime,       // TemplateRuntimeError (e.g. assigning an attribute of a non-namespace)
  Raised,        // raise_exception(message)
  Unsupported,   // a construct this interpreter lacks
  Limit,         // a render budget is exhausted
};

class EvalError {
 public:
  EvalError(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_;
  std::string message_;
};

[[noreturn]] inline void throw_type_error(std::string message) { throw EvalError(ErrorKind::Type, std::move(message)); }
[[noreturn]] inline void throw_unsupported(std::string message) {
  throw EvalError(ErrorKind::Unsupported, std::move(message));
}

// The TemplateError of the right kind for `error` at `origin`:`line`.
[[noreturn]] void throw_template_error(const EvalError& error, const std::string& origin, int line);

}  // namespace jinja
}  // namespace sppo
