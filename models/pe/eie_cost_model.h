#pragma once
// Transaction-level timing of EIE's PE array (Han et al., ISCA 2016, section
// IV) for one pass: the leading-non-zero detector broadcasts the non-zero
// activations one after another (a column k each), every PE queues them
// (activation queue of depth D) and works through its entries of each column
// at one entry per cycle. A full queue anywhere holds the broadcast, which is
// how one PE's long column slows all of them (EIE's load imbalance).
// Plain C++; the PE tile calls it once per pass and tb_eie_cost_model checks
// it against hand-worked cases.
//
// With w[k][p] the entries of column k at PE p (padding zeros included),
// B broadcasts per cycle and integer cycles:
//   b_k   = max(first, b_(k-B) + 1, max_p s[p][k-D])      broadcast of column k
//   s[p][k] = max(b_k + 1, e[p][k-1], start[p])           PE p pops it
//   e[p][k] = s[p][k] + max(min_column_cycles, w[k][p])   and is done with it
// (s[p][k-D] is when the entry that frees the queue slot leaves it.) A PE is
// done at e[p][K-1]; its MAC pipeline adds its tail after that.
#include <vector>

#include "models/common/types.h"

namespace masr {

struct eie_timing {
    u32 queue_depth = 8;           // D
    u32 broadcasts_per_cycle = 1;  // B: the detector's tree emits one per cycle
    u32 min_column_cycles = 1;     // a column with no entries at a PE still takes its pop
};

struct eie_schedule {
    std::vector<u64> first_pop;  // per PE: s[p][0] (its start), or start[p] with no columns
    std::vector<u64> done;       // per PE: e[p][K-1], or start[p] with no columns
    u64 last_broadcast = 0;      // b_(K-1) (first when K = 0)
    u64 held_broadcasts = 0;     // cycles the detector waited for queue room
};

// work: K x P entries, column-major by broadcast (work[k * pes + p]).
eie_schedule schedule_eie(const eie_timing& timing, const std::vector<u32>& work, u32 pes,
                          u32 columns, const std::vector<u64>& start, u64 first);

}  // namespace masr
