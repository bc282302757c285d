#include "platforms/src/cosim_platform.h"

#include <algorithm>

#include "compiler/model_compiler.h"
#include "contract/fixed_point.h"
#include "firmware/masr_boot.h"
#include "models/common/error.h"
#include "models/common/file_check.h"
#include "models/encoding/sparse_vector.h"
#include "platforms/src/simulation.h"

extern "C" int masr_firmware_run_network(void);
extern "C" int masr_firmware_rnnoise_vad(void);

namespace masr {

const std::vector<native_firmware>& native_firmwares() {
    static const std::vector<native_firmware> table = {
        {"run_network", &masr_firmware_run_network},
        {"rnnoise_vad", &masr_firmware_rnnoise_vad},
    };
    return table;
}

namespace {

u64 align8(u64 v) {
    return (v + 7) & ~u64{7};
}

firmware_entry find_native(const std::string& name) {
    std::string known;
    for (const native_firmware& f : native_firmwares()) {
        if (name == f.name) return f.entry;
        known += std::string(known.empty() ? "" : ", ") + "native:" + f.name;
    }
    fail("--firmware native:{}: no such host-compiled firmware; linked in: {}", name, known);
}

}  // namespace

cosim_platform::cosim_platform(const platform_config& cfg, const workload& w, u32 steps,
                               std::vector<u8> bytes, const std::string& image_source,
                               const std::string& firmware, u32 test, std::ostream* out)
    : config(cfg),
      accel("masr", cfg, true),
      ram("sysmem", cfg.cosim.ram, cfg.clock_period()),
      system_bus("sysbus", cfg.ctrl_bus, cfg.clock_period()),
      console_out("console", out) {
    const cosim_params& c = cfg.cosim;
    if (c.ram.size < 2 * cosim_firmware_bytes)
        fail(
            "{}: cosim.ram.size is {} bytes, expected at least {} (the firmware's MiB and the "
            "buffers)",
            c.ram.size.where(), c.ram.size.get(), 2 * cosim_firmware_bytes);
    if (c.ram_base + c.ram.size > (u64{1} << 32))
        fail("{}: cosim.ram_base 0x{:x} + cosim.ram.size must lie below 4 GiB (an RV32 platform)",
             c.ram_base.where(), c.ram_base.get());

    // The image, compiled here or given, and the input in the accelerator's
    // activation format, one step every step_bytes (docs/firmware.md).
    if (bytes.empty()) {
        // Firmware may run a job per frame: compiled continuable whenever the
        // layers allow it (no backward direction).
        mapping_target target = cfg.target();
        target.continuable = std::none_of(w.layers.begin(), w.layers.end(),
                                          [](const layer_desc& l) { return l.bidirectional; });
        compiled_model compiled = compile_model(w, target, steps);
        bytes = std::move(compiled.bytes);
        image_ = std::move(compiled.image);
    } else {
        image_ = parse_model_image(bytes.data(), bytes.size(), image_source);
        check_image_matches(image_, w, image_source);
    }
    steps_ = steps ? steps : static_cast<u32>(image_.header.max_steps);
    if (steps_ > w.sequence_length)
        fail("{} time steps requested but workload '{}' ({}) has sequence_length {}", steps_,
             w.name, w.file, w.sequence_length);
    const sequence_record& in = image_.sequences.at(image_.header.input_sequence);
    const layer_record& last = image_.layers.back();
    layout_.boot_args = c.ram_base + cosim_firmware_bytes;
    layout_.image = layout_.boot_args + cosim_boot_args_bytes;
    layout_.image_bytes = bytes.size();
    layout_.input = align8(layout_.image + layout_.image_bytes);
    layout_.input_bytes = u64{steps_} * in.step_bytes;
    layout_.output = align8(layout_.input + layout_.input_bytes);
    for (u32 d = 0; d < last.directions(); ++d)
        layout_.output_bytes += u64{steps_} * image_.sequences.at(last.sequence(d)).step_bytes;
    if (layout_.output + layout_.output_bytes > c.ram_base + c.ram.size)
        fail(
            "{}: cosim.ram.size {} bytes is too small for the firmware's MiB, the {}-byte image, "
            "{} bytes of input and {} of output; use a larger cosim.ram.size",
            c.ram.size.where(), c.ram.size.get(), layout_.image_bytes, layout_.input_bytes,
            layout_.output_bytes);

    // The platform: CPU and DMA on the system bus; RAM, registers, console.
    system_bus.out.bind(ram.in);
    system_bus.map(c.ram_base, c.ram.size, 0, "sysmem");
    system_bus.out.bind(accel.registers());
    system_bus.map(c.csr_base, MASR_CSR_WINDOW_BYTES, 1, "masr.csr");
    system_bus.out.bind(console_out.regs);
    system_bus.map(c.console_base, 0x1000, 2, "console");
    accel.dma_out().bind(system_bus.in);
    accel.irq().bind(irq);
    const sc_core::sc_time quantum = sc_core::sc_time(c.cpu.quantum_ns, sc_core::SC_NS);
    if (firmware.rfind("native:", 0) == 0) {
        host = std::make_unique<host_cpu>("cpu", find_native(firmware.substr(7)),
                                          static_cast<u32>(layout_.boot_args), quantum);
        host->bus.bind(system_bus.in);
        host->irq.bind(irq);
    } else {
        // The core reads the ELF at the end of elaboration; a path that cannot
        // be read (a directory, a missing file) is refused now, by name.
        check_readable_file(firmware, "an RV32 ELF file or native:NAME (--firmware)");
        rv32_config rc;
        rc.ram_base = c.ram_base;
        rc.ram_bytes = c.ram.size;
        rc.device_windows = {{c.csr_base, MASR_CSR_WINDOW_BYTES}, {c.console_base, 0x1000}};
        rc.cpu_period = sc_core::sc_time(1.0 / c.cpu.clock_hz, sc_core::SC_SEC);
        rc.cpi = c.cpu.cpi;
        rc.quantum = quantum;
        rv32 = std::make_unique<rv32_cpu>("cpu", rc, firmware);
        rv32->bus.bind(system_bus.in);
        rv32->irq.bind(irq);
    }

    // The loader: image, input frames and boot arguments into system memory.
    place(layout_.image, bytes.data(), bytes.size());
    std::vector<u8> input(layout_.input_bytes, 0);
    for (const input_placement& p : place_input(image_, w, steps_))
        std::copy(p.bytes.begin(), p.bytes.end(), input.begin() + (p.address - in.base));
    place(layout_.input, input.data(), input.size());
    u32 boot[MASR_BOOT_WORDS] = {};
    boot[MASR_BOOT_WORD_MAGIC] = MASR_BOOT_MAGIC;
    boot[MASR_BOOT_WORD_CSR_BASE] = static_cast<u32>(c.csr_base);
    boot[MASR_BOOT_WORD_CONSOLE_BASE] = static_cast<u32>(c.console_base);
    boot[MASR_BOOT_WORD_IMAGE_ADDR] = static_cast<u32>(layout_.image);
    boot[MASR_BOOT_WORD_IMAGE_LEN] = static_cast<u32>(layout_.image_bytes);
    boot[MASR_BOOT_WORD_INPUT_ADDR] = static_cast<u32>(layout_.input);
    boot[MASR_BOOT_WORD_INPUT_LEN] = static_cast<u32>(layout_.input_bytes);
    boot[MASR_BOOT_WORD_OUTPUT_ADDR] = static_cast<u32>(layout_.output);
    boot[MASR_BOOT_WORD_OUTPUT_LEN] = static_cast<u32>(layout_.output_bytes);
    boot[MASR_BOOT_WORD_STEPS] = steps_;
    boot[MASR_BOOT_WORD_TEST] = test;
    u8 boot_bytes[sizeof boot];
    for (std::size_t i = 0; i < MASR_BOOT_WORDS; ++i)
        for (int b = 0; b < 4; ++b) boot_bytes[4 * i + b] = static_cast<u8>(boot[i] >> (8 * b));
    place(layout_.boot_args, boot_bytes, sizeof boot_bytes);
}

void cosim_platform::place(u64 address, const u8* data, u64 bytes) {
    ram.debug_access(true, address - config.cosim.ram_base, const_cast<u8*>(data), bytes);
}

void cosim_platform::run() {
    // A model that stops the run reports why itself.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                            sc_core::SC_DO_NOTHING);
    sc_core::sc_start();
}

int cosim_platform::exit_code() const {
    if (console_out.exited()) return static_cast<int>(console_out.exit_code());
    return host ? host->exit_code() : -1;
}

std::string cosim_platform::problem() const {
    if (exited()) return "";
    if (rv32 && !rv32->fault().empty()) return rv32->fault();
    return "the firmware neither exited nor returned and the simulation ran out of events: it "
           "waits for an interrupt that never comes (was the interrupt enabled in IRQ_ENABLE?)";
}

u64 cosim_platform::mmio_accesses() const {
    if (host) return host->mmio_reads + host->mmio_writes;
    return rv32 ? rv32->mmio_reads + rv32->mmio_writes : 0;
}

u64 cosim_platform::interrupts() const {
    if (host) return host->interrupts;
    return rv32 ? rv32->interrupts : 0;
}

matrix<i16> cosim_platform::output() const {
    const layer_record& l = image_.layers.back();
    const fixed_format f = image_.format();
    const vector_codec codec{static_cast<vector_format>(image_.header.activation_format),
                             packed_value_bytes(f.activation_bits)};
    const u32 units = static_cast<u32>(l.units);
    const bool concat = l.bidirectional && l.merge == static_cast<u64>(merge_mode::concat);
    matrix<i16> out(steps_, concat ? 2 * units : units);
    std::vector<u8> bytes;
    sparse_vector slice;
    std::vector<i16> dense;
    sram& memory = const_cast<sram&>(ram);
    u64 at = layout_.output;
    for (u32 d = 0; d < l.directions(); ++d) {
        const sequence_record& q = image_.sequences.at(l.sequence(d));
        for (u32 t = 0; t < steps_; ++t) {
            i16* row = out.row(t);
            for (u64 k = 0; k < q.slices; ++k) {
                const segment_record& seg = image_.segments.at(q.segment_first + k);
                bytes.resize(seg.capacity);
                memory.debug_access(false,
                                    at + u64{t} * q.step_bytes + seg.offset - config.cosim.ram_base,
                                    bytes.data(), seg.capacity);
                codec.load(bytes.data(), static_cast<u32>(seg.length), slice);
                dense.resize(seg.length);
                slice.decode(dense.data());
                for (u64 e = 0; e < seg.length; ++e) {
                    const u64 u = seg.first + e;
                    if (d == 0)
                        row[u] = dense[e];
                    else if (concat)
                        row[units + u] = dense[e];
                    else
                        row[u] = fixed::merge_sum(row[u], dense[e], f);
                }
            }
        }
        at += u64{steps_} * q.step_bytes;
    }
    return out;
}

}  // namespace masr
