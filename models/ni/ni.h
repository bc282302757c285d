#pragma once
// Network interface: where a node (a tile or the control node) meets the
// NoC. Requests of the node's initiators (node_in) go out to the NoC
// (noc_out) unchanged; requests from the NoC (noc_in) go to the node's bus
// (node_out). On the way in it counts arrivals: a write that carries an
// arrival_extension (the hardware's write-with-notify) increments that
// counter once the write has landed, and a write into the NI's own counter
// window (a doorbell) increments the counter at its address. A process of
// the node waits through `arrivals` until a counter has counted enough,
// which is how tiles learn that x_t, h_(t-1) or a credit has arrived without
// polling: the only synchronisation points of the model.
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/critical_path.h"
#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

struct ni_params : property_group {
    using property_group::property_group;
    property<u32> counters{this, "counters",
                           1024, "arrival counters (one per buffer slot the node waits on)",
                           1,    1 << 24};
    property<u32> sync_cycles{this,
                              "sync_cycles",
                              1,
                              "cycles from an arrival to a waiting process seeing it (counter "
                              "update and compare)",
                              0,
                              1024};
};

// On a write: count it in `counter` of the destination NI when it has landed.
struct arrival_extension : tlm::tlm_extension<arrival_extension> {
    u32 counter = 0;
    path_stamp sent;           // critical path at the time the write was issued
    bool carries_data = true;  // the transfer's time is NoC time, else synchronisation

    tlm::tlm_extension_base* clone() const override { return new arrival_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const arrival_extension&>(other);
    }
};

class arrival_if : public virtual sc_core::sc_interface {
public:
    // Waits until `counter` has counted `count` arrivals since the start
    // (and the NI has seen the last of them) and returns the critical-path
    // stamp of that arrival. Each counter is waited on by one process, with
    // counts that only grow.
    virtual path_stamp wait_for(u32 counter, u64 count) = 0;
    // Arrivals counted so far (for checks).
    virtual u64 arrived(u32 counter) const = 0;
    // The run reset: every counter back to zero, what it held forgotten.
    // Its waiters are reset with it (their processes restart).
    virtual void clear() = 0;
};

class ni : public sc_core::sc_module, public arrival_if {
public:
    tlm_utils::simple_target_socket<ni> noc_in;
    tlm_utils::simple_initiator_socket<ni> node_out;
    tlm_utils::multi_passthrough_target_socket<ni> node_in;
    tlm_utils::simple_initiator_socket<ni> noc_out;
    sc_core::sc_export<arrival_if> arrivals;

    // The counter window is [window_base, window_base + 8 * counters) of the
    // node-local addresses arriving from the NoC: 8 bytes per counter.
    ni(sc_core::sc_module_name name, const ni_params& params, sc_core::sc_time clock_period,
       u64 window_base);

    path_stamp wait_for(u32 counter, u64 count) override;
    u64 arrived(u32 counter) const override;
    void clear() override;

    logger log{name()};

    u64 arrivals_counted = 0;  // notifying writes and doorbells
    u64 doorbells = 0;
    u64 waits = 0;          // wait_for calls
    u64 blocked_waits = 0;  // of which had to wait
    u64 errors = 0;
    stats_scope stats{name()};

private:
    void from_noc(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int from_noc_dbg(tlm::tlm_generic_payload& trans);
    void from_node(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int from_node_dbg(int id, tlm::tlm_generic_payload& trans);
    bool from_node_dmi(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    void doorbell(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void record(u32 counter, path_stamp stamp);

    struct counter_state {
        u64 floor = 0;                    // arrivals already consumed by the waiter
        std::vector<path_stamp> pending;  // arrivals beyond the floor, unordered
        // Made by the counter's first arrival or wait (changed_event), so
        // that every notification and wait happens exactly as with an eager
        // event: most counters of a large part are never used, and an event
        // made during elaboration costs a named registration (a quarter of
        // the start-up of a 256-tile part), one made while running does not.
        std::unique_ptr<sc_core::sc_event> changed;
    };
    static sc_core::sc_event& changed_event(counter_state& c);

    sc_core::sc_time clock_;
    u64 window_base_;
    u32 sync_cycles_;
    std::vector<counter_state> counters_;
};

}  // namespace masr
