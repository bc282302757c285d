#pragma once
// The host CPU model for host-compiled firmware: the firmware's C entry runs
// in this module's SC_THREAD, and each HAL call (firmware/masr_hal.h) becomes
// a TLM transaction on `bus`, its delay kept by a quantum keeper (temporal
// decoupling) and synchronised at each quantum and before sleeping on `irq`.
// The firmware's own instructions take no simulated time: only its bus
// accesses and its waits do (models/cpu/README.md).
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <systemc>
#include <tlm>

#include "models/common/log.h"
#include "models/common/stats.h"
#include "models/common/types.h"

namespace masr {

using firmware_entry = int (*)(void);

class host_cpu : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<host_cpu> bus;
    sc_core::sc_in<bool> irq;

    // boot_args: the address the firmware's masr_hal_boot_args() returns.
    host_cpu(sc_core::sc_module_name name, firmware_entry entry, u32 boot_args,
             sc_core::sc_time quantum);

    bool returned() const { return returned_; }
    int exit_code() const { return exit_code_; }

    // The HAL, for firmware/masr_hal.h's C functions.
    u32 read32(u32 address);
    void write32(u32 address, u32 value);
    void wait_irq();
    void memcpy(u32 dst, u32 src, u32 bytes);
    u32 boot_args() const { return boot_args_; }

    logger log{name()};
    u64 mmio_reads = 0;
    u64 mmio_writes = 0;
    u64 interrupts = 0;  // wait_irq calls that found the line raised
    u64 bus_errors = 0;
    stats_scope stats{name()};

private:
    SC_HAS_PROCESS(host_cpu);
    void run();
    void access(tlm::tlm_command command, u32 address, u8* data, u32 bytes);

    firmware_entry entry_;
    u32 boot_args_;
    tlm_utils::tlm_quantumkeeper keeper_;
    tlm::tlm_generic_payload payload_;
    bool returned_ = false;
    int exit_code_ = 0;
};

}  // namespace masr
