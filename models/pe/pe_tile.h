#pragma once
// The PE tile: P PEs with L MAC lanes each, a nonlinear unit (NLU) and the
// per-slot recurrent state. Commands (models/pe/pe_command.h) arrive on
// `control`; a step reads the encoded x_t and h_(t-1) from the activation
// buffer (`activations`), streams the slot's packed weight rows from the
// weight SRAM (`weights`), computes every row exactly (fixed_point.h), applies
// the NLU and gate arithmetic and writes the dense output slice to the
// compressor (`results`), which encodes it into the activation buffer.
//
// Loosely timed: the rows are computed functionally and the time comes from
// pe_cost_model (front end, FIFO, lanes per mask word), the load balancer's
// schedule of rows over the PEs, the SRAM read delays, the NLU throughput and
// the compressor's delay. See models/pe/README.md for the formulas.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"
#include "models/pe/pe_command.h"
#include "models/pe/pe_cost_model.h"
#include "models/pe/weight_image.h"

namespace masr {

// How a round's rows are spread over the PEs.
//   static_contiguous:  PE p takes rows [p R / P, (p + 1) R / P)
//   static_interleaved: PE p takes rows p, p + P, p + 2P, ...
//   dynamic:            starts contiguous; a PE that runs out of rows steals
//                       the second half of the not-yet-started rows of the PE
//                       with the most left (at least 2), paying steal_cycles
enum class balance_mode { static_contiguous, static_interleaved, dynamic };
template <>
struct enum_names<balance_mode> {
    static constexpr std::pair<balance_mode, const char*> table[] = {
        {balance_mode::static_contiguous, "static_contiguous"},
        {balance_mode::static_interleaved, "static_interleaved"},
        {balance_mode::dynamic, "dynamic"}};
};

struct pe_params : property_group {
    using property_group::property_group;
    property<u32> pes{
        this, "pes", 4, "PEs per tile; rows (neurons) are spread over them (inter-row parallelism)",
        1,    1024};
    property<u32> lanes{this,
                        "lanes",
                        4,
                        "MAC lanes per PE; a row's effectual pairs are spread over them "
                        "(intra-row parallelism): 4 x 16-bit activations = one 64-bit SRAM word",
                        1,
                        256};
    property<u32> fifo_depth{this,
                             "fifo_depth",
                             16,
                             "effectual-pair FIFO entries between front end and lanes; "
                             "2 x frontend_pairs absorbs a dense mask word behind a busy back end",
                             1,
                             65536};
    property<u32> frontend_pairs{this,
                                 "frontend_pairs",
                                 8,
                                 "effectual pairs the front end extracts and pushes per cycle from "
                                 "its mask word (2 x lanes: it catches up after sparse words)",
                                 1,
                                 64};
    property<u32> fifo_latency{
        this, "fifo_latency",
        1,    "cycles from a push into the FIFO to the earliest pop (registered)",
        1,    64};
    property<u32> mac_latency{
        this, "mac_latency", 2, "MAC pipeline stages after the pop (multiply, accumulate)", 0, 64};
    property<u32> nlu_throughput{this,
                                 "nlu_throughput",
                                 1,
                                 "NLU operations per cycle (activations, gate products, GRU "
                                 "update, LSTM cell); one shared unit per tile",
                                 1,
                                 1024};
    property<u32> nlu_latency{this, "nlu_latency",
                              4,    "NLU pipeline cycles (table look-up, interpolation, rounding)",
                              0,    1024};
    property<balance_mode> balance{this, "balance", balance_mode::dynamic,
                                   "work assignment of rows to PEs: static_contiguous, "
                                   "static_interleaved or dynamic (work stealing)"};
    property<u32> steal_cycles{this,
                               "steal_cycles",
                               8,
                               "cycles a PE spends stealing rows (request, grant, hand-over of "
                               "the victim's queue tail)",
                               0,
                               1 << 20};
    property<u32> max_slots{this, "max_slots",
                            256,  "entries of the slot table ((layer, direction) pairs per tile)",
                            1,    65536};
};

class pe_tile : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<pe_tile> control;
    tlm_utils::simple_initiator_socket<pe_tile> weights;
    tlm_utils::simple_initiator_socket<pe_tile> activations;
    tlm_utils::simple_initiator_socket<pe_tile> results;

    pe_tile(sc_core::sc_module_name name, const pe_params& params, sc_core::sc_time clock_period);

    // Overrides the params' balance for the following rounds (masr-sim --balance).
    void set_balance(balance_mode mode) { balance_ = mode; }
    balance_mode balance() const { return balance_; }
    const pe_core_timing& core_timing() const { return cost_.timing(); }

    // How the last step command's time was made up, in cycles.
    struct round_breakdown {
        u64 activation_read = 0;  // x_t and h_(t-1) from the activation buffer
        u64 weight_stream = 0;    // the weight SRAM burst (overlaps the PEs)
        u64 pe_makespan = 0;      // slowest PE, from the cost model and the schedule
        u64 sram_stall = 0;       // extra wait for the weight stream
        u64 nlu = 0;
        u64 compress = 0;            // compressor and its write into the buffer
        u64 total = 0;               // command start to output written
        std::vector<u64> pe_cycles;  // per PE
    };
    const round_breakdown& last_round() const { return last_; }

    logger log{name()};

    u64 commands = 0;
    u64 rounds = 0;
    u64 rows = 0;
    u64 effectual_macs = 0;          // MACs with a non-zero weight and a non-zero activation
    u64 dense_macs = 0;              // rows x row length: what a dense engine would do
    u64 mask_words = 0;              // mask-word pairs the front ends ANDed
    u64 busy_cycles = 0;             // cycles the tile spent on step commands
    u64 pe_busy_cycles = 0;          // sum over PEs of their cycles in the MAC phase
    u64 idle_lane_cycles = 0;        // lane-cycles without a MAC in the MAC phase
    u64 stall_frontend_starved = 0;  // PE-cycles the lanes waited for the front end
    u64 stall_fifo_full = 0;         // PE-cycles the front end waited for FIFO room
    u64 stall_sram = 0;              // cycles the MAC phase waited for the weight stream
    u64 stall_imbalance = 0;         // PE-cycles PEs idled waiting for the slowest PE
    u64 sram_read_bytes = 0;         // weights and activations read
    u64 weight_read_bytes = 0;
    u64 activation_read_bytes = 0;
    u64 nlu_ops = 0;
    u64 steals = 0;
    u64 errors = 0;
    stats_scope stats{name()};

    // Each PE's own share, registered as <tile>.pe.pe_<p> so that imbalance
    // inside a tile can be seen PE by PE.
    struct pe_counters {
        u64 busy_cycles = 0;     // MAC-phase cycles
        u64 effectual_macs = 0;  // pairs it multiplied
        u64 rows = 0;            // rows it computed (after steals)
        u64 steals = 0;          // steals it made
    };
    const std::vector<pe_counters>& per_pe() const { return per_pe_; }

private:
    std::vector<pe_counters> per_pe_;  // sized once: the scopes below point into it
    std::vector<std::unique_ptr<stats_scope>> per_pe_stats_;

    struct slot_state {
        bool configured = false;
        pe_layer_setup setup;
        weight_image_header header;
        u32 activation_bytes = 2;  // value bytes of encoded activations
        std::vector<i16> h;        // this tile's slice of h_(t-1)
        std::vector<i16> cell;     // LSTM cell slice
        std::vector<i16> z;        // GRU update gate, kept for the candidate round
        std::vector<i64> partial;  // GRU candidate: W_c x + b_c
        bool gates_pending = false;
    };
    // One round's row: where its parts lie in the weight buffer.
    struct row_ref {
        u32 local_row;   // gate * units + unit
        u32 word_begin;  // into word_pairs_
        u32 words;
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool reject(tlm::tlm_generic_payload& trans, tlm::tlm_response_status status,
                const std::string& why);
    bool run_setup(tlm::tlm_generic_payload& trans, pe_layer_setup& setup, sc_core::sc_time& delay);
    bool run_step(tlm::tlm_generic_payload& trans, pe_step& step, sc_core::sc_time& delay);

    // Reads an encoded vector (mask words, then packed values) through
    // `activations`; false when the read fails.
    bool read_vector(u64 address, u32 length, u32 value_bytes, sparse_vector& v,
                     sc_core::sc_time& delay, std::string& why);
    bool read_weights(u64 address, u64 bytes, sc_core::sc_time& delay, std::string& why);
    // Accumulates one encoded part (at byte offset `at` of the weight buffer)
    // against activation vector a; records its per-word effectual pairs.
    bool accumulate_part(u64& at, u32 length, u32 value_bytes, const sparse_vector& a,
                         const std::vector<u32>& a_prefix, i64& sum, std::string& why);
    // Spreads the rows over the PEs and returns the slowest PE's cycles.
    u64 schedule_rows(balance_mode mode);
    void run_pe_row(u32 pe, const row_ref& r);

    const pe_params& params_;
    const sc_core::sc_time clock_;
    pe_cost_model cost_;
    balance_mode balance_;
    u32 pes_;
    sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;

    std::vector<slot_state> slots_;
    // Reused buffers.
    tlm::tlm_generic_payload read_;
    tlm::tlm_generic_payload write_;
    std::vector<u64> weight_buffer_;  // u64 storage: mask words are read in place
    u64 weight_buffer_bytes_ = 0;
    std::vector<u8> vector_bytes_;
    sparse_vector x_;
    sparse_vector h_in_;
    std::vector<u32> x_prefix_;  // mask_prefix of x_ and h_in_, once per step
    std::vector<u32> h_prefix_;
    std::vector<i64> sums_;
    std::vector<i16> output_;
    std::vector<u8> output_bytes_;
    std::vector<u8> word_pairs_;  // effectual pairs of every mask word of the round
    std::size_t word_pairs_used_ = 0;
    std::vector<row_ref> row_refs_;
    std::vector<pe_cost_model::state> pe_state_;
    std::vector<u32> next_row_;
    std::vector<u32> end_row_;
    std::vector<u8> retired_;
    std::vector<i16> scratch_h_;
    std::vector<i16> scratch_cell_;
    std::vector<i16> scratch_z_;
    std::vector<i64> scratch_partial_;
    round_breakdown last_;
};

}  // namespace masr
