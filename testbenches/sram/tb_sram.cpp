// The banked SRAM: hand-worked latencies, queueing of initiators on shared
// banks, DMI, debug transport, every error response, counters, parameter
// checks, and a random multi-initiator scoreboard against a plain C++ model
// that schedules word by word.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <set>

#include "models/common/error.h"
#include "models/common/stats.h"
#include "models/sram/sram.h"
#include "testbenches/sram/tb_initiator.h"

using namespace masr;
using sc_core::sc_time;
using tb::ns;

namespace {

const sc_time clock_period = ns(1);

struct config {
    u64 size;
    u32 word_bytes;
    u32 banks;
    u32 ports;
    u32 read_cycles;
    u32 write_cycles;
};

void apply(sram_params& p, const config& c) {
    p.size = c.size;
    p.word_bytes = c.word_bytes;
    p.banks = c.banks;
    p.ports = c.ports;
    p.read_cycles = c.read_cycles;
    p.write_cycles = c.write_cycles;
}

double stat(const sram& s, const char* counter) {
    return stats_registry::instance().read(s.name(), counter);
}

std::vector<u8> pattern(std::size_t length, u8 seed) {
    std::vector<u8> v(length);
    for (std::size_t i = 0; i < length; ++i) v[i] = static_cast<u8>(seed + 7 * i);
    return v;
}

// The reference: memory bytes, and the SRAM timing written the plain way,
// one word at a time, with every port's busy cycles as a set. Each word of a
// request takes the earliest cycle, not before the start cycle, at which a
// port of its bank is free (the lowest such port), whatever the order in
// which requests are computed; the request is done when its last word is,
// plus the access cycles.
class reference_sram {
public:
    explicit reference_sram(const config& c)
        : c_(c), memory_(c.size, 0), port_busy_(u64{c.banks} * c.ports) {}

    // Returns the finish cycle.
    u64 access(bool is_read, u64 address, std::vector<u8>& data, u64 start_cycle) {
        if (is_read)
            std::copy_n(memory_.begin() + address, data.size(), data.begin());
        else
            std::copy(data.begin(), data.end(), memory_.begin() + address);
        const u64 first = address / c_.word_bytes;
        const u64 last = (address + data.size() - 1) / c_.word_bytes;
        const u32 access_cycles = is_read ? c_.read_cycles : c_.write_cycles;
        std::vector<u64> bank_words(c_.banks, 0);
        u64 finish = 0;
        for (u64 w = first; w <= last; ++w) {
            const u64 bank = w % c_.banks;
            ++bank_words[bank];
            std::set<u64>* ports = &port_busy_[bank * c_.ports];
            for (u64 cycle = start_cycle;; ++cycle) {
                u32 port = 0;
                while (port < c_.ports && ports[port].count(cycle)) ++port;
                if (port == c_.ports) continue;
                ports[port].insert(cycle);
                finish = std::max(finish, cycle + 1 + access_cycles);
                break;
            }
        }
        u64 most = 0;
        for (u64 n : bank_words) {
            busy_cycles += (n + c_.ports - 1) / c_.ports;
            most = std::max(most, n);
        }
        conflict_cycles +=
            finish - (start_cycle + access_cycles + (most + c_.ports - 1) / c_.ports);
        (is_read ? reads : writes) += last - first + 1;
        (is_read ? bytes_read : bytes_written) += data.size();
        return finish;
    }

    u64 reads = 0, writes = 0, bytes_read = 0, bytes_written = 0;
    u64 conflict_cycles = 0, busy_cycles = 0;

private:
    config c_;
    std::vector<u8> memory_;
    std::vector<std::set<u64>> port_busy_;
};

}  // namespace

TEST_CASE("sram: hand-worked latencies of single requests", "[unit][sram]") {
    sram_params p;
    apply(p, {1024, 8, 4, 1, 2, 1});
    sram mem("mem", p, clock_period);
    sram_params q;
    apply(q, {1200, 4, 3, 2, 1, 1});
    sram odd("odd", q, clock_period);

    std::vector<sc_time> delays;
    std::vector<u8> read_back(64);
    tb::initiator cpu("cpu", [&](tb::initiator& t) {
        sc_time delay = sc_core::SC_ZERO_TIME;
        // Write 64 bytes at 0: words 0..7, two in each of the 4 banks; 1 port
        // moves them in 2 cycles, + write_cycles 1 = 3 cycles.
        t.write(0, pattern(64, 1), delay);
        delays.push_back(delay);
        // Read them back, issued 3 ns later (temporal decoupling): start
        // cycle 3, banks free since cycle 2; 2 words per bank -> 2 cycles
        // + read_cycles 2 = 4 cycles, so the delay grows to 7 ns.
        t.read(0, read_back, delay);
        delays.push_back(delay);
        // 10 bytes at 6: bytes 6..15 are words 0 and 1 (banks 0 and 1, one
        // word each): 1 + 2 = 3 cycles -> 10 ns.
        std::vector<u8> ten(10);
        t.read(6, ten, delay);
        delays.push_back(delay);
        // The last 4 bytes (1020..1023): word 127 in bank 3: 1 + 2 = 3 -> 13 ns.
        std::vector<u8> four(4);
        t.read(1020, four, delay);
        delays.push_back(delay);
        // Issued between clock edges at 13.5 ns: the access starts on the
        // edge at cycle 14 and ends at 14 + 1 + 2 = 17, i.e. 3.5 ns later.
        delay += ns(0.5);
        std::vector<u8> eight(8);
        t.read(0, eight, delay);
        delays.push_back(delay);
    });
    cpu.socket.bind(mem.in);

    std::vector<sc_time> odd_delays;
    tb::initiator other("other", [&](tb::initiator& t) {
        sc_time delay = sc_core::SC_ZERO_TIME;
        // 4-byte words, 3 banks, 2 ports: 40 bytes at 4 are words 1..10;
        // bank w % 3 holds {3,6,9}, {1,4,7,10}, {2,5,8}; the fullest bank has
        // 4 words on 2 ports = 2 cycles, + read_cycles 1 = 3 cycles.
        std::vector<u8> forty(40);
        t.read(4, forty, delay);
        odd_delays.push_back(delay);
        // One word on an idle port: 1 + write_cycles 1 = 2 cycles -> 5 ns.
        t.write(1196, pattern(4, 9), delay);
        odd_delays.push_back(delay);
    });
    other.socket.bind(odd.in);

    sc_core::sc_start();
    CHECK(delays == std::vector<sc_time>{ns(3), ns(7), ns(10), ns(13), ns(17)});
    CHECK(read_back == pattern(64, 1));
    CHECK(odd_delays == std::vector<sc_time>{ns(3), ns(5)});

    CHECK(stat(mem, "writes") == 8);
    CHECK(stat(mem, "reads") == 8 + 2 + 1 + 1);
    CHECK(stat(mem, "bytes_written") == 64);
    CHECK(stat(mem, "bytes_read") == 64 + 10 + 4 + 8);
    CHECK(stat(mem, "conflict_cycles") == 0);
    // Per request, per bank, ceil(words / ports): 4*2 + 4*2 + 2 + 1 + 1.
    CHECK(stat(mem, "busy_cycles") == 20);
    // 2 ports: banks of 3, 4, 3 words take 2 + 2 + 2, then 1 for the write.
    CHECK(stat(odd, "busy_cycles") == 7);
}

TEST_CASE("sram: two initiators queue on a shared bank, not on different banks", "[unit][sram]") {
    sram_params p;
    apply(p, {1024, 8, 4, 1, 2, 1});
    sram same("same", p, clock_period);
    sram apart("apart", p, clock_period);
    sram_params two_ports;
    apply(two_ports, {1024, 8, 4, 2, 2, 1});
    sram dual("dual", two_ports, clock_period);

    // All requests at time 0 with no delay: 16 bytes = 2 words.
    //  same : A at 0 (banks 0,1) and B at 32 (words 4,5: banks 0,1 again).
    //         The first served takes 1 + 2 = 3 cycles and holds the ports
    //         of banks 0,1 for cycle 0; the second starts at cycle 1: 4 cycles.
    //  apart: A at 0 (banks 0,1), B at 16 (banks 2,3): 3 cycles each.
    //  dual : as `same` with 2 ports per bank: each request gets a port: 3 each.
    std::vector<sc_time> same_delays, apart_delays, dual_delays;
    auto reader = [](u64 address, std::vector<sc_time>& out) {
        return [address, &out](tb::initiator& t) {
            sc_time delay = sc_core::SC_ZERO_TIME;
            std::vector<u8> data(16);
            t.read(address, data, delay);
            out.push_back(delay);
        };
    };
    tb::initiator a1("a1", reader(0, same_delays)), b1("b1", reader(32, same_delays));
    tb::initiator a2("a2", reader(0, apart_delays)), b2("b2", reader(16, apart_delays));
    tb::initiator a3("a3", reader(0, dual_delays)), b3("b3", reader(32, dual_delays));
    a1.socket.bind(same.in);
    b1.socket.bind(same.in);
    a2.socket.bind(apart.in);
    b2.socket.bind(apart.in);
    a3.socket.bind(dual.in);
    b3.socket.bind(dual.in);

    sc_core::sc_start();
    std::sort(same_delays.begin(), same_delays.end());
    CHECK(same_delays == std::vector<sc_time>{ns(3), ns(4)});
    CHECK(apart_delays == std::vector<sc_time>{ns(3), ns(3)});
    CHECK(dual_delays == std::vector<sc_time>{ns(3), ns(3)});
    CHECK(stat(same, "conflict_cycles") == 1);
    CHECK(stat(apart, "conflict_cycles") == 0);
    CHECK(stat(dual, "conflict_cycles") == 0);
}

TEST_CASE("sram: a request computed after a later one takes the free cycles before it",
          "[unit][sram]") {
    // 8-byte words, 4 banks, 1 port, read 2, write 1. One initiator books a
    // write of word 0 (bank 0) 10 cycles ahead: [10, 11), done 12. A second
    // request, computed afterwards but starting at 0, reads words 0 and 4
    // (bank 0): cycles 0 and 1 are free, so it is done at 2 + 2 = 4, not after
    // the write. A third, from 9, needs 2 bank-0 cycles: 9, then 10 is taken,
    // so 11: done 12 + 2 = 14.
    sram_params p;
    apply(p, {1024, 8, 4, 1, 2, 1});
    sram mem("mem", p, clock_period);
    std::vector<sc_time> delays;
    tb::initiator t("t", [&](tb::initiator& i) {
        std::vector<u8> word(8, 5), two(40);
        sc_time ahead = ns(10);
        i.prepare(tlm::TLM_WRITE_COMMAND, 0, word.data(), 8);
        i.send(ahead);
        delays.push_back(ahead);
        sc_time now = sc_core::SC_ZERO_TIME;
        i.prepare(tlm::TLM_READ_COMMAND, 0, two.data(), 40);  // words 0..4: bank 0 has 2
        i.send(now);
        delays.push_back(now);
        sc_time nine = ns(9);
        i.prepare(tlm::TLM_READ_COMMAND, 0, two.data(), 40);
        i.send(nine);
        delays.push_back(nine);
    });
    t.socket.bind(mem.in);
    sc_core::sc_start();
    CHECK(delays == std::vector<sc_time>{ns(12), ns(4), ns(14)});
}

TEST_CASE("sram: DMI gives the memory and its latencies", "[unit][sram]") {
    sram_params p;
    apply(p, {2048, 8, 4, 1, 2, 1});
    sram mem("mem", p, clock_period);
    tlm::tlm_dmi region, outside;
    bool granted = false, denied = true;
    std::vector<u8> via_bus(16);
    tb::initiator cpu("cpu", [&](tb::initiator& t) {
        granted = t.dmi(100, region);
        denied = t.dmi(2048, outside);
        sc_time delay;
        t.write(64, pattern(16, 3), delay);
        // Back-door load through the pointer, read through the front door.
        if (granted) std::copy_n(pattern(16, 40).begin(), 16, region.get_dmi_ptr() + 512);
        t.read(512, via_bus, delay);
    });
    cpu.socket.bind(mem.in);
    sc_core::sc_start();

    REQUIRE(granted);
    CHECK_FALSE(denied);
    CHECK(outside.get_start_address() == 2048);
    CHECK(region.get_start_address() == 0);
    CHECK(region.get_end_address() == 2047);
    CHECK(region.is_read_write_allowed());
    // One word through an idle port: read_cycles 2 + 1, write_cycles 1 + 1.
    CHECK(region.get_read_latency() == ns(3));
    CHECK(region.get_write_latency() == ns(2));
    CHECK(std::equal(via_bus.begin(), via_bus.end(), pattern(16, 40).begin()));
    const auto front = pattern(16, 3);
    CHECK(std::equal(front.begin(), front.end(), region.get_dmi_ptr() + 64));
}

TEST_CASE("sram: debug transport moves data without time or counters", "[unit][sram]") {
    sram_params p;
    apply(p, {1024, 8, 4, 1, 2, 1});
    sram mem("mem", p, clock_period);
    unsigned int written = 0, read = 0, clipped = 0, outside = 0;
    std::vector<u8> back(24), tail(8, 0xEE), front(24);
    sc_time delay;
    tb::initiator cpu("cpu", [&](tb::initiator& t) {
        auto data = pattern(24, 5);
        written = t.debug(tlm::TLM_WRITE_COMMAND, 100, data.data(), 24);
        read = t.debug(tlm::TLM_READ_COMMAND, 100, back.data(), 24);
        // Cut at the end of the memory: 4 of 8 bytes.
        clipped = t.debug(tlm::TLM_READ_COMMAND, 1020, tail.data(), 8);
        outside = t.debug(tlm::TLM_READ_COMMAND, 1024, tail.data(), 8);
    });
    cpu.socket.bind(mem.in);
    sc_core::sc_start();

    CHECK(written == 24);
    CHECK(read == 24);
    CHECK(back == pattern(24, 5));
    CHECK(clipped == 4);
    CHECK(outside == 0);
    CHECK(tail == std::vector<u8>{0, 0, 0, 0, 0xEE, 0xEE, 0xEE, 0xEE});
    CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
    for (const char* counter :
         {"reads", "writes", "bytes_read", "bytes_written", "conflict_cycles", "busy_cycles"})
        CHECK(stat(mem, counter) == 0);
}

TEST_CASE("sram: bad requests get the right error response and change nothing", "[unit][sram]") {
    sram_params p;
    apply(p, {1024, 8, 4, 1, 2, 1});
    sram mem("mem", p, clock_period);
    struct outcome {
        tlm::tlm_response_status status;
        sc_time delay;
    };
    std::vector<outcome> outcomes;
    std::vector<u8> after(16);
    tb::initiator cpu("cpu", [&](tb::initiator& t) {
        std::vector<u8> data = pattern(16, 77);
        auto issue = [&](tlm::tlm_generic_payload& trans) {
            (void)trans;
            sc_time delay = ns(5);
            const auto status = t.send(delay);
            outcomes.push_back({status, delay});
        };
        issue(t.prepare(tlm::TLM_WRITE_COMMAND, 1024, data.data(), 16));         // past the end
        issue(t.prepare(tlm::TLM_WRITE_COMMAND, 1016, data.data(), 16));         // crosses the end
        issue(t.prepare(tlm::TLM_WRITE_COMMAND, ~u64{0} - 7, data.data(), 16));  // wraps around
        unsigned char enables[16] = {};
        auto& with_enables = t.prepare(tlm::TLM_WRITE_COMMAND, 0, data.data(), 16);
        with_enables.set_byte_enable_ptr(enables);
        with_enables.set_byte_enable_length(16);
        issue(with_enables);
        auto& streaming = t.prepare(tlm::TLM_WRITE_COMMAND, 0, data.data(), 16);
        streaming.set_streaming_width(8);
        issue(streaming);
        issue(t.prepare(tlm::TLM_WRITE_COMMAND, 0, data.data(), 0));  // no data
        issue(t.prepare(tlm::TLM_IGNORE_COMMAND, 0, data.data(), 16));
        t.debug(tlm::TLM_READ_COMMAND, 0, after.data(), 16);
    });
    cpu.socket.bind(mem.in);
    sc_core::sc_start();

    const std::vector<tlm::tlm_response_status> expected = {tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                            tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                            tlm::TLM_ADDRESS_ERROR_RESPONSE,
                                                            tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE,
                                                            tlm::TLM_BURST_ERROR_RESPONSE,
                                                            tlm::TLM_BURST_ERROR_RESPONSE,
                                                            tlm::TLM_OK_RESPONSE};
    REQUIRE(outcomes.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("request " << i);
        CHECK(outcomes[i].status == expected[i]);
        CHECK(outcomes[i].delay == ns(5));
    }
    CHECK(after == std::vector<u8>(16, 0));
    for (const char* counter :
         {"reads", "writes", "bytes_read", "bytes_written", "conflict_cycles", "busy_cycles"})
        CHECK(stat(mem, counter) == 0);
}

TEST_CASE("sram: parameters are checked with the place of the bad value", "[unit][sram]") {
    sram_params p;
    const auto yaml = YAML::Load("size: 1000\nword_bytes: 8\nbanks: 4\n");
    CHECK_THROWS_WITH(p.load(yaml, "weights.yaml"),
                      Catch::Contains("weights.yaml:1") && Catch::Contains("size 1000") &&
                          Catch::Contains("multiple of word_bytes * banks = 8 * 4 = 32"));
    sram_params zero_banks;
    CHECK_THROWS_AS(zero_banks.load(YAML::Load("banks: 0\n"), "weights.yaml"), input_error);

    sram_params built;
    built.size = 96;
    built.banks = 8;
    CHECK_THROWS_WITH(sram("bad", built, clock_period),
                      Catch::Contains("size 96") && Catch::Contains("= 64 bytes"));
}

TEST_CASE("sram: random traffic from three initiators matches the word-by-word reference",
          "[unit][sram]") {
    const std::vector<config> configs = {
        {4096, 8, 4, 1, 2, 1}, {3072, 4, 3, 2, 1, 3}, {8192, 16, 8, 4, 3, 2}};
    std::vector<std::unique_ptr<sram_params>> params;
    std::vector<std::unique_ptr<sram>> mems;
    std::vector<std::unique_ptr<reference_sram>> refs;
    std::vector<std::unique_ptr<tb::initiator>> initiators;
    u64 mismatched_data = 0, mismatched_time = 0, transactions = 0;

    for (std::size_t m = 0; m < configs.size(); ++m) {
        const config c = configs[m];
        params.push_back(std::make_unique<sram_params>());
        apply(*params.back(), c);
        mems.push_back(std::make_unique<sram>(("mem" + std::to_string(m)).c_str(), *params.back(),
                                              clock_period));
        refs.push_back(std::make_unique<reference_sram>(c));
        reference_sram* ref = refs.back().get();
        for (unsigned i = 0; i < 3; ++i) {
            const unsigned seed = static_cast<unsigned>(10 * m + i);
            auto script = [c, ref, seed, &mismatched_data, &mismatched_time,
                           &transactions](tb::initiator& t) {
                std::mt19937 rng(seed);
                std::uniform_int_distribution<u64> length_of(1, 8 * c.word_bytes * c.banks);
                std::uniform_int_distribution<int> gap(0, 3);
                sc_time delay;
                for (int n = 0; n < 300; ++n) {
                    const u64 length = length_of(rng);
                    const u64 address = std::uniform_int_distribution<u64>(0, c.size - length)(rng);
                    const bool is_read = rng() % 2 == 0;
                    std::vector<u8> data =
                        is_read ? std::vector<u8>(length) : pattern(length, rng());
                    std::vector<u8> expected = data;
                    delay += ns(gap(rng));
                    const sc_time start = sc_core::sc_time_stamp() + delay;
                    const u64 finish =
                        ref->access(is_read, address, expected, static_cast<u64>(start / ns(1)));
                    t.prepare(is_read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND, address,
                              data.data(), static_cast<unsigned>(length));
                    const auto status = t.send(delay);
                    ++transactions;
                    if (status != tlm::TLM_OK_RESPONSE || data != expected) ++mismatched_data;
                    if (sc_core::sc_time_stamp() + delay != ns(static_cast<double>(finish)))
                        ++mismatched_time;
                    // Synchronise now and then (quantum), so that requests of
                    // the three initiators interleave in simulated time.
                    if (n % 8 == 7) {
                        sc_core::wait(delay);
                        delay = sc_core::SC_ZERO_TIME;
                    }
                }
            };
            initiators.push_back(std::make_unique<tb::initiator>(
                ("cpu" + std::to_string(m) + "_" + std::to_string(i)).c_str(), script));
            initiators.back()->socket.bind(mems.back()->in);
        }
    }
    sc_core::sc_start();

    CHECK(transactions == 3 * 3 * 300);
    CHECK(mismatched_data == 0);
    CHECK(mismatched_time == 0);
    for (std::size_t m = 0; m < configs.size(); ++m) {
        INFO("config " << m);
        const auto& ref = *refs[m];
        CHECK(stat(*mems[m], "reads") == ref.reads);
        CHECK(stat(*mems[m], "writes") == ref.writes);
        CHECK(stat(*mems[m], "bytes_read") == ref.bytes_read);
        CHECK(stat(*mems[m], "bytes_written") == ref.bytes_written);
        CHECK(stat(*mems[m], "busy_cycles") == ref.busy_cycles);
        CHECK(stat(*mems[m], "conflict_cycles") == ref.conflict_cycles);
        // Traffic from three initiators at random gaps must have queued.
        CHECK(ref.conflict_cycles > 0);
    }
}
