#pragma once
// The entry of a SystemC tool (masr-sim, masr-cosim): the shared exit
// statuses (models/common/exit_codes.h) and SIGINT/SIGTERM handling, plus
// the SystemC specifics.
#include <functional>

namespace masr {

// For sc_main: runs body; an input_error gives status 2, an sc_report (what
// a process that threw during sc_start() arrives as) or any other exception
// status 3, each as "tool: message".
int run_systemc_tool(const char* tool, const std::function<int()>& body);

// For main: sc_elab_and_sim() without the SystemC banner, which it would
// print before sc_main() and so above the tool's own output.
int systemc_main(int argc, char** argv);

}  // namespace masr
