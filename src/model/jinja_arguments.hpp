#pragma once
// defines: jinja::Arguments, Python's binding of call arguments to a builtin's parameters
// (positional then keyword, defaults, "got an unexpected keyword argument"), shared by the
// filters, tests, methods and global functions.
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

#include "model/jinja_value.hpp"

namespace sppo::jinja {

class Arguments {
 public:
  // Binds `args` to `params` for `function` (its name in error messages). With
  // `extra_positional`, positional arguments past the parameters are kept (rest()) instead of
  // being a TypeError; with `extra_keyword`, unknown keywords are kept (extra_keywords()).
  Arguments(std::string function, CallArgs args, std::initializer_list<const char*> params,
            bool extra_positional = false, bool extra_keyword = false);

  bool has(std::size_t i) const { return bound_[i]; }
  const Value& get(std::size_t i) const { return values_[i]; }
  Value get_or(std::size_t i, Value fallback) const { return bound_[i] ? values_[i] : fallback; }
  // A required parameter: TypeError "f() missing required argument: 'x'" when absent.
  const Value& required(std::size_t i) const;
  // Parameter i as an int (bool counts): TypeError naming the function otherwise.
  int64_t integer(std::size_t i, int64_t fallback) const;
  // Parameter i as a string; `fallback` when absent or None.
  std::string string(std::size_t i, const std::string& fallback) const;
  bool truth(std::size_t i, bool fallback) const { return bound_[i] ? truthy(values_[i]) : fallback; }

  const std::vector<Value>& rest() const { return rest_; }
  const std::vector<std::pair<std::string, Value>>& extra_keywords() const { return extra_keywords_; }
  const std::string& function() const { return function_; }

 private:
  std::string function_;
  std::vector<const char*> names_;
  std::vector<Value> values_;
  std::vector<bool> bound_;
  std::vector<Value> rest_;
  std::vector<std::pair<std::string, Value>> extra_keywords_;
};

}  // namespace sppo::jinja
