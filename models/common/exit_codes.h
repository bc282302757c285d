#pragma once
// One set of exit statuses for every tool, so that a script or CI job can
// tell a wrong result from a wrong input from a bug without parsing text.
#include <functional>

namespace masr {

enum exit_status : int {
    exit_ok = 0,              // done (and every requested check passed)
    exit_mismatch = 1,        // ran, but a requested check found a difference
    exit_bad_input = 2,       // bad input: the message names the file, line or option
    exit_internal_error = 3,  // a bug or a resource failure (out of memory): please report it
};

// The paragraph every tool's --help prints.
const char* exit_status_help();

// Installs the SIGINT/SIGTERM handlers (interrupt.h), runs a tool's body and maps what escapes it
// to the statuses above: an input_error prints "tool: message" and gives exit_bad_input, anything
// else "tool: internal error: ..." and exit_internal_error; the body's own return value passes
// through. Standard output is flushed first, so that the message comes after everything the tool
// printed.
int run_tool(const char* tool, const std::function<int()>& body);

}  // namespace masr
