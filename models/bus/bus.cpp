#include "models/bus/bus.h"

#include <algorithm>

#include "models/common/error.h"
#include "models/common/tlm_support.h"

namespace masr {

bus::bus(sc_core::sc_module_name name, const bus_params& params, sc_core::sc_time clock_period)
    : sc_module(name),
      in("in"),
      out("out"),
      latency_(clock_period * static_cast<double>(params.latency_cycles.get())) {
    if (clock_period <= sc_core::SC_ZERO_TIME)
        fail("{}: clock period must be positive, got {}", this->name(), clock_period.to_string());
    log_simulated_time();

    in.register_b_transport(this, &bus::b_transport);
    in.register_transport_dbg(this, &bus::transport_dbg);
    in.register_get_direct_mem_ptr(this, &bus::get_direct_mem_ptr);
    out.register_invalidate_direct_mem_ptr(this, &bus::invalidate_direct_mem_ptr);

    stats.counter("transactions", transactions, "b_transport requests routed to a target");
    stats.counter("bytes", bytes, "bytes moved by routed b_transport requests");
    stats.counter("decode_errors", decode_errors,
                  "b_transport requests to unmapped addresses or crossing a window end");
}

void bus::map(u64 base, u64 size, unsigned out_index, const std::string& name) {
    if (size == 0)
        fail("{}: window '{}' at 0x{:x} has size 0, expected at least 1 byte", this->name(), name,
             base);
    if (base + (size - 1) < base)
        fail(
            "{}: window '{}' at 0x{:x} of 0x{:x} bytes runs past the end of the 64-bit address "
            "space",
            this->name(), name, base, size);
    const window added{base, size, out_index, name};
    for (const auto& w : windows_)
        if (added.base <= w.last() && w.base <= added.last())
            fail(
                "{}: window '{}' [0x{:x}, 0x{:x}] overlaps window '{}' [0x{:x}, 0x{:x}]; expected "
                "disjoint address ranges",
                this->name(), name, added.base, added.last(), w.name, w.base, w.last());
    const auto at = std::upper_bound(windows_.begin(), windows_.end(), base,
                                     [](u64 b, const window& w) { return b < w.base; });
    windows_.insert(at, added);
}

void bus::end_of_elaboration() {
    const unsigned bound = out.size();
    for (const auto& w : windows_)
        if (w.out_index >= bound)
            fail(
                "{}: window '{}' is mapped to out[{}], but only {} target(s) are bound to out; "
                "expected an index below {}",
                name(), w.name, w.out_index, bound, bound);
}

const bus::window* bus::decode(u64 address) const {
    const auto after = std::upper_bound(windows_.begin(), windows_.end(), address,
                                        [](u64 a, const window& w) { return a < w.base; });
    if (after == windows_.begin()) return nullptr;
    const window& w = *(after - 1);
    return address <= w.last() ? &w : nullptr;
}

void bus::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const u64 address = trans.get_address();
    const u64 length = trans.get_data_length();
    const window* w = decode(address);
    if (w == nullptr) {
        ++decode_errors;
        log.warn(
            "{} at 0x{:x} ({} bytes): no target mapped there; expected an address inside a "
            "mapped window",
            command_name(trans.get_command()), address, length);
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (length > 0 && length - 1 > w->last() - address) {
        ++decode_errors;
        log.warn(
            "{} at 0x{:x} ({} bytes) crosses the end of window '{}' at 0x{:x}; expected the "
            "whole request inside one window",
            command_name(trans.get_command()), address, length, w->name, w->last());
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    ++transactions;
    bytes += length;
    delay += latency_;
    trans.set_address(address - w->base);
    out[w->out_index]->b_transport(trans, delay);
    trans.set_address(address);
}

unsigned int bus::transport_dbg(int, tlm::tlm_generic_payload& trans) {
    const u64 address = trans.get_address();
    const window* w = decode(address);
    if (w == nullptr) {
        log.warn(
            "debug {} at 0x{:x}: no target mapped there; expected an address inside a mapped "
            "window",
            command_name(trans.get_command()), address);
        return 0;
    }
    // Debug accesses are cut at the window end rather than refused.
    const unsigned int length = trans.get_data_length();
    const u64 room = w->last() - address;
    if (length > 0 && length - 1 > room) trans.set_data_length(static_cast<unsigned int>(room + 1));
    trans.set_address(address - w->base);
    const unsigned int moved = out[w->out_index]->transport_dbg(trans);
    trans.set_address(address);
    trans.set_data_length(length);
    return moved;
}

bool bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const u64 address = trans.get_address();
    const window* w = decode(address);
    if (w == nullptr) {
        // Deny the whole gap between the neighbouring windows.
        const auto after = std::upper_bound(windows_.begin(), windows_.end(), address,
                                            [](u64 a, const window& x) { return a < x.base; });
        dmi.set_start_address(after == windows_.begin() ? 0 : (after - 1)->last() + 1);
        dmi.set_end_address(after == windows_.end() ? ~u64{0} : after->base - 1);
        return false;
    }
    trans.set_address(address - w->base);
    const bool granted = out[w->out_index]->get_direct_mem_ptr(trans, dmi);
    trans.set_address(address);

    // The target's local range, cut to the window and moved to bus addresses.
    const u64 local_start = dmi.get_start_address();
    const u64 local_end = std::min<u64>(dmi.get_end_address(), w->size - 1);
    if (local_start > local_end) {
        dmi.set_start_address(address);
        dmi.set_end_address(address);
        return false;
    }
    dmi.set_start_address(w->base + local_start);
    dmi.set_end_address(w->base + local_end);
    dmi.set_read_latency(dmi.get_read_latency() + latency_);
    dmi.set_write_latency(dmi.get_write_latency() + latency_);
    return granted;
}

void bus::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (const auto& w : windows_) {
        if (w.out_index != static_cast<unsigned>(id) || start > w.size - 1) continue;
        const u64 bus_start = w.base + start;
        const u64 bus_end = w.base + std::min<u64>(end, w.size - 1);
        for (unsigned i = 0; i < in.size(); ++i)
            in[i]->invalidate_direct_mem_ptr(bus_start, bus_end);
    }
}

}  // namespace masr
