// Firmware co-simulation: the register block against its map (every kind of
// bad access refused with a TLM error and a STATUS.ERROR code), the DMA
// engine's copy time worked out by hand, and the example firmware end to end,
// host-compiled and on the RV32 core: the output bit-exact with the golden
// reference and the accelerator's cycles those masr-sim records for the same
// run (the regression matrix, testbenches/regression); each misprogramming
// case; and masr-cosim's own command line, run as a process: numbers, stray
// words, input paths and the --out folder refused before anything is
// simulated, with the shared exit statuses.
// One elaboration per test case (each case runs in its own process).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "compiler/model_compiler.h"
#include "models/common/address_map.h"
#include "models/common/exit_codes.h"
#include "models/common/tlm_support.h"
#include "platforms/src/cosim_platform.h"
#include "platforms/src/simulation.h"
#include "workloads/golden/golden_reference.h"

using namespace masr;
using sc_core::sc_time;

// The runs end the process with the tiles', streamer's and sequencer's
// threads suspended (waiting for the next start). Their locals live on SystemC's own coroutine
// stacks, which LeakSanitizer does not scan, so it would call them leaks. Read by the LeakSanitizer
// runtime of the sanitizer build; unused otherwise.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:sc_core::sc_thread_cor_fn\n";
}

namespace {

const sc_time clock_period(1.25, sc_core::SC_NS);

// The accelerator's side of the register block, faked: a run of fixed length.
struct fake_accelerator : sc_core::sc_module, run_control_if {
    SC_HAS_PROCESS(fake_accelerator);
    explicit fake_accelerator(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void start_run(u64 address, u32, u32 s) override {
        started_address = address;
        steps = s;
        ++starts;
        start_event.notify(sc_core::SC_ZERO_TIME);
    }
    void reset_run() override {}
    const sc_core::sc_event& run_ended() const override { return ended; }
    std::string run_fault() const override { return ""; }
    u64 run_cycles() const override { return 1000; }
    u64 load_cycles() const override { return 77; }
    u64 effectual_macs() const override { return (u64{5} << 32) + 3; }
    u64 dram_bytes() const override { return 1 << 20; }
    void run() {
        wait(start_event);
        wait(time_of(1000, clock_period));
        ended.notify(sc_core::SC_ZERO_TIME);
    }
    sc_core::sc_event start_event, ended;
    u64 started_address = ~u64{0};
    u32 steps = 0;
    int starts = 0;
};

// The DMA side, faked: a log of the copies, each taking 10 cycles, with the
// system memory a byte vector at address 0x1000.
struct fake_dma : sc_core::sc_module, dma_if {
    explicit fake_dma(sc_core::sc_module_name n) : sc_module(n) {}
    struct copy_record {
        dma_side from;
        u64 src;
        dma_side to;
        u64 dst, bytes;
    };
    std::string copy(dma_side from, u64 src, dma_side to, u64 dst, u64 bytes, sc_time& delay,
                     std::vector<u8>* tap) override {
        copies.push_back({from, src, to, dst, bytes});
        delay += time_of(10, clock_period);
        if (tap) {
            tap->clear();
            if (from == dma_side::system && src >= 0x1000 && src - 0x1000 + bytes <= system.size())
                tap->assign(system.begin() + (src - 0x1000),
                            system.begin() + (src - 0x1000 + bytes));
        }
        return "";
    }
    std::vector<copy_record> copies;
    std::vector<u8> system;
};

// A register block between an initiator socket and the fakes.
struct csr_bench : sc_core::sc_module {
    csr_params params{nullptr, "", ""};
    fake_accelerator accel{"accel"};
    fake_dma dma{"dma"};
    csr regs{"csr", params, clock_period};
    tlm_utils::simple_initiator_socket<csr_bench> cpu{"cpu"};
    sc_core::sc_signal<bool> irq{"irq"};
    tlm::tlm_generic_payload p;
    sc_time delay;

    csr_bench() : sc_module("bench") {
        cpu.bind(regs.regs);
        regs.irq.bind(irq);
        regs.dma.bind(dma);
        regs.accelerator.bind(accel);
    }
    // One access of `bytes` at `offset`; returns the response.
    tlm::tlm_response_status access(bool write, u64 offset, u32& value, unsigned bytes = 4) {
        u8 data[8] = {};
        std::memcpy(data, &value, 4);
        prepare(p, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, offset, data, bytes);
        cpu->b_transport(p, delay);
        if (!write) std::memcpy(&value, data, 4);
        return p.get_response_status();
    }
    u32 read(u64 offset) {
        u32 v = 0;
        REQUIRE(access(false, offset, v) == tlm::TLM_OK_RESPONSE);
        return v;
    }
    tlm::tlm_response_status write(u64 offset, u32 v) { return access(true, offset, v); }
    u32 error() { return (read(MASR_CSR_STATUS) & MASR_CSR_STATUS_ERROR) >> 8; }
};

platform_config& iot(platform_config& c) {
    c.load_file("platforms/iot.yaml");
    c.validate();
    return c;
}

// The cycles masr-sim's regression matrix holds for a point (all of tiny's
// 12 steps), so that firmware-driven and preloaded runs must agree.
u64 baseline_cycles(const std::string& point) {
    std::ifstream in("testbenches/regression/expected/ci/" + point + ".json");
    REQUIRE(in);
    const nlohmann::json expected = nlohmann::json::parse(in);
    REQUIRE(expected.at("steps").get<u32>() == 12);
    return expected.at("cycles").get<u64>();
}

const char* rv32_firmware = MASR_FIRMWARE_DIR "/run_network.elf";

struct cosim_outcome {
    int exit_code = -1;
    bool exited = false;
    bool bit_exact = false;
    u64 cycles = 0, macs = 0, golden_macs = 0;
    u64 instructions = 0, mmio = 0, interrupts = 0;
    u32 csr_error = 0;
    std::vector<std::string> lines;
    matrix<i16> golden_last;
    u32 frac_bits = 0;
};

// rnnoise_vad.c's line for a frame: the value / 2^frac, 6 decimals rounded
// half up, worked out here from the golden reference's integer.
std::string vad_line(u32 t, i16 value, u32 frac) {
    const u64 a = static_cast<u64>(value < 0 ? -i64{value} : i64{value});
    u64 whole = a >> frac;
    u64 part = ((a & ((u64{1} << frac) - 1)) * 1000000 + ((u64{1} << frac) >> 1)) >> frac;
    if (part >= 1000000) {
        part -= 1000000;
        ++whole;
    }
    return fmt::format("frame {} vad {}{}.{:06d}", t, value < 0 && (whole || part) ? "-" : "",
                       whole, part);
}

cosim_outcome run_firmware(const std::string& firmware, u32 test = 0,
                           const std::string& workload_name = "tiny", u32 steps = 0);

void check_vad(const std::string& firmware) {
    const u32 steps = 20;
    const cosim_outcome o = run_firmware(firmware, 0, "rnnoise", steps);
    REQUIRE(o.exited);
    CHECK(o.exit_code == 0);
    CHECK(o.bit_exact);
    // A job per frame, each continuing the last one's GRU state.
    CHECK(o.interrupts == steps);
    REQUIRE(o.lines.size() == steps);
    for (u32 t = 0; t < steps; ++t)
        CHECK(o.lines[t] == vad_line(t, o.golden_last.at(t, 0), o.frac_bits));
}

cosim_outcome run_firmware(const std::string& firmware, u32 test, const std::string& workload_name,
                           u32 steps) {
    platform_config config;
    iot(config);
    const workload w = workload::load("workloads/" + workload_name + ".yaml");
    std::ostringstream console_text;
    cosim_platform p(config, w, steps, {}, "", firmware, test, &console_text);
    p.run();
    cosim_outcome o;
    o.exited = p.exited();
    o.exit_code = p.exit_code();
    o.lines = p.console_out.lines();
    o.cycles = p.accel.host_csr ? p.accel.run_cycles() : 0;
    o.macs = p.accel.effectual_macs();
    o.instructions = p.instructions();
    o.mmio = p.mmio_accesses();
    o.interrupts = p.interrupts();
    o.csr_error = p.accel.host_csr->error_code();
    // Tests 7 (abort, restart), 8 (two jobs) and 10 (two halves) end with the
    // whole output stored.
    if ((test == 0 || test == 7 || test == 8 || test == 10) && o.exit_code == 0) {
        const golden_result golden = run_fixed(w, p.steps());
        o.bit_exact = p.output().data == golden.layers.back().output.data;
        o.golden_last = golden.layers.back().output;
        o.frac_bits = static_cast<u32>(p.image().header.activation_frac_bits);
        for (const auto& layer : golden.layers)
            for (const auto& d : layer.stats) o.golden_macs += d.effectual_macs;
    }
    return o;
}

}  // namespace

TEST_CASE("csr: identification and reset values from the register map", "[unit][cosim]") {
    csr_bench b;
    CHECK(b.read(MASR_CSR_ID) == 0x4d415352u);
    CHECK(b.read(MASR_CSR_VERSION) == MASR_CSR_VERSION_RESET);
    CHECK(b.read(MASR_CSR_STATUS) == 0);
    CHECK(b.read(MASR_CSR_STEPS) == 1);
    CHECK(b.read(MASR_CSR_CTRL) == 0);  // write only
    // Every access takes access_cycles.
    CHECK(b.delay == time_of(5 * 2, clock_period));
    CHECK(b.regs.reads == 5);
}

TEST_CASE("csr: bad accesses get a TLM error and a STATUS.ERROR code", "[unit][cosim]") {
    csr_bench b;
    u32 v = 0;
    CHECK(b.access(false, 0x800, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_BAD_REGISTER);
    CHECK(b.access(false, MASR_CSR_STATUS + 2, v) == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(b.access(false, MASR_CSR_STATUS, v, 2) == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_BAD_REGISTER);
    CHECK(b.write(MASR_CSR_STATUS, 0) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_READ_ONLY);
    CHECK(b.write(MASR_CSR_IRQ_ENABLE, 0x80000001u) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_RESERVED_BITS);
    CHECK(b.read(MASR_CSR_IRQ_ENABLE) == 0);  // refused writes change nothing
    CHECK(b.write(MASR_CSR_STEPS, 0) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_BAD_VALUE);
    CHECK(b.read(MASR_CSR_STEPS) == 1);
    CHECK(b.write(MASR_CSR_IMAGE_ADDR, 0x1004) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_BAD_VALUE);
    CHECK(b.write(MASR_CSR_CTRL, 0x10) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_RESERVED_BITS);
    CHECK(b.regs.refused == 8);
    // Soft reset clears the error.
    CHECK(b.write(MASR_CSR_CTRL, MASR_CSR_CTRL_SOFT_RESET) == tlm::TLM_OK_RESPONSE);
    CHECK(b.error() == MASR_ERR_NONE);
}

TEST_CASE("csr: START runs image, input, run and output in order and raises DONE",
          "[unit][cosim]") {
    csr_bench b;
    platform_config config;
    iot(config);
    const workload w = workload::load("workloads/tiny.yaml");
    const compiled_model m = compile_model(w, config.target(), 0);
    b.dma.system.assign(m.bytes.begin(), m.bytes.end());
    const sequence_record& in = m.image.sequences.at(m.image.header.input_sequence);
    const layer_record& last = m.image.layers.back();
    u64 out_bytes = 0;
    for (u32 d = 0; d < last.directions(); ++d)
        out_bytes += 3 * m.image.sequences.at(last.sequence(d)).step_bytes;
    const u32 steps = 3;
    REQUIRE(b.write(MASR_CSR_IMAGE_ADDR, 0x1000) == tlm::TLM_OK_RESPONSE);
    b.write(MASR_CSR_IMAGE_LEN, static_cast<u32>(m.bytes.size()));
    b.write(MASR_CSR_INPUT_ADDR, 0x100000);
    b.write(MASR_CSR_INPUT_LEN, static_cast<u32>(steps * in.step_bytes));
    b.write(MASR_CSR_OUTPUT_ADDR, 0x200000);
    b.write(MASR_CSR_OUTPUT_LEN, static_cast<u32>(out_bytes));
    b.write(MASR_CSR_STEPS, steps);
    b.write(MASR_CSR_IRQ_ENABLE, MASR_CSR_IRQ_ENABLE_DONE);
    REQUIRE(b.write(MASR_CSR_CTRL, MASR_CSR_CTRL_START) == tlm::TLM_OK_RESPONSE);
    CHECK((b.read(MASR_CSR_STATUS) & MASR_CSR_STATUS_BUSY) != 0);
    // Start while busy: refused.
    CHECK(b.write(MASR_CSR_CTRL, MASR_CSR_CTRL_START) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.error() == MASR_ERR_BUSY);
    CHECK(b.write(MASR_CSR_STEPS, 2) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    sc_core::sc_start();
    // image (10 cycles) + input (10) then the 1000-cycle run, then the output copies.
    REQUIRE(b.accel.starts == 1);
    CHECK(b.accel.steps == steps);
    CHECK(b.accel.started_address == 0);
    REQUIRE(b.dma.copies.size() == 2 + last.directions());
    CHECK(b.dma.copies[0].src == 0x1000);
    CHECK(b.dma.copies[0].to == dma_side::accel);
    CHECK(b.dma.copies[0].dst == ctrl_dram_base);
    CHECK(b.dma.copies[0].bytes == m.bytes.size());
    CHECK(b.dma.copies[1].src == 0x100000);
    CHECK(b.dma.copies[1].dst == ctrl_seq_buffer_base + in.base);
    CHECK(b.dma.copies[2].from == dma_side::accel);
    CHECK(b.dma.copies[2].dst == 0x200000);
    CHECK(b.irq.read());
    b.delay = sc_core::SC_ZERO_TIME;
    CHECK(b.read(MASR_CSR_STATUS) == MASR_CSR_STATUS_DONE);
    CHECK(b.read(MASR_CSR_CYCLES_LO) == 1000);
    CHECK(b.read(MASR_CSR_MACS_LO) == 3);
    CHECK(b.read(MASR_CSR_MACS_HI) == 5);
    CHECK(b.read(MASR_CSR_OUTPUT_USED) == out_bytes);
    // ERROR from the refused writes while busy, DONE from the job.
    CHECK(b.read(MASR_CSR_IRQ_STATUS) == (MASR_CSR_IRQ_STATUS_DONE | MASR_CSR_IRQ_STATUS_ERROR));
    // The run ended after 2 x 10 + 1000 + directions x 10 cycles.
    CHECK(now_cycle(clock_period) == 20 + 1000 + 10 * last.directions());
    // W1C: writing 1 clears the cause and drops the line.
    b.write(MASR_CSR_IRQ_STATUS, MASR_CSR_IRQ_STATUS_DONE);
    sc_core::sc_start(time_of(1, clock_period));
    CHECK(b.read(MASR_CSR_IRQ_STATUS) == MASR_CSR_IRQ_STATUS_ERROR);
    CHECK_FALSE(b.irq.read());  // ERROR is pending but not enabled
    CHECK(b.regs.interrupts == 1);
}

// A job on a corrupt image, or with an input length that does not fit.
static void run_bad_job(bool corrupt) {
    csr_bench b;
    platform_config config;
    iot(config);
    const workload w = workload::load("workloads/tiny.yaml");
    const compiled_model m = compile_model(w, config.target(), 0);
    b.dma.system.assign(m.bytes.begin(), m.bytes.end());
    if (corrupt) b.dma.system[100] ^= 1;
    b.write(MASR_CSR_IMAGE_ADDR, 0x1000);
    b.write(MASR_CSR_IMAGE_LEN, static_cast<u32>(m.bytes.size()));
    b.write(MASR_CSR_INPUT_LEN, 7);
    b.write(MASR_CSR_IRQ_ENABLE, MASR_CSR_IRQ_ENABLE_ERROR);
    b.write(MASR_CSR_CTRL, MASR_CSR_CTRL_START);
    sc_core::sc_start();
    CHECK(b.accel.starts == 0);
    CHECK(b.irq.read());
    CHECK(b.error() == (corrupt ? MASR_ERR_BAD_IMAGE : MASR_ERR_BAD_BUFFER));
}

TEST_CASE("csr: a corrupt image ends the job with BAD_IMAGE", "[unit][cosim]") {
    run_bad_job(true);
}

TEST_CASE("csr: an input length that does not fit ends the job with BAD_BUFFER", "[unit][cosim]") {
    run_bad_job(false);
}

TEST_CASE("dma: a copy's time worked out by hand", "[unit][cosim]") {
    // System memory: one bank of 8-byte words, 40 cycles of access; the
    // accelerator side one bank, 1 cycle; 256-byte bursts, 4 setup cycles.
    sram_params sys_p, acc_p;
    sys_p.size = 4096;
    sys_p.banks = 1;
    sys_p.read_cycles = 40;
    sys_p.write_cycles = 40;
    acc_p.size = 4096;
    acc_p.banks = 1;
    dma_params dp{nullptr, "", ""};
    dp.burst_bytes = 256;
    dp.setup_cycles = 4;
    sram sys("sys", sys_p, clock_period), acc("acc", acc_p, clock_period);
    dma engine("dma", dp, clock_period);
    engine.system.bind(sys.in);
    engine.accel.bind(acc.in);
    std::vector<u8> data(512);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<u8>(i * 7);
    sys.debug_access(true, 64, data.data(), data.size());
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaboration binds the sockets
    sc_time delay = sc_core::SC_ZERO_TIME;
    // Burst 0: read 4 + 32 words + 40 = 76, write 76 + 32 + 1 = 109. Burst 1:
    // read from 76 (the port is free since 36) to 148, write 148 + 33 = 181.
    CHECK(engine.copy(dma_side::system, 64, dma_side::accel, 128, 512, delay).empty());
    CHECK(cycles_at(delay, clock_period) == 181);
    CHECK(engine.busy_cycles == 181);
    CHECK(engine.bursts == 2);
    std::vector<u8> back(512);
    acc.debug_access(false, 128, back.data(), back.size());
    CHECK(back == data);
    // Past the end of the accelerator's memory: an error naming the address.
    delay = sc_core::SC_ZERO_TIME;
    const std::string error = engine.copy(dma_side::system, 0, dma_side::accel, 4000, 256, delay);
    CHECK_THAT(error, Catch::Contains("accelerator address 0xfa0"));
    CHECK(engine.errors == 1);
}

TEST_CASE("cosim: host-compiled firmware runs tiny bit-exact with masr-sim's cycles",
          "[system][cosim]") {
    const cosim_outcome o = run_firmware("native:run_network");
    REQUIRE(o.exited);
    CHECK(o.exit_code == 0);
    CHECK(o.bit_exact);
    CHECK(o.cycles == baseline_cycles("iot-tiny-masr"));
    CHECK(o.macs == o.golden_macs);
    CHECK(o.interrupts == 1);
    REQUIRE(o.lines.size() == 1);
    CHECK_THAT(o.lines[0], Catch::StartsWith("steps 12 cycles " + std::to_string(o.cycles)));
}

TEST_CASE("cosim: RV32 firmware on Unicorn runs tiny bit-exact with masr-sim's cycles",
          "[system][cosim]") {
    const cosim_outcome o = run_firmware(rv32_firmware);
    REQUIRE(o.exited);
    CHECK(o.exit_code == 0);
    CHECK(o.bit_exact);
    CHECK(o.cycles == baseline_cycles("iot-tiny-masr"));
    CHECK(o.macs == o.golden_macs);
    CHECK(o.interrupts == 1);
    CHECK(o.instructions > 1000);
    REQUIRE(o.lines.size() == 1);
    CHECK_THAT(o.lines[0], Catch::StartsWith("steps 12 cycles " + std::to_string(o.cycles)));
}

TEST_CASE("cosim: rnnoise_vad prints the golden reference's VAD, host-compiled",
          "[system][cosim]") {
    check_vad("native:rnnoise_vad");
}

TEST_CASE("cosim: rnnoise_vad prints the golden reference's VAD, RV32", "[system][cosim]") {
    check_vad(MASR_FIRMWARE_DIR "/rnnoise_vad.elf");
}

// Misprogramming, from the firmware's side: run_network.c's TEST cases each
// check the error the block reports and exit 0 when it is the expected one.
#define MISPROGRAM_CASE(NUMBER, WHAT, CODE)                                 \
    TEST_CASE("cosim: misprogramming, host-compiled: " WHAT, "[cosim]") {   \
        const cosim_outcome o = run_firmware("native:run_network", NUMBER); \
        INFO((o.lines.empty() ? std::string() : o.lines.back()));           \
        CHECK(o.exited);                                                    \
        CHECK(o.exit_code == 0);                                            \
        CHECK(o.csr_error == CODE);                                         \
    }
MISPROGRAM_CASE(1, "reserved bits", MASR_ERR_RESERVED_BITS)
MISPROGRAM_CASE(2, "write to a read-only register", MASR_ERR_READ_ONLY)
MISPROGRAM_CASE(3, "corrupt image (CRC)", MASR_ERR_BAD_IMAGE)
MISPROGRAM_CASE(4, "input buffer of the wrong length", MASR_ERR_BAD_BUFFER)
// The firmware saw BUSY; the job then completed and says so.
MISPROGRAM_CASE(5, "start while busy", MASR_ERR_NONE)
MISPROGRAM_CASE(6, "DMA to an unmapped address", MASR_ERR_DMA)

// An aborted run leaves nothing behind: the restart, and a second job after a
// completed one, give the golden output in masr-sim's cycles.
#define RERUN_CASE(NUMBER, WHAT, FIRMWARE)                                            \
    TEST_CASE("cosim: " WHAT, "[cosim]") {                                            \
        const cosim_outcome o = run_firmware(FIRMWARE, NUMBER);                       \
        INFO((o.lines.empty() ? std::string() : o.lines.back()));                     \
        CHECK(o.exited);                                                              \
        CHECK(o.exit_code == 0);                                                      \
        CHECK(o.csr_error == MASR_ERR_NONE);                                          \
        CHECK(o.bit_exact);                                                           \
        CHECK(o.cycles == baseline_cycles("iot-tiny-masr"));                          \
        CHECK(o.macs == o.golden_macs);                                               \
        REQUIRE(!o.lines.empty());                                                    \
        CHECK_THAT(o.lines.back(),                                                    \
                   Catch::StartsWith("steps 12 cycles " + std::to_string(o.cycles))); \
    }
RERUN_CASE(7, "misprogramming, host-compiled: abort in the middle of a run, then a clean restart",
           "native:run_network")
RERUN_CASE(8, "two jobs in a row, host-compiled, the second as the first", "native:run_network")

// rnnoise compiles continuable, tiny (bidirectional) does not: both refuse.
#define WRONG_CONTINUATION_CASE(WORKLOAD)                                               \
    TEST_CASE("cosim: a job that does not continue the last one is refused, " WORKLOAD, \
              "[cosim]") {                                                              \
        const cosim_outcome o = run_firmware("native:run_network", 9, WORKLOAD, 8);     \
        INFO((o.lines.empty() ? std::string() : o.lines.back()));                       \
        CHECK(o.exit_code == 0);                                                        \
        CHECK(o.csr_error == MASR_ERR_BAD_VALUE);                                       \
    }
WRONG_CONTINUATION_CASE("rnnoise")
WRONG_CONTINUATION_CASE("tiny")

TEST_CASE("cosim: a sequence run as two jobs, the second continuing the first, is bit-exact",
          "[cosim]") {
    const cosim_outcome o = run_firmware("native:run_network", 10, "rnnoise", 20);
    INFO((o.lines.empty() ? std::string() : o.lines.back()));
    CHECK(o.exited);
    CHECK(o.exit_code == 0);
    CHECK(o.interrupts == 2);
    CHECK(o.bit_exact);
}

#define MISPROGRAM_RV32_CASE(NUMBER, WHAT, CODE)                     \
    TEST_CASE("cosim: misprogramming, RV32: " WHAT, "[cosim]") {     \
        const cosim_outcome o = run_firmware(rv32_firmware, NUMBER); \
        INFO((o.lines.empty() ? std::string() : o.lines.back()));    \
        CHECK(o.exited);                                             \
        CHECK(o.exit_code == 0);                                     \
        CHECK(o.csr_error == CODE);                                  \
    }
MISPROGRAM_RV32_CASE(1, "reserved bits", MASR_ERR_RESERVED_BITS)
MISPROGRAM_RV32_CASE(3, "corrupt image (CRC)", MASR_ERR_BAD_IMAGE)
RERUN_CASE(7, "misprogramming, RV32: abort in the middle of a run, then a clean restart",
           rv32_firmware)

TEST_CASE("cosim: a file that is not an RV32 ELF is refused by name", "[unit][cosim]") {
    platform_config config;
    iot(config);
    const workload w = workload::load("workloads/tiny.yaml");
    std::ostringstream console_text;
    cosim_platform p(config, w, 0, {}, "", "README.md", 0, &console_text);
    CHECK_THROWS_WITH(p.run(),
                      Catch::Contains("'README.md' is not a 32-bit little-endian RISC-V ELF"));
}

TEST_CASE("cosim: an unknown host-compiled firmware is refused with the list", "[unit][cosim]") {
    platform_config config;
    iot(config);
    const workload w = workload::load("workloads/tiny.yaml");
    CHECK_THROWS_WITH(cosim_platform(config, w, 0, {}, "", "native:nope"),
                      Catch::Contains("linked in: native:run_network, native:rnnoise_vad"));
}

namespace {

namespace fs = std::filesystem;

// A folder of this test process's own, removed when it ends.
fs::path cli_scratch() {
    static const struct scratch {
        fs::path dir = fs::temp_directory_path() / ("masr_tb_cosim_" + std::to_string(::getpid()));
        scratch() {
            fs::remove_all(dir);
            fs::create_directories(dir);
        }
        ~scratch() {
            std::error_code ignored;
            fs::remove_all(dir, ignored);
        }
    } s;
    return s.dir;
}

struct cli_run {
    int status = -1;
    std::string output;  // stdout and stderr
    double seconds = 0;
};

// masr-cosim in its own process, as a user or a script runs it.
cli_run run_cosim(const std::string& arguments) {
    const fs::path log = cli_scratch() / "cosim.log";
    const std::string command =
        std::string(MASR_COSIM_BINARY) + " " + arguments + " > " + log.string() + " 2>&1";
    const auto start = std::chrono::steady_clock::now();
    const int status = std::system(command.c_str());
    cli_run r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(log);
    r.output = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
}

std::string file_text(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

const std::string cosim_base =
    "--platform platforms/iot.yaml --workload workloads/tiny.yaml --firmware native:run_network ";

// A refusal of bad input: exit status 2, the message, and nothing simulated
// (the firmware's report line comes after the run), promptly.
cli_run check_refused(const std::string& arguments, const std::string& message) {
    INFO("masr-cosim " << arguments);
    const cli_run r = run_cosim(arguments);
    INFO(r.output);
    CHECK(r.status == exit_bad_input);
    CHECK(r.output.find("masr-cosim: " + message) != std::string::npos);
    CHECK(r.output.find("exit code") == std::string::npos);
    CHECK(r.output.find("cycles") == std::string::npos);
    CHECK(r.seconds < 2.0);
    return r;
}

}  // namespace

TEST_CASE("masr-cosim: command-line numbers follow the one number rule, stray words are refused",
          "[unit][cosim]") {
    const std::pair<const char*, const char*> cases[] = {
        // boost read -1 as 4294967295 steps, and refused 1e99 and nan without a range.
        {"--steps -1", "--steps is '-1' (negative), expected an integer from 0 to 4294967295"},
        {"--steps -12", "--steps is '-12' (negative)"},
        {"--steps 1e99", "--steps is '1e99' (not an integer), expected an integer from 0 to"},
        {"--steps 1e3", "--steps is '1e3' (not an integer)"},
        {"--steps nan", "--steps is 'nan' (not a number), expected an integer"},
        {"--steps NaN", "--steps is 'NaN' (not a number)"},
        {"--steps inf", "--steps is 'inf' (infinite)"},
        {"--steps 3.5", "--steps is '3.5' (not an integer)"},
        {"--steps 99999999999", "--steps is '99999999999' (too large for a 32-bit unsigned"},
        {"--steps 010", "--steps is '010'"},
        // --test -1 ran the firmware with boot word 4294967295.
        {"--test -1", "--test is '-1' (negative), expected an integer from 0 to 4294967295"},
        {"--test 4294967296", "--test is '4294967296' (too large for a 32-bit unsigned"},
        {"--test nan", "--test is 'nan' (not a number)"},
        {"--test 1e99", "--test is '1e99' (not an integer)"},
        // Stray words were ignored: the run went on as if they were not there.
        {"stray", "'stray' is not an option; options start with --"},
        {"--steps 3 extra", "'extra' is not an option; options start with --"},
        {"--test 1 2", "'2' is not an option"},
    };
    for (const auto& [arguments, message] : cases) check_refused(cosim_base + arguments, message);
}

TEST_CASE(
    "masr-cosim checks --out before it simulates: a file, a file's sub-folder, an "
    "unwritable place, a folder it did not write",
    "[unit][cosim]") {
    const fs::path parent = cli_scratch() / "out_refused";
    fs::remove_all(parent);
    fs::create_directories(parent / "mine");
    std::ofstream(parent / "afile") << "keep";
    std::ofstream(parent / "mine" / "notes.txt") << "keep";
    const std::string afile = (parent / "afile").string();
    const std::string mine = (parent / "mine").string();
    const std::string proc = "/proc/masr_tb_cosim_" + std::to_string(::getpid());
    check_refused(cosim_base + "--out " + afile,
                  "--out '" + afile + "' is a file, expected a folder");
    check_refused(cosim_base + "--out " + afile + "/run",
                  "--out: cannot create folder '" + afile + "': Not a directory");
    check_refused(cosim_base + "--out " + afile + "/deeper/run", "--out: cannot create folder");
    // access() grants root any folder; /proc refuses a new folder all the same.
    // (As another user access() already refuses it.)
    const std::string proc_message = ::geteuid() == 0
                                         ? "--out '" + proc + "': cannot create a folder in '/proc'"
                                         : std::string("--out: cannot write in folder '/proc'");
    check_refused(cosim_base + "--out " + proc, proc_message);
    check_refused(cosim_base + "--out " + proc + "/run",
                  "--out: cannot create folder '" + proc + "'");
    check_refused(cosim_base + "--out " + mine,
                  "--out '" + mine + "' holds 'notes.txt', which no masr tool wrote");
    check_refused(cosim_base + "--out .", "--out '.': a run replaces its output folder whole");
    if (::geteuid() != 0) {  // root writes anywhere
        const fs::path locked = parent / "locked";
        fs::create_directories(locked);
        ::chmod(locked.c_str(), 0555);
        check_refused(cosim_base + "--out " + (locked / "run").string(),
                      "--out: cannot write in folder '" + locked.string() + "'");
        ::chmod(locked.c_str(), 0755);
        fs::remove(locked);
    }
    CHECK_FALSE(fs::exists(proc));
    CHECK(file_text(parent / "afile") == "keep");
    CHECK(file_text(parent / "mine" / "notes.txt") == "keep");
    // No stats.json, no staging folder, nothing beside what was there.
    CHECK(names_in(parent) == std::set<std::string>{"afile", "mine"});
    CHECK(names_in(parent / "mine") == std::set<std::string>{"notes.txt"});
}

TEST_CASE("masr-cosim: a directory or a missing file where a file is expected is refused by name",
          "[unit][cosim]") {
    const fs::path dir = cli_scratch() / "a_folder";
    fs::create_directories(dir);
    const std::string d = dir.string();
    const std::string tiny = "--workload workloads/tiny.yaml ";
    const std::string iot = "--platform platforms/iot.yaml ";
    const std::string native = "--firmware native:run_network ";
    check_refused(cosim_base + "--image " + d,
                  d + ": is a directory, expected a model image (--image)");
    check_refused(cosim_base + "--image " + d + "/none.img",
                  d + "/none.img: cannot open (No such file or directory), expected a model "
                      "image (--image)");
    check_refused(iot + tiny + "--firmware " + d,
                  d + ": is a directory, expected an RV32 ELF file or native:NAME (--firmware)");
    check_refused(iot + tiny + "--firmware " + d + "/none.elf",
                  d + "/none.elf: cannot open (No such file or directory), expected an RV32 ELF");
    check_refused(cosim_base + "--input " + d,
                  d + ": is a directory, expected a .npy file (--input)");
    check_refused("--platform " + d + " " + tiny + native,
                  d + ": is a directory, expected a platform file (--platform)");
    check_refused(iot + "--workload " + d + " " + native,
                  d + ": is a directory, expected a workload YAML file (--workload)");
    CHECK(names_in(dir).empty());
}

TEST_CASE(
    "masr-cosim --out: the set appears whole and replaces an earlier run's, and --help lists "
    "the exit statuses",
    "[unit][cosim]") {
    const fs::path parent = cli_scratch() / "out_written";
    fs::remove_all(parent);
    const fs::path dir = parent / "run";
    cli_run r = run_cosim(cosim_base + "--out " + dir.string());
    INFO(r.output);
    REQUIRE(r.status == exit_ok);
    CHECK(names_in(dir) == std::set<std::string>{".masr-output", "stats.json", "summary.csv"});
    const nlohmann::json stats = nlohmann::json::parse(file_text(dir / "stats.json"));
    CHECK(stats["check"]["bit_exact"] == true);
    CHECK(stats["cosim"]["exit_code"] == 0);
    // An earlier run's folder is replaced whole: a file of the earlier set is gone.
    std::ofstream(dir / "trace.json") << "earlier";
    r = run_cosim(cosim_base + "--steps 4 --out " + dir.string());
    REQUIRE(r.status == exit_ok);
    CHECK(names_in(dir) == std::set<std::string>{".masr-output", "stats.json", "summary.csv"});
    const std::string four_steps = file_text(dir / "stats.json");
    CHECK(nlohmann::json::parse(four_steps)["summary"]["steps"] == 4);
    // A misprogramming case writes no set: the folder keeps the previous one.
    r = run_cosim(cosim_base + "--test 1 --out " + dir.string());
    CHECK(r.status == exit_ok);
    CHECK(file_text(dir / "stats.json") == four_steps);
    CHECK(names_in(parent) == std::set<std::string>{"run"});  // no staging folder left

    r = run_cosim("--help");
    CHECK(r.status == exit_ok);
    for (const char* text : {"Exit status:", "1 a non-zero", "2 bad input", "3 internal error",
                             "130 or 143", "--out DIR", "--test N"})
        CHECK(r.output.find(text) != std::string::npos);
    r = run_cosim("--platform platforms/iot.yaml");
    CHECK(r.status == exit_bad_input);
    CHECK(r.output.find("--platform, --workload and --firmware are required") != std::string::npos);
}
