#pragma once
// Elaboration of a MASR platform, named after the hierarchy (masr.noc,
// masr.tile_3.pe, masr.sequencer, ...): the tiles and the NoC, and the
// control node: its network interface and bus, the DRAM window holding the
// model image, the sequence buffer, the streamer and the sequencer.
#include <memory>
#include <systemc>

#include "models/bus/bus.h"
#include "models/csr/csr.h"
#include "models/dma/dma.h"
#include "models/ni/ni.h"
#include "models/noc/noc.h"
#include "models/sequencer/sequencer.h"
#include "models/sram/sram.h"
#include "models/streamer/streamer.h"
#include "models/tile/tile.h"
#include "platforms/src/platform_config.h"

namespace masr {

// with_host_interface adds the register block (masr.csr: a TLM target for the
// registers, the interrupt output) and the DMA engine (masr.dma: a TLM
// initiator into system memory), as a component of a larger platform
// (masr-cosim). Without it (masr-sim) the host places the image by debug
// transport and programs the sequencer directly.
class masr_system : public sc_core::sc_module, public run_control_if {
public:
    masr_system(sc_core::sc_module_name name, const platform_config& config,
                bool with_host_interface = false);

    const platform_config& config;
    noc network;
    sc_core::sc_vector<tile> tiles;
    ni ctrl_ni;
    bus ctrl_bus;
    sram dram;
    sram seq_buffer;
    streamer x_streamer;
    sequencer seq;
    std::unique_ptr<dma> host_dma;  // with the host interface
    std::unique_ptr<csr> host_csr;

    // The host interface's sockets and interrupt (with_host_interface).
    tlm::tlm_target_socket<>& registers() { return host_csr->regs; }
    tlm::tlm_initiator_socket<>& dma_out() { return host_dma->system; }
    sc_core::sc_out<bool>& irq() { return host_csr->irq; }

    // run_control_if, for the register block.
    void start_run(u64 dram_address, u32 first_step, u32 steps) override;
    void reset_run() override { seq.reset_run(); }
    const sc_core::sc_event& run_ended() const override { return seq.ended(); }
    std::string run_fault() const override;
    u64 run_cycles() const override { return seq.end_cycle() - seq.start_cycle(); }
    u64 load_cycles() const override { return seq.load_cycles(); }
    u64 effectual_macs() const override;
    u64 dram_bytes() const override { return config.dram.size; }

    // Places the image at DRAM address `at` (debug transport: no simulated
    // time; a DMA engine does it in co-simulation) and programs the sequencer.
    void load_image(const std::vector<u8>& image, u64 at, u32 steps);
    // Writes into / reads from the control node's address space without time.
    void debug_write(u64 address, const u8* data, u64 bytes);
    void debug_read(u64 address, u8* data, u64 bytes);

private:
    u64 all_effectual_macs() const;
    u64 macs_before_run_ = 0;  // the PEs' counters count every run
};

}  // namespace masr
