#pragma once
// What a masr-sim run reports: the summary (cycles, utilization, the
// critical-path breakdown, load imbalance), stats.json / summary.csv, the
// layer outputs read back from the sequence buffer for the bit-exact check
// against the golden reference, and activity traces.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/common/critical_path.h"
#include "platforms/src/energy_model.h"
#include "platforms/src/masr_system.h"
#include "platforms/src/simulation.h"
#include "workloads/golden/golden_reference.h"

namespace masr {

struct run_summary {
    std::string platform;
    std::string workload;
    u32 tiles = 0;
    std::string arch;    // masr, dense or eie
    u64 mac_units = 0;   // tiles x PEs x lanes
    u64 sram_bytes = 0;  // on-chip SRAM: weights, pointers, activation and sequence buffers
    u32 steps = 0;
    double clock_hz = 0;
    u64 cycles = 0;       // start of the run to the last output slice in the sequence buffer
    u64 load_cycles = 0;  // before: image, weights, slot messages
    double seconds = 0;
    double audio_seconds = 0;
    double real_time_factor = 0;  // audio seconds per accelerator second
    u64 effectual_macs = 0;
    u64 performed_macs = 0;  // what the lanes did: zeros included where not skipped
    u64 dense_macs = 0;
    double mac_utilization = 0;  // effectual MACs / (MAC lanes x cycles)
    double tile_imbalance = 0;   // (slowest - mean) / slowest tile per round, weighted
    double pe_imbalance = 0;     // (slowest - mean) / slowest PE per pass, weighted
    // Critical path of the run, in cycles; the parts sum to `cycles`.
    std::array<u64, path_part_count> critical{};
    double host_seconds = 0;
    double macs_per_host_second = 0;
    // Energy, area and power of the run (energy_model.h), when accounted.
    std::optional<energy_report> energy;

    nlohmann::json to_json() const;
    std::string csv() const;  // header line + value line
    void print(std::ostream& out) const;
    void print_timing(std::ostream& out) const;
};

run_summary summarize(const masr_system& system, const std::string& workload, double frame_period,
                      double host_seconds);
// Accounts the run's energy and area with the platform's technology.
void account_energy(run_summary& summary, const simulation& sim);

// Reads a layer's output (both directions merged as the golden reference
// defines it) for the run's time steps from the sequence buffer.
matrix<i16> read_layer_output(masr_system& system, const model_image& image, u32 layer, u32 steps);

struct check_result {
    bool bit_exact = true;
    std::string first_mismatch;  // "layer 'l2' step 3 unit 17: model 12, reference 13"
};
check_result compare_with_golden(const workload& w, const golden_result& golden,
                                 const std::vector<matrix<i16>>& outputs);

// DIR/stats.json (every counter by hierarchy + summary [+ check] [+
// output_crc32, output_hashes.h]) and DIR/summary.csv, each written atomically.
void write_run_outputs(const std::string& dir, const run_summary& summary,
                       const check_result* check, const nlohmann::json* output_crc32 = nullptr);

// Layer outputs as DIR/<layer>.npy, float32 dequantized (T, width).
void dump_layer_outputs(const std::string& dir, const workload& w,
                        const std::vector<matrix<i16>>& outputs);

// Every tile's rounds.
std::vector<round_activity> all_activity(const masr_system& system);

// Tile activity: Chrome/Perfetto JSON trace events or a VCD of tile busy flags.
void write_perfetto_trace(const std::string& path, const masr_system& system);
void write_vcd_trace(const std::string& path, const masr_system& system);

}  // namespace masr
