#include "models/cpu/host_cpu.h"

#include <vector>

#include "firmware/masr_hal.h"
#include "models/common/tlm_support.h"

namespace masr {

namespace {
// The CPU whose thread runs the firmware now. One host CPU per simulation:
// SystemC threads are coroutines, so only this one runs firmware code.
host_cpu* current = nullptr;
}  // namespace

host_cpu::host_cpu(sc_core::sc_module_name name, firmware_entry entry, u32 boot_args,
                   sc_core::sc_time quantum)
    : sc_module(name), bus("bus"), irq("irq"), entry_(entry), boot_args_(boot_args) {
    log_simulated_time();
    tlm_utils::tlm_quantumkeeper::set_global_quantum(quantum);
    keeper_.reset();
    SC_THREAD(run);
    // The firmware's C frames run on this thread's stack.
    set_stack_size(std::size_t{1} << 20);
    stats.counter("mmio_reads", mmio_reads, "32-bit reads the firmware issued");
    stats.counter("mmio_writes", mmio_writes, "32-bit writes the firmware issued");
    stats.counter("interrupts", interrupts, "waits for the interrupt that found it raised");
    stats.counter("bus_errors", bus_errors, "accesses answered with a TLM error");
}

void host_cpu::run() {
    current = this;
    exit_code_ = entry_();
    returned_ = true;
    keeper_.sync();
    current = nullptr;
    log.info("firmware returned {}", exit_code_);
    sc_core::sc_stop();
}

void host_cpu::access(tlm::tlm_command command, u32 address, u8* data, u32 bytes) {
    prepare(payload_, command, address, data, bytes);
    sc_core::sc_time delay = keeper_.get_local_time();
    bus->b_transport(payload_, delay);
    keeper_.set(delay);
    if (payload_.is_response_error()) {
        // A bus error is reported and the access dropped (a read gives 0);
        // the firmware learns what went wrong from the device's status.
        ++bus_errors;
        log.warn("firmware {} of {} bytes at 0x{:08x}: {}", command_name(command), bytes, address,
                 payload_.get_response_string());
        for (u32 i = 0; i < bytes && command == tlm::TLM_READ_COMMAND; ++i) data[i] = 0;
    }
    if (keeper_.need_sync()) keeper_.sync();
}

u32 host_cpu::read32(u32 address) {
    u8 data[4];
    ++mmio_reads;
    access(tlm::TLM_READ_COMMAND, address, data, 4);
    return u32{data[0]} | u32{data[1]} << 8 | u32{data[2]} << 16 | u32{data[3]} << 24;
}

void host_cpu::write32(u32 address, u32 value) {
    u8 data[4] = {static_cast<u8>(value), static_cast<u8>(value >> 8), static_cast<u8>(value >> 16),
                  static_cast<u8>(value >> 24)};
    ++mmio_writes;
    access(tlm::TLM_WRITE_COMMAND, address, data, 4);
}

void host_cpu::wait_irq() {
    keeper_.sync();
    if (!irq.read()) wait(irq.posedge_event());
    ++interrupts;
}

void host_cpu::memcpy(u32 dst, u32 src, u32 bytes) {
    std::vector<u8> buffer(bytes);
    access(tlm::TLM_READ_COMMAND, src, buffer.data(), bytes);
    access(tlm::TLM_WRITE_COMMAND, dst, buffer.data(), bytes);
}

}  // namespace masr

extern "C" {
uint32_t masr_hal_read32(uint32_t address) {
    return masr::current->read32(address);
}
void masr_hal_write32(uint32_t address, uint32_t value) {
    masr::current->write32(address, value);
}
void masr_hal_wait_irq(void) {
    masr::current->wait_irq();
}
void masr_hal_memcpy(uint32_t dst, uint32_t src, uint32_t bytes) {
    masr::current->memcpy(dst, src, bytes);
}
uint32_t masr_hal_boot_args(void) {
    return masr::current->boot_args();
}
}
