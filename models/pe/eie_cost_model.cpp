#include "models/pe/eie_cost_model.h"

#include <algorithm>

namespace masr {

eie_schedule schedule_eie(const eie_timing& timing, const std::vector<u32>& work, u32 pes,
                          u32 columns, const std::vector<u64>& start, u64 first) {
    const u32 depth = std::max<u32>(1, timing.queue_depth);
    const u32 rate = std::max<u32>(1, timing.broadcasts_per_cycle);
    eie_schedule out;
    out.first_pop.assign(start.begin(), start.end());
    out.done.assign(start.begin(), start.end());
    out.last_broadcast = first;
    // The last `depth` pops of each PE and the last `rate` broadcasts, as rings.
    std::vector<u64> pops(u64{pes} * depth, 0);
    std::vector<u64> broadcasts(rate, 0);
    std::vector<u64> free_at(start.begin(), start.end());  // e[p][k-1]
    for (u32 k = 0; k < columns; ++k) {
        u64 b = first;
        if (k >= rate) b = std::max(b, broadcasts[k % rate] + 1);
        const u64 unheld = b;
        if (k >= depth)
            for (u32 p = 0; p < pes; ++p) b = std::max(b, pops[u64{p} * depth + k % depth]);
        out.held_broadcasts += b - unheld;
        broadcasts[k % rate] = b;
        out.last_broadcast = b;
        for (u32 p = 0; p < pes; ++p) {
            const u64 s = std::max(b + 1, free_at[p]);
            if (k == 0) out.first_pop[p] = s;
            pops[u64{p} * depth + k % depth] = s;
            free_at[p] = s + std::max<u64>(timing.min_column_cycles, work[u64{k} * pes + p]);
        }
    }
    if (columns > 0) out.done = free_at;
    return out;
}

}  // namespace masr
