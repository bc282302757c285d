#pragma once
// The x_t streamer of the control node: feeds every layer's input to its
// tile groups. For each layer, time step and direction (the backward one
// reads time index T - 1 - t) it waits until the sources of x_t are complete
// in the sequence buffer (the network input is there from the start; a
// layer's output slice by slice, counted by the control node's NI) and until
// the tiles have returned the x slot it refills (credits), reads the
// sources' slices, assembles x_t (concatenating parts, summing the two
// directions of a sum-merged layer: the direction merge, fused into this
// read) and multicasts the encoded vector into the group's x slot. With
// prefetch_x the slots are double-buffered, so x_(t+1) travels while the
// tiles compute step t.
//
// Programmed by the sequencer: `configure` gives the DRAM address of the
// model image, whose tables it reads itself; `start` gives the run.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>
#include <vector>

#include "contract/model_image.h"
#include "models/common/address_map.h"
#include "models/common/critical_path.h"
#include "models/common/log.h"
#include "models/common/overlap.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/timed_queue.h"
#include "models/encoding/sparse_vector.h"
#include "models/ni/ni.h"

namespace masr {

struct streamer_params : property_group {
    using property_group::property_group;
    property<u32> elements_per_cycle{this,
                                     "elements_per_cycle",
                                     16,
                                     "x_t elements the assembler takes per cycle (slice "
                                     "re-alignment, direction sum): 16 x 16 bit = one 256-bit word",
                                     1,
                                     4096};
    property<u32> latency_cycles{
        this, "latency_cycles", 2, "assembler pipeline cycles (align, add, encode)", 0, 1024};
};

class streamer : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<streamer> control;    // configure, start
    tlm_utils::simple_initiator_socket<streamer> memory;  // control-node bus: DRAM, sequence buffer
    tlm_utils::simple_initiator_socket<streamer> noc;     // out through the NI
    sc_core::sc_port<arrival_if> arrivals;

    streamer(sc_core::sc_module_name name, const streamer_params& params,
             const overlap_params& overlap, sc_core::sc_time clock_period);

    bool finished() const { return finished_; }

    logger log{name()};

    u64 vectors = 0;          // x_t sent
    u64 bytes_sent = 0;       // their encoded bytes (once per multicast)
    u64 bytes_read = 0;       // read from the sequence buffer
    u64 merged_elements = 0;  // elements summed across directions
    u64 assemble_cycles = 0;
    u64 wait_source_cycles = 0;  // cycles a vector waited for its sources
    u64 wait_credit_cycles = 0;  // ... for its slot to be returned
    u64 errors = 0;
    stats_scope stats{name()};

private:
    SC_HAS_PROCESS(streamer);

    struct send_action {
        path_stamp stamp;
        std::vector<u8> bytes;
        u64 address;
        std::vector<u32> tiles;
        u32 counter;
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void configure(u64 image, sc_core::sc_time& delay);
    void reset_run();
    void run();
    void run_steps();
    void send();
    void fault(const std::string& what);
    // Reads the slices of one record of a sequence (masks first, then values)
    // starting at `from`; returns the cycle its last read is done.
    u64 read_record_slices(const sequence_record& q, u32 tau, u64 from, sparse_vector& out);

    const u32 elements_per_cycle_;
    const u32 latency_;
    const overlap_params& overlap_;
    const sc_core::sc_time clock_;
    sc_core::sc_process_handle run_process_, send_process_;
    bool configured_ = false;
    bool started_ = false;
    bool finished_ = false;
    bool faulted_ = false;
    model_image image_;
    start_message start_;
    sc_core::sc_event start_event_;
    // Credits the x slots must have had back before their next vector, over
    // every job of the sequence (a continuation keeps counting).
    u64 credit_need_[2][2] = {{0, 0}, {0, 0}};

    timed_queue<send_action> queue_;
    tlm::tlm_generic_payload read_;
    tlm::tlm_generic_payload write_;
    std::vector<u8> bytes_;
    sparse_vector slice_;
    std::vector<i16> dense_;
    std::vector<i16> other_;
};

}  // namespace masr
