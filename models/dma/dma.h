#pragma once
// DMA engine of the accelerator's host interface: moves bytes between system
// memory (its `system` socket, onto the platform's bus) and the accelerator's
// own memories (its `accel` socket, onto the control node's bus: the DRAM
// window and the sequence buffer). A copy goes in bursts; each burst is a
// read on one side and a write on the other, the write of burst b overlapping
// the read of burst b + 1, so a copy takes about the slower side's time plus
// one burst. Time is annotated, never waited for (models/dma/README.md).
#include <tlm_utils/simple_initiator_socket.h>

#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

struct dma_params : property_group {
    using property_group::property_group;
    property<u32> burst_bytes{this, "burst_bytes",
                              256,  "bytes per burst: one read and one write transaction",
                              4,    1 << 20};
    property<u32> setup_cycles{
        this, "setup_cycles", 4, "cycles to set up one copy (descriptor decode)", 0, 1 << 20};
};

// Which side of the engine an address is on.
enum class dma_side { system, accel };

// What the register block asks of the DMA engine.
class dma_if : public virtual sc_core::sc_interface {
public:
    // Copies `bytes` from src to dst, starting `delay` from now; on return
    // delay is when the last byte is written. tap, when given, receives a copy
    // of the bytes moved (the register block checks the image's CRC on the
    // stream). Returns "" or what failed, naming the side and address.
    virtual std::string copy(dma_side from, u64 src, dma_side to, u64 dst, u64 bytes,
                             sc_core::sc_time& delay, std::vector<u8>* tap = nullptr) = 0;
};

class dma : public sc_core::sc_module, public dma_if {
public:
    tlm_utils::simple_initiator_socket<dma> system;
    tlm_utils::simple_initiator_socket<dma> accel;

    dma(sc_core::sc_module_name name, const dma_params& params, sc_core::sc_time clock_period);

    std::string copy(dma_side from, u64 src, dma_side to, u64 dst, u64 bytes,
                     sc_core::sc_time& delay, std::vector<u8>* tap = nullptr) override;

    logger log{name()};

    u64 copies = 0;
    u64 bytes_moved = 0;
    u64 bursts = 0;
    u64 busy_cycles = 0;  // cycles from each copy's start to its last write
    u64 errors = 0;
    stats_scope stats{name()};

private:
    bool transfer(dma_side side, tlm::tlm_command command, u64 address, u8* data, u64 bytes,
                  sc_core::sc_time& delay, std::string& error);

    const u32 burst_;
    const u32 setup_cycles_;
    const sc_core::sc_time clock_;
    tlm::tlm_generic_payload payload_;
    std::vector<u8> buffer_;
};

const char* to_string(dma_side side);

}  // namespace masr
