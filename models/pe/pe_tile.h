#pragma once
// The PE tile: P PEs with L MAC lanes each, a nonlinear unit (NLU) and the
// per-slot recurrent state. Commands (models/pe/pe_command.h) arrive on
// `control`; a pass reads its activations from the activation buffer
// (`activations`), streams each PE's weight block from that PE's partition
// of the weight SRAM (`weights`), computes every row exactly
// (contract/fixed_point.h) and, when it finishes a round, applies the NLU and
// gate arithmetic and writes the dense output slice to the compressor
// (`results`), which encodes it into the activation buffer.
//
// Loosely timed: the rows are computed functionally (the weights read through
// the DMI pointer of `weights`), and time comes from pe_cost_model (front end,
// FIFO, lanes per mask word), the load balancer's schedule of rows over the
// PEs, the SRAM models' timing of the activation reads and of every PE's
// weight stream, the NLU throughput and the compressor's delay. See
// models/pe/README.md for the formulas.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/overlap.h"
#include "models/common/property.h"
#include "models/common/sparsity.h"
#include "models/common/stats.h"
#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"
#include "models/pe/eie_cost_model.h"
#include "models/pe/pe_command.h"
#include "models/pe/pe_cost_model.h"

namespace masr {

// How a pass's rows are spread over the PEs.
//   static_contiguous:  PE p takes rows [p R / P, (p + 1) R / P) (its own block)
//   static_interleaved: PE p takes rows p, p + P, p + 2P, ... (from every block)
//   dynamic:            starts contiguous; a PE that runs out of rows steals
//                       the second half of the not-yet-started rows of the PE
//                       with the most left (at least 2), paying steal_cycles,
//                       and streams them from the victim's partition
enum class balance_mode { static_contiguous, static_interleaved, dynamic };
template <>
struct enum_names<balance_mode> {
    static constexpr std::pair<balance_mode, const char*> table[] = {
        {balance_mode::static_contiguous, "static_contiguous"},
        {balance_mode::static_interleaved, "static_interleaved"},
        {balance_mode::dynamic, "dynamic"}};
};

// EIE's PE array (arch eie: csc weights), models/pe/eie_cost_model.h.
struct eie_params : property_group {
    using property_group::property_group;
    property<u32> queue_depth{
        this, "queue_depth", 8, "activation queue entries per PE (EIE: 8, its Fig. 8)", 1, 1024};
    property<u32> broadcasts_per_cycle{
        this, "broadcasts_per_cycle",
        1,    "non-zero activations the leading-non-zero detector broadcasts per cycle (EIE: 1)",
        1,    64};
    property<u32> min_column_cycles{
        this, "min_column_cycles",
        1,    "cycles a PE spends on a column with none of its entries (the pointer read)",
        0,    64};
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
                                 "effectual pairs the front end extracts and pushes per cycle "
                                 "(2 x lanes: it catches up after sparse words)",
                                 1,
                                 64};
    property<u32> frontend_words_per_cycle{
        this,
        "frontend_words_per_cycle",
        1,
        "64-bit mask-word pairs the front end ANDs per cycle (scan slots, each pushing up to "
        "frontend_pairs / frontend_words_per_cycle pairs)",
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
    eie_params eie{this, "eie", "EIE's PE array, for csc weights (arch eie)"};

    void validate() const override;
};

pe_core_timing timing_of(const pe_params& p);

class pe_tile : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<pe_tile> control;
    tlm_utils::simple_initiator_socket<pe_tile> weights;
    tlm_utils::simple_initiator_socket<pe_tile> activations;
    tlm_utils::simple_initiator_socket<pe_tile> results;
    // The pointer SRAM of csc weights (EIE); unbound on a tile without one.
    tlm_utils::simple_initiator_socket_optional<pe_tile> pointers;

    pe_tile(sc_core::sc_module_name name, const pe_params& params, const overlap_params& overlap,
            const sparsity_params& sparsity, sc_core::sc_time clock_period);

    // Overrides the params' balance for the following passes (masr-sim --balance).
    void set_balance(balance_mode mode) { balance_ = mode; }
    balance_mode balance() const { return balance_; }
    const pe_core_timing& core_timing() const { return cost_.timing(); }

    // How the last pass's time was made up, in cycles from its command.
    struct pass_breakdown {
        u64 activation_first = 0;    // first activation segment read
        u64 activation_read = 0;     // all activations read
        u64 weight_stream = 0;       // latest PE weight stream done
        u64 pe_end = 0;              // latest PE done by the cost model alone
        u64 mac_end = 0;             // latest PE done, weight and activation streams included
        u64 sram_stall = 0;          // mac_end - pe_end
        u64 nlu_end = 0;             // finish passes: last NLU result
        u64 output_ready = 0;        // finish passes: slice written by the compressor
        std::vector<u64> pe_start;   // per PE, cycles from the command
        std::vector<u64> pe_cycles;  // per PE, cost-model cycles of its rows
    };
    const pass_breakdown& last_pass() const { return last_; }

    logger log{name()};

    u64 commands = 0;
    u64 passes = 0;
    u64 rounds = 0;  // finishing passes
    u64 rows = 0;
    u64 effectual_macs = 0;          // MACs with a non-zero weight and a non-zero activation
    u64 performed_macs = 0;          // MACs the lanes did (zeros included when not skipped)
    u64 dense_macs = 0;              // rows x row length: what a dense engine would do
    u64 fifo_pairs = 0;              // pairs pushed through the front end's FIFO
    u64 padding_macs = 0;            // csc: padding entries multiplied
    u64 lnzd_broadcasts = 0;         // csc: non-zero activations broadcast
    u64 queue_pushes = 0;            // csc: activation-queue entries written
    u64 pointer_reads = 0;           // csc: column-pointer pairs read
    u64 codebook_reads = 0;          // csc: codebook look-ups
    u64 mask_words = 0;              // mask-word pairs ANDed by the front ends
    u64 busy_cycles = 0;             // per pass, first PE start to last PE done
    u64 pe_busy_cycles = 0;          // sum over PEs of their cost-model cycles
    u64 makespan_cycles = 0;         // sum over passes of the slowest PE's cycles
    u64 idle_lane_cycles = 0;        // lane-cycles without a MAC in the MAC phase
    u64 stall_frontend_starved = 0;  // PE-cycles the lanes waited for the front end
    u64 stall_fifo_full = 0;         // PE-cycles the front end waited for FIFO room
    u64 stall_sram = 0;              // cycles passes waited for weight or activation streams
    u64 stall_imbalance = 0;         // PE-cycles PEs idled waiting for the slowest PE
    u64 sram_read_bytes = 0;         // weights and activations read
    u64 weight_read_bytes = 0;
    u64 activation_read_bytes = 0;
    u64 nlu_ops = 0;
    u64 steals = 0;
    u64 stolen_rows = 0;
    u64 errors = 0;
    stats_scope stats{name()};

    // Each PE's own share, registered as <tile>.pe.pe_<p>.
    struct pe_counters {
        u64 busy_cycles = 0;     // cost-model cycles
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
        pe_slot_setup setup;
        u32 activation_bytes = 2;  // value bytes of encoded activations
        u32 weight_bytes = 1;      // value bytes of packed weights
        std::vector<i64> sums;     // per local row, this round
        std::vector<i16> h;        // this tile's slice of h_(t-1)
        std::vector<i16> cell;     // LSTM cell slice
        std::vector<i16> z;        // GRU update gate, kept for the candidate round
        std::vector<i64> partial;  // GRU candidate: W_c x + b_c
        bool gates_pending = false;
        bool input_done = false;  // the round's input pass has run
    };
    // A row of the current pass.
    struct row_ref {
        u32 local_row;   // gate * units + unit
        u32 block;       // index into the pass's blocks (its owner PE's block)
        u32 word_begin;  // into word_pairs_
        u32 words;
        u64 offset;  // byte offset of the row in its block
        u64 bytes;
    };
    // Rows one PE streams from one block, from a time on.
    struct row_stream {
        u32 pe;
        u32 block;
        u32 first;  // row_refs_ index
        u32 count;
        double start;  // cycles from the command
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool reject(tlm::tlm_generic_payload& trans, tlm::tlm_response_status status,
                const std::string& why);
    bool run_setup(tlm::tlm_generic_payload& trans, pe_slot_setup& setup);
    bool run_pass(tlm::tlm_generic_payload& trans, pe_pass& pass, sc_core::sc_time& delay);

    // Phases of a pass.
    bool check_pass(const pe_pass& p, std::string& why) const;
    bool read_activations(slot_state& slot, const pe_pass& p, u64 start, std::string& why);
    bool compute_rows(slot_state& slot, const pe_pass& p, std::string& why);
    // Dense weight rows (weight_format::dense).
    bool accumulate_dense_part(const u8* block, u64 block_bytes, u64& at, u32 length,
                               u32 value_bytes, const sparse_vector& a, i64& sum, std::string& why);
    // The front end's pairs per mask word when zeros are not skipped.
    void count_unskipped_pairs(const u64* weight_mask, const sparse_vector& a, unsigned words,
                               u32 length, u8* word_pairs) const;
    // EIE (csc weights): the columns of the non-zero activations through
    // every PE, functionally and timed (models/pe/pe_tile_eie.cpp).
    bool run_csc_pass(slot_state& slot, const pe_pass& p, u64 issue, std::string& why);
    bool pointer_memory(std::string& why);
    void schedule_rows(balance_mode mode, const std::vector<double>& starts,
                       const std::vector<double>& lanes_free);
    // When each PE can start (its front end and lanes free, the activations).
    void start_times(u64 issue);
    // The PEs' end times and counters, the weight streams; returns mac_end.
    u64 finish_macs(u64 issue);
    // First and last NLU results, from the command's cycle.
    std::pair<u64, u64> nlu_schedule(u64 issue, u64 mac_end, u64 per_unit, u32 units);
    // When each PE may take its next pass; returns the latest front end free.
    u64 free_pes(u64 issue, u64 done);
    void stream_weights(u64 issue_cycle);
    // Computes the finishing pass's outputs and state into scratch; returns
    // the NLU operations per unit.
    u64 apply_nlu(slot_state& slot, const pe_pass& p, std::vector<i16>& out);
    bool write_output(slot_state& slot, pe_pass& p, u64 first, u64 last, std::string& why);
    void commit(slot_state& slot, const pe_pass& p);

    // Reads an encoded vector (mask words, then packed values) through
    // `activations`, the mask read starting at `start` cycles from now;
    // returns false when a read fails.
    bool read_vector(u64 address, u32 length, const vector_codec& codec, u64 start,
                     sparse_vector& v, u64& mask_done, u64& values_done, std::string& why);
    // Accumulates one encoded part at `at` against activation vector a
    // (also given dense, zero-padded to whole mask words); records its
    // per-word effectual pairs.
    bool accumulate_part(const u8* block, u64 block_bytes, u64& at, u32 length, u32 value_bytes,
                         const sparse_vector& a, const std::vector<u32>& a_prefix, const i16* dense,
                         i64& sum, std::string& why);
    void run_pe_row(u32 pe, u32 row);
    bool weight_pointer(std::string& why);
    void invalidate_weights(sc_dt::uint64, sc_dt::uint64) { weight_memory_ = nullptr; }
    void invalidate_pointers(sc_dt::uint64, sc_dt::uint64) { pointer_memory_ = nullptr; }
    u64 cycle_of(const sc_core::sc_time& delay) const;

    const pe_params& params_;
    const overlap_params& overlap_;
    const sparsity_params& sparsity_;
    const sc_core::sc_time clock_;
    pe_cost_model cost_;
    balance_mode balance_;
    const u32 pes_;

    std::vector<slot_state> slots_;
    // Absolute cycles at which each PE's front end and lanes are free, and the NLU.
    std::vector<double> frontend_free_;
    std::vector<double> backend_free_;
    std::vector<double> lanes_free_;  // backend_free_ relative to the current pass
    u64 nlu_free_ = 0;

    // DMI into the weight SRAM (the PE reads its blocks' bytes there and books
    // their streams with timing-only reads).
    u8* weight_memory_ = nullptr;
    u64 weight_memory_bytes_ = 0;
    u8* pointer_memory_ = nullptr;
    u64 pointer_memory_bytes_ = 0;
    std::vector<u32> csc_columns_;  // non-zero activation columns of the pass
    std::vector<u32> csc_work_;     // entries by column and PE
    std::vector<i16> dense_act_;    // the pass's activations, dense

    tlm::tlm_generic_payload read_;
    tlm::tlm_generic_payload write_;
    std::vector<u8> vector_bytes_;
    sparse_vector x_;
    sparse_vector act_;  // h_(t-1) or r*h, assembled from its segments
    sparse_vector segment_;
    std::vector<u32> x_prefix_;
    std::vector<u32> act_prefix_;
    std::vector<i16> output_;
    std::vector<u8> output_bytes_;
    std::vector<u8> word_pairs_;  // effectual pairs of every mask word of the pass
    std::size_t word_pairs_used_ = 0;
    std::vector<const pe_block*> pass_blocks_;  // by PE
    std::vector<row_ref> row_refs_;
    std::vector<double> row_done_;  // per row_refs_ entry: cycles from the command
    std::vector<row_stream> streams_;
    std::vector<u32> open_stream_;  // per PE: its stream being extended
    std::vector<u32> row_pe_;       // per row: the PE that computed it
    std::vector<pe_cost_model::state> pe_state_;
    std::vector<u32> next_row_;
    std::vector<u32> end_row_;
    std::vector<u8> retired_;
    std::vector<double> pe_start_;
    std::vector<double> mac_end_;
    std::vector<double> cost_end_;  // mac_end_ before the weight streams
    std::vector<u64> busy_;
    std::vector<double> unit_ready_;
    std::vector<i16> scratch_h_;
    std::vector<i16> scratch_cell_;
    std::vector<i16> scratch_z_;
    std::vector<i64> scratch_partial_;
    pass_breakdown last_;
};

}  // namespace masr
