#pragma once
// The tile controller: runs its tile's part of the model, self-timed. The
// sequencer writes it one slot message per slot (the records of the model
// image the tile needs) and then a start; from then on it needs nobody:
// for every layer the tile takes part in, for every time step and slot
// (forward before backward), it
//   1. waits in the NI until x_t has arrived in its x slot, issues the PE's
//      input pass (W_x x_t) and returns the slot's credit to the streamer
//      once x_t is read;
//   2. waits until every slice of h_(t-1) has arrived from its direction
//      group and issues the recurrent pass, which finishes the round (NLU,
//      compressor);
//   3. sends its encoded output slice to the group (the next step's
//      h_(t-1); the GRU's r*h first, then its candidate pass) and to the
//      sequence buffer (the next layer's input).
// The waits are the recurrence barrier of each direction group, and the only
// synchronisation: the two directions of a layer never wait for each other.
// Sends and credits leave from a second thread at the cycle they are due.
// The run reset (a write from the sequencer) forgets the program, the
// arrivals and what was due to be sent, and restarts both threads, so the
// tile takes a new program for the next run.
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
#include "models/common/stats.h"
#include "models/common/timed_queue.h"
#include "models/common/types.h"
#include "models/ni/ni.h"
#include "models/pe/pe_command.h"

namespace masr {

// One round of one slot on a tile, for traces and the tile imbalance.
struct round_activity {
    u32 tile;
    u32 layer;
    u32 direction;
    u32 step;
    u32 round;  // GRU: 0 gates, 1 candidate
    u64 start_cycle;
    u64 end_cycle;  // output slice in the activation buffer
};

class tile_ctrl : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<tile_ctrl> control;    // slot messages and start
    tlm_utils::simple_initiator_socket<tile_ctrl> pe;      // PE commands
    tlm_utils::simple_initiator_socket<tile_ctrl> buffer;  // the tile's activation buffer
    tlm_utils::simple_initiator_socket<tile_ctrl> noc;     // out through the NI
    sc_core::sc_port<arrival_if> arrivals;

    tile_ctrl(sc_core::sc_module_name name, u32 tile, const overlap_params& overlap,
              sc_core::sc_time clock_period);

    void record_activity(bool on) { record_activity_ = on; }
    const std::vector<round_activity>& activity() const { return activity_; }
    // Busy time per round (start to output), kept always: the tile imbalance.
    const std::vector<round_activity>& rounds_run() const { return activity_; }
    bool finished() const { return finished_; }

    logger log{name()};

    u64 slots_configured = 0;
    u64 rounds = 0;
    u64 slices_sent = 0;
    u64 bytes_sent = 0;
    u64 credits_sent = 0;
    u64 wait_x_cycles = 0;  // cycles the tile waited for x_t beyond its PEs being free
    u64 wait_h_cycles = 0;  // ... for h_(t-1) (or r*h)
    u64 errors = 0;
    stats_scope stats{name()};

private:
    SC_HAS_PROCESS(tile_ctrl);

    struct program_slot {
        slot_message message;
        pe_slot_setup setup;
    };
    struct destination {
        u64 address;
        bool multicast;
        std::vector<u32> tiles;
        u32 counter;
    };
    struct send_action {
        bool credit = false;
        path_stamp stamp;
        u64 out_addr = 0;  // slice: where it lies in the activation buffer
        // Its bytes, taken when the compressor wrote them: the next round may
        // overwrite the region before this send is due.
        std::vector<u8> data;
        std::vector<destination> to;
        u32 counter = 0;  // credit: the control-node counter
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void setup_slot(tlm::tlm_generic_payload& trans);
    void reset_run();
    void compute();
    void run_program();
    void send();
    // Round t of a sequence of `sequence` steps.
    void run_round(program_slot& s, u32 t, u32 sequence);
    // Issues one PE pass now; false after a fault.
    bool pass(pe_pass& p, const program_slot& s);
    void queue_slice(const program_slot& s, const pe_pass& p, const path_stamp& ready, u64 region,
                     u32 counter, bool to_group, bool to_sequence, u32 tau);
    void queue_credit(const program_slot& s, u32 parity, const path_stamp& at);
    void fault(const std::string& what);

    const u32 tile_;
    const overlap_params& overlap_;
    const sc_core::sc_time clock_;
    sc_core::sc_process_handle compute_process_, send_process_;
    bool record_activity_ = false;
    bool finished_ = false;
    bool faulted_ = false;

    std::vector<program_slot> program_;
    start_message start_;
    bool started_ = false;
    sc_core::sc_event start_event_;
    sc_core::sc_time start_at_;

    // Arrivals this tile has consumed, per counter.
    std::vector<u64> seen_;
    path_stamp pe_free_;  // when the PEs can take the next pass

    timed_queue<send_action> queue_;
    tlm::tlm_generic_payload command_;
    // A PE command is a one-byte write to the PE's control socket (TLM
    // transactions carry data); the command itself rides in pe_command.
    u8 doorbell_ = 1;
    tlm::tlm_generic_payload transfer_;
    std::vector<u8> bytes_;
    std::vector<round_activity> activity_;
};

}  // namespace masr
