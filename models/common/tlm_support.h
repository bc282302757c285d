#pragma once
// SystemC/TLM helpers shared by the models. Header-only, so that masr_common
// itself stays free of SystemC (the golden reference links it too).
#include <systemc>
#include <tlm>

#include "models/common/log.h"
#include "models/common/types.h"

namespace masr {

// Stack for a thread that initiates NoC transfers: forwarding nests one
// b_transport per hop on the caller's stack, about 1.3 KB per hop in
// sanitizer builds; 4 MiB covers a 2048-hop path with room to spare.
constexpr std::size_t noc_thread_stack_bytes = std::size_t{4} << 20;

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

// Sets up a payload for a plain memory-style request: no byte enables, no
// streaming, no DMI hint, response pending. Extensions are left as they are.
inline void prepare(tlm::tlm_generic_payload& p, tlm::tlm_command command, u64 address, u8* data,
                    u64 length) {
    p.set_command(command);
    p.set_address(address);
    p.set_data_ptr(data);
    p.set_data_length(static_cast<unsigned>(length));
    p.set_streaming_width(static_cast<unsigned>(length));
    p.set_byte_enable_ptr(nullptr);
    p.set_byte_enable_length(0);
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// Integer clock cycles and SystemC time. Every period is a whole number of
// time-resolution units (platform_config::clock_period), so these are exact.
inline u64 cycles_at(const sc_core::sc_time& t, const sc_core::sc_time& period) {
    return (t.value() + period.value() - 1) / period.value();
}
inline sc_core::sc_time time_of(u64 cycles, const sc_core::sc_time& period) {
    return sc_core::sc_time::from_value(cycles * period.value());
}
inline u64 now_cycle(const sc_core::sc_time& period) {
    return cycles_at(sc_core::sc_time_stamp(), period);
}
// The annotated delay that reaches absolute cycle `cycle` from now.
inline sc_core::sc_time delay_to(u64 cycle, const sc_core::sc_time& period) {
    const sc_core::sc_time at = time_of(cycle, period);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    return at > now ? at - now : sc_core::SC_ZERO_TIME;
}

// On a read: the initiator already holds the data (through DMI) and asks
// the target only to book the access and return its time. Memories that
// support it skip the copy; the data pointer may be null.
struct timing_only_extension : tlm::tlm_extension<timing_only_extension> {
    tlm::tlm_extension_base* clone() const override { return new timing_only_extension(*this); }
    void copy_from(const tlm::tlm_extension_base&) override {}
};

inline double simulated_seconds() {
    return sc_core::sc_time_stamp().to_seconds();
}

// Log lines of SystemC models carry the simulated time ([W 0.000001250] ...).
inline void log_simulated_time() {
    set_log_clock(&simulated_seconds);
}

}  // namespace masr
