#pragma once
// One MASR tile: the unit that is replicated from the 1-tile IoT part to the
// many-tile datacenter part. Structural only. The NoC reaches the tile
// through its network interface, which counts arrivals and hands requests to
// the local bus; the bus decodes tile-local addresses (models/common/
// address_map.h) to the weight SRAM, the activation buffer and the tile
// controller. The controller drives the PE tile, which reads weights and
// activations and writes its results through the compressor into the
// activation buffer; the controller then sends them out through the NI.
#include <memory>
#include <systemc>

#include "models/bus/bus.h"
#include "models/common/address_map.h"
#include "models/common/overlap.h"
#include "models/common/property.h"
#include "models/compressor/compressor.h"
#include "models/ni/ni.h"
#include "models/pe/pe_tile.h"
#include "models/sram/sram.h"
#include "models/tile_ctrl/tile_ctrl.h"

namespace masr {

struct tile_params : property_group {
    using property_group::property_group;
    pe_params pe{this, "pe", "PE array: PEs, MAC lanes, FIFOs, load balancing"};
    sram_params weight_sram{this, "weight_sram",
                            "weight SRAM banks (packed weight blocks), split into one partition "
                            "of banks per PE"};
    sram_params pointer_sram{this, "pointer_sram",
                             "column-pointer SRAM of csc weights (EIE), one partition per PE; "
                             "size 0: none (MASR and dense need no pointers)",
                             true};
    sram_params act_buffer{this, "act_buffer",
                           "activation buffer (x_t and h_t-1 slots, output slices)"};
    compressor_params compressor{this, "compressor", "activation compressor"};
    bus_params bus{this, "bus", "tile-local address decoder"};
    ni_params ni{this, "ni", "network interface: arrival counters"};
};

class tile : public sc_core::sc_module {
public:
    tile(sc_core::sc_module_name name, u32 index, const tile_params& params,
         const overlap_params& overlap, const sparsity_params& sparsity,
         sc_core::sc_time clock_period);

    ni network_interface;
    bus local_bus;
    pe_tile pe;
    tile_ctrl controller;
    sram weight_sram;
    std::unique_ptr<sram> pointer_sram;  // when tile.pointer_sram.size > 0
    sram act_buffer;
    compressor act_compressor;

    // The NoC binds here: its tile_out to noc_in, noc_out to its tile_in.
    decltype(ni::noc_in)& noc_in;
    decltype(ni::noc_out)& noc_out;
};

}  // namespace masr
