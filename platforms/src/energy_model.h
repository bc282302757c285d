#pragma once
// Energy, area and power of a run, from the models' counters and the
// technology file. The one place where counters become picojoules: it reads
// the counters' change over the run (two stats_registry snapshots) and the
// platform's sizes, and changes nothing in the simulation.
//
// Performed work costs; skipped work does not: a MASR PE's effectual MACs
// cost a MAC each, the MACs its front end skipped (dense_macs - effectual)
// cost nothing, and the front end's mask-word ANDs cost their own energy. A
// dense engine's MACs on zeros cost like any other (performed_macs).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "platforms/src/masr_system.h"
#include "platforms/src/technology.h"

namespace masr {

using counter_snapshot = std::map<std::string, u64>;

struct energy_report {
    double energy_pj = 0;  // dynamic + leakage, over the run
    double area_mm2 = 0;
    double power_mw = 0;  // energy / run time
    double seconds = 0;
    u64 performed_macs = 0;  // MACs that cost energy
    u64 skipped_macs = 0;    // MACs a dense engine would do that were never done
    std::map<std::string, double> energy_pj_by_component;
    std::map<std::string, double> area_mm2_by_component;
    nlohmann::json energy_pj_by_module;  // nested by hierarchy, as stats.json

    nlohmann::json to_json() const;
};

// The components, in report order.
extern const char* const energy_components[];
extern const std::size_t energy_component_count;

// start, end: counter snapshots at the run's start and end; cycles: the run.
energy_report account_energy(const masr_system& system, const technology_params& tech,
                             const counter_snapshot& start, const counter_snapshot& end,
                             u64 cycles);

}  // namespace masr
