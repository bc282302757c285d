#pragma once
// What a masr-sim run reports: the summary, stats.json / summary.csv, the
// bit-exact check against the golden reference and activity traces.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platforms/src/masr_system.h"
#include "workloads/golden/golden_reference.h"

namespace masr {

struct run_summary {
    std::string platform;
    std::string workload;
    u32 tiles = 0;
    u32 steps = 0;
    double clock_hz = 0;
    u64 cycles = 0;
    double seconds = 0;
    double audio_seconds = 0;
    double real_time_factor = 0;  // audio seconds per accelerator second
    u64 effectual_macs = 0;
    u64 dense_macs = 0;
    double mac_utilization = 0;  // effectual MACs / (MAC lanes x cycles)
    double load_imbalance = 0;   // mean (max - mean) / max tile busy time per round
    double noc_share = 0;        // share of critical-path time in NoC transfers
    double host_seconds = 0;
    double macs_per_host_second = 0;

    nlohmann::json to_json() const;
    std::string csv() const;  // header line + value line
    void print(std::ostream& out) const;
};

run_summary summarize(const masr_system& system, const workload& w, double host_seconds);

struct check_result {
    bool bit_exact = true;
    std::string first_mismatch;  // "layer 'l2' step 3 unit 17: model 12, reference 13"
};
check_result compare_with_golden(const workload& w, const golden_result& golden,
                                 const std::vector<matrix<i16>>& outputs);

// DIR/stats.json (every counter by hierarchy + summary [+ check]) and
// DIR/summary.csv, each written atomically.
void write_run_outputs(const std::string& dir, const run_summary& summary,
                       const check_result* check);

// Layer outputs as DIR/<layer>.npy, float32 dequantized (T, width).
void dump_layer_outputs(const std::string& dir, const workload& w,
                        const std::vector<matrix<i16>>& outputs);

// Tile activity: Chrome/Perfetto JSON trace events or a VCD of tile busy flags.
void write_perfetto_trace(const std::string& path, const masr_system& system);
void write_vcd_trace(const std::string& path, const masr_system& system);

}  // namespace masr
