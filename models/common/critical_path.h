#pragma once
// Critical-path accounting. Every time that decides when something can
// happen carries a stamp: the cycle, and how the cycles from time 0 up to it
// split into categories along the chain of events that made it. Where an
// event waits for several others it takes the stamp of the latest (later),
// and a duration adds to one category (advance). The stamp of the run's last
// event therefore splits the run into parts that sum to its length exactly.
#include <array>

#include "models/common/types.h"

namespace masr {

enum class path_part : u8 {
    load,     // before the run starts: image, weights, tile setup
    compute,  // PE passes: activation reads, MACs, NLU, compressor
    noc,      // data moving between nodes (NoC, destination write)
    sync,     // start, credits, arrival detection
    merge,    // the streamer assembling x_t (slices, direction merge)
    seqbuf,   // the streamer reading the sequence buffer
};
inline constexpr std::size_t path_part_count = 6;
inline constexpr const char* path_part_names[path_part_count] = {"load", "compute", "noc",
                                                                 "sync", "merge",   "seqbuf"};

struct path_stamp {
    u64 cycle = 0;
    std::array<u64, path_part_count> parts{};

    // Moves the stamp to `to` (if later), booking the cycles to `part`.
    path_stamp& advance(u64 to, path_part part) {
        if (to > cycle) {
            parts[static_cast<std::size_t>(part)] += to - cycle;
            cycle = to;
        }
        return *this;
    }
    path_stamp advanced(u64 to, path_part part) const {
        path_stamp s = *this;
        return s.advance(to, part);
    }
};

inline const path_stamp& later(const path_stamp& a, const path_stamp& b) {
    return b.cycle > a.cycle ? b : a;
}

}  // namespace masr
