#pragma once
// Elaboration of a MASR platform: the controller, the NoC and the tiles,
// named after the hierarchy (masr.ctrl, masr.noc, masr.tile_3.pe, ...).
#include <systemc>

#include "models/ctrl/controller.h"
#include "models/noc/noc.h"
#include "models/tile/tile.h"
#include "platforms/src/platform_config.h"

namespace masr {

class masr_system : public sc_core::sc_module {
public:
    masr_system(sc_core::sc_module_name name, const platform_config& config);

    const platform_config& config;
    controller ctrl;
    noc network;
    sc_core::sc_vector<tile> tiles;
};

}  // namespace masr
