#pragma once
// Elaboration of a MASR platform, named after the hierarchy (masr.noc,
// masr.tile_3.pe, masr.sequencer, ...): the tiles and the NoC, and the
// control node: its network interface and bus, the DRAM window holding the
// model image, the sequence buffer, the streamer and the sequencer.
#include <systemc>

#include "models/bus/bus.h"
#include "models/ni/ni.h"
#include "models/noc/noc.h"
#include "models/sequencer/sequencer.h"
#include "models/sram/sram.h"
#include "models/streamer/streamer.h"
#include "models/tile/tile.h"
#include "platforms/src/platform_config.h"

namespace masr {

class masr_system : public sc_core::sc_module {
public:
    masr_system(sc_core::sc_module_name name, const platform_config& config);

    const platform_config& config;
    noc network;
    sc_core::sc_vector<tile> tiles;
    ni ctrl_ni;
    bus ctrl_bus;
    sram dram;
    sram seq_buffer;
    streamer x_streamer;
    sequencer seq;

    // Places the image at DRAM address `at` (debug transport: no simulated
    // time; a DMA engine does it in co-simulation) and programs the sequencer.
    void load_image(const std::vector<u8>& image, u64 at, u32 steps);
    // Writes into / reads from the control node's address space without time.
    void debug_write(u64 address, const u8* data, u64 bytes);
    void debug_read(u64 address, u8* data, u64 bytes);
};

}  // namespace masr
