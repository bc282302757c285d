#include "models/tile/tile.h"

namespace masr {

tile::tile(sc_core::sc_module_name name, u32 index, const tile_params& params,
           const overlap_params& overlap, const sparsity_params& sparsity,
           sc_core::sc_time clock_period)
    : sc_module(name),
      network_interface("ni", params.ni, clock_period, tile_ni_base),
      local_bus("bus", params.bus, clock_period),
      pe("pe", params.pe, overlap, sparsity, clock_period),
      controller("ctrl", index, overlap, clock_period),
      weight_sram("weight_sram", params.weight_sram, clock_period, params.pe.pes),
      act_buffer("act_buffer", params.act_buffer, clock_period),
      act_compressor("compressor", params.compressor, clock_period),
      noc_in(network_interface.noc_in),
      noc_out(network_interface.noc_out) {
    network_interface.node_out.bind(local_bus.in);
    local_bus.out.bind(weight_sram.in);
    local_bus.map(tile_weight_sram_base, params.weight_sram.size, 0, "weight_sram");
    local_bus.out.bind(act_buffer.in);
    local_bus.map(tile_act_buffer_base, params.act_buffer.size, 1, "act_buffer");
    local_bus.out.bind(controller.control);
    local_bus.map(tile_ctrl_base, tile_ctrl_size, 2, "ctrl");
    if (params.pointer_sram.size > 0) {
        pointer_sram = std::make_unique<sram>("pointer_sram", params.pointer_sram, clock_period,
                                              params.pe.pes);
        local_bus.out.bind(pointer_sram->in);
        local_bus.map(tile_pointer_sram_base, params.pointer_sram.size, 3, "pointer_sram");
        pe.pointers.bind(pointer_sram->in);
    }

    pe.weights.bind(weight_sram.in);
    pe.activations.bind(act_buffer.in);
    pe.results.bind(act_compressor.in);
    act_compressor.out.bind(act_buffer.in);

    controller.pe.bind(pe.control);
    controller.buffer.bind(act_buffer.in);
    controller.noc.bind(network_interface.node_in);
    controller.arrivals.bind(network_interface.arrivals);
}

}  // namespace masr
