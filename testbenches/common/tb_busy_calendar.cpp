// busy_calendar and ports_calendar against a cycle-by-cycle reference: a
// bitmap per port, words booked one at a time on the earliest free (cycle,
// port), ports in index order at a tie. Random bookings in random time order,
// so that both the idle fast paths and the fragmented calendars are taken.
#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "models/common/busy_calendar.h"
#include "models/common/ports_calendar.h"

namespace {

using masr::u32;
using masr::u64;

struct reference_ports {
    std::vector<std::vector<bool>> busy;  // [port][cycle]
    explicit reference_ports(u32 ports) : busy(ports, std::vector<bool>(1 << 14, false)) {}
    u64 book_words(u64 words, u64 from) {
        u64 end = from;
        for (u64 c = from; words > 0; ++c)
            for (u32 p = 0; p < busy.size() && words > 0; ++p)
                if (!busy[p][c]) {
                    busy[p][c] = true;
                    --words;
                    end = c + 1;
                }
        return words == 0 && end > from ? end : from;
    }
    u64 book_contiguous(u64 from, u64 length) {
        for (u64 s = from;; ++s) {
            bool free = true;
            for (u64 c = s; c < s + length && free; ++c) free = !busy[0][c];
            if (free) {
                for (u64 c = s; c < s + length; ++c) busy[0][c] = true;
                return s;
            }
        }
    }
};

void check_same(const std::vector<masr::busy_calendar>& ports, const reference_ports& ref) {
    for (u32 p = 0; p < ports.size(); ++p)
        for (u64 c = 0; c < 4096; ++c) REQUIRE(ports[p].is_free(c) == !ref.busy[p][c]);
}

u32 busy_ports(const reference_ports& ref, u64 cycle) {
    u32 busy = 0;
    for (const auto& port : ref.busy) busy += port[cycle] ? 1 : 0;
    return busy;
}

}  // namespace

TEST_CASE("ports calendar: book matches word-by-word booking on 1 to 4 ports", "[unit][common]") {
    std::mt19937_64 rng(7);
    for (u32 port_count = 1; port_count <= 4; ++port_count) {
        for (int trial = 0; trial < 40; ++trial) {
            masr::ports_calendar ports(port_count);
            reference_ports ref(port_count);
            // Mostly in time order (the fast path), sometimes earlier than
            // what is booked (the calendar's reason to exist).
            u64 time = 0;
            for (int booking = 0; booking < 30; ++booking) {
                const u64 from =
                    rng() % 4 == 0 ? time - std::min<u64>(time, rng() % 40) : (time += rng() % 12);
                const u64 words = rng() % 20;
                INFO("ports " << port_count << " trial " << trial << " booking " << booking << ": "
                              << words << " words from " << from);
                REQUIRE(ports.book(words, from) == ref.book_words(words, from));
            }
            for (u64 c = 0; c < 4096; ++c) REQUIRE(ports.busy_at(c) == busy_ports(ref, c));
            // One interval per run of cycles with the same non-zero count.
            std::size_t runs = 0;
            for (u64 c = 0; c < 4096; ++c)
                runs += busy_ports(ref, c) != 0 &&
                        (c == 0 || busy_ports(ref, c) != busy_ports(ref, c - 1));
            REQUIRE(ports.intervals() == runs);
        }
    }
}

TEST_CASE("ports calendar: pruning forgets only what ended, bookings after it still match",
          "[unit][common]") {
    std::mt19937_64 rng(17);
    for (u32 port_count = 1; port_count <= 3; ++port_count) {
        masr::ports_calendar ports(port_count);
        reference_ports ref(port_count);
        u64 now = 0;
        for (int booking = 0; booking < 1500; ++booking) {
            now += rng() % 4;
            ports.prune(now);
            INFO("ports " << port_count << " booking " << booking << " at " << now);
            for (u64 c = now; c < now + 16; ++c) REQUIRE(ports.busy_at(c) == busy_ports(ref, c));
            const u64 from = now + (rng() % 4 == 0 ? 100 + rng() % 400 : rng() % 8);
            const u64 words = 1 + rng() % 6;
            REQUIRE(ports.book(words, from) == ref.book_words(words, from));
        }
    }
}

TEST_CASE("busy calendar: book_contiguous matches the bitmap, pruning keeps the future",
          "[unit][common]") {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 40; ++trial) {
        std::vector<masr::busy_calendar> port(1);
        reference_ports ref(1);
        u64 time = 0;
        for (int booking = 0; booking < 40; ++booking) {
            const u64 from =
                rng() % 3 == 0 ? time - std::min<u64>(time, rng() % 30) : (time += rng() % 10);
            const u64 length = 1 + rng() % 9;
            INFO("trial " << trial << " booking " << booking);
            REQUIRE(port[0].book_contiguous(from, length) == ref.book_contiguous(from, length));
        }
        check_same(port, ref);
        const u64 horizon = time / 2;
        port[0].prune(horizon);
        for (u64 c = horizon; c < 4096; ++c) REQUIRE(port[0].is_free(c) == !ref.busy[0][c]);
    }
}

TEST_CASE("busy calendar: pruning as time advances forgets only the past, however many remain",
          "[unit][common]") {
    // Single-cycle bookings just ahead, a quarter of them far ahead: the
    // calendar holds tens of intervals, and pruning at each present takes
    // both of its erase paths (few remaining, and the batched one).
    std::mt19937_64 rng(13);
    for (int trial = 0; trial < 10; ++trial) {
        std::vector<masr::busy_calendar> port(1);
        reference_ports ref(1);
        u64 now = 0;
        for (int booking = 0; booking < 1500; ++booking) {
            now += 2 + rng() % 3;
            port[0].prune(now);
            INFO("trial " << trial << " booking " << booking << " at " << now);
            for (u64 c = now; c < now + 16; ++c) REQUIRE(port[0].is_free(c) == !ref.busy[0][c]);
            const u64 from = now + (rng() % 4 == 0 ? 200 + rng() % 800 : rng() % 8);
            REQUIRE(port[0].book_contiguous(from, 1) == ref.book_contiguous(from, 1));
        }
        for (u64 c = now; c < now + 1024; ++c) REQUIRE(port[0].is_free(c) == !ref.busy[0][c]);
    }
}
