// Fuzzes the accelerator's register block with the access sequences firmware
// could issue: any offset, width and value, reads and writes, with gaps of
// simulated time between them, so that START, ABORT and SOFT_RESET land in
// every state of a job. The DMA engine and the accelerator are small fakes
// (a valid model image of tiny on iot in system memory, a run of fixed
// length), so that one input takes microseconds.
//
// Beyond "no crash, no sanitizer report", every input checks what firmware
// relies on: each access gets a response (never TLM_INCOMPLETE_RESPONSE),
// BUSY and DONE are never both set, and once the block has settled the
// interrupt line is (IRQ_STATUS & IRQ_ENABLE) != 0. A broken invariant aborts,
// which libFuzzer reports as a crash with the input that caused it.
//
// The image comes from MASR_FUZZ_IMAGE (scripts/fuzz.sh writes it with
// masr-pack); without it the block sees an empty system memory and START
// ends in BAD_IMAGE, which still exercises the job's error paths.
#include <tlm_utils/simple_initiator_socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <systemc>
#include <vector>

#include "models/common/log.h"
#include "models/common/tlm_support.h"
#include "models/csr/csr.h"

using namespace masr;
using sc_core::sc_time;

namespace {

const sc_time clock_period(1.25, sc_core::SC_NS);
constexpr u64 system_base = 0x1000;
constexpr u64 fake_run_cycles = 200;

void broken(const char* invariant) {
    std::fprintf(stderr, "fuzz_registers: invariant broken: %s\n", invariant);
    std::abort();
}

struct fake_accelerator : sc_core::sc_module, run_control_if {
    SC_HAS_PROCESS(fake_accelerator);
    explicit fake_accelerator(sc_core::sc_module_name n) : sc_module(n) {
        SC_THREAD(run);
        run_process = sc_core::sc_get_last_created_process_handle();
    }
    void start_run(u64, u32, u32) override { start_event.notify(sc_core::SC_ZERO_TIME); }
    // Like the sequencer's: the run in progress stops where it is.
    void reset_run() override {
        start_event.cancel();
        ended.cancel();
        run_process.reset();
    }
    const sc_core::sc_event& run_ended() const override { return ended; }
    std::string run_fault() const override { return ""; }
    u64 run_cycles() const override { return fake_run_cycles; }
    u64 load_cycles() const override { return 7; }
    u64 effectual_macs() const override { return 1234; }
    u64 dram_bytes() const override { return 1 << 20; }
    void run() {
        for (;;) {
            wait(start_event);
            wait(time_of(fake_run_cycles, clock_period));
            ended.notify(sc_core::SC_ZERO_TIME);
        }
    }
    sc_core::sc_event start_event, ended;
    sc_core::sc_process_handle run_process;
};

// The image in system memory at system_base; input and output copies go
// anywhere (their bytes do not matter to the register block).
struct fake_dma : sc_core::sc_module, dma_if {
    explicit fake_dma(sc_core::sc_module_name n) : sc_module(n) {}
    std::string copy(dma_side from, u64 src, dma_side, u64, u64 bytes, sc_time& delay,
                     std::vector<u8>* tap) override {
        delay += time_of(10 + bytes / 64, clock_period);
        if (!tap || from != dma_side::system) return "";  // input and output: any address
        if (src < system_base || src - system_base > system.size() ||
            bytes > system.size() - (src - system_base))
            return "system memory has no image bytes there";
        tap->assign(system.begin() + static_cast<std::ptrdiff_t>(src - system_base),
                    system.begin() + static_cast<std::ptrdiff_t>(src - system_base + bytes));
        return "";
    }
    std::vector<u8> system;
};

struct bench : sc_core::sc_module {
    csr_params params{nullptr, "", ""};
    fake_accelerator accel{"accel"};
    fake_dma dma{"dma"};
    csr regs{"csr", params, clock_period};
    tlm_utils::simple_initiator_socket<bench> cpu{"cpu"};
    sc_core::sc_signal<bool> irq{"irq"};
    tlm::tlm_generic_payload p;

    explicit bench(sc_core::sc_module_name n) : sc_module(n) {
        cpu.bind(regs.regs);
        regs.irq.bind(irq);
        regs.dma.bind(dma);
        regs.accelerator.bind(accel);
    }

    tlm::tlm_response_status access(bool write, u64 offset, u8* data, unsigned bytes) {
        prepare(p, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, offset, data, bytes);
        sc_time delay = sc_core::SC_ZERO_TIME;
        cpu->b_transport(p, delay);
        if (p.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
            broken("an access came back without a response status");
        wait(delay);
        return p.get_response_status();
    }
    u32 read(u64 offset) {
        u32 v = 0;
        if (access(false, offset, reinterpret_cast<u8*>(&v), 4) != tlm::TLM_OK_RESPONSE)
            broken("a read of a readable register was refused");
        return v;
    }
    void write(u64 offset, u32 v) { access(true, offset, reinterpret_cast<u8*>(&v), 4); }

    void check_settled() {
        wait(time_of(1, clock_period));  // irq is driven one delta after a change
        const u32 status = read(MASR_CSR_STATUS);
        if ((status & MASR_CSR_STATUS_BUSY) && (status & MASR_CSR_STATUS_DONE))
            broken("STATUS has BUSY and DONE set at once");
        const bool pending = (read(MASR_CSR_IRQ_STATUS) & read(MASR_CSR_IRQ_ENABLE)) != 0;
        if (irq.read() != pending)
            broken("the interrupt line disagrees with IRQ_STATUS & IRQ_ENABLE");
    }

    // A clean block: any job stopped, configuration and status cleared.
    void reset() {
        if (read(MASR_CSR_STATUS) & MASR_CSR_STATUS_BUSY) write(MASR_CSR_CTRL, MASR_CSR_CTRL_ABORT);
        while (read(MASR_CSR_STATUS) & MASR_CSR_STATUS_BUSY) wait(time_of(100, clock_period));
        write(MASR_CSR_CTRL, MASR_CSR_CTRL_SOFT_RESET);
    }

    // Each access is 8 bytes: kind (bit 0 write, bits 1-2 width 4/4/1/8, bit
    // 3 misaligned by 2), register index (6 bits: the map and a little past
    // it), a 32-bit value, and a gap of 0..65535 cycles before the next one.
    void run_input(const u8* data, std::size_t size) {
        reset();
        for (std::size_t at = 0; at + 8 <= size; at += 8) {
            const u8 kind = data[at];
            const bool is_write = kind & 1;
            static constexpr unsigned widths[4] = {4, 4, 1, 8};
            const unsigned width = widths[(kind >> 1) & 3];
            const u64 offset = u64{data[at + 1] & 63u} * 4 + ((kind & 8) ? 2 : 0);
            u8 bytes[8] = {};
            std::memcpy(bytes, data + at + 2, 4);
            access(is_write, offset, bytes, width);
            const u32 gap = data[at + 6] | (u32{data[at + 7]} << 8);
            if (gap > 0) {
                wait(time_of(gap, clock_period));
                check_settled();
            }
        }
        // Let a job that was started finish, so the next input starts clean.
        wait(time_of(4 * fake_run_cycles + 10000, clock_period));
        check_settled();
    }
};

bench* the_bench = nullptr;

}  // namespace

// libsystemc's main() is not used (libFuzzer has its own), but it refers to this.
int sc_main(int, char**) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (the_bench == nullptr) {
        setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
        set_log_level("", log_level::error);
        the_bench = new bench("fuzz");
        if (const char* path = std::getenv("MASR_FUZZ_IMAGE")) {
            std::ifstream in(path, std::ios::binary);
            if (!in) {
                std::fprintf(stderr, "fuzz_registers: cannot read MASR_FUZZ_IMAGE '%s'\n", path);
                std::exit(2);
            }
            the_bench->dma.system.assign(std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>());
        }
    }
    bool finished = false;
    sc_core::sc_spawn([&] {
        the_bench->run_input(data, size);
        finished = true;
    });
    sc_core::sc_start();
    if (!finished) broken("the block stopped making progress (a process waits forever)");
    return 0;
}
