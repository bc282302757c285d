#include "models/tile/tile.h"

#include "models/protocol_checker/protocol_checker.h"

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
    checked_bind(network_interface.node_out, local_bus.in);
    checked_bind(local_bus.out, weight_sram.in);
    local_bus.map(tile_weight_sram_base, params.weight_sram.size, 0, "weight_sram");
    checked_bind(local_bus.out, act_buffer.in);
    local_bus.map(tile_act_buffer_base, params.act_buffer.size, 1, "act_buffer");
    checked_bind(local_bus.out, controller.control);
    local_bus.map(tile_ctrl_base, tile_ctrl_size, 2, "ctrl");
    if (params.pointer_sram.size > 0) {
        pointer_sram = std::make_unique<sram>("pointer_sram", params.pointer_sram, clock_period,
                                              params.pe.pes);
        checked_bind(local_bus.out, pointer_sram->in);
        local_bus.map(tile_pointer_sram_base, params.pointer_sram.size, 3, "pointer_sram");
        checked_bind(pe.pointers, pointer_sram->in);
    }

    checked_bind(pe.weights, weight_sram.in);
    checked_bind(pe.activations, act_buffer.in);
    checked_bind(pe.results, act_compressor.in);
    checked_bind(act_compressor.out, act_buffer.in);

    checked_bind(controller.pe, pe.control);
    checked_bind(controller.buffer, act_buffer.in);
    checked_bind(controller.noc, network_interface.node_in);
    controller.arrivals.bind(network_interface.arrivals);
}

}  // namespace masr
