#include "models/common/ports_calendar.h"

#include <algorithm>

#include "models/common/error.h"

namespace masr {

ports_calendar::ports_calendar(u32 ports) : ports_(ports) {
    if (ports == 0) fail("a ports calendar needs at least 1 port, got 0");
}

u32 ports_calendar::busy_at(u64 cycle) const {
    for (const segment& s : segments_) {
        if (s.end <= cycle) continue;
        return s.begin <= cycle ? s.busy : 0;
    }
    return 0;
}

inline void ports_calendar::append(segments& to, u64 begin, u64 end, u32 busy) {
    if (begin >= end || busy == 0) return;
    if (!to.empty() && to.back().end == begin && to.back().busy == busy) {
        to.back().end = end;
        return;
    }
    to.push_back({begin, end, busy});
}

u64 ports_calendar::book(u64 words, u64 from) {
    if (words == 0) return from;
    // Most bookings start after everything booked: whole cycles of every
    // port, then the rest on the last cycle.
    if (segments_.empty() || segments_.back().end <= from) {
        const u64 cycles = (words + ports_ - 1) / ports_;
        const u64 last_words = words - (cycles - 1) * ports_;
        append(segments_, from, from + cycles - 1, ports_);
        append(segments_, from + cycles - 1, from + cycles, static_cast<u32>(last_words));
        return from + cycles;
    }
    // Otherwise the list is rebuilt: what lies before `from` as it was, the
    // regions from `from` on filled earliest first, then the rest as it was.
    scratch_.clear();
    std::size_t i = 0;
    const std::size_t n = segments_.size();
    for (; i < n && segments_[i].end <= from; ++i)
        append(scratch_, segments_[i].begin, segments_[i].end, segments_[i].busy);
    u64 at = from;
    if (i < n && segments_[i].begin < from)
        append(scratch_, segments_[i].begin, from, segments_[i].busy);
    u64 left = words, end = from;
    while (left > 0) {
        // The region from `at`: the rest of segment i, or the gap before it
        // (or the free time after the last segment).
        const bool in_segment = i < n && segments_[i].begin <= at;
        const u32 busy = in_segment ? segments_[i].busy : 0;
        const u64 region_end = in_segment ? segments_[i].end : i < n ? segments_[i].begin : ~u64{0};
        const u64 free = ports_ - busy;
        const u64 length = region_end - at;
        if (free == 0) {
            append(scratch_, at, region_end, busy);
        } else if (length <= left / free) {
            // Every free slot of the region is taken.
            append(scratch_, at, region_end, ports_);
            left -= free * length;
            end = region_end;
        } else {
            const u64 cycles = (left + free - 1) / free;  // < length
            const u64 last_words = left - (cycles - 1) * free;
            append(scratch_, at, at + cycles - 1, ports_);
            append(scratch_, at + cycles - 1, at + cycles, busy + static_cast<u32>(last_words));
            end = at + cycles;
            left = 0;
            append(scratch_, end, region_end, busy);  // nothing for a gap
        }
        at = region_end;
        if (in_segment) ++i;
    }
    for (; i < n; ++i) append(scratch_, segments_[i].begin, segments_[i].end, segments_[i].busy);
    segments_.swap(scratch_);
    return end;
}

void ports_calendar::prune(u64 cycle) {
    if (cycle <= pruned_to_) return;
    pruned_to_ = cycle;
    std::size_t past = 0;
    while (past < segments_.size() && segments_[past].end <= cycle) ++past;
    if (past > 0) segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(past));
}

}  // namespace masr
