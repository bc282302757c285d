#pragma once
// When a shared single-use resource (a NoC link) is busy, as a list of busy
// cycle intervals; a resource with several interchangeable ports (an SRAM
// bank) has a ports_calendar instead. Loosely timed models book a
// transaction's use of a resource when the transaction is computed, which is
// not always in the order of the times at which the uses happen: a NoC
// delivery books a link at its arrival, in the future, before a packet at an
// earlier time is computed. A single "busy until" time would make that packet
// wait for the later one; the calendar lets it take the free cycles before
// it, so the result does not depend on the order in which transactions are
// computed, only on their times (first come at a cycle, first served).
//
// Plain C++. Intervals that end before the present are forgotten (prune), so
// a calendar holds only the few bookings of the near future.
#include <boost/container/small_vector.hpp>
#include <utility>

#include "models/common/types.h"

namespace masr {

class busy_calendar {
public:
    bool is_free(u64 cycle) const;
    // Marks every cycle of [from, to) busy.
    void occupy(u64 from, u64 to);
    // The earliest start s >= from with [s, s + length) free, booked.
    u64 book_contiguous(u64 from, u64 length);
    // Forgets what ends at or before `cycle` (no booking starts before it).
    void prune(u64 cycle);
    std::size_t intervals() const { return busy_.size() - first_; }

private:
    // Busy [first, second), sorted, disjoint and not touching; entries before
    // first_ are pruned (erased at once while few remain, else in batches).
    // A calendar holds a handful of bookings: kept inline, they share the
    // owner's cache lines instead of costing a second miss per booking.
    static constexpr std::size_t inline_intervals = 4;
    boost::container::small_vector<std::pair<u64, u64>, inline_intervals> busy_;
    std::size_t first_ = 0;
    std::size_t lower(u64 cycle) const;  // first interval ending after cycle
};

}  // namespace masr
