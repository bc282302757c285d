#include "models/common/interrupt.h"

#include <unistd.h>

#include <cstring>

namespace masr {
namespace {

const char* tool_name = "masr";

void write_all(const char* text) {
    size_t left = std::strlen(text);
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, text, left);
        if (n <= 0) return;
        text += n;
        left -= static_cast<size_t>(n);
    }
}

// Only async-signal-safe calls: write(2) and _exit(2).
extern "C" void stop_on_signal(int signal_number) {
    write_all(tool_name);
    write_all(signal_number == SIGINT ? ": stopped by SIGINT" : ": stopped by SIGTERM");
    write_all("; outputs are as they were before this run, or complete from it\n");
    ::_exit(128 + signal_number);
}

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

void install_interrupt_handlers(const char* tool) {
    tool_name = tool;
    struct sigaction action {};
    action.sa_handler = stop_on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

namespace {
unsigned deferrals = 0;
sigset_t mask_before_deferral;
}  // namespace

void defer_stop_signals() {
    if (deferrals++ > 0) return;
    const sigset_t block = stop_signals();
    sigprocmask(SIG_BLOCK, &block, &mask_before_deferral);
}

void release_stop_signals() {
    if (deferrals == 0 || --deferrals > 0) return;
    // A signal that arrived meanwhile is delivered here, after the publish.
    sigprocmask(SIG_SETMASK, &mask_before_deferral, nullptr);
}

}  // namespace masr
