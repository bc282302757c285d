#include "models/common/error.h"

#include <yaml-cpp/yaml.h>

namespace masr {

std::string location(const std::string& file, int line) {
    return line > 0 ? fmt::format("{}:{}", file, line) : file;
}

std::string location(const std::string& file, const YAML::Node& node) {
    // yaml-cpp marks are 0-based; an undefined node has line -1.
    const int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    return location(file, line);
}

}  // namespace masr
