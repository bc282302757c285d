#pragma once
// SIGINT and SIGTERM stop a tool at once with one line on stderr and exit
// status 130 or 143. Nothing needs undoing at that point, because outputs are
// only written inside an output_critical_section: there the signal waits until
// the file or folder has been published whole, and then stops the tool.
#include <signal.h>

namespace masr {

// Installs the handlers; `tool` is the name printed in the message. The
// name must outlive the process (a string literal).
void install_interrupt_handlers(const char* tool);

// SIGINT and SIGTERM wait while any deferral is held (counted, so holders
// may end in any order: two output folders publish one after the other). A
// signal that came meanwhile stops the tool when the last one is released.
// The tools write their outputs from the main thread only.
void defer_stop_signals();
void release_stop_signals();

// A deferral for a scope; nestable.
class output_critical_section {
public:
    output_critical_section() { defer_stop_signals(); }
    ~output_critical_section() { release_stop_signals(); }
    output_critical_section(const output_critical_section&) = delete;
    output_critical_section& operator=(const output_critical_section&) = delete;
};

}  // namespace masr
