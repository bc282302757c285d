#include "models/common/ports_calendar.h"

#include <algorithm>
#include <limits>

#include "models/common/error.h"

namespace masr {

ports_calendar::ports_calendar(u32 ports) : ports_(ports) {
    if (ports == 0) fail("a ports calendar needs at least 1 port, got 0");
}

u32 ports_calendar::busy_at(u64 cycle) const {
    for (const segment& s : segments_) {
        if (s.end() <= cycle) continue;
        return s.begin <= cycle ? s.busy : 0;
    }
    return 0;
}

template <typename List>
inline void ports_calendar::append(List& to, u64 begin, u64 end, u32 busy) {
    constexpr u64 longest = std::numeric_limits<u32>::max();
    while (begin < end && busy != 0) {
        if (!to.empty() && to.back().end() == begin && to.back().busy == busy &&
            to.back().length < longest) {
            const u64 grow = std::min(end - begin, longest - to.back().length);
            to.back().length += static_cast<u32>(grow);
            begin += grow;
            continue;
        }
        const u64 length = std::min(end - begin, longest);
        to.push_back({begin, static_cast<u32>(length), busy});
        begin += length;
    }
}

u64 ports_calendar::book(u64 words, u64 from) {
    if (words == 0) return from;
    // Most bookings start after everything booked: whole cycles of every
    // port, then the rest on the last cycle.
    if (segments_.empty() || segments_.back().end() <= from) {
        const u64 cycles = (words + ports_ - 1) / ports_;
        const u64 last_words = words - (cycles - 1) * ports_;
        append(segments_, from, from + cycles - 1, ports_);
        append(segments_, from + cycles - 1, from + cycles, static_cast<u32>(last_words));
        return from + cycles;
    }
    // Otherwise the segments from the one before `from` to the one after the
    // last word are rebuilt (so that merges at both ends happen): as they
    // were before `from`, the regions from `from` on filled earliest first,
    // then the rest as it was.
    boost::container::small_vector<segment, 16> rebuilt;
    const std::size_t n = segments_.size();
    std::size_t i = 0;
    while (i < n && segments_[i].end() <= from) ++i;
    const std::size_t first = i > 0 ? i - 1 : 0;
    for (std::size_t k = first; k < i; ++k)
        append(rebuilt, segments_[k].begin, segments_[k].end(), segments_[k].busy);
    u64 at = from;
    if (i < n && segments_[i].begin < from)
        append(rebuilt, segments_[i].begin, from, segments_[i].busy);
    u64 left = words, end = from;
    while (left > 0) {
        // The region from `at`: the rest of segment i, or the gap before it
        // (or the free time after the last segment).
        const bool in_segment = i < n && segments_[i].begin <= at;
        const u32 busy = in_segment ? segments_[i].busy : 0;
        const u64 region_end = in_segment ? segments_[i].end()
                               : i < n    ? segments_[i].begin
                                          : ~u64{0};
        const u64 free = ports_ - busy;
        const u64 length = region_end - at;
        if (free == 0) {
            append(rebuilt, at, region_end, busy);
        } else if (length <= left / free) {
            // Every free slot of the region is taken.
            append(rebuilt, at, region_end, ports_);
            left -= free * length;
            end = region_end;
        } else {
            const u64 cycles = (left + free - 1) / free;  // < length
            const u64 last_words = left - (cycles - 1) * free;
            append(rebuilt, at, at + cycles - 1, ports_);
            append(rebuilt, at + cycles - 1, at + cycles, busy + static_cast<u32>(last_words));
            end = at + cycles;
            left = 0;
            append(rebuilt, end, region_end, busy);  // nothing for a gap
        }
        at = region_end;
        if (in_segment) ++i;
    }
    if (i < n) {
        append(rebuilt, segments_[i].begin, segments_[i].end(), segments_[i].busy);
        ++i;
    }
    // Segments [first, i) become `rebuilt`.
    const std::size_t replaced = i - first;
    if (rebuilt.size() > replaced)
        segments_.insert(segments_.begin() + static_cast<long>(i), rebuilt.size() - replaced,
                         segment{});
    else
        segments_.erase(segments_.begin() + static_cast<long>(first + rebuilt.size()),
                        segments_.begin() + static_cast<long>(i));
    std::copy(rebuilt.begin(), rebuilt.end(), segments_.begin() + static_cast<long>(first));
    return end;
}

void ports_calendar::prune(u64 cycle) {
    if (cycle <= pruned_to_) return;
    pruned_to_ = cycle;
    std::size_t past = 0;
    while (past < segments_.size() && segments_[past].end() <= cycle) ++past;
    if (past > 0) segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(past));
}

}  // namespace masr
