#pragma once
// One MASR tile: the unit that is replicated from the 1-tile IoT part to the
// many-tile datacenter part. Structural only: a local bus decodes the NoC's
// tile-local addresses (docs/architecture.md, address map) to the weight SRAM,
// the activation buffer and the PE tile's control window; the PE tile reads
// weights and activations and sends its results through the compressor into
// the activation buffer.
#include <systemc>

#include "models/bus/bus.h"
#include "models/common/property.h"
#include "models/compressor/compressor.h"
#include "models/pe/pe_tile.h"
#include "models/sram/sram.h"

namespace masr {

// Tile-local address map.
constexpr u64 tile_weight_sram_base = 0x0000'0000;
constexpr u64 tile_act_buffer_base = 0x4000'0000;
constexpr u64 tile_control_base = 0x7000'0000;
constexpr u64 tile_control_size = 0x1000;

struct tile_params : property_group {
    using property_group::property_group;
    pe_params pe{this, "pe", "PE array: PEs, MAC lanes, FIFOs, load balancing"};
    sram_params weight_sram{this, "weight_sram", "weight SRAM banks (packed weight images)"};
    sram_params act_buffer{this, "act_buffer", "activation buffer (encoded x_t, h_t-1, outputs)"};
    compressor_params compressor{this, "compressor", "activation compressor"};
    bus_params bus{this, "bus", "tile-local address decoder"};
};

class tile : public sc_core::sc_module {
public:
    tile(sc_core::sc_module_name name, const tile_params& params, sc_core::sc_time clock_period);

    bus local_bus;
    pe_tile pe;
    sram weight_sram;
    sram act_buffer;
    compressor act_compressor;

    // The NoC binds here.
    decltype(bus::in)& in;
};

}  // namespace masr
