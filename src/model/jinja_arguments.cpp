#include "model/jinja_arguments.hpp"

#include <cstring>

#include "model/jinja_error.hpp"

namespace sppo::jinja {

Arguments::Arguments(std::string function, CallArgs args, std::initializer_list<const char*> params,
                     bool extra_positional, bool extra_keyword)
    : function_(std::move(function)), names_(params), values_(params.size()), bound_(params.size(), false) {
  for (std::size_t i = 0; i < args.positional.size(); ++i) {
    if (i < names_.size()) {
      values_[i] = std::move(args.positional[i]);
      bound_[i] = true;
    } else if (extra_positional) {
      rest_.push_back(std::move(args.positional[i]));
    } else {
      throw_type_error(function_ + "() takes at most " + std::to_string(names_.size()) + " argument(s) (" +
                       std::to_string(args.positional.size()) + " given)");
    }
  }
  for (auto& [key, value] : args.keyword) {
    std::size_t i = 0;
    while (i < names_.size() && key != names_[i]) ++i;
    if (i == names_.size()) {
      if (!extra_keyword) throw_type_error(function_ + "() got an unexpected keyword argument '" + key + "'");
      extra_keywords_.emplace_back(key, std::move(value));
      continue;
    }
    if (bound_[i]) throw_type_error(function_ + "() got multiple values for argument '" + key + "'");
    values_[i] = std::move(value);
    bound_[i] = true;
  }
}

const Value& Arguments::required(std::size_t i) const {
  if (!bound_[i]) throw_type_error(function_ + "() missing required argument: '" + names_[i] + "'");
  return values_[i];
}

int64_t Arguments::integer(std::size_t i, int64_t fallback) const {
  if (!bound_[i]) return fallback;
  const Value& v = values_[i];
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_int() && !v.is_bool())
    throw_type_error("'" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.as_integer();
}

std::string Arguments::string(std::size_t i, const std::string& fallback) const {
  if (!bound_[i] || values_[i].is_none()) return fallback;
  return to_str(values_[i]);
}

}  // namespace sppo::jinja
