#include "models/common/busy_calendar.h"

#include <algorithm>

namespace masr {

std::size_t busy_calendar::lower(u64 cycle) const {
    const auto it = std::upper_bound(
        busy_.begin() + static_cast<long>(first_), busy_.end(), cycle,
        [](u64 c, const std::pair<u64, u64>& interval) { return c < interval.second; });
    return static_cast<std::size_t>(it - busy_.begin());
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

void busy_calendar::prune(u64 cycle) {
    while (first_ < busy_.size() && busy_[first_].second <= cycle) ++first_;
    if (first_ > 0 &&
        (busy_.size() - first_ <= inline_intervals || (first_ > 64 && first_ * 2 > busy_.size()))) {
        busy_.erase(busy_.begin(), busy_.begin() + static_cast<long>(first_));
        first_ = 0;
    }
}

}  // namespace masr
