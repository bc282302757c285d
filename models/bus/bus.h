#pragma once
// Address decoder of a tile (docs/architecture.md, address map): routes each
// request to the target whose window holds it, with the address rebased to
// the target's local address. Modelled as a crossbar with a fixed decode
// latency: it has no shared medium of its own, so contention is modelled at
// the targets (SRAM ports).
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

struct bus_params : property_group {
    using property_group::property_group;
    property<u32> latency_cycles{this,
                                 "latency_cycles",
                                 1,
                                 "cycles added to every transaction by the registered decode "
                                 "stage",
                                 0,
                                 1024};
};

class bus : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<bus> in;
    tlm_utils::multi_passthrough_initiator_socket<bus> out;

    bus(sc_core::sc_module_name name, const bus_params& params, sc_core::sc_time clock_period);

    // Maps bus addresses [base, base + size) to addresses [0, size) of the
    // target bound to out[out_index]. Throws input_error on an empty or
    // overflowing window or one that overlaps an earlier mapping. out_index is
    // checked against the bindings at the end of elaboration.
    void map(u64 base, u64 size, unsigned out_index, const std::string& name);

    logger log{name()};

    u64 transactions = 0;
    u64 bytes = 0;
    u64 decode_errors = 0;
    stats_scope stats{name()};

private:
    struct window {
        u64 base;
        u64 size;
        unsigned out_index;
        std::string name;
        u64 last() const { return base + (size - 1); }
    };

    void end_of_elaboration() override;

    void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);

    // The window holding address, or nullptr.
    const window* decode(u64 address) const;

    sc_core::sc_time latency_;
    std::vector<window> windows_;  // sorted by base, disjoint
};

}  // namespace masr
