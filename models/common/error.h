#pragma once
// Errors that reach a user. Every message names where the problem is (file and
// line, field, register or socket) and what was expected, so that it can be
// fixed without reading the source.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace YAML {
class Node;
}

namespace masr {

// Bad input: a configuration, workload, data file or command-line value.
class input_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "file:line: message" for a YAML node (line is 1-based; omitted when unknown).
std::string location(const std::string& file, const YAML::Node& node);
std::string location(const std::string& file, int line);

// "2.85 MiB", "180.0 KiB", "40 B", for capacity messages.
std::string bytes_text(unsigned long long bytes);

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
    throw input_error(fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void fail_at(const std::string& file, const YAML::Node& node,
                          fmt::format_string<Args...> format, Args&&... args) {
    throw input_error(location(file, node) + ": " +
                      fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace masr
