// The protocol checker against hand-made initiators and targets that break
// one base-protocol rule each: every broken rule is reported once, naming
// the link and the rule, and a clean transaction passes without a report.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <systemc>

#include "models/common/tlm_support.h"
#include "models/protocol_checker/protocol_checker.h"

using namespace masr;
using sc_core::sc_time;

namespace {

// A memory-like target whose misbehaviour each test chooses.
struct bench_target : sc_core::sc_module {
    tlm_utils::simple_target_socket<bench_target> in{"in"};
    u8 memory[256] = {};
    bool set_status = true;
    sc_time shrink_delay_to = sc_core::SC_ZERO_TIME;  // a bad target: returns this delay
    tlm::tlm_dmi dmi;
    bool grant = true;
    std::function<void()> during;  // runs inside b_transport (another process's turn)

    explicit bench_target(sc_core::sc_module_name n) : sc_module(n) {
        in.register_b_transport(this, &bench_target::b_transport);
        in.register_get_direct_mem_ptr(this, &bench_target::get_dmi);
        in.register_transport_dbg(this, &bench_target::dbg);
        dmi.set_dmi_ptr(memory);
        dmi.set_start_address(0);
        dmi.set_end_address(255);
        dmi.allow_read_write();
    }
    void b_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
        if (during) during();
        delay += sc_time(10, sc_core::SC_NS);
        if (shrink_delay_to != sc_core::SC_ZERO_TIME) delay = shrink_delay_to;
        if (set_status) p.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    bool get_dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
        d = dmi;
        return grant;
    }
    unsigned int dbg(tlm::tlm_generic_payload& p) { return p.get_data_length(); }
};

struct bench_initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<bench_initiator> out{"out"};
    explicit bench_initiator(sc_core::sc_module_name n) : sc_module(n) {}
};

// Initiator -> checker -> target, and one SC_THREAD running `body`.
struct bench : sc_core::sc_module {
    bench_initiator initiator{"initiator"};
    bench_target target{"target"};
    protocol_checker* checker = nullptr;
    std::function<void(bench&)> body;
    u8 data[16] = {};
    tlm::tlm_generic_payload p;

    SC_HAS_PROCESS(bench);
    explicit bench(sc_core::sc_module_name n) : sc_module(n) {
        set_protocol_checks(true);
        checked_bind(initiator.out, target.in);
        set_protocol_checks(false);
        checker = protocol_checkers().back();
        SC_THREAD(run);
    }
    void run() { body(*this); }
    // A clean 16-byte write, before the test breaks something.
    void clean(tlm::tlm_command c = tlm::TLM_WRITE_COMMAND, u64 address = 0) {
        prepare(p, c, address, data, sizeof(data));
    }
    void send() {
        sc_time delay(50, sc_core::SC_NS);  // the initiator runs ahead by 50 ns
        initiator.out->b_transport(p, delay);
    }
};

// Runs body on a fresh bench; returns the checker's messages.
std::vector<std::string> violations_of(const std::function<void(bench&)>& body,
                                       const std::function<void(bench&)>& setup = {}) {
    static bench* b = nullptr;
    b = new bench("bench");
    b->body = body;
    if (setup) setup(*b);
    sc_core::sc_start();
    CHECK(b->checker->violations == b->checker->messages().size());
    return b->checker->messages();
}

// Exactly the expected violations, in order, each naming the link.
void require_violations(const std::vector<std::string>& messages,
                        const std::vector<std::string>& rules) {
    REQUIRE(messages.size() == rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
        INFO(messages[i]);
        CHECK(messages[i].rfind("bench.initiator.out -> bench.target.in: ", 0) == 0);
        CHECK(messages[i].find(rules[i]) != std::string::npos);
    }
}

void require_one(const std::vector<std::string>& messages, const std::string& rule) {
    require_violations(messages, {rule});
}

}  // namespace

TEST_CASE("protocol checker: clean reads, writes, DMI and debug transport pass", "[unit]") {
    const auto m = violations_of([](bench& b) {
        b.clean();
        b.send();
        CHECK(b.p.is_response_ok());
        b.clean(tlm::TLM_READ_COMMAND, 32);
        b.send();
        // A timing-only read may leave the data pointer null.
        timing_only_extension timing;
        b.clean(tlm::TLM_READ_COMMAND, 64);
        b.p.set_data_ptr(nullptr);
        b.p.set_extension(&timing);
        b.send();
        b.p.clear_extension(&timing);
        tlm::tlm_dmi dmi;
        b.clean(tlm::TLM_READ_COMMAND, 8);
        CHECK(b.initiator.out->get_direct_mem_ptr(b.p, dmi));
        b.clean();
        CHECK(b.initiator.out->transport_dbg(b.p) == 16);
    });
    CHECK(m.empty());
}

TEST_CASE("protocol checker: the initiator must hand over an incomplete response", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean();
                    b.p.set_response_status(tlm::TLM_OK_RESPONSE);
                    b.send();
                }),
                "the initiator must set TLM_INCOMPLETE_RESPONSE");
}

TEST_CASE("protocol checker: the target must set a response status", "[unit]") {
    require_one(violations_of([](bench& b) { (b.clean(), b.send()); },
                              [](bench& b) { b.target.set_status = false; }),
                "the target returned without setting a response status");
}

TEST_CASE("protocol checker: a data pointer for every byte of data", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean();
                    b.p.set_data_ptr(nullptr);
                    b.send();
                }),
                "data pointer is null with a non-zero length");
}

TEST_CASE("protocol checker: no transaction of zero bytes", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean();
                    b.p.set_data_length(0);
                    b.p.set_streaming_width(16);
                    b.send();
                }),
                "data length is 0");
}

u8 enables[4] = {0xff, 0xff, 0xff, 0xff};

TEST_CASE("protocol checker: byte enables come with a length", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean();
                    b.p.set_byte_enable_ptr(enables);
                    b.send();
                }),
                "byte enables: pointer set with length 0");
}

TEST_CASE("protocol checker: a byte-enable length comes with a pointer", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean();
                    b.p.set_byte_enable_length(4);
                    b.send();
                }),
                "byte enables: pointer null with length 4");
}

TEST_CASE("protocol checker: streaming width is not zero", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean();
                    b.p.set_streaming_width(0);
                    b.send();
                }),
                "streaming width is 0");
}

TEST_CASE("protocol checker: an address range does not wrap", "[unit]") {
    require_one(violations_of([](bench& b) {
                    b.clean(tlm::TLM_WRITE_COMMAND, ~u64{0} - 3);
                    b.send();
                }),
                "address + data length wraps past 2^64");
}

TEST_CASE("protocol checker: a target may only add to the annotated delay", "[unit]") {
    require_one(
        violations_of([](bench& b) { (b.clean(), b.send()); },
                      [](bench& b) { b.target.shrink_delay_to = sc_time(25, sc_core::SC_NS); }),
        "the target reduced the annotated delay");
}

TEST_CASE("protocol checker: a payload does not re-enter a link it is crossing (a loop)",
          "[unit]") {
    require_one(violations_of([](bench& b) { (b.clean(), b.send()); },
                              [](bench& b) {
                                  b.target.during = [&b, nested = false]() mutable {
                                      if (nested) return;
                                      nested = true;
                                      sc_time d = sc_core::SC_ZERO_TIME;
                                      b.p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                                      b.initiator.out->b_transport(b.p, d);
                                  };
                              }),
                "the payload re-enters a link it has not left");
}

TEST_CASE("protocol checker: another process does not send a payload in flight", "[unit]") {
    require_one(violations_of(
                    [](bench& b) {
                        b.clean();
                        b.send();
                    },
                    [](bench& b) {
                        b.target.during = [&b, first = true]() mutable {
                            if (!first) return;
                            first = false;
                            sc_core::sc_spawn([&b] {
                                sc_time d = sc_core::SC_ZERO_TIME;
                                b.initiator.out->b_transport(b.p, d);
                            });
                            sc_core::wait(sc_time(1, sc_core::SC_NS));
                            b.p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                        };
                    }),
                "the payload is still in flight from another process");
}

TEST_CASE("protocol checker: a DMI region starts before it ends", "[unit]") {
    require_violations(
        violations_of(
            [](bench& b) {
                tlm::tlm_dmi dmi;
                b.clean(tlm::TLM_READ_COMMAND, 8);
                b.initiator.out->get_direct_mem_ptr(b.p, dmi);
            },
            [](bench& b) {
                b.target.dmi.set_start_address(100);
                b.target.dmi.set_end_address(50);
            }),
        // An empty region holds no address either.
        {"DMI region [0x64, 0x32] ends before it starts", "does not hold the requested address"});
}

TEST_CASE("protocol checker: a DMI region holds the requested address", "[unit]") {
    require_one(violations_of(
                    [](bench& b) {
                        tlm::tlm_dmi dmi;
                        b.clean(tlm::TLM_READ_COMMAND, 200);
                        b.initiator.out->get_direct_mem_ptr(b.p, dmi);
                    },
                    [](bench& b) { b.target.dmi.set_end_address(127); }),
                "does not hold the requested address");
}

TEST_CASE("protocol checker: DMI grants the access asked for", "[unit]") {
    require_one(violations_of(
                    [](bench& b) {
                        tlm::tlm_dmi dmi;
                        b.clean(tlm::TLM_WRITE_COMMAND, 8);
                        b.initiator.out->get_direct_mem_ptr(b.p, dmi);
                    },
                    [](bench& b) { b.target.dmi.allow_read(); }),
                "DMI granted for a write without write access");
}

TEST_CASE("protocol checker: a DMI invalidation is well formed", "[unit]") {
    require_one(violations_of([](bench& b) { b.target.in->invalidate_direct_mem_ptr(64, 8); }),
                "DMI invalidation [0x40, 0x8] ends before it starts");
}
