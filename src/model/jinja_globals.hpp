#pragma once
// defines: the global functions a chat template can call: jinja2's range (with the sandbox's
// MAX_RANGE), dict, namespace, and transformers' raise_exception and strftime_now.
#include <string>
#include <string_view>

#include "model/jinja_interpreter.hpp"

namespace sppo::jinja {

// The globals, for the outermost scope of a render.
Variables builtin_globals();

// jinja2 globals this interpreter lacks (cycler, joiner, lipsum): a name lookup that finds
// nothing else refuses them instead of treating them as undefined.
bool is_unsupported_global(std::string_view name);

// jinja2's sandbox: range() may not produce more items than this.
constexpr int64_t kMaxRange = 100000;

}  // namespace sppo::jinja
