#pragma once
// When the interchangeable ports of a resource (an SRAM bank's ports) are
// busy: for each cycle interval, how many of them. Words are booked one per
// port and cycle on the earliest free (cycle, port) from a start on; which
// port takes a word changes no later booking, so counting busy ports per
// cycle decides exactly what a calendar per port would, with one walk over
// one list instead of a search per port. Like busy_calendar, bookings may
// arrive out of time order (a NoC delivery booked at its future arrival
// before an earlier read), and what ends before the present is forgotten.
//
// Plain C++.
#include <boost/container/small_vector.hpp>

#include "models/common/types.h"

namespace masr {

class ports_calendar {
public:
    explicit ports_calendar(u32 ports = 1);

    // Busy ports at `cycle`.
    u32 busy_at(u64 cycle) const;
    // Books `words` words from `from` on, each on the earliest free (cycle,
    // port); returns the cycle after the last of them (`from` for none).
    u64 book(u64 words, u64 from);
    // Forgets what ends at or before `cycle` (no booking starts before it).
    // At or before the last pruned cycle it returns at once: nothing booked
    // since can end by then.
    void prune(u64 cycle);
    // Intervals held (for tests of the bookkeeping).
    std::size_t intervals() const { return segments_.size(); }

private:
    // [begin, begin + length) with `busy` ports taken (1 to ports_), sorted,
    // disjoint; neighbours that touch have different counts, unless a run
    // longer than a u32 `length` had to be split. Cycles outside are free.
    // 16 bytes, four inline: a bank's calendar is two cache lines.
    struct segment {
        u64 begin;
        u32 length;
        u32 busy;
        u64 end() const { return begin + length; }
    };
    using segments = boost::container::small_vector<segment, 4>;
    // Appends [begin, end) with `busy` ports taken, merged with the last
    // segment when they touch with the same count.
    template <typename List>
    static void append(List& to, u64 begin, u64 end, u32 busy);

    u32 ports_;
    u64 pruned_to_ = 0;
    segments segments_;
};

}  // namespace masr
