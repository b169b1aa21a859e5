#include "sim/base/errors.hpp"

namespace somnus {

int exit_code(const std::exception& error) {
    if (dynamic_cast<const UsageError*>(&error)) return exit_usage;
    return exit_failed;
}

}  // namespace somnus
