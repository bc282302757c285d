#include "models/pe/pe_cost_model.h"

#include <algorithm>
#include <cmath>

#include "models/common/fixed_divisor.h"

namespace masr {

u32 pe_core_timing::reduce_latency() const {
    u32 depth = 0;
    while ((u32{1} << depth) < lanes) ++depth;
    return depth + 1;
}

pe_cost_model::pe_cost_model(const pe_core_timing& timing)
    : timing_(timing),
      slot_cycles_(1.0 / timing.frontend_words),
      inv_lanes_(1.0 / timing.lanes),
      depth_cycles_(static_cast<double>(timing.fifo_depth) / timing.lanes),
      fifo_latency_(timing.fifo_latency) {
    const u32 per_slot = timing.frontend_pairs / timing.frontend_words;
    for (u32 e = 0; e <= mask_word_bits; ++e) {
        const u32 slots = std::max<u32>(1, (e + per_slot - 1) / per_slot);
        frontend_cycles_[e] = slots * slot_cycles_;
        lane_cycles_[e] = e * inv_lanes_;
    }
    if (is_power_of_two(timing.lanes) && is_power_of_two(timing.frontend_words)) {
        const i64 scale = std::max(timing.lanes, timing.frontend_words);
        fixed_ = true;
        fixed_scale_ = static_cast<double>(scale);
        fixed_slot_ = scale / timing.frontend_words;
        fixed_depth_ = i64{timing.fifo_depth} * (scale / timing.lanes);
        fixed_latency_ = i64{timing.fifo_latency} * scale;
        for (u32 e = 0; e <= mask_word_bits; ++e) {
            const i64 slots = std::max<u32>(1, (e + per_slot - 1) / per_slot);
            fixed_frontend_[e] = slots * fixed_slot_;
            fixed_lane_[e] = i64{e} * (scale / timing.lanes);
        }
        fixed_max_step_ = fixed_frontend_[mask_word_bits] + fixed_lane_[mask_word_bits] +
                          fixed_latency_ + fixed_depth_;
    }
}

bool pe_cost_model::add_words_fixed(state& s, const u8* effectual, u32 n) const {
    // Below 2^52 units every double of the loop is exact, so both loops agree.
    constexpr double limit = 0x1.0p44;
    const auto on_grid = [&](double v, i64& out) {
        const double scaled = v * fixed_scale_;
        if (!(scaled >= 0 && scaled < limit)) return false;
        out = static_cast<i64>(scaled);
        return static_cast<double>(out) == scaled;
    };
    i64 frontend = 0, backend = 0, fifo_full = 0, starved = 0;
    if (!on_grid(s.frontend, frontend) || !on_grid(s.backend, backend) ||
        !on_grid(s.fifo_full_cycles, fifo_full) || !on_grid(s.starved_cycles, starved))
        return false;
    if (static_cast<double>(n) * static_cast<double>(fixed_max_step_) > 0x1.0p50) return false;
    u64 pairs = 0;
    // Both outcomes of every word, then a select: whether a word has pairs,
    // and whether the FIFO fills or starves, follow the data, and as
    // branches they are mispredicted often enough to cost more than the
    // arithmetic.
    for (u32 k = 0; k < n; ++k) {
        const u32 e = effectual[k];
        const i64 gap = std::max<i64>(0, frontend + fixed_latency_ - backend);
        const i64 popped = backend + gap + fixed_lane_[e];
        const i64 pushed = frontend + fixed_frontend_[e];
        const i64 full = std::max<i64>(0, popped - fixed_depth_ - pushed);
        const i64 pushed_last = pushed + full;
        const i64 popped_last = std::max(popped, pushed_last + fixed_latency_);
        const bool has_pairs = e != 0;
        starved += has_pairs ? gap : 0;
        fifo_full += has_pairs ? full : 0;
        frontend = has_pairs ? pushed_last : frontend + fixed_slot_;
        backend = has_pairs ? popped_last : backend;
        pairs += e;
    }
    const double unit = 1.0 / fixed_scale_;  // a power of two: exact
    s.words += n;
    s.frontend = static_cast<double>(frontend) * unit;
    s.backend = static_cast<double>(backend) * unit;
    s.fifo_full_cycles = static_cast<double>(fifo_full) * unit;
    s.starved_cycles = static_cast<double>(starved) * unit;
    s.pairs += pairs;
    return true;
}

void pe_cost_model::add_words(state& s, const u8* effectual, u32 n) const {
    u32 k = 0;
    // The very first word of a PE counts no starvation (nothing ran before it).
    if (!s.any && n > 0) add_word(s, effectual[k++]);
    if (fixed_ && add_words_fixed(s, effectual + k, n - k)) return;
    s.words += n - k;
    double frontend = s.frontend;
    double backend = s.backend;
    double fifo_full = s.fifo_full_cycles;
    double starved = s.starved_cycles;
    u64 pairs = 0;
    for (; k < n; ++k) {
        const u32 e = effectual[k];
        if (e == 0) {
            frontend += slot_cycles_;
            continue;
        }
        const double ready = frontend + fifo_latency_;
        if (ready > backend) {
            starved += ready - backend;
            backend = ready;
        }
        backend += lane_cycles_[e];
        const double pushed = frontend + frontend_cycles_[e];
        const double blocked = backend - depth_cycles_;
        if (blocked > pushed) {
            fifo_full += blocked - pushed;
            frontend = blocked;
        } else {
            frontend = pushed;
        }
        if (frontend + fifo_latency_ > backend) backend = frontend + fifo_latency_;
        pairs += e;
    }
    s.frontend = frontend;
    s.backend = backend;
    s.fifo_full_cycles = fifo_full;
    s.starved_cycles = starved;
    s.pairs += pairs;
}

u64 pe_cost_model::finish(const state& s) const {
    if (!s.any) return 0;
    // Guard against 0.999999 from the fractional lane term.
    const double end = std::max(s.frontend, s.backend);
    return static_cast<u64>(std::ceil(end - 1e-9)) + timing_.tail();
}

u64 pe_cost_model::row_cycles(const u64* weight_mask, const u64* activation_mask,
                              unsigned words) const {
    state s;
    add_row(s, weight_mask, activation_mask, words);
    return finish(s);
}

}  // namespace masr
