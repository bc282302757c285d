#include "platforms/src/masr_system.h"

#include "models/common/address_map.h"
#include "models/protocol_checker/protocol_checker.h"

namespace masr {

masr_system::masr_system(sc_core::sc_module_name name, const platform_config& cfg,
                         bool with_host_interface)
    : sc_module(name),
      config(cfg),
      network("noc", cfg.noc, cfg.tiles, cfg.clock_period()),
      tiles("tile", cfg.tiles,
            [&cfg](const char* tile_name, std::size_t index) {
                return new tile(tile_name, static_cast<u32>(index), cfg.tile, cfg.overlap,
                                cfg.sparsity, cfg.clock_period());
            }),
      ctrl_ni("ctrl_ni", cfg.ctrl_ni, cfg.clock_period(), ctrl_ni_base),
      ctrl_bus("ctrl_bus", cfg.ctrl_bus, cfg.clock_period()),
      dram("dram", cfg.dram, cfg.clock_period()),
      seq_buffer("seq_buffer", cfg.seq_buffer, cfg.clock_period()),
      x_streamer("streamer", cfg.streamer, cfg.overlap, cfg.clock_period()),
      seq("sequencer", cfg.sequencer, cfg.limits(), cfg.clock_period()) {
    for (auto& t : tiles) {
        checked_bind(network.tile_out, t.noc_in);
        checked_bind(t.noc_out, network.tile_in);
    }
    checked_bind(network.host_out, ctrl_ni.noc_in);
    checked_bind(ctrl_ni.noc_out, network.host);
    checked_bind(ctrl_ni.node_out, ctrl_bus.in);
    checked_bind(ctrl_bus.out, dram.in);
    ctrl_bus.map(ctrl_dram_base, cfg.dram.size, 0, "dram");
    checked_bind(ctrl_bus.out, seq_buffer.in);
    ctrl_bus.map(ctrl_seq_buffer_base, cfg.seq_buffer.size, 1, "seq_buffer");
    checked_bind(ctrl_bus.out, x_streamer.control);
    ctrl_bus.map(ctrl_streamer_base, ctrl_streamer_size, 2, "streamer");

    checked_bind(seq.memory, ctrl_bus.in);
    checked_bind(seq.noc, ctrl_ni.node_in);
    seq.arrivals.bind(ctrl_ni.arrivals);
    checked_bind(x_streamer.memory, ctrl_bus.in);
    checked_bind(x_streamer.noc, ctrl_ni.node_in);
    x_streamer.arrivals.bind(ctrl_ni.arrivals);

    if (!with_host_interface) return;
    seq.stop_on_fault = false;
    host_dma = std::make_unique<dma>("dma", cfg.cosim.dma, cfg.clock_period());
    host_dma->accel.bind(ctrl_bus.in);
    host_csr = std::make_unique<csr>("csr", cfg.cosim.csr, cfg.clock_period());
    host_csr->dma.bind(*host_dma);
    host_csr->accelerator.bind(*this);
}

void masr_system::start_run(u64 dram_address, u32 first_step, u32 steps) {
    macs_before_run_ = all_effectual_macs();
    seq.start(dram_address, steps, first_step);
}

std::string masr_system::run_fault() const {
    if (!seq.failed()) return "";
    return seq.fault_text().empty() ? "the sequencer stopped" : seq.fault_text();
}

u64 masr_system::all_effectual_macs() const {
    u64 n = 0;
    for (const tile& t : tiles) n += t.pe.effectual_macs;
    return n;
}

u64 masr_system::effectual_macs() const {
    return all_effectual_macs() - macs_before_run_;
}

void masr_system::debug_write(u64 address, const u8* data, u64 bytes) {
    const bool to_dram = address < ctrl_seq_buffer_base;
    sram& target = to_dram ? dram : seq_buffer;
    target.debug_access(true, address - (to_dram ? ctrl_dram_base : ctrl_seq_buffer_base),
                        const_cast<u8*>(data), bytes);
}

void masr_system::debug_read(u64 address, u8* data, u64 bytes) {
    const bool to_dram = address < ctrl_seq_buffer_base;
    sram& target = to_dram ? dram : seq_buffer;
    target.debug_access(false, address - (to_dram ? ctrl_dram_base : ctrl_seq_buffer_base), data,
                        bytes);
}

void masr_system::load_image(const std::vector<u8>& image, u64 at, u32 steps) {
    debug_write(ctrl_dram_base + at, image.data(), image.size());
    seq.program(at, steps);
}

}  // namespace masr
