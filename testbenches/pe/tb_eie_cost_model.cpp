// EIE's broadcast and queue recurrence (models/pe/eie_cost_model.h) on
// hand-worked cases: the queue depth holding the broadcast back, empty
// columns costing their pop, PEs that start late, and no columns at all.
#include <catch2/catch.hpp>

#include "models/pe/eie_cost_model.h"

using namespace masr;

TEST_CASE("EIE queues of depth 2: the long column of PE 0 holds the fourth broadcast",
          "[unit][eie]") {
    eie_timing t;
    t.queue_depth = 2;
    // Columns k0..k3 at PEs 0 and 1: (3, 1), (1, 1), (1, 3), (2, 1) entries.
    const std::vector<u32> work = {3, 1, 1, 1, 1, 3, 2, 1};
    const eie_schedule s = schedule_eie(t, work, 2, 4, {0, 0}, 0);
    // b0 = 0: both pop at 1; PE 0 done with it at 4, PE 1 at 2.
    // b1 = 1: PE 0 pops at 4 (busy), done 5; PE 1 pops at 2, done 3.
    // b2 = 2 (k0 left both queues at 1): PE 0 pops at 5, done 6; PE 1 at 3, done 6.
    // b3 = max(3, k1's pops 4 and 2) = 4: held one cycle; PE 0 pops at 6, done 8;
    //      PE 1 at 6, done 7.
    CHECK(s.first_pop == std::vector<u64>{1, 1});
    CHECK(s.done == std::vector<u64>{8, 7});
    CHECK(s.last_broadcast == 4);
    CHECK(s.held_broadcasts == 1);
}

TEST_CASE("EIE queues of depth 1 stall the broadcast on every busy PE", "[unit][eie]") {
    eie_timing t;
    t.queue_depth = 1;
    const std::vector<u32> work = {3, 1, 1, 1, 1, 3, 2, 1};
    const eie_schedule s = schedule_eie(t, work, 2, 4, {0, 0}, 0);
    // b0 = 0; pops 1, 1; done 4, 2.   b1 = max(1, 1) = 1; pops 4, 2; done 5, 3.
    // b2 = max(2, 4) = 4 (held 2); pops 5, 5; done 6, 8.
    // b3 = max(5, 5) = 5; pops 6, 8; done 8, 9.
    CHECK(s.done == std::vector<u64>{8, 9});
    CHECK(s.last_broadcast == 5);
    CHECK(s.held_broadcasts == 2);
}

TEST_CASE("EIE: an empty column costs its pop, late PEs and late activations", "[unit][eie]") {
    eie_timing t;  // depth 8: no holds here
    // Two columns, PE 0 has entries only in the second, PE 1 none at all.
    const std::vector<u32> work = {0, 0, 4, 0};
    // The activations arrive at cycle 10; PE 1 is busy with its last pass until 20.
    const eie_schedule s = schedule_eie(t, work, 2, 2, {0, 20}, 10);
    // PE 0: pops k0 at 11, done 12 (the pop); k1 broadcast at 11, popped 12, done 16.
    // PE 1: pops k0 at 20, done 21; k1 at 21, done 22.
    CHECK(s.first_pop == std::vector<u64>{11, 20});
    CHECK(s.done == std::vector<u64>{16, 22});
    t.min_column_cycles = 0;
    CHECK(schedule_eie(t, work, 2, 2, {0, 20}, 10).done == std::vector<u64>{16, 20});
    // No non-zero activation: nothing to do, every PE done when it is free.
    const eie_schedule none = schedule_eie(t, {}, 2, 0, {3, 7}, 10);
    CHECK(none.done == std::vector<u64>{3, 7});
    CHECK(none.last_broadcast == 10);
}

TEST_CASE("EIE: two broadcasts per cycle", "[unit][eie]") {
    eie_timing t;
    t.broadcasts_per_cycle = 2;
    const std::vector<u32> work = {1, 1, 1};  // one PE, three one-entry columns
    const eie_schedule s = schedule_eie(t, work, 1, 3, {0}, 0);
    // b0 = b1 = 0, b2 = 1; the PE pops at 1, 2, 3 and is done at 4.
    CHECK(s.last_broadcast == 1);
    CHECK(s.done == std::vector<u64>{4});
}
