#include "models/cpu/rv32_cpu.h"

#include <elf.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "models/common/error.h"
#include "models/common/file_check.h"
#include "models/common/tlm_support.h"

namespace masr {

using sc_core::sc_time;

namespace {
constexpr u32 mstatus_mie = 1u << 3;
constexpr u32 mstatus_mpie = 1u << 7;
constexpr u32 mstatus_mpp = 3u << 11;
constexpr u32 mie_meie = 1u << 11;
constexpr u32 cause_external = 0x8000'000bu;
constexpr u32 wfi_instruction = 0x1050'0073u;
}  // namespace

rv32_cpu::rv32_cpu(sc_core::sc_module_name name, const rv32_config& config, const std::string& elf)
    : sc_module(name), bus("bus"), irq("irq"), config_(config), elf_(elf) {
    log_simulated_time();
    per_instruction_ = config.cpu_period * config.cpi;
    tlm_utils::tlm_quantumkeeper::set_global_quantum(config.quantum);
    keeper_.reset();
    if (uc_open(UC_ARCH_RISCV, UC_MODE_RISCV32, &uc_) != UC_ERR_OK)
        fail("{}: Unicorn cannot open a 32-bit RISC-V core", this->name());
    SC_THREAD(run);
    // The emulator's translator and its helpers run on this thread's stack.
    set_stack_size(std::size_t{8} << 20);
    stats.counter("instructions", instructions, "instructions executed");
    stats.counter("mmio_reads", mmio_reads, "loads from device windows (TLM reads)");
    stats.counter("mmio_writes", mmio_writes, "stores to device windows (TLM writes)");
    stats.counter("interrupts", interrupts, "external-interrupt traps taken");
    stats.counter("wfi_sleeps", wfi_sleeps, "wfi instructions that slept");
    stats.counter("syncs", syncs, "synchronisations with the SystemC kernel");
    stats.counter("bus_errors", bus_errors, "device accesses answered with a TLM error");
    stats.value(
        "emulator_seconds", [this] { return emulator_seconds; },
        "host seconds inside the emulator (with the device accesses it made)");
}

rv32_cpu::~rv32_cpu() {
    if (uc_) uc_close(uc_);
}

void rv32_cpu::start_of_simulation() {
    // The RAM is the system memory itself, by DMI through the bus.
    tlm::tlm_generic_payload p;
    tlm::tlm_dmi dmi;
    p.set_address(config_.ram_base);
    p.set_command(tlm::TLM_WRITE_COMMAND);
    if (!bus->get_direct_mem_ptr(p, dmi) || dmi.get_start_address() > config_.ram_base ||
        dmi.get_end_address() < config_.ram_base + config_.ram_bytes - 1)
        fail("{}: system memory at 0x{:x} ({} bytes) gives no direct memory pointer", name(),
             config_.ram_base, config_.ram_bytes);
    ram_ = dmi.get_dmi_ptr() + (config_.ram_base - dmi.get_start_address());
    if (uc_mem_map_ptr(uc_, config_.ram_base, config_.ram_bytes, UC_PROT_ALL, ram_) != UC_ERR_OK)
        fail("{}: cannot map RAM at 0x{:x} ({} bytes; must be 4 KiB aligned)", name(),
             config_.ram_base, config_.ram_bytes);
    for (const auto& [base, bytes] : config_.device_windows) {
        windows_.push_back(std::make_unique<std::pair<rv32_cpu*, u64>>(this, base));
        auto* w = windows_.back().get();
        const uc_err e = uc_mmio_map(
            uc_, base, bytes,
            [](uc_engine*, u64 offset, unsigned size, void* data) -> u64 {
                auto* win = static_cast<std::pair<rv32_cpu*, u64>*>(data);
                return win->first->mmio(false, win->second + offset, size, 0);
            },
            w,
            [](uc_engine*, u64 offset, unsigned size, u64 value, void* data) {
                auto* win = static_cast<std::pair<rv32_cpu*, u64>*>(data);
                win->first->mmio(true, win->second + offset, size, value);
            },
            w);
        if (e != UC_ERR_OK)
            fail("{}: cannot map the device window at 0x{:x} ({} bytes): {}", name(), base, bytes,
                 uc_strerror(e));
    }
    uc_hook h;
    uc_hook_add(uc_, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&rv32_cpu::on_block), this, 1, 0);
    uc_hook_add(uc_, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&rv32_cpu::on_trap), this, 1, 0);
    uc_hook_add(uc_, &h, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&rv32_cpu::on_unmapped), this,
                1, 0);
    load_elf();
}

void rv32_cpu::load_elf() {
    const std::vector<u8> f = read_binary_file(elf_, "an RV32 ELF file");
    Elf32_Ehdr eh;
    if (f.size() < sizeof eh) fail("{}: '{}' is not an ELF file (too short)", name(), elf_);
    std::memcpy(&eh, f.data(), sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
        eh.e_machine != EM_RISCV || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        fail(
            "{}: '{}' is not a 32-bit little-endian RISC-V ELF (build it with "
            "riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32)",
            name(), elf_);
    for (u32 i = 0; i < eh.e_phnum; ++i) {
        Elf32_Phdr ph;
        const u64 at = u64{eh.e_phoff} + u64{i} * eh.e_phentsize;
        if (at + sizeof ph > f.size())
            fail("{}: '{}': program header {} is cut off", name(), elf_, i);
        std::memcpy(&ph, f.data() + at, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (ph.p_paddr < config_.ram_base ||
            u64{ph.p_paddr} + ph.p_memsz > config_.ram_base + config_.ram_bytes)
            fail(
                "{}: '{}': segment {} at 0x{:x} ({} bytes) lies outside RAM [0x{:x}, 0x{:x}); "
                "link the firmware for this platform's cosim.ram_base",
                name(), elf_, i, ph.p_paddr, ph.p_memsz, config_.ram_base,
                config_.ram_base + config_.ram_bytes);
        if (u64{ph.p_offset} + ph.p_filesz > f.size() || ph.p_filesz > ph.p_memsz)
            fail("{}: '{}': segment {} is cut off", name(), elf_, i);
        u8* dst = ram_ + (ph.p_paddr - config_.ram_base);
        std::memcpy(dst, f.data() + ph.p_offset, ph.p_filesz);
        std::memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    }
    entry_ = eh.e_entry;
    log.info("loaded '{}', entry 0x{:08x}", elf_, entry_);
}

u32 rv32_cpu::reg(int id) {
    u32 v = 0;
    uc_reg_read(uc_, id, &v);
    return v;
}

void rv32_cpu::set_reg(int id, u32 value) {
    uc_reg_write(uc_, id, &value);
}

u32 rv32_cpu::block_instructions(u64 address, u32 size) {
    const auto it = block_sizes_.find(address);
    if (it != block_sizes_.end()) return it->second;
    u32 n = 0;
    if (address >= config_.ram_base && address + size <= config_.ram_base + config_.ram_bytes) {
        const u8* code = ram_ + (address - config_.ram_base);
        for (u32 at = 0; at < size; ++n) at += (code[at] & 3) == 3 ? 4 : 2;
    }
    block_sizes_.emplace(address, n);
    return n;
}

void rv32_cpu::on_block(uc_engine* uc, u64 address, u32 size, void* self) {
    auto* cpu = static_cast<rv32_cpu*>(self);
    if (cpu->stop_requested_) {
        // Stopping here, before the block runs, leaves the pc at its start.
        uc_emu_stop(uc);
        return;
    }
    const u32 n = cpu->block_instructions(address, size);
    cpu->instructions += n;
    cpu->keeper_.inc(cpu->per_instruction_ * n);
    if (cpu->keeper_.need_sync()) cpu->stop_requested_ = true;
}

void rv32_cpu::on_trap(uc_engine* uc, u32 cause, void* self) {
    auto* cpu = static_cast<rv32_cpu*>(self);
    cpu->fault_ = fmt::format(
        "firmware trap, cause {} at pc 0x{:08x} (the model takes "
        "only the external interrupt)",
        cause, cpu->reg(UC_RISCV_REG_PC));
    uc_emu_stop(uc);
}

bool rv32_cpu::on_unmapped(uc_engine*, uc_mem_type type, u64 address, int size, i64, void* self) {
    auto* cpu = static_cast<rv32_cpu*>(self);
    const char* what = type == UC_MEM_FETCH_UNMAPPED                                  ? "fetch"
                       : (type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT) ? "write"
                                                                                      : "read";
    cpu->fault_ = fmt::format(
        "firmware {} of {} bytes at unmapped address 0x{:08x} (pc "
        "0x{:08x}): outside RAM and every device window",
        what, size, address, cpu->reg(UC_RISCV_REG_PC));
    return false;
}

u64 rv32_cpu::mmio(bool write, u64 address, unsigned size, u64 value) {
    u8 data[8] = {};
    for (unsigned i = 0; i < size && i < 8; ++i) data[i] = static_cast<u8>(value >> (8 * i));
    prepare(payload_, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, address, data, size);
    sc_time delay = keeper_.get_local_time();
    bus->b_transport(payload_, delay);
    keeper_.set(delay);
    ++(write ? mmio_writes : mmio_reads);
    if (payload_.is_response_error()) {
        ++bus_errors;
        log.warn("firmware {} of {} bytes at 0x{:08x}: {}", write ? "write" : "read", size, address,
                 payload_.get_response_string());
        return 0;
    }
    // Stop at the next block, never inside this callback. A write that
    // changes the interrupt line is seen at the next synchronisation (within
    // a quantum, as any event); the console's exit is followed by the
    // firmware's wfi loop, whose synchronisation ends the run.
    if (keeper_.need_sync()) stop_requested_ = true;
    u64 result = 0;
    for (unsigned i = 0; i < size && i < 8; ++i) result |= u64{data[i]} << (8 * i);
    return result;
}

bool rv32_cpu::interrupt_enabled() {
    return irq.read() && (reg(UC_RISCV_REG_MSTATUS) & mstatus_mie) &&
           (reg(UC_RISCV_REG_MIE) & mie_meie);
}

void rv32_cpu::take_interrupt_if_enabled() {
    if (!interrupt_enabled()) return;
    const u32 mstatus = reg(UC_RISCV_REG_MSTATUS);
    const u32 entered = (mstatus & ~(mstatus_mie | mstatus_mpie)) |
                        ((mstatus & mstatus_mie) ? mstatus_mpie : 0) | mstatus_mpp;
    set_reg(UC_RISCV_REG_MSTATUS, entered);
    set_reg(UC_RISCV_REG_MEPC, reg(UC_RISCV_REG_PC));
    set_reg(UC_RISCV_REG_MCAUSE, cause_external);
    const u32 mtvec = reg(UC_RISCV_REG_MTVEC);
    set_reg(UC_RISCV_REG_PC, (mtvec & ~3u) + ((mtvec & 3u) == 1 ? 4 * 11 : 0));
    ++interrupts;
}

void rv32_cpu::run() {
    set_reg(UC_RISCV_REG_PC, entry_);
    for (;;) {
        stop_requested_ = false;
        const auto emu_start = std::chrono::steady_clock::now();
        const uc_err e = uc_emu_start(uc_, reg(UC_RISCV_REG_PC), 0xffff'ffffu, 0, 0);
        emulator_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - emu_start).count();
        const u32 pc = reg(UC_RISCV_REG_PC);
        if (fault_.empty() && e != UC_ERR_OK)
            fault_ = fmt::format("the emulator stopped at pc 0x{:08x}: {}", pc, uc_strerror(e));
        if (!fault_.empty()) {
            log.fault("{}", fault_);
            keeper_.sync();
            sc_core::sc_stop();
            return;
        }
        if (stop_requested_) {
            keeper_.sync();
            ++syncs;
            take_interrupt_if_enabled();
            continue;
        }
        u32 before = 0;
        if (pc >= config_.ram_base + 4 && pc <= config_.ram_base + config_.ram_bytes)
            std::memcpy(&before, ram_ + (pc - 4 - config_.ram_base), 4);
        if (before != wfi_instruction) {
            fault_ = fmt::format("the emulator returned at pc 0x{:08x} for no known reason", pc);
            continue;
        }
        // wfi: nothing to do until the interrupt line changes. A line that is
        // already high wakes it at once (it may be masked in mie).
        keeper_.sync();
        ++syncs;
        if (!irq.read()) {
            ++wfi_sleeps;
            wait(irq.value_changed_event());
        }
        take_interrupt_if_enabled();
    }
}

}  // namespace masr
