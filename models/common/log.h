#pragma once
// Per-model logging in the VCML style:
//   [W 1.000000200] masr.tile_3.pe: FIFO overflow ...
// Each logger has its own level. Levels are set by hierarchical name prefix
// (set_log_level("masr.tile_3", log_level::debug)) before the model is built,
// or on the logger itself. Disabled levels cost one comparison: the message
// is not formatted.
#include <fmt/format.h>

#include <string>

namespace masr {

enum class log_level { error = 0, warning = 1, info = 2, debug = 3 };

// Parses "error", "warning", "info" or "debug"; throws input_error otherwise.
log_level parse_log_level(const std::string& text);
const char* to_string(log_level level);

// Level for every logger whose name starts with prefix (the longest matching
// prefix wins; the empty prefix is the default, warning).
void set_log_level(const std::string& prefix, log_level level);
log_level configured_log_level(const std::string& name);

// Where the time stamp in a log line comes from (simulated seconds). SystemC
// models install sc_time_stamp(); plain tools leave it unset and print "-".
using log_clock = double (*)();
void set_log_clock(log_clock clock);

// The first fault a model reported (logger::fault) in this process, "" if
// none: what a tool tells the user when a run stops early.
const std::string& first_fault();
void clear_faults();

class logger {
public:
    explicit logger(std::string name);

    const std::string& name() const { return name_; }
    log_level level() const { return level_; }
    void set_level(log_level level) { level_ = level; }
    bool enabled(log_level level) const { return level <= level_; }

    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) const {
        emit(log_level::error, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args) const {
        emit(log_level::warning, f, std::forward<Args>(args)...);
    }
    // An error that stops the run: logged, and kept as first_fault() when it
    // is the first. The model then stops the simulation.
    template <typename... Args>
    void fault(fmt::format_string<Args...> f, Args&&... args) const {
        const std::string message = fmt::format(f, std::forward<Args>(args)...);
        write(log_level::error, message);
        note_fault(message);
    }
    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) const {
        emit(log_level::info, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) const {
        emit(log_level::debug, f, std::forward<Args>(args)...);
    }

private:
    template <typename... Args>
    void emit(log_level level, fmt::format_string<Args...> f, Args&&... args) const {
        if (enabled(level)) write(level, fmt::format(f, std::forward<Args>(args)...));
    }
    void write(log_level level, const std::string& message) const;
    void note_fault(const std::string& message) const;

    std::string name_;
    log_level level_;
};

}  // namespace masr
