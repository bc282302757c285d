#pragma once
// A testbench initiator: one SC_THREAD runs a script that issues blocking
// transactions through `socket`. The script records what it sees; the test
// body checks the records after sc_start (Catch2 assertions must not throw
// inside a SystemC thread). Used by the sram, bus and compressor testbenches.
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <systemc>
#include <tlm>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/types.h"

namespace masr::tb {

class initiator : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<initiator> socket;
    tlm::tlm_generic_payload trans;
    // DMI invalidations received: (start, end).
    std::vector<std::pair<u64, u64>> invalidations;

    SC_HAS_PROCESS(initiator);
    initiator(sc_core::sc_module_name name, std::function<void(initiator&)> script)
        : sc_module(name), socket("socket"), script_(std::move(script)) {
        socket.register_invalidate_direct_mem_ptr(this, &initiator::invalidate);
        SC_THREAD(run);
    }

    // Resets trans to a plain request (no byte enables, streaming width =
    // length) for further changes before send().
    tlm::tlm_generic_payload& prepare(tlm::tlm_command command, u64 address, void* data,
                                      unsigned int length) {
        trans.set_command(command);
        trans.set_address(address);
        trans.set_data_ptr(static_cast<unsigned char*>(data));
        trans.set_data_length(length);
        trans.set_streaming_width(length);
        trans.set_byte_enable_ptr(nullptr);
        trans.set_byte_enable_length(0);
        trans.set_dmi_allowed(false);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        return trans;
    }

    // b_transport of trans, with ext attached for the call only.
    template <typename Extension = tlm::tlm_extension_base>
    tlm::tlm_response_status send(sc_core::sc_time& delay, Extension* ext = nullptr) {
        if constexpr (!std::is_same_v<Extension, tlm::tlm_extension_base>) {
            if (ext) trans.set_extension(ext);
        }
        socket->b_transport(trans, delay);
        if constexpr (!std::is_same_v<Extension, tlm::tlm_extension_base>) {
            if (ext) trans.clear_extension(ext);
        }
        return trans.get_response_status();
    }

    tlm::tlm_response_status write(u64 address, std::vector<u8> data, sc_core::sc_time& delay) {
        prepare(tlm::TLM_WRITE_COMMAND, address, data.data(), static_cast<unsigned>(data.size()));
        return send(delay);
    }

    tlm::tlm_response_status read(u64 address, std::vector<u8>& data, sc_core::sc_time& delay) {
        prepare(tlm::TLM_READ_COMMAND, address, data.data(), static_cast<unsigned>(data.size()));
        return send(delay);
    }

    unsigned int debug(tlm::tlm_command command, u64 address, void* data, unsigned int length) {
        prepare(command, address, data, length);
        return socket->transport_dbg(trans);
    }

    bool dmi(u64 address, tlm::tlm_dmi& region) {
        prepare(tlm::TLM_READ_COMMAND, address, nullptr, 0);
        return socket->get_direct_mem_ptr(trans, region);
    }

private:
    void run() { script_(*this); }
    void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
        invalidations.emplace_back(start, end);
    }

    std::function<void(initiator&)> script_;
};

inline sc_core::sc_time ns(double n) {
    return sc_core::sc_time(n, sc_core::SC_NS);
}

}  // namespace masr::tb
