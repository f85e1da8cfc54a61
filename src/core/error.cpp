#include "core/error.hpp"

#include <cstring>

namespace sppo {

void throw_io_error(const std::string& path, const std::string& operation, int errno_value) {
  throw IoError(path + ": " + operation + " failed: " + std::strerror(errno_value));
}

}  // namespace sppo
