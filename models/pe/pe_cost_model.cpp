#include "models/pe/pe_cost_model.h"

#include <algorithm>
#include <cmath>

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
}

void pe_cost_model::add_words(state& s, const u8* effectual, u32 n) const {
    u32 k = 0;
    // The very first word of a PE counts no starvation (nothing ran before it).
    if (!s.any && n > 0) add_word(s, effectual[k++]);
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
