#pragma once
// A MASR platform as read from platforms/*.yaml: the one place where the
// configuration of a run is assembled. Every model's parameters are a
// property_group nested here under the model's name, so a dump of this
// structure is the complete, commented configuration a run actually used.
#include <ostream>
#include <string>

#include "models/common/property.h"
#include "models/ctrl/controller.h"
#include "models/noc/noc.h"
#include "models/tile/tile.h"

namespace masr {

struct platform_config : property_group {
    platform_config() : property_group(nullptr, "", "") {}

    property<std::string> name{this, "name", "custom", "platform name, for reports"};
    property<double> clock_hz{this,  "clock_hz",
                              800e6, "clock of tiles, NoC and controller (Hz); EIE ran at 800 MHz",
                              1e3,   1e11};
    property<u32> tiles{this, "tiles", 1, "number of tiles", 1, 4096};
    property<std::string> technology{this, "technology", "technology/cmos45.yaml",
                                     "technology file for the energy and area model, relative to "
                                     "the platform file"};
    tile_params tile{this, "tile", "one tile; every tile is the same"};
    noc_params noc{this, "noc", "inter-tile network on chip"};
    ctrl_params ctrl{this, "ctrl", "controller: mapping and sequencing"};

    std::string file;             // where it was read from
    std::string technology_path;  // technology resolved against the file's directory

    // Reads and validates a platform file; throws input_error naming file:line.
    void load_file(const std::string& path);
    // Commented YAML of every value, defaults included.
    void dump(std::ostream& out) const;

    sc_core::sc_time clock_period() const;
    void validate() const override;
};

}  // namespace masr
