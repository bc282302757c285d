#pragma once
// An RV32IMAC core in machine mode, on the Unicorn emulator, in an SC_THREAD
// (models/cpu/README.md). RAM is the platform's system memory, mapped into
// the emulator directly (DMI); the device windows are Unicorn MMIO regions
// whose callbacks issue TLM transactions on `bus` with the time the core has
// run ahead annotated. Instructions are counted per translated block and take
// cpi cycles at the CPU clock; the core synchronises with the kernel at each
// quantum (capped at the next pending event), takes the external interrupt
// there (trap entry to mtvec, cause 11, done here because Unicorn 2.0.1 drops
// writes to mip), and on wfi sleeps until the interrupt line changes.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <unicorn/unicorn.h>

#include <string>
#include <systemc>
#include <tlm>
#include <unordered_map>
#include <vector>

#include "models/common/log.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

struct rv32_config {
    u64 ram_base = 0;
    u64 ram_bytes = 0;
    std::vector<std::pair<u64, u64>> device_windows;  // base, bytes (4 KiB multiples)
    sc_core::sc_time cpu_period;
    double cpi = 1.0;
    sc_core::sc_time quantum;
};

class rv32_cpu : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<rv32_cpu> bus;
    sc_core::sc_in<bool> irq;

    // Loads the ELF's segments into RAM at elaboration's end (RAM comes by
    // DMI through `bus`); throws input_error naming the file on a bad ELF.
    rv32_cpu(sc_core::sc_module_name name, const rv32_config& config, const std::string& elf);
    ~rv32_cpu() override;

    // Why the core stopped, when it stopped on its own (a fault): "" else.
    const std::string& fault() const { return fault_; }

    logger log{name()};
    u64 instructions = 0;
    u64 mmio_reads = 0;
    u64 mmio_writes = 0;
    u64 interrupts = 0;  // external-interrupt traps taken
    u64 wfi_sleeps = 0;
    u64 syncs = 0;
    u64 bus_errors = 0;
    double emulator_seconds = 0;  // host time in uc_emu_start, MMIO callbacks included
    stats_scope stats{name()};

private:
    SC_HAS_PROCESS(rv32_cpu);
    void start_of_simulation() override;
    void run();
    void load_elf();
    void take_interrupt_if_enabled();
    bool interrupt_enabled();
    u64 mmio(bool write, u64 address, unsigned size, u64 value);
    u32 block_instructions(u64 address, u32 size);
    u32 reg(int id);
    void set_reg(int id, u32 value);

    static void on_block(uc_engine* uc, u64 address, u32 size, void* self);
    static void on_trap(uc_engine* uc, u32 cause, void* self);
    static bool on_unmapped(uc_engine* uc, uc_mem_type type, u64 address, int size, i64 value,
                            void* self);

    const rv32_config config_;
    const std::string elf_;
    uc_engine* uc_ = nullptr;
    u8* ram_ = nullptr;
    u32 entry_ = 0;
    sc_core::sc_time per_instruction_;
    tlm_utils::tlm_quantumkeeper keeper_;
    tlm::tlm_generic_payload payload_;
    std::unordered_map<u64, u32> block_sizes_;
    bool stop_requested_ = false;
    std::string fault_;
    std::vector<std::unique_ptr<std::pair<rv32_cpu*, u64>>> windows_;
};

}  // namespace masr
