#pragma once
// A queue of actions, each due at a clock cycle, drained by one SC_THREAD in
// time order. Producers push as soon as they know when something is to
// happen (an output slice ready, a credit due); the draining thread waits
// until then and performs it, so that every NoC transfer is issued at the
// simulated time it starts and shared links are booked in time order.
#include <queue>
#include <systemc>
#include <vector>

#include "models/common/tlm_support.h"
#include "models/common/types.h"

namespace masr {

template <typename Item>
class timed_queue {
public:
    void push(u64 cycle, Item item) {
        heap_.push(entry{cycle, order_++, std::move(item)});
        pushed_.notify(sc_core::SC_ZERO_TIME);
    }
    bool empty() const { return heap_.empty(); }
    // The run reset: what was due is dropped (its drainer is reset too).
    void clear() { heap_ = {}; }

    // In an SC_THREAD: waits until the earliest item is due and returns it.
    Item pop(const sc_core::sc_time& period) {
        for (;;) {
            if (heap_.empty()) {
                sc_core::wait(pushed_);
                continue;
            }
            const u64 due = heap_.top().cycle;
            if (due > now_cycle(period)) {
                // A push may bring an earlier item meanwhile.
                sc_core::wait(delay_to(due, period), pushed_);
                continue;
            }
            Item item = std::move(const_cast<entry&>(heap_.top()).item);
            heap_.pop();
            return item;
        }
    }

private:
    struct entry {
        u64 cycle;
        u64 order;  // ties keep push order, so runs are deterministic
        Item item;
        bool operator>(const entry& o) const {
            return cycle != o.cycle ? cycle > o.cycle : order > o.order;
        }
    };
    std::priority_queue<entry, std::vector<entry>, std::greater<entry>> heap_;
    u64 order_ = 0;
    sc_core::sc_event pushed_;
};

}  // namespace masr
