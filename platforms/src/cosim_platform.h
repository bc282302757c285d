#pragma once
// The firmware co-simulation platform (docs/firmware.md): a host CPU running
// firmware, system memory, a system bus, a console device, and the MASR
// accelerator as a component with its three public connections (register
// target socket, DMA initiator socket, interrupt line). The loader places the
// model image, the input frames and the boot arguments in system memory
// before the CPU starts; after the run the last layer's output is read back
// from where the accelerator's DMA stored it.
#include <iostream>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "contract/model_image.h"
#include "models/bus/bus.h"
#include "models/console/console.h"
#include "models/cpu/host_cpu.h"
#include "models/cpu/rv32_cpu.h"
#include "models/sram/sram.h"
#include "platforms/src/masr_system.h"
#include "workloads/src/workload.h"

namespace masr {

// Host-compiled firmware linked into the tool, by name (--firmware native:NAME).
struct native_firmware {
    const char* name;
    firmware_entry entry;
};
const std::vector<native_firmware>& native_firmwares();

// The system-memory layout the loader uses, above the firmware's first MiB.
struct cosim_layout {
    u64 boot_args = 0;
    u64 image = 0, image_bytes = 0;
    u64 input = 0, input_bytes = 0;
    u64 output = 0, output_bytes = 0;
};

class cosim_platform {
public:
    // firmware: "native:NAME" or the path of an RV32 ELF. test: the boot
    // word TEST (misprogramming cases of firmware/examples/run_network.c).
    cosim_platform(const platform_config& config, const workload& w, u32 steps,
                   std::vector<u8> image, const std::string& image_source,
                   const std::string& firmware, u32 test = 0, std::ostream* out = &std::cout);

    // sc_start() until the firmware exits (or the simulation runs dry).
    void run();

    bool exited() const { return console_out.exited() || (host && host->returned()); }
    int exit_code() const;
    // "" or why the run ended without an exit (a CPU fault, no more events).
    std::string problem() const;
    // The last layer's output as the DMA stored it in system memory.
    matrix<i16> output() const;

    const model_image& image() const { return image_; }
    u32 steps() const { return steps_; }
    const cosim_layout& layout() const { return layout_; }
    bool is_native() const { return host != nullptr; }
    // CPU figures for reports.
    u64 instructions() const { return rv32 ? rv32->instructions : 0; }
    u64 mmio_accesses() const;
    u64 interrupts() const;

    const platform_config& config;
    masr_system accel;
    sram ram;
    bus system_bus;
    console console_out;
    sc_core::sc_signal<bool> irq{"irq"};
    std::unique_ptr<host_cpu> host;
    std::unique_ptr<rv32_cpu> rv32;

private:
    void place(u64 address, const u8* data, u64 bytes);

    model_image image_;
    u32 steps_ = 0;
    cosim_layout layout_;
};

// Offset in system memory above which the loader places its buffers: the
// firmware's code, data and stack live below (firmware/rv32/link.ld).
constexpr u64 cosim_firmware_bytes = 1 << 20;
// The boot arguments come first above it, then the image.
constexpr u64 cosim_boot_args_bytes = 4096;

}  // namespace masr
