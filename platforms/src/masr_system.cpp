#include "platforms/src/masr_system.h"

namespace masr {

masr_system::masr_system(sc_core::sc_module_name name, const platform_config& cfg)
    : sc_module(name),
      config(cfg),
      ctrl("ctrl", cfg.ctrl, cfg.tiles, cfg.tile.weight_sram.size, cfg.tile.act_buffer.size,
           cfg.clock_period()),
      network("noc", cfg.noc, cfg.tiles, cfg.clock_period()),
      tiles("tile", cfg.tiles, [&cfg](const char* tile_name, std::size_t) {
          return new tile(tile_name, cfg.tile, cfg.clock_period());
      }) {
    ctrl.noc.bind(network.host);
    for (auto& t : tiles) network.tile_out.bind(t.in);
}

}  // namespace masr
