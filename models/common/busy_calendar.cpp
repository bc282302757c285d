#include "models/common/busy_calendar.h"

#include <algorithm>

namespace masr {

std::size_t busy_calendar::lower(u64 cycle) const {
    const auto it = std::upper_bound(
        busy_.begin() + static_cast<long>(first_), busy_.end(), cycle,
        [](u64 c, const std::pair<u64, u64>& interval) { return c < interval.second; });
    return static_cast<std::size_t>(it - busy_.begin());
}

u64 busy_calendar::free_count(u64 from, u64 to) const {
    if (to <= from) return 0;
    u64 busy = 0;
    for (std::size_t i = lower(from); i < busy_.size() && busy_[i].first < to; ++i)
        busy += std::min(to, busy_[i].second) - std::max(from, busy_[i].first);
    return (to - from) - busy;
}

bool busy_calendar::is_free(u64 cycle) const {
    const std::size_t i = lower(cycle);
    return i == busy_.size() || busy_[i].first > cycle;
}

void busy_calendar::occupy(u64 from, u64 to) {
    if (to <= from) return;
    // Most bookings extend the calendar at its end, in time order.
    if (busy_.size() == first_ || busy_.back().second < from) {
        busy_.push_back({from, to});
        return;
    }
    if (busy_.back().first <= from) {
        busy_.back().second = std::max(busy_.back().second, to);
        return;
    }
    // Intervals touching or overlapping [from, to) merge with it.
    std::size_t i = first_;
    {
        const auto it = std::lower_bound(
            busy_.begin() + static_cast<long>(first_), busy_.end(), from,
            [](const std::pair<u64, u64>& interval, u64 c) { return interval.second < c; });
        i = static_cast<std::size_t>(it - busy_.begin());
    }
    std::size_t j = i;
    u64 begin = from, end = to;
    while (j < busy_.size() && busy_[j].first <= to) {
        begin = std::min(begin, busy_[j].first);
        end = std::max(end, busy_[j].second);
        ++j;
    }
    if (i == j) {
        busy_.insert(busy_.begin() + static_cast<long>(i), {begin, end});
    } else {
        busy_[i] = {begin, end};
        busy_.erase(busy_.begin() + static_cast<long>(i) + 1, busy_.begin() + static_cast<long>(j));
    }
}

u64 busy_calendar::book_contiguous(u64 from, u64 length) {
    u64 start = from;
    for (std::size_t i = lower(from); i < busy_.size(); ++i) {
        if (busy_[i].first >= start + length) break;
        start = std::max(start, busy_[i].second);
    }
    occupy(start, start + length);
    return start;
}

u64 busy_calendar::book_cycles(u64 from, u64 count) {
    if (count == 0) return from;
    if (last_busy() <= from) {
        occupy(from, from + count);
        return from + count;
    }
    u64 at = from;
    u64 left = count;
    std::size_t i = lower(from);
    boost::container::small_vector<std::pair<u64, u64>, 8> taken;
    for (;;) {
        const u64 gap_end = i < busy_.size() ? busy_[i].first : ~u64{0};
        if (gap_end > at) {
            const u64 take = std::min(left, gap_end - at);
            taken.push_back({at, at + take});
            left -= take;
            at += take;
            if (left == 0) break;
        }
        at = std::max(at, busy_[i].second);
        ++i;
    }
    for (const auto& [a, b] : taken) occupy(a, b);
    return at;
}

void busy_calendar::prune(u64 cycle) {
    while (first_ < busy_.size() && busy_[first_].second <= cycle) ++first_;
    if (first_ > 0 &&
        (busy_.size() - first_ <= inline_intervals || (first_ > 64 && first_ * 2 > busy_.size()))) {
        busy_.erase(busy_.begin(), busy_.begin() + static_cast<long>(first_));
        first_ = 0;
    }
}

u64 busy_calendar::next_change(u64 cycle, bool& free) const {
    const std::size_t i = lower(cycle);
    if (i == busy_.size()) {
        free = true;
        return ~u64{0};
    }
    free = busy_[i].first > cycle;
    return free ? busy_[i].first : busy_[i].second;
}

namespace {

// The smallest end T with at least `words` free (cycle, port) slots in [from, T).
u64 ports_end(const busy_calendar* ports, u32 port_count, u64 words, u64 from) {
    u64 at = from, found = 0;
    for (;;) {
        u64 next = ~u64{0};
        u64 free_ports = 0;
        for (u32 p = 0; p < port_count; ++p) {
            bool free = false;
            next = std::min(next, ports[p].next_change(at, free));
            free_ports += free ? 1 : 0;
        }
        if (free_ports > 0) {
            const u64 need = words - found;
            const u64 cycles = (need + free_ports - 1) / free_ports;
            if (next == ~u64{0} || cycles <= next - at) return at + cycles;
            found += free_ports * (next - at);
        }
        at = next;
    }
}

}  // namespace

u64 book_words(busy_calendar* ports, u32 port_count, u64 words, u64 from) {
    if (words == 0) return from;
    if (port_count == 1) return ports[0].book_cycles(from, words);
    bool idle = true;
    for (u32 p = 0; p < port_count && idle; ++p) idle = ports[p].last_busy() <= from;
    if (idle) {
        // Nothing booked from `from` on: the words fill the ports round-robin.
        const u64 end = from + (words + port_count - 1) / port_count;
        const u64 last_cycle_words = words - (end - 1 - from) * port_count;
        for (u32 p = 0; p < port_count; ++p)
            ports[p].occupy(from, p < last_cycle_words ? end : end - 1);
        return end;
    }
    // The smallest end T with enough free (cycle, port) slots in [from, T):
    // the word-by-word greedy fills every free slot before T - 1, and the
    // last cycle's free ports in index order. Found in one sweep over the
    // ports' interval boundaries from `from` on.
    const u64 end = ports_end(ports, port_count, words, from);
    u64 slots_before_last = 0;
    for (u32 p = 0; p < port_count; ++p) slots_before_last += ports[p].free_count(from, end - 1);
    u64 left = words - slots_before_last;
    for (u32 p = 0; p < port_count; ++p) {
        const bool last_free = ports[p].is_free(end - 1);
        ports[p].occupy(from, end - 1);  // its free cycles before the last: all taken
        if (left > 0 && last_free) {
            ports[p].occupy(end - 1, end);
            --left;
        }
    }
    return end;
}

}  // namespace masr
