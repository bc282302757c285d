#include "models/console/console.h"

#include <cstring>

#include "models/common/tlm_support.h"

namespace masr {

console::console(sc_core::sc_module_name name, std::ostream* out)
    : sc_module(name), regs("regs"), out_(out) {
    log_simulated_time();
    regs.register_b_transport(this, &console::b_transport);
    stats.counter("bytes_printed", bytes_printed, "bytes the firmware printed");
}

void console::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
    const u64 offset = trans.get_address();
    if (!trans.is_write() || trans.get_data_length() != 4 || (offset != 0 && offset != 4) ||
        trans.get_byte_enable_ptr()) {
        log.warn(
            "{}-byte {} at console offset 0x{:x}: the console takes 32-bit writes to +0 "
            "(a byte to print) and +4 (the exit code)",
            trans.get_data_length(), command_name(trans.get_command()), offset);
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    u32 value = 0;
    std::memcpy(&value, trans.get_data_ptr(), 4);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    if (offset == 0) {
        ++bytes_printed;
        const char c = static_cast<char>(value & 0xff);
        if (c == '\n') {
            if (out_) *out_ << line_ << "\n" << std::flush;
            lines_.push_back(line_);
            line_.clear();
        } else {
            line_ += c;
        }
        return;
    }
    if (!line_.empty()) {
        if (out_) *out_ << line_ << "\n" << std::flush;
        lines_.push_back(line_);
        line_.clear();
    }
    exited_ = true;
    exit_code_ = value;
    log.info("firmware exit code {}", value);
    sc_core::sc_stop();
}

}  // namespace masr
