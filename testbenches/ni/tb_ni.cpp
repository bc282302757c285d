// The network interface: writes from the NoC reach the node's bus, those
// that carry an arrival_extension and doorbells are counted at the cycle they
// land, a process waiting on a counter wakes when the count-th arrival in
// time has landed (plus sync_cycles), also when arrivals are registered out
// of time order, and bad doorbells get error responses.
#include <tlm_utils/simple_initiator_socket.h>

#include <catch2/catch.hpp>
#include <functional>
#include <systemc>

#include "models/common/tlm_support.h"
#include "models/ni/ni.h"
#include "models/sram/sram.h"

using namespace masr;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

const sc_time clock_period(1, SC_NS);
constexpr u64 window = 0x7800'0000;

// An NI in front of a memory; `noc` plays the NoC, `node` a node initiator.
struct bench : sc_core::sc_module {
    ni_params params;
    sram_params memory_params;
    std::unique_ptr<ni> interface;
    std::unique_ptr<sram> memory;
    std::unique_ptr<sram> far;  // what node_in's requests reach through noc_out
    tlm_utils::simple_initiator_socket<bench> noc{"noc"};
    tlm_utils::simple_initiator_socket<bench> node{"node"};
    std::function<void()> sender;
    std::function<void()> waiter;
    SC_HAS_PROCESS(bench);
    explicit bench(sc_core::sc_module_name name) : sc_module(name) {
        params.counters = 8;
        params.sync_cycles = 1;
        memory_params.size = 4096;
        interface = std::make_unique<ni>("ni", params, clock_period, window);
        memory = std::make_unique<sram>("memory", memory_params, clock_period);
        far = std::make_unique<sram>("far", memory_params, clock_period);
        noc.bind(interface->noc_in);
        interface->node_out.bind(memory->in);
        node.bind(interface->node_in);
        interface->noc_out.bind(far->in);
        SC_THREAD(send_thread);
        SC_THREAD(wait_thread);
    }
    void send_thread() {
        if (sender) sender();
    }
    void wait_thread() {
        if (waiter) waiter();
    }
    // A write of `bytes` at `address`, `delay` from now, counted in `counter`
    // (none when negative). Returns the status; delay is updated.
    tlm::tlm_response_status write(u64 address, u64 bytes, sc_time& delay, int counter,
                                   u64 sent_cycle = 0) {
        std::vector<u8> data(bytes, 1);
        tlm::tlm_generic_payload p;
        prepare(p, tlm::TLM_WRITE_COMMAND, address, data.data(), bytes);
        arrival_extension ext;
        if (counter >= 0) {
            ext.counter = static_cast<u32>(counter);
            ext.sent.cycle = sent_cycle;
            ext.sent.parts[static_cast<int>(path_part::compute)] = sent_cycle;
            p.set_extension(&ext);
        }
        noc->b_transport(p, delay);
        if (counter >= 0) p.clear_extension(&ext);
        return p.get_response_status();
    }
    tlm::tlm_response_status doorbell(u32 counter, u64 increment, u64 bytes = 8) {
        std::vector<u8> data(bytes, 0);
        for (u64 i = 0; i < std::min<u64>(bytes, 8); ++i)
            data[i] = static_cast<u8>(increment >> (8 * i));
        tlm::tlm_generic_payload p;
        prepare(p, tlm::TLM_WRITE_COMMAND, window + 8 * u64{counter}, data.data(), bytes);
        sc_time delay = sc_core::SC_ZERO_TIME;
        noc->b_transport(p, delay);
        return p.get_response_status();
    }
};

}  // namespace

TEST_CASE("ni: a notifying write is counted when it lands, and wakes its waiter", "[unit][ni]") {
    bench b("bench");
    path_stamp seen;
    u64 woke = 0;
    b.sender = [&] {
        // 16 bytes at 0: 2 words in banks 0, 1 (4 banks, 1 port): +1 word, +1
        // write: lands at 2, seen at 2 + sync 1 = 3.
        sc_time delay = sc_core::SC_ZERO_TIME;
        CHECK(b.write(0, 16, delay, 2) == tlm::TLM_OK_RESPONSE);
        CHECK(delay == sc_time(2, SC_NS));
        CHECK(b.interface->arrived(2) == 1);
    };
    b.waiter = [&] {
        seen = b.interface->wait_for(2, 1);
        woke = now_cycle(clock_period);
    };
    sc_core::sc_start();
    CHECK(woke == 3);
    CHECK(seen.cycle == 3);
    // The sender's part of the path (compute 0), the transfer (NoC 2), the
    // detection (sync 1).
    CHECK(seen.parts[static_cast<int>(path_part::noc)] == 2);
    CHECK(seen.parts[static_cast<int>(path_part::sync)] == 1);
    CHECK(b.interface->arrivals_counted == 1);
    CHECK(b.memory->bytes_written == 16);
}

TEST_CASE("ni: the count-th arrival in time decides, whatever the order of registration",
          "[unit][ni]") {
    bench b("bench");
    u64 woke_two = 0, woke_three = 0;
    b.sender = [&] {
        // Registered first, lands late (issued 20 cycles ahead): lands at 22.
        sc_time late(20, SC_NS);
        b.write(0, 16, late, 5);
        // Registered second, lands early: at 2 and at 12.
        sc_time early = sc_core::SC_ZERO_TIME;
        b.write(64, 16, early, 5);
        wait(sc_time(10, SC_NS));
        sc_time later = sc_core::SC_ZERO_TIME;
        b.write(128, 16, later, 5);
    };
    b.waiter = [&] {
        b.interface->wait_for(5, 2);  // the 2nd in time: 12, seen 13
        woke_two = now_cycle(clock_period);
        b.interface->wait_for(5, 3);  // the 3rd: 22, seen 23
        woke_three = now_cycle(clock_period);
    };
    sc_core::sc_start();
    CHECK(woke_two == 13);
    CHECK(woke_three == 23);
    CHECK(b.interface->blocked_waits == 2);
}

TEST_CASE("ni: doorbells count, bad doorbells and counters are refused", "[unit][ni]") {
    bench b("bench");
    u64 woke = 0;
    b.sender = [&] {
        CHECK(b.doorbell(1, 3) == tlm::TLM_OK_RESPONSE);  // three credits at once
        CHECK(b.doorbell(1, 0) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(b.doorbell(1, 1, 4) == tlm::TLM_COMMAND_ERROR_RESPONSE);  // not 8 bytes
        sc_time delay = sc_core::SC_ZERO_TIME;
        CHECK(b.write(0, 16, delay, 100) == tlm::TLM_GENERIC_ERROR_RESPONSE);  // no counter 100
        CHECK(b.memory->bytes_written == 0);  // refused: nothing written
        // A write without the extension is not counted; node_in goes out to the NoC.
        delay = sc_core::SC_ZERO_TIME;
        CHECK(b.write(0, 16, delay, -1) == tlm::TLM_OK_RESPONSE);
        std::vector<u8> data(8, 9);
        tlm::tlm_generic_payload p;
        prepare(p, tlm::TLM_WRITE_COMMAND, 256, data.data(), 8);
        delay = sc_core::SC_ZERO_TIME;
        b.node->b_transport(p, delay);
        CHECK(p.is_response_ok());
        CHECK(b.far->bytes_written == 8);
    };
    b.waiter = [&] {
        b.interface->wait_for(1, 3);
        woke = now_cycle(clock_period);
    };
    sc_core::sc_start();
    CHECK(woke == 1);  // the doorbells landed at 0, seen at 1
    CHECK(b.interface->arrived(1) == 3);
    CHECK(b.interface->arrived(0) == 0);
    CHECK(b.interface->doorbells == 1);
    CHECK(b.interface->errors == 3);
    CHECK(b.interface->arrivals_counted == 3);
}
