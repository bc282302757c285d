#include "platforms/src/systemc_tool.h"

#include <cstdlib>
#include <iostream>
#include <systemc>

#include "models/common/error.h"
#include "models/common/exit_codes.h"
#include "models/common/interrupt.h"

namespace masr {

int run_systemc_tool(const char* tool, const std::function<int()>& body) {
    install_interrupt_handlers(tool);
    try {
        return body();
    } catch (const input_error& e) {
        std::cerr << tool << ": " << e.what() << "\n";
        return exit_bad_input;
    } catch (const sc_core::sc_report& e) {
        std::cerr << tool << ": " << e.what() << "\n";
        return exit_internal_error;
    } catch (const std::exception& e) {
        std::cerr << tool << ": " << e.what() << "\n";
        return exit_internal_error;
    }
}

int systemc_main(int argc, char** argv) {
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

}  // namespace masr
