#pragma once
// Console device of the co-simulation platform: firmware prints a byte by
// writing it to +0 and ends the run by writing its exit code to +4
// (firmware/masr_boot.h). Lines go to the output stream as they complete.
#include <tlm_utils/simple_target_socket.h>

#include <iostream>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

class console : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<console> regs;

    explicit console(sc_core::sc_module_name name, std::ostream* out = &std::cout);

    bool exited() const { return exited_; }
    u32 exit_code() const { return exit_code_; }
    const std::vector<std::string>& lines() const { return lines_; }

    logger log{name()};
    u64 bytes_printed = 0;
    stats_scope stats{name()};

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    std::ostream* out_;
    std::string line_;
    std::vector<std::string> lines_;
    bool exited_ = false;
    u32 exit_code_ = 0;
};

}  // namespace masr
