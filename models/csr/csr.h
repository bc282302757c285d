#pragma once
// The accelerator's control/status register block (models/csr/README.md):
// a TLM target whose map is generated from registers.yaml (masr_regs.h, the
// same header the firmware includes). Each register is a member with read
// and write callbacks. START runs one job from a single process: the DMA
// engine brings the model image (its CRC checked on the stream) into the
// accelerator's DRAM and the input frames into the sequence buffer, the
// sequencer runs the steps, the DMA engine stores the last layer's output
// sequence in system memory, and DONE (or ERROR) raises the interrupt.
// ABORT resets the datapath at once; a START after an earlier run resets it
// first, so firmware may run any number of jobs.
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "contract/model_image.h"
#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"
#include "models/csr/masr_regs.h"
#include "models/dma/dma.h"

namespace masr {

struct csr_params : property_group {
    using property_group::property_group;
    property<u32> access_cycles{this, "access_cycles",
                                2,    "cycles of one register access (decode and the register)",
                                0,    1024};
};

// What the register block needs of the accelerator: start a run of the image
// at a DRAM address, learn its end and its figures.
class run_control_if : public virtual sc_core::sc_interface {
public:
    // Time steps [first_step, first_step + steps); first_step > 0 continues
    // the last job's sequence with its state (a continuable image).
    virtual void start_run(u64 dram_address, u32 first_step, u32 steps) = 0;
    // Stops the run in progress, if any, and clears the tiles for the next.
    virtual void reset_run() = 0;
    virtual const sc_core::sc_event& run_ended() const = 0;
    // "" when the run completed, else what stopped it.
    virtual std::string run_fault() const = 0;
    virtual u64 run_cycles() const = 0;   // start to the last output
    virtual u64 load_cycles() const = 0;  // the sequencer's load, before its start
    virtual u64 effectual_macs() const = 0;
    virtual u64 dram_bytes() const = 0;
};

class csr : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<csr> regs;
    sc_core::sc_out<bool> irq;
    sc_core::sc_port<dma_if> dma;
    sc_core::sc_port<run_control_if> accelerator;

    csr(sc_core::sc_module_name name, const csr_params& params, sc_core::sc_time clock_period);

    struct reg {
        const char* name;
        u32 offset;
        u32 access;  // MASR_CSR_*_ACCESS: 0 ro, 1 rw, 2 wo, 3 w1c
        u32 mask;    // bits that exist; writing 1 elsewhere is refused
        u32 reset;
        u32 value = 0;
        // Read: the value returned (default: value). Write: returns an error
        // code (MASR_ERR_*), 0 to accept (default: value = written & mask).
        std::function<u32()> on_read;
        std::function<u32(u32)> on_write;
    };

    u32 status() const;
    u32 error_code() const { return error_; }

    logger log{name()};

    u64 reads = 0;
    u64 writes = 0;
    u64 refused = 0;  // accesses answered with a TLM error
    u64 jobs = 0;
    u64 job_cycles = 0;  // CYCLES summed over the completed jobs
    u64 interrupts = 0;  // rising edges of irq
    stats_scope stats{name()};

private:
    SC_HAS_PROCESS(csr);
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    // One register access; false (and the error code set) when refused.
    bool access(bool write, u64 offset, u32& data, const sc_core::sc_time& at);
    reg* find(u64 offset);
    void refuse(u32 code, const std::string& what);
    void raise(u32 cause);  // IRQ_STATUS |= cause
    void job();             // the START process
    void run_one_job();
    u32 run_job(sc_core::sc_time& local);
    u32 load_image(sc_core::sc_time& local);  // DMA and checks; a MASR_ERR_* code
    u32 check_continuation() const;
    void drive_irq();       // the one process that drives irq
    u32 command(u32 bits);  // a MASR_ERR_* code
    void reset_registers();

    const sc_core::sc_time clock_;
    const sc_core::sc_time access_time_;
    std::vector<reg> regs_;
    reg& id_;
    reg& version_;
    reg& ctrl_;
    reg& status_;
    reg& irq_enable_;
    reg& irq_status_;
    reg& image_addr_;
    reg& image_len_;
    reg& input_addr_;
    reg& input_len_;
    reg& output_addr_;
    reg& output_len_;
    reg& steps_;
    reg& first_step_;
    bool busy_ = false;
    bool done_ = false;
    bool ran_ = false;
    bool abort_ = false;
    u32 error_ = 0;
    u64 output_used_ = 0, cycles_ = 0, macs_ = 0, load_ = 0;
    u32 timer_hi_ = 0;
    bool irq_level_ = false;
    sc_core::sc_event start_, abort_event_, irq_update_;
    std::vector<u8> image_;
    model_image image_model_;  // the image the tiles run
    u32 next_step_ = 0;        // where the last completed job ended (0: none)
    u64 sequence_image_ = 0;   // its IMAGE_ADDR
};

}  // namespace masr
