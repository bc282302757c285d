#include "models/common/log.h"

#include <cstdio>
#include <map>

#include "models/common/error.h"

namespace masr {
namespace {

std::map<std::string, log_level>& level_table() {
    static std::map<std::string, log_level> table{{"", log_level::warning}};
    return table;
}

log_clock& clock_source() {
    static log_clock clock = nullptr;
    return clock;
}

std::string& fault_text() {
    static std::string text;
    return text;
}

}  // namespace

log_level parse_log_level(const std::string& text) {
    if (text == "error") return log_level::error;
    if (text == "warning" || text == "warn") return log_level::warning;
    if (text == "info") return log_level::info;
    if (text == "debug") return log_level::debug;
    fail("log level '{}' is not one of error, warning, info, debug", text);
}

const char* to_string(log_level level) {
    switch (level) {
        case log_level::error:
            return "error";
        case log_level::warning:
            return "warning";
        case log_level::info:
            return "info";
        case log_level::debug:
            return "debug";
    }
    return "?";
}

void set_log_level(const std::string& prefix, log_level level) {
    level_table()[prefix] = level;
}

log_level configured_log_level(const std::string& name) {
    log_level level = log_level::warning;
    std::size_t best = 0;
    for (const auto& [prefix, value] : level_table()) {
        const bool matches =
            name.compare(0, prefix.size(), prefix) == 0 &&
            (name.size() == prefix.size() || prefix.empty() || name[prefix.size()] == '.');
        if (matches && prefix.size() >= best) {
            best = prefix.size();
            level = value;
        }
    }
    return level;
}

const std::string& first_fault() {
    return fault_text();
}

void clear_faults() {
    fault_text().clear();
}

void logger::note_fault(const std::string& message) const {
    if (fault_text().empty()) fault_text() = name_ + ": " + message;
}

void set_log_clock(log_clock clock) {
    clock_source() = clock;
}

logger::logger(std::string name) : name_(std::move(name)), level_(configured_log_level(name_)) {}

void logger::write(log_level level, const std::string& message) const {
    static const char tags[] = {'E', 'W', 'I', 'D'};
    const char tag = tags[static_cast<int>(level)];
    if (const log_clock clock = clock_source())
        std::fprintf(stderr, "[%c %.9f] %s: %s\n", tag, clock(), name_.c_str(), message.c_str());
    else
        std::fprintf(stderr, "[%c -] %s: %s\n", tag, name_.c_str(), message.c_str());
}

}  // namespace masr
