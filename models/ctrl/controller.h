#pragma once
// The controller maps a workload onto the tiles and runs it: it splits each
// layer direction's neurons over a group of tiles, loads the packed weight
// images, and for every time step multicasts x_t and h_(t-1) over the NoC,
// starts the tiles, gathers their encoded output slices and concatenates them
// (the recurrence barrier). Forward and backward directions of a
// bidirectional layer run on separate tile groups when the tile count is even
// and are time-multiplexed on all tiles otherwise (for an odd count that is
// never slower). Layers run one after the other over the whole sequence, as a
// bidirectional layer needs the whole sequence before its successor can start.
//
// It is the only model that waits: once per time step, at the barrier.
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/encoding/sparse_vector.h"
#include "workloads/src/workload.h"

namespace masr {

enum class direction_placement { automatic, separate, shared };
template <>
struct enum_names<direction_placement> {
    static constexpr std::pair<direction_placement, const char*> table[] = {
        {direction_placement::automatic, "auto"},
        {direction_placement::separate, "separate"},
        {direction_placement::shared, "shared"}};
};

struct ctrl_params : property_group {
    using property_group::property_group;
    property<direction_placement> directions{
        this, "directions", direction_placement::automatic,
        "bidirectional layers: separate tile groups, shared (time-multiplexed) tiles, or auto "
        "(separate when the tile count is even)"};
    property<u32> merge_elements_per_cycle{
        this, "merge_elements_per_cycle",
        16,   "direction-merge throughput (elements per cycle); 16 x 16-bit = one 256-bit word",
        1,    4096};
    property<u32> command_bytes{
        this, "command_bytes",
        32,   "size of a PE command on the NoC (bytes): slot, round, three addresses",
        1,    4096};
};

// One interval of tile activity, for traces.
struct tile_activity {
    u32 tile;
    u32 layer;
    u32 direction;
    u32 step;
    u32 round;
    double start_s;
    double end_s;
};

struct ctrl_summary {
    u32 steps = 0;
    double setup_seconds = 0;       // configuration commands before the first step
    double run_seconds = 0;         // first step to the end of the last layer
    double noc_seconds = 0;         // critical-path time in NoC transfers
    double compute_seconds = 0;     // critical-path time in tiles
    double merge_seconds = 0;       // direction merges
    double imbalance_weighted = 0;  // sum over rounds of (max - mean) tile busy time
    double busy_max_total = 0;      // sum over rounds of max tile busy time
    double load_imbalance() const {
        return busy_max_total > 0 ? imbalance_weighted / busy_max_total : 0;
    }
};

class controller : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<controller> noc;

    controller(sc_core::sc_module_name name, const ctrl_params& params, u32 tiles,
               u64 weight_sram_bytes, u64 act_buffer_bytes, sc_core::sc_time clock_period);

    // Before sc_start(): what to run. steps == 0 runs the whole sequence.
    // Throws input_error when the workload does not fit (weights or
    // activation buffer), naming the bytes needed and available.
    void set_workload(const workload& w, u32 steps);
    void record_activity(bool on) { record_activity_ = on; }
    // Called at every time step with (layer, step, steps of the layer).
    std::function<void(u32, u32, u32)> on_step;

    // After sc_start(): every layer's merged output, (T, width).
    const std::vector<matrix<i16>>& outputs() const { return outputs_; }
    const ctrl_summary& summary() const { return summary_; }
    const std::vector<tile_activity>& activity() const { return activity_; }
    bool finished() const { return finished_; }

    // Where a layer direction's neurons are placed.
    struct placement {
        u32 tile;
        u32 slot;
        u32 first_unit;
        u32 units;
        u64 image_addr;
    };
    const std::vector<placement>& placements(u32 layer, u32 direction) const {
        return placements_[layer][direction];
    }

    logger log;

private:
    SC_HAS_PROCESS(controller);
    void run();
    void map_and_check();
    void load_tiles(sc_core::sc_time& local);
    // One direction's share of a time step.
    struct direction_task {
        u32 layer = 0;
        u32 direction = 0;
        u32 t = 0;                // the time index it processes
        bool first_step = false;  // start of its sequence: resets the tiles' state
        const sparse_vector* x = nullptr;
        sparse_vector* state = nullptr;  // h_(t-1) in, h_t out
        int after = -1;                  // task that must finish first (shared tiles), or -1
        u32 round = 0;                   // GRU: 0 gates, 1 candidate
        u32 pending = 0;                 // gathers outstanding
        sparse_vector reset_state;       // GRU: r*h
        std::vector<sparse_vector> slices;
        std::vector<u64> out_bytes;
        sc_core::sc_time start, round_start, round_end, end, compute;
    };
    void run_step(std::vector<direction_task>& tasks, sc_core::sc_time start);
    sc_core::sc_time multicast(const std::vector<u32>& tiles, u64 local_addr,
                               const sparse_vector& v, sc_core::sc_time start);

    void transport(tlm::tlm_command cmd, u64 address, u8* data, u64 length, sc_core::sc_time& delay,
                   const char* what);

    const ctrl_params& params_;
    const u32 tiles_;
    const u64 weight_sram_bytes_;
    const u64 act_buffer_bytes_;
    const sc_core::sc_time clock_;
    const workload* workload_ = nullptr;
    u32 steps_ = 0;
    bool record_activity_ = false;
    bool finished_ = false;

    std::vector<std::vector<std::vector<placement>>> placements_;  // [layer][direction]
    std::vector<std::vector<u32>> group_tiles_;                    // [layer*2 + direction]
    std::vector<u32> slots_per_tile_;
    std::vector<std::vector<u8>> images_;  // packed weight images awaiting load, in placement order
    u64 x_region_ = 0, h_region_ = 0, out_region_ = 0;  // activation-buffer addresses
    u32 value_bytes_ = 2;

    std::vector<matrix<i16>> outputs_;
    std::vector<u8> bytes_;
    tlm::tlm_generic_payload payload_;

    ctrl_summary summary_;
    std::vector<tile_activity> activity_;

public:
    u64 steps_run = 0;
    u64 rounds = 0;
    u64 multicasts = 0;
    u64 gathers = 0;
    u64 commands = 0;
    u64 bytes_multicast = 0;
    u64 bytes_gathered = 0;

private:
    stats_scope stats_;
};

}  // namespace masr
