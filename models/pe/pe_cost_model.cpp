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
      pairs_per_cycle_(timing.frontend_pairs),
      inv_lanes_(1.0 / timing.lanes),
      depth_cycles_(static_cast<double>(timing.fifo_depth) / timing.lanes),
      fifo_latency_(timing.fifo_latency) {}

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
