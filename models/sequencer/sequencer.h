#pragma once
// The on-chip sequencer: the hardware that runs a model image. Given the
// DRAM address of an image (placed there by the host: debug transport in
// masr-sim, a DMA engine in co-simulation) and the number of time steps, it
//   1. reads the image's header and tables through TLM and checks them
//      against this machine (tile and PE counts, memory and counter sizes);
//   2. programs the x_t streamer (the image address) and copies every
//      tile's weight blocks from DRAM into its weight SRAM over the NoC,
//      followed by one slot message per slot to the tile's controller;
//   3. broadcasts the start to the tiles and the streamer, which run the
//      layers self-timed from then on;
//   4. watches the sequence buffer's arrival counters and reports each layer
//      complete when every slice of every time step of its outputs is in.
// It waits twice: once at the end of the load, and on the arrival counters.
// The run reset (reset_run, the register block's abort and every START after
// the first) stops a run wherever it is and clears the tiles, the streamer
// and the arrival counters, so the next start loads and runs afresh.
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "contract/model_image.h"
#include "models/common/critical_path.h"
#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/ni/ni.h"

namespace masr {

struct sequencer_params : property_group {
    using property_group::property_group;
    property<u32> load_burst_bytes{this,
                                   "load_burst_bytes",
                                   4096,
                                   "bytes per weight-load transfer: a DRAM read, then a NoC "
                                   "write, pipelined",
                                   8,
                                   1 << 24};
};

// What the sequencer checks an image against.
struct machine_limits {
    u32 tiles = 0;
    u32 pes = 0;
    u64 weight_sram_bytes = 0;   // per tile
    u64 pointer_sram_bytes = 0;  // per tile (csc weights)
    u64 act_buffer_bytes = 0;    // per tile
    u64 seq_buffer_bytes = 0;
    u64 dram_bytes = 0;
    u32 tile_counters = 0;
    u32 ctrl_counters = 0;
};

class sequencer : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<sequencer> memory;  // control-node bus
    tlm_utils::simple_initiator_socket<sequencer> noc;     // out through the NI
    sc_core::sc_port<arrival_if> arrivals;

    sequencer(sc_core::sc_module_name name, const sequencer_params& params,
              const machine_limits& limits, sc_core::sc_time clock_period);

    // Before sc_start: the image in DRAM and the steps to run (0: all it holds).
    void program(u64 image_address, u32 steps);
    // During the simulation (the register block's START): the same, from now.
    // first_step > 0 continues the last job's sequence at that step without
    // loading (a continuable image, the last job ended there).
    void start(u64 image_address, u32 steps, u32 first_step = 0);
    // From another process: stops the run in progress (this sequencer's
    // thread restarts) and writes the run reset to the streamer and to every
    // tile, clearing their programs and the arrival counters.
    void reset_run();
    // Notified when the run finished or stopped on a fault.
    const sc_core::sc_event& ended() const { return ended_; }
    // The last run stopped on a fault, and what it was.
    bool failed() const { return faulted_; }
    const std::string& fault_text() const { return fault_text_; }
    // true (masr-sim): a fault stops the simulation. false (co-simulation): the
    // fault is reported through ended() and the register block's status.
    bool stop_on_fault = true;
    // Called when a layer's outputs are complete in the sequence buffer, with
    // the layer and the parsed image (for observers that read the outputs).
    std::function<void(u32 layer, const model_image& image)> on_layer_done;
    // Called when the run starts (after the load), e.g. to snapshot counters.
    std::function<void()> on_start;

    bool finished() const { return finished_; }
    const model_image& image() const { return image_; }
    u32 steps() const { return steps_; }
    u64 load_cycles() const { return start_cycle_; }  // from time 0 to the start
    u64 start_cycle() const { return start_cycle_; }
    u64 end_cycle() const { return end_.cycle; }
    const path_stamp& end() const { return end_; }
    const std::vector<path_stamp>& layer_done() const { return layer_done_; }

    logger log{name()};

    u64 descriptor_bytes = 0;  // header and tables read
    u64 weight_bytes_loaded = 0;
    u64 slot_messages = 0;
    u64 load_transfers = 0;
    u64 errors = 0;
    stats_scope stats{name()};

private:
    SC_HAS_PROCESS(sequencer);
    void run();
    void run_image();
    void continue_image();
    // The phases of run(); false after a fault.
    bool read_image(sc_core::sc_time& local);
    bool check_machine();
    bool load_tiles(sc_core::sc_time& local);
    bool start_run();
    void watch_layers();
    void fault(const std::string& what);
    // A transfer on `socket`, its start `delay` from now; false after a fault.
    bool transfer(tlm_utils::simple_initiator_socket<sequencer>& socket, tlm::tlm_command command,
                  u64 address, u8* data, u64 bytes, sc_core::sc_time& delay, const char* what);

    const u32 load_burst_;
    const machine_limits limits_;
    const sc_core::sc_time clock_;
    sc_core::sc_process_handle run_process_;
    bool programmed_ = false;
    bool faulted_ = false;
    std::string fault_text_;
    sc_core::sc_event start_;
    sc_core::sc_event ended_;
    bool finished_ = false;
    u64 image_address_ = 0;
    u32 steps_ = 0;
    u32 first_step_ = 0;
    u32 next_step_ = 0;  // where the last job ended, if it completed
    model_image image_;
    u64 start_cycle_ = 0;
    path_stamp end_;
    std::vector<path_stamp> layer_done_;
    tlm::tlm_generic_payload payload_;
    tlm::tlm_generic_payload reset_payload_;  // used from the resetting process
    std::vector<u8> bytes_;
};

}  // namespace masr
