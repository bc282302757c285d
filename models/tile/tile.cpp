#include "models/tile/tile.h"

namespace masr {

tile::tile(sc_core::sc_module_name name, const tile_params& params, sc_core::sc_time clock_period)
    : sc_module(name),
      local_bus("bus", params.bus, clock_period),
      pe("pe", params.pe, clock_period),
      weight_sram("weight_sram", params.weight_sram, clock_period),
      act_buffer("act_buffer", params.act_buffer, clock_period),
      act_compressor("compressor", params.compressor, clock_period),
      in(local_bus.in) {
    local_bus.out.bind(weight_sram.in);
    local_bus.map(tile_weight_sram_base, params.weight_sram.size, 0, "weight_sram");
    local_bus.out.bind(act_buffer.in);
    local_bus.map(tile_act_buffer_base, params.act_buffer.size, 1, "act_buffer");
    local_bus.out.bind(pe.control);
    local_bus.map(tile_control_base, tile_control_size, 2, "pe");

    pe.weights.bind(weight_sram.in);
    pe.activations.bind(act_buffer.in);
    pe.results.bind(act_compressor.in);
    act_compressor.out.bind(act_buffer.in);
}

}  // namespace masr
