#include "models/common/exit_codes.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include "models/common/error.h"
#include "models/common/interrupt.h"

namespace masr {

const char* exit_status_help() {
    return "Exit status:\n"
           "  0  done (and, where asked for, the check passed)\n"
           "  1  check mismatch: the run differs from the reference\n"
           "  2  bad input: the message names the file and line, or the option\n"
           "  3  internal error (a bug, or out of memory): please report it\n"
           "  130, 143  stopped by SIGINT or SIGTERM: outputs are as before the run, or whole";
}

int run_tool(const char* tool, const std::function<int()>& body) {
    install_interrupt_handlers(tool);
    try {
        return body();
    } catch (const input_error& e) {
        std::cout.flush();
        std::fprintf(stderr, "%s: %s\n", tool, e.what());
        return exit_bad_input;
    } catch (const std::bad_alloc&) {
        std::cout.flush();
        std::fprintf(stderr, "%s: internal error: out of memory\n", tool);
        return exit_internal_error;
    } catch (const std::exception& e) {
        std::cout.flush();
        std::fprintf(stderr, "%s: internal error: %s\n", tool, e.what());
        return exit_internal_error;
    } catch (...) {
        std::cout.flush();
        std::fprintf(stderr, "%s: internal error: unknown exception\n", tool);
        return exit_internal_error;
    }
}

}  // namespace masr
