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

std::string bytes_text(unsigned long long bytes) {
    if (bytes >= (1ull << 20)) return fmt::format("{:.2f} MiB", bytes / 1048576.0);
    if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
    return fmt::format("{} B", bytes);
}

}  // namespace masr
