#include "models/ni/ni.h"

#include <algorithm>

#include "models/common/error.h"
#include "models/common/tlm_support.h"

namespace masr {

ni::ni(sc_core::sc_module_name name, const ni_params& params, sc_core::sc_time clock_period,
       u64 window_base)
    : sc_module(name),
      noc_in("noc_in"),
      node_out("node_out"),
      node_in("node_in"),
      noc_out("noc_out"),
      arrivals("arrivals"),
      clock_(clock_period),
      window_base_(window_base),
      sync_cycles_(params.sync_cycles),
      counters_(params.counters) {
    if (clock_period <= sc_core::SC_ZERO_TIME)
        fail("{}: clock period must be positive, got {}", this->name(), clock_period.to_string());
    log_simulated_time();
    noc_in.register_b_transport(this, &ni::from_noc);
    noc_in.register_transport_dbg(this, &ni::from_noc_dbg);
    node_in.register_b_transport(this, &ni::from_node);
    node_in.register_transport_dbg(this, &ni::from_node_dbg);
    node_in.register_get_direct_mem_ptr(this, &ni::from_node_dmi);
    arrivals.bind(*this);

    stats.counter("arrivals", arrivals_counted, "arrivals counted (notifying writes, doorbells)");
    stats.counter("doorbells", doorbells, "writes to the counter window");
    stats.counter("waits", waits, "waits of node processes on a counter");
    stats.counter("blocked_waits", blocked_waits, "of which the process had to block");
    stats.counter("errors", errors, "requests refused (bad counter, bad doorbell)");
}

sc_core::sc_event& ni::changed_event(counter_state& c) {
    if (!c.changed) c.changed = std::make_unique<sc_core::sc_event>();
    return *c.changed;
}

void ni::record(u32 counter, path_stamp stamp) {
    counter_state& c = counters_[counter];
    c.pending.push_back(stamp);
    ++arrivals_counted;
    changed_event(c).notify(sc_core::SC_ZERO_TIME);
}

void ni::doorbell(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const u64 address = trans.get_address();
    const u64 index = (address - window_base_) / 8;
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND || (address - window_base_) % 8 != 0 ||
        trans.get_data_length() != 8 || trans.get_byte_enable_ptr() != nullptr) {
        log.warn(
            "{} of {} bytes at counter window address 0x{:x}: expected an 8-byte write at an "
            "8-byte aligned counter address",
            command_name(trans.get_command()), trans.get_data_length(), address);
        ++errors;
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    const u8* data = trans.get_data_ptr();
    u64 increment = 0;
    for (int i = 0; i < 8; ++i) increment |= u64{data[i]} << (8 * i);
    if (increment == 0 || increment > 1024) {
        log.warn("doorbell of counter {} adds {}, expected 1 to 1024 arrivals", index, increment);
        ++errors;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    path_stamp stamp;
    const u64 at = cycles_at(sc_core::sc_time_stamp() + delay, clock_);
    if (const auto* ext = trans.get_extension<arrival_extension>()) stamp = ext->sent;
    stamp.advance(at, path_part::sync);
    for (u64 i = 0; i < increment; ++i) record(static_cast<u32>(index), stamp);
    ++doorbells;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ni::from_noc(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const u64 address = trans.get_address();
    if (address >= window_base_ && address - window_base_ < u64{8} * counters_.size()) {
        doorbell(trans, delay);
        return;
    }
    const auto* ext = trans.get_extension<arrival_extension>();
    if (ext &&
        (trans.get_command() != tlm::TLM_WRITE_COMMAND || ext->counter >= counters_.size())) {
        log.warn(
            "{} at 0x{:x} asks to count arrival counter {}: expected a write and a counter "
            "below {}",
            command_name(trans.get_command()), address, ext->counter, counters_.size());
        ++errors;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    node_out->b_transport(trans, delay);
    if (ext && trans.is_response_ok()) {
        path_stamp stamp = ext->sent;
        stamp.advance(cycles_at(sc_core::sc_time_stamp() + delay, clock_),
                      ext->carries_data ? path_part::noc : path_part::sync);
        record(ext->counter, stamp);
    }
}

unsigned int ni::from_noc_dbg(tlm::tlm_generic_payload& trans) {
    return node_out->transport_dbg(trans);
}

void ni::from_node(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    noc_out->b_transport(trans, delay);
}

unsigned int ni::from_node_dbg(int, tlm::tlm_generic_payload& trans) {
    return noc_out->transport_dbg(trans);
}

bool ni::from_node_dmi(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    return noc_out->get_direct_mem_ptr(trans, dmi);
}

u64 ni::arrived(u32 counter) const {
    if (counter >= counters_.size()) return 0;
    return counters_[counter].floor + counters_[counter].pending.size();
}

void ni::clear() {
    for (counter_state& c : counters_) {
        c.floor = 0;
        c.pending.clear();
    }
}

path_stamp ni::wait_for(u32 counter, u64 count) {
    if (counter >= counters_.size())
        fail("{}: wait on arrival counter {}, the NI has {} (ni.counters)", name(), counter,
             counters_.size());
    ++waits;
    counter_state& c = counters_[counter];
    bool blocked = false;
    for (;;) {
        const u64 now = now_cycle(clock_);
        if (count <= c.floor) {
            // Consumed by an earlier wait, which returned after it: it lies in the
            // past and constrains nothing.
            return path_stamp{};
        }
        const u64 need = count - c.floor;
        if (c.pending.size() >= need) {
            // The need-th arrival in time, of those seen so far.
            std::nth_element(
                c.pending.begin(), c.pending.begin() + static_cast<long>(need - 1), c.pending.end(),
                [](const path_stamp& a, const path_stamp& b) { return a.cycle < b.cycle; });
            path_stamp nth = c.pending[need - 1];
            const u64 seen = nth.cycle + sync_cycles_;
            if (seen <= now) {
                nth.advance(seen, path_part::sync);
                // Keep the arrivals beyond the count for later waits.
                std::vector<path_stamp> rest(c.pending.begin() + static_cast<long>(need),
                                             c.pending.end());
                c.pending.swap(rest);
                c.floor = count;
                if (blocked) ++blocked_waits;
                return nth;
            }
            blocked = true;
            // An earlier arrival may still be registered while waiting.
            sc_core::wait(time_of(seen, clock_) - sc_core::sc_time_stamp(), changed_event(c));
            continue;
        }
        blocked = true;
        sc_core::wait(changed_event(c));
    }
}

}  // namespace masr
