#pragma once
// SystemC/TLM helpers shared by the models. Header-only, so that masr_common
// itself stays free of SystemC (the golden reference links it too).
#include <systemc>
#include <tlm>

#include "models/common/log.h"

namespace masr {

// For log and error messages.
inline const char* command_name(tlm::tlm_command command) {
    switch (command) {
        case tlm::TLM_READ_COMMAND:
            return "read";
        case tlm::TLM_WRITE_COMMAND:
            return "write";
        default:
            return "ignore";
    }
}

inline double simulated_seconds() {
    return sc_core::sc_time_stamp().to_seconds();
}

// Log lines of SystemC models carry the simulated time ([W 0.000001250] ...).
inline void log_simulated_time() {
    set_log_clock(&simulated_seconds);
}

}  // namespace masr
