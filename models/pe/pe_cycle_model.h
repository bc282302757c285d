#pragma once
// Cycle-level reference of ONE PE, clocked by an sc_clock: front end
// (frontend_words scan slots per cycle, each ANDing one mask word, prefix
// popcounts, pushing up to frontend_pairs / frontend_words pairs), the pair FIFO (fifo_depth
// entries, a pair can be popped fifo_latency cycles after its push), and L MAC lanes that pop up to
// L pairs per cycle and accumulate exact products per row; a row's result is ready mac_latency +
// reduce_latency cycles after its last pop. Used only to validate pe_cost_model (tb_pe_cost_model);
// the PE tile never runs it.
//
// Per cycle: the lanes pop first, then the front end pushes into the space
// left (so a pop frees its entry for a push in the same cycle). A mask word
// with no effectual pair still takes its cycle.
#include <deque>
#include <systemc>
#include <vector>

#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"
#include "models/pe/pe_cost_model.h"

namespace masr {

class pe_cycle_model : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;

    pe_cycle_model(sc_core::sc_module_name name, const pe_core_timing& timing);

    // isolated: every row starts on an empty PE, the cycle after the previous
    // row's result is ready (per-row cycles); otherwise rows stream back to back.
    void set_isolated(bool isolated) { isolated_ = isolated; }
    // Queues a row (weights and activations of equal length); before or
    // during simulation. Calls sc_stop() when every queued row is done.
    void push_row(const sparse_vector& weights, const sparse_vector& activations);

    struct row_result {
        u64 start_cycle = 0;  // first cycle of its front end
        u64 ready_cycle = 0;  // cycle its sum is ready
        u64 pairs = 0;
        i64 sum = 0;  // exact sum of the effectual products
        u64 cycles() const { return ready_cycle - start_cycle + 1; }
    };
    const std::vector<row_result>& results() const { return results_; }
    bool done() const { return rows_done_ == rows_.size(); }
    u64 cycle() const { return cycle_; }

    u64 fifo_full_cycles = 0;  // cycles the front end held pairs it could not push
    u64 busy_lane_cycles = 0;  // lane-cycles with a MAC

private:
    SC_HAS_PROCESS(pe_cycle_model);
    void tick();
    void check_done();

    struct row {
        sparse_vector weights;
        sparse_vector activations;
    };
    struct pair {
        i64 weight;
        i64 activation;
        u32 row;
        u64 pushed;
    };

    pe_core_timing timing_;
    bool isolated_ = false;
    std::deque<row> rows_;
    std::vector<row_result> results_;
    std::vector<u64> pending_;   // pairs of each row pushed but not popped
    std::vector<u64> scan_end_;  // cycle the front end finished the row (0: not yet)
    std::vector<u64> last_pop_;
    std::deque<pair> fifo_;
    u64 cycle_ = 0;
    std::size_t rows_done_ = 0;
    // Front end position.
    std::size_t row_ = 0;
    u32 word_ = 0;
    bool word_loaded_ = false;
    u64 both_ = 0;
    u32 weight_base_ = 0;
    u32 activation_base_ = 0;
};

}  // namespace masr
