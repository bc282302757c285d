// The tile bus: routing by window, rebasing to target addresses (and back),
// its latency, debug transport, DMI range translation and invalidation relay,
// unmapped and window-crossing requests, and mapping errors.
#include <tlm_utils/simple_target_socket.h>

#include <catch2/catch.hpp>

#include "models/bus/bus.h"
#include "models/common/error.h"
#include "models/common/stats.h"
#include "models/sram/sram.h"
#include "testbenches/sram/tb_initiator.h"

using namespace masr;
using sc_core::sc_time;
using tb::ns;

namespace {

const sc_time clock_period = ns(1);

// A target that records the addresses it is given and answers at once; it
// can invalidate DMI regions of its own address space.
class probe : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<probe> socket;
    std::vector<u64> seen;
    std::vector<u64> seen_dbg;

    explicit probe(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
        socket.register_b_transport(this, &probe::b_transport);
        socket.register_transport_dbg(this, &probe::transport_dbg);
    }
    void invalidate(u64 start, u64 end) { socket->invalidate_direct_mem_ptr(start, end); }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_time&) {
        seen.push_back(trans.get_address());
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans) {
        seen_dbg.push_back(trans.get_address());
        return trans.get_data_length();
    }
};

std::vector<u8> pattern(std::size_t length, u8 seed) {
    std::vector<u8> v(length);
    for (std::size_t i = 0; i < length; ++i) v[i] = static_cast<u8>(seed + 3 * i);
    return v;
}

double stat(const sc_core::sc_module& m, const char* counter) {
    return stats_registry::instance().read(m.name(), counter);
}

// bus (latency 1) -> out[0] weights (1 KiB, mapped at 0 with a 512-byte
// window), out[1] act (512 B at 0x4000_0000), out[2] probe (0x1000 at
// 0x7000_0000). Both SRAMs: 8-byte words, 4 banks, 1 port, read 2, write 1.
struct tile_bus {
    bus_params bus_p;
    sram_params weights_p, act_p;
    bus local;
    sram weights, act;
    probe control;

    static bus_params& with_latency(bus_params& p) {
        p.latency_cycles = 1;
        return p;
    }
    static sram_params& sized(sram_params& p, u64 size) {
        p.size = size;
        p.word_bytes = 8;
        p.banks = 4;
        p.ports = 1;
        p.read_cycles = 2;
        p.write_cycles = 1;
        return p;
    }

    tile_bus()
        : local("bus", with_latency(bus_p), clock_period),
          weights("weights", sized(weights_p, 1024), clock_period),
          act("act", sized(act_p, 512), clock_period),
          control("control") {
        local.out.bind(weights.in);
        local.out.bind(act.in);
        local.out.bind(control.socket);
        local.map(0x0, 512, 0, "weights");
        local.map(0x4000'0000, 512, 1, "act");
        local.map(0x7000'0000, 0x1000, 2, "control");
    }
};

}  // namespace

TEST_CASE("bus: routes by window, rebases the address and restores it", "[unit][bus]") {
    tile_bus t;
    std::vector<sc_time> delays;
    std::vector<u64> addresses_after;
    std::vector<u8> from_act(16), from_weights(16), dbg(16);
    unsigned int dbg_moved = 0;
    tb::initiator cpu("cpu", [&](tb::initiator& i) {
        sc_time delay;
        // 16 bytes at act + 0x10: local words 2, 3 (banks 2, 3, one each):
        // bus 1 + sram (1 word per bank + write_cycles 1 = 2) = 3 cycles.
        i.write(0x4000'0010, pattern(16, 1), delay);
        delays.push_back(delay);
        addresses_after.push_back(i.trans.get_address());
        // Read it back 3 ns later: 1 + (1 + read_cycles 2) = 4 cycles -> 7 ns.
        i.read(0x4000'0010, from_act, delay);
        delays.push_back(delay);
        // Same local address in the weight SRAM: nothing written there.
        i.read(0x10, from_weights, delay);
        delays.push_back(delay);
        // Control window: bus latency only (the probe answers at once).
        std::vector<u8> word(8);
        i.write(0x7000'0123, word, delay);
        delays.push_back(delay);
        addresses_after.push_back(i.trans.get_address());
        dbg_moved = i.debug(tlm::TLM_READ_COMMAND, 0x4000'0010, dbg.data(), 16);
        i.debug(tlm::TLM_READ_COMMAND, 0x7000'0ff8, dbg.data(), 16);  // cut at the window end
        addresses_after.push_back(i.trans.get_address());
    });
    cpu.socket.bind(t.local.in);
    sc_core::sc_start();

    CHECK(delays == std::vector<sc_time>{ns(3), ns(7), ns(11), ns(12)});
    CHECK(addresses_after == std::vector<u64>{0x4000'0010, 0x7000'0123, 0x7000'0ff8});
    CHECK(from_act == pattern(16, 1));
    CHECK(from_weights == std::vector<u8>(16, 0));
    CHECK(dbg_moved == 16);
    CHECK(dbg == pattern(16, 1));
    CHECK(t.control.seen == std::vector<u64>{0x123});
    CHECK(t.control.seen_dbg == std::vector<u64>{0xff8});
    CHECK(stat(t.act, "bytes_written") == 16);
    CHECK(stat(t.weights, "bytes_written") == 0);
    CHECK(stat(t.weights, "bytes_read") == 16);
    CHECK(stat(t.local, "transactions") == 4);
    CHECK(stat(t.local, "bytes") == 16 + 16 + 16 + 8);
    CHECK(stat(t.local, "decode_errors") == 0);
}

TEST_CASE("bus: DMI ranges come back in bus addresses, cut to the window", "[unit][bus]") {
    tile_bus t;
    tlm::tlm_dmi act_region, weight_region, gap_region, probe_region;
    bool act_ok = false, weight_ok = false, gap_ok = true, probe_ok = true;
    std::vector<u8> via_bus(8);
    tb::initiator cpu("cpu", [&](tb::initiator& i) {
        act_ok = i.dmi(0x4000'0008, act_region);
        weight_ok = i.dmi(0x100, weight_region);
        gap_ok = i.dmi(0x2000'0000, gap_region);
        probe_ok = i.dmi(0x7000'0010, probe_region);
        if (act_ok) std::copy_n(pattern(8, 9).begin(), 8, act_region.get_dmi_ptr() + 0x20);
        sc_time delay;
        i.read(0x4000'0020, via_bus, delay);
        // A target invalidating part of its space: reported in bus addresses,
        // cut to the window.
        t.control.invalidate(0x10, 0x1f);
        t.control.invalidate(0x800, ~u64{0});
    });
    cpu.socket.bind(t.local.in);
    sc_core::sc_start();

    REQUIRE(act_ok);
    CHECK(act_region.get_start_address() == 0x4000'0000);
    CHECK(act_region.get_end_address() == 0x4000'01ff);
    // SRAM one-word latency (read 2 + 1, write 1 + 1) plus the bus's cycle.
    CHECK(act_region.get_read_latency() == ns(4));
    CHECK(act_region.get_write_latency() == ns(3));
    CHECK(via_bus == pattern(8, 9));
    // The weight SRAM holds 1 KiB, but only 512 bytes are mapped.
    REQUIRE(weight_ok);
    CHECK(weight_region.get_start_address() == 0x0);
    CHECK(weight_region.get_end_address() == 0x1ff);
    // Unmapped: denied for the whole gap between the windows.
    CHECK_FALSE(gap_ok);
    CHECK(gap_region.get_start_address() == 0x200);
    CHECK(gap_region.get_end_address() == 0x3fff'ffff);
    CHECK_FALSE(probe_ok);
    CHECK(t.control.seen.empty());
    CHECK(cpu.invalidations ==
          std::vector<std::pair<u64, u64>>{{0x7000'0010, 0x7000'001f}, {0x7000'0800, 0x7000'0fff}});
}

TEST_CASE("bus: unmapped and window-crossing requests get address errors", "[unit][bus]") {
    tile_bus t;
    std::vector<tlm::tlm_response_status> statuses;
    std::vector<sc_time> delays;
    unsigned int dbg_moved = 1;
    tb::initiator cpu("cpu", [&](tb::initiator& i) {
        for (u64 address : {u64{0x200}, u64{0x2000'0000}, u64{0x4000'01f8}, ~u64{0} - 3}) {
            sc_time delay = ns(2);
            statuses.push_back(i.write(address, pattern(16, 4), delay));
            delays.push_back(delay);
        }
        std::vector<u8> data(8);
        dbg_moved = i.debug(tlm::TLM_READ_COMMAND, 0x6000'0000, data.data(), 8);
    });
    cpu.socket.bind(t.local.in);
    sc_core::sc_start();

    CHECK(statuses == std::vector<tlm::tlm_response_status>(4, tlm::TLM_ADDRESS_ERROR_RESPONSE));
    CHECK(delays == std::vector<sc_time>(4, ns(2)));
    CHECK(dbg_moved == 0);
    CHECK(stat(t.local, "decode_errors") == 4);
    CHECK(stat(t.local, "transactions") == 0);
    CHECK(stat(t.act, "bytes_written") == 0);
    CHECK(stat(t.weights, "bytes_written") == 0);
}

TEST_CASE("bus: overlapping, empty and unbound windows are configuration errors", "[unit][bus]") {
    bus_params p;
    bus b("bus", p, clock_period);
    b.map(0x1000, 0x1000, 0, "weights");
    CHECK_THROWS_WITH(b.map(0x1800, 0x1000, 1, "act"),
                      Catch::Contains("'act' [0x1800, 0x27ff] overlaps window 'weights' "
                                      "[0x1000, 0x1fff]"));
    CHECK_THROWS_WITH(b.map(0x0, 0x1001, 1, "low"), Catch::Contains("overlaps window 'weights'"));
    CHECK_THROWS_AS(b.map(0x0, 0x0, 1, "empty"), input_error);
    CHECK_THROWS_WITH(b.map(~u64{0} - 0xff, 0x200, 1, "wrap"),
                      Catch::Contains("past the end of the 64-bit address space"));
    b.map(0x2000, 0x100, 1, "act");  // adjacent windows are fine

    // out[1] is mapped but only out[0] gets bound: found at end of elaboration.
    sram_params s;
    sram mem("mem", s, clock_period);
    b.out.bind(mem.in);
    tb::initiator cpu("cpu", [](tb::initiator&) {});
    cpu.socket.bind(b.in);
    CHECK_THROWS_WITH(sc_core::sc_start(),
                      Catch::Contains("window 'act' is mapped to out[1], but only 1 target"));
}
