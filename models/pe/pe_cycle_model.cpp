#include "models/pe/pe_cycle_model.h"

#include <algorithm>
#include <cassert>

namespace masr {

pe_cycle_model::pe_cycle_model(sc_core::sc_module_name name, const pe_core_timing& timing)
    : sc_module(name), clk("clk"), timing_(timing) {
    SC_METHOD(tick);
    sensitive << clk.pos();
    dont_initialize();
}

void pe_cycle_model::push_row(const sparse_vector& weights, const sparse_vector& activations) {
    assert(weights.length == activations.length && weights.length > 0);
    rows_.push_back({weights, activations});
    results_.emplace_back();
    pending_.push_back(0);
    scan_end_.push_back(0);
    last_pop_.push_back(0);
}

void pe_cycle_model::check_done() {
    while (rows_done_ < rows_.size() && scan_end_[rows_done_] != 0 && pending_[rows_done_] == 0) {
        row_result& r = results_[rows_done_];
        r.ready_cycle = std::max(scan_end_[rows_done_], last_pop_[rows_done_]) + timing_.tail();
        ++rows_done_;
    }
}

void pe_cycle_model::tick() {
    ++cycle_;

    // Back end: up to L lanes each pop one pair pushed at least fifo_latency
    // cycles ago and accumulate its product into the pair's row.
    for (u32 lane = 0; lane < timing_.lanes && !fifo_.empty(); ++lane) {
        const pair& p = fifo_.front();
        if (p.pushed + timing_.fifo_latency > cycle_) break;
        results_[p.row].sum += p.weight * p.activation;
        --pending_[p.row];
        last_pop_[p.row] = cycle_;
        ++busy_lane_cycles;
        fifo_.pop_front();
    }
    check_done();

    // Front end: frontend_words scan slots per cycle, each taking the next
    // (or the rest of the current) mask word and pushing up to
    // frontend_pairs / frontend_words of its effectual pairs into the FIFO,
    // as long as there is room. A word without pairs still takes its slot.
    const u32 per_slot = timing_.frontend_pairs / timing_.frontend_words;
    bool blocked = false;
    for (u32 slot = 0; slot < timing_.frontend_words && row_ < rows_.size() && !blocked; ++slot) {
        const bool previous_ready =
            row_ == 0 || (rows_done_ >= row_ && results_[row_ - 1].ready_cycle < cycle_);
        if (isolated_ && !previous_ready) break;
        const row& r = rows_[row_];
        if (word_ == 0 && !word_loaded_) results_[row_].start_cycle = cycle_;
        if (!word_loaded_) {
            both_ = r.weights.mask[word_] & r.activations.mask[word_];
            word_loaded_ = true;
        }
        const u64 wm = r.weights.mask[word_];
        const u64 am = r.activations.mask[word_];
        u32 pushed = 0;
        while (both_ && pushed < per_slot && fifo_.size() < timing_.fifo_depth) {
            const unsigned bit = static_cast<unsigned>(__builtin_ctzll(both_));
            const u64 below = (u64{1} << bit) - 1;
            const u32 wi = weight_base_ + static_cast<u32>(__builtin_popcountll(wm & below));
            const u32 ai = activation_base_ + static_cast<u32>(__builtin_popcountll(am & below));
            fifo_.push_back(
                {r.weights.values[wi], r.activations.values[ai], static_cast<u32>(row_), cycle_});
            ++pending_[row_];
            ++results_[row_].pairs;
            both_ &= both_ - 1;
            ++pushed;
        }
        if (both_ && pushed < per_slot) {
            // The FIFO is full: the front end holds its pairs until next cycle.
            ++fifo_full_cycles;
            blocked = true;
        }
        if (!both_) {
            weight_base_ += static_cast<u32>(__builtin_popcountll(wm));
            activation_base_ += static_cast<u32>(__builtin_popcountll(am));
            word_loaded_ = false;
            if (++word_ == r.weights.mask.size()) {
                scan_end_[row_] = cycle_;
                ++row_;
                word_ = 0;
                weight_base_ = activation_base_ = 0;
            }
        }
    }
    check_done();

    if (done() && !rows_.empty() && results_.back().ready_cycle <= cycle_) sc_core::sc_stop();
}

}  // namespace masr
