#pragma once
// Transaction-level timing of one PE: the cycles a stream of weight rows takes
// through the front end (mask AND, prefix popcounts), the pair FIFO and the
// MAC lanes, derived per mask word with the FIFO as a fluid queue instead of a
// clock per MAC. Plain C++; the PE tile calls it for every row, and
// tb_pe_cost_model checks it against the clocked reference pe_cycle_model.
//
// Per mask word k with e_k effectual pairs (W = frontend_pairs, R =
// frontend_words, L = lanes, D = fifo_depth, F = time the front end has
// pushed its last pair, B = time the back end has popped its last pair, both
// in cycles from the start). The front end has R scan slots per cycle, each
// taking one word and pushing up to W / R of its pairs; a word with more
// pairs takes several slots:
//
//   f_k = max(1, ceil(R e_k / W)) / R                 front-end cycles of the word
//   if e_k > 0:
//     B'  = max(B, F + fifo_latency) + e_k / L         lanes busy on the word's pairs
//     F'  = max(F + f_k, B' - D / L)                   push blocked while the FIFO is full
//     B'  = max(B', F' + fifo_latency)                 the last pair is popped after it is pushed
//   else F' = F + 1 / R
//
//   PE cycles = ceil(max(F, B)) + mac_latency + reduce_latency
//   reduce_latency = ceil(log2 L) + 1      (adder tree over the lanes, bias add)
//
// State carries from row to row: rows stream through the PE without bubbles;
// only the last row's tail (MAC pipeline, reduction) adds to the total. The
// update is O(1) per mask word, so a row costs O(mask words) here.
#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

// Whole cycles of a cost-model time, guarding against 0.999999 from the
// fractional lane term.
inline u64 ceil_cycles(double t) {
    return t <= 0 ? 0 : static_cast<u64>(__builtin_ceil(t - 1e-9));
}

struct pe_core_timing {
    u32 lanes = 4;           // L: MAC lanes per PE
    u32 fifo_depth = 16;     // D: effectual pairs the FIFO holds
    u32 frontend_pairs = 8;  // W: pairs the front end pushes per cycle
    u32 fifo_latency = 1;    // cycles from a push to the earliest pop of that pair
    u32 mac_latency = 2;     // multiplier + accumulator pipeline stages
    u32 frontend_words = 1;  // R: mask words the front end scans per cycle (W % R == 0)

    u32 reduce_latency() const;
    // Cycles after the last pop until the row's sum is ready.
    u32 tail() const { return mac_latency + reduce_latency(); }
};

class pe_cost_model {
public:
    explicit pe_cost_model(const pe_core_timing& timing);

    // One PE's pipeline, carried across the rows it processes.
    struct state {
        double frontend = 0;  // F
        double backend = 0;   // B
        u64 pairs = 0;
        u64 words = 0;
        double fifo_full_cycles = 0;  // front end blocked by a full FIFO
        double starved_cycles = 0;    // back end waiting for the front end
        bool any = false;             // processed at least one mask word
    };

    void add_word(state& s, u32 effectual) const {
        ++s.words;
        if (effectual == 0) {
            s.frontend += slot_cycles_;
            s.any = true;
            return;
        }
        const double f = frontend_cycles_[effectual];
        const double ready = s.frontend + fifo_latency_;
        if (ready > s.backend) {
            s.starved_cycles += s.any ? ready - s.backend : 0;
            s.backend = ready;
        }
        s.backend += effectual * inv_lanes_;
        const double pushed = s.frontend + f;
        const double blocked = s.backend - depth_cycles_;
        if (blocked > pushed) {
            s.fifo_full_cycles += blocked - pushed;
            s.frontend = blocked;
        } else {
            s.frontend = pushed;
        }
        if (s.frontend + fifo_latency_ > s.backend) s.backend = s.frontend + fifo_latency_;
        s.pairs += effectual;
        s.any = true;
    }

    // add_word for each of the n words of a row stream, computing the same
    // doubles with the state in registers and the per-word terms from tables
    // (a word has at most 64 pairs).
    void add_words(state& s, const u8* effectual, u32 n) const;

    // Effectual pairs of each of `words` mask-word pairs (popcount of the AND).
    void add_row(state& s, const u64* weight_mask, const u64* activation_mask,
                 unsigned words) const {
        for (unsigned k = 0; k < words; ++k)
            add_word(s,
                     static_cast<u32>(__builtin_popcountll(weight_mask[k] & activation_mask[k])));
    }

    // Time the PE may take its next row (its front end is free).
    double frontend_free(const state& s) const { return s.frontend; }
    // Cycles until the last row's result is ready (0 for a PE that did nothing).
    u64 finish(const state& s) const;
    // One row through an empty PE.
    u64 row_cycles(const u64* weight_mask, const u64* activation_mask, unsigned words) const;

    const pe_core_timing& timing() const { return timing_; }

private:
    // add_words in integers of 1 / fixed_scale_ cycles: with L and R powers
    // of two every term is such a multiple, and so is every double the loop
    // computes, exactly; integer adds and compares are a quarter of the
    // latency of the double chain, and give the same bits. False (nothing
    // changed) when the state is off that grid or could outgrow it.
    bool add_words_fixed(state& s, const u8* effectual, u32 n) const;

    pe_core_timing timing_;
    bool fixed_ = false;
    double fixed_scale_ = 1;
    i64 fixed_slot_ = 0;
    i64 fixed_depth_ = 0;
    i64 fixed_latency_ = 0;
    i64 fixed_max_step_ = 0;  // the most one word can add to F or B
    i64 fixed_frontend_[mask_word_bits + 1] = {};
    i64 fixed_lane_[mask_word_bits + 1] = {};
    double slot_cycles_;  // 1 / R
    double inv_lanes_;
    double depth_cycles_;
    double fifo_latency_;
    double frontend_cycles_[mask_word_bits + 1];  // f_k by e_k
    double lane_cycles_[mask_word_bits + 1];      // e_k / L by e_k
};

}  // namespace masr
