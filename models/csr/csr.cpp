#include "models/csr/csr.h"

#include <algorithm>
#include <cstring>

#include "contract/model_image.h"
#include "models/common/address_map.h"
#include "models/common/error.h"
#include "models/common/tlm_support.h"

namespace masr {

using sc_core::sc_time;

namespace {

std::vector<csr::reg> register_table() {
    std::vector<csr::reg> r;
#define MASR_CSR_ROW(NAME, OFFSET) \
    r.push_back(                   \
        {#NAME, OFFSET, OFFSET##_ACCESS, OFFSET##_MASK, OFFSET##_RESET, OFFSET##_RESET, {}, {}});
    MASR_CSR_REGISTERS(MASR_CSR_ROW)
#undef MASR_CSR_ROW
    return r;
}

csr::reg& named(std::vector<csr::reg>& regs, const char* name) {
    for (csr::reg& r : regs)
        if (std::strcmp(r.name, name) == 0) return r;
    throw std::logic_error(std::string("registers.yaml has no register ") + name);
}

const char* error_name(u32 code) {
    switch (code) {
#define MASR_CSR_ERROR_NAME(NAME, VALUE) \
    case VALUE:                          \
        return #NAME;
        MASR_CSR_ERRORS(MASR_CSR_ERROR_NAME)
#undef MASR_CSR_ERROR_NAME
    }
    return "?";
}

u32 lo(u64 v) {
    return static_cast<u32>(v);
}
u32 hi(u64 v) {
    return static_cast<u32>(v >> 32);
}

}  // namespace

csr::csr(sc_core::sc_module_name name, const csr_params& params, sc_time clock_period)
    : sc_module(name),
      regs("regs"),
      irq("irq"),
      dma("dma"),
      accelerator("accelerator"),
      clock_(clock_period),
      access_time_(time_of(params.access_cycles, clock_period)),
      regs_(register_table()),
      id_(named(regs_, "ID")),
      version_(named(regs_, "VERSION")),
      ctrl_(named(regs_, "CTRL")),
      status_(named(regs_, "STATUS")),
      irq_enable_(named(regs_, "IRQ_ENABLE")),
      irq_status_(named(regs_, "IRQ_STATUS")),
      image_addr_(named(regs_, "IMAGE_ADDR")),
      image_len_(named(regs_, "IMAGE_LEN")),
      input_addr_(named(regs_, "INPUT_ADDR")),
      input_len_(named(regs_, "INPUT_LEN")),
      output_addr_(named(regs_, "OUTPUT_ADDR")),
      output_len_(named(regs_, "OUTPUT_LEN")),
      steps_(named(regs_, "STEPS")),
      first_step_(named(regs_, "FIRST_STEP")) {
    log_simulated_time();
    regs.register_b_transport(this, &csr::b_transport);
    regs.register_transport_dbg(this, &csr::transport_dbg);
    status_.on_read = [this] { return status(); };
    ctrl_.on_write = [this](u32 v) { return command(v); };
    irq_status_.on_write = [this](u32 v) {
        irq_status_.value &= ~v;
        irq_update_.notify(sc_core::SC_ZERO_TIME);
        return 0u;
    };
    irq_enable_.on_write = [this](u32 v) {
        irq_enable_.value = v;
        irq_update_.notify(sc_core::SC_ZERO_TIME);
        return 0u;
    };
    steps_.on_write = [this](u32 v) {
        if (v == 0) return u32{MASR_ERR_BAD_VALUE};
        steps_.value = v;
        return 0u;
    };
    image_addr_.on_write = [this](u32 v) {
        if (v % 8) return u32{MASR_ERR_BAD_VALUE};
        image_addr_.value = v;
        return 0u;
    };
    named(regs_, "OUTPUT_USED").on_read = [this] { return lo(output_used_); };
    named(regs_, "CYCLES_LO").on_read = [this] { return lo(cycles_); };
    named(regs_, "CYCLES_HI").on_read = [this] { return hi(cycles_); };
    named(regs_, "MACS_LO").on_read = [this] { return lo(macs_); };
    named(regs_, "MACS_HI").on_read = [this] { return hi(macs_); };
    named(regs_, "LOAD_CYCLES_LO").on_read = [this] { return lo(load_); };
    named(regs_, "TIMER_HI").on_read = [this] { return timer_hi_; };
    SC_THREAD(job);
    SC_METHOD(drive_irq);
    sensitive << irq_update_;
    stats.counter("reads", reads, "register reads");
    stats.counter("writes", writes, "register writes");
    stats.counter("refused", refused, "register accesses answered with a TLM error");
    stats.counter("jobs", jobs, "runs started");
    stats.counter("job_cycles", job_cycles,
                  "accelerator cycles of the completed jobs, start to last output, summed");
    stats.counter("interrupts", interrupts, "rising edges of the interrupt line");
}

u32 csr::status() const {
    return (busy_ ? MASR_CSR_STATUS_BUSY : 0) | (done_ ? MASR_CSR_STATUS_DONE : 0) |
           (error_ << MASR_CSR_STATUS_ERROR_SHIFT);
}

csr::reg* csr::find(u64 offset) {
    for (reg& r : regs_)
        if (r.offset == offset) return &r;
    return nullptr;
}

void csr::refuse(u32 code, const std::string& what) {
    error_ = code;
    ++refused;
    log.warn("{} (STATUS.ERROR {} {})", what, code, error_name(code));
    raise(MASR_CSR_IRQ_STATUS_ERROR);
}

void csr::raise(u32 cause) {
    irq_status_.value |= cause;
    irq_update_.notify(sc_core::SC_ZERO_TIME);
}

void csr::drive_irq() {
    const bool level = (irq_status_.value & irq_enable_.value) != 0;
    if (level && !irq_level_) ++interrupts;
    irq_level_ = level;
    irq.write(level);
}

void csr::reset_registers() {
    for (reg& r : regs_) r.value = r.reset;
    done_ = false;
    error_ = 0;
    output_used_ = cycles_ = macs_ = load_ = 0;
    irq_update_.notify(sc_core::SC_ZERO_TIME);
}

u32 csr::command(u32 bits) {
    if (bits & MASR_CSR_CTRL_ABORT) {
        if (busy_) {
            log.info("abort");
            abort_ = true;
            abort_event_.notify(sc_core::SC_ZERO_TIME);
        }
        return 0;
    }
    if (busy_) {
        refuse(MASR_ERR_BUSY, fmt::format("CTRL 0x{:x} written while a run is in progress", bits));
        return MASR_ERR_BUSY;
    }
    if (bits & MASR_CSR_CTRL_SOFT_RESET) {
        reset_registers();
        log.info("soft reset");
        return 0;
    }
    if (bits & MASR_CSR_CTRL_START) {
        busy_ = true;
        done_ = false;
        error_ = 0;
        start_.notify(sc_core::SC_ZERO_TIME);
    }
    return 0;
}

bool csr::access(bool write, u64 offset, u32& data, const sc_time& at) {
    reg* r = find(offset);
    if (!r) {
        refuse(MASR_ERR_BAD_REGISTER, fmt::format("{} at unmapped register offset 0x{:x}",
                                                  write ? "write" : "read", offset));
        return false;
    }
    if (!write) {
        ++reads;
        data = r->access == 2 ? 0 : (r->on_read ? r->on_read() : r->value);
        if (std::strcmp(r->name, "TIMER_LO") == 0) {
            const u64 timer = cycles_at(at, clock_);
            timer_hi_ = hi(timer);
            data = lo(timer);
        }
        log.debug("read  {} = 0x{:08x} at {:.9f} s", r->name, data, at.to_seconds());
        return true;
    }
    ++writes;
    log.debug("write {} = 0x{:08x} at {:.9f} s", r->name, data, at.to_seconds());
    if (r->access == 0) {
        refuse(MASR_ERR_READ_ONLY,
               fmt::format("write 0x{:x} to read-only register {}", data, r->name));
        return false;
    }
    if (data & ~r->mask) {
        refuse(MASR_ERR_RESERVED_BITS,
               fmt::format("write 0x{:x} to {} sets reserved bits 0x{:x} (its fields are 0x{:x})",
                           data, r->name, data & ~r->mask, r->mask));
        return false;
    }
    if (r != &ctrl_ && r != &irq_status_ && r != &irq_enable_ && busy_) {
        refuse(MASR_ERR_BUSY,
               fmt::format("write to {} while a run is in progress (wait for DONE)", r->name));
        return false;
    }
    const u32 code = r->on_write ? r->on_write(data) : (r->value = data, 0u);
    if (code != 0 && r != &ctrl_) {
        refuse(code,
               fmt::format("write 0x{:x} to {} refused: {}", data, r->name,
                           code == MASR_ERR_BAD_VALUE ? "value out of range" : error_name(code)));
        return false;
    }
    return code == 0;
}

void csr::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    delay += access_time_;
    const sc_time at = sc_core::sc_time_stamp() + delay;
    const bool write = trans.is_write();
    if (!write && !trans.is_read()) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    const u64 offset = trans.get_address();
    if (trans.get_data_length() != 4 || offset % 4 || trans.get_byte_enable_ptr() ||
        trans.get_streaming_width() != 4) {
        reg* r = find(offset & ~u64{3});
        refuse(MASR_ERR_BAD_REGISTER,
               fmt::format("{}-byte {} at offset 0x{:x} ({}): registers take aligned 32-bit "
                           "words only",
                           trans.get_data_length(), command_name(trans.get_command()), offset,
                           r ? r->name : "no register"));
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    u32 data = 0;
    if (write) std::memcpy(&data, trans.get_data_ptr(), 4);
    const bool ok = access(write, offset, data, at);
    if (!write && ok) std::memcpy(trans.get_data_ptr(), &data, 4);
    trans.set_response_status(
        ok ? tlm::TLM_OK_RESPONSE
           : (find(offset) ? tlm::TLM_COMMAND_ERROR_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE));
}

unsigned int csr::transport_dbg(tlm::tlm_generic_payload& trans) {
    // Debug reads observe without side effects; debug writes are not supported.
    if (!trans.is_read() || trans.get_data_length() != 4) return 0;
    reg* r = find(trans.get_address());
    if (!r) return 0;
    const u32 v = r->on_read ? r->on_read() : r->value;
    std::memcpy(trans.get_data_ptr(), &v, 4);
    return 4;
}

u32 csr::load_image(sc_time& local) {
    const u64 image_at = image_addr_.value, image_len = image_len_.value;
    // The image's header comes first: its size, its tables.
    std::string error = dma->copy(dma_side::system, image_at, dma_side::accel, ctrl_dram_base,
                                  image_len, local, &image_);
    if (!error.empty()) {
        log.warn("loading the model image: {}", error);
        return MASR_ERR_DMA;
    }
    try {
        image_model_ =
            parse_model_image(image_.data(), image_.size(), "the model image at IMAGE_ADDR");
    } catch (const input_error& e) {
        log.warn("{}", e.what());
        return MASR_ERR_BAD_IMAGE;
    }
    if (image_model_.header.total_bytes > accelerator->dram_bytes()) {
        log.warn("the {}-byte model image does not fit the accelerator's {}-byte DRAM",
                 image_model_.header.total_bytes, accelerator->dram_bytes());
        return MASR_ERR_BAD_BUFFER;
    }
    return MASR_ERR_NONE;
}

u32 csr::check_continuation() const {
    const u32 first = first_step_.value;
    std::string why;
    if (next_step_ == 0)
        why = "no job has completed since the last step-0 job, abort or error";
    else if (image_addr_.value != sequence_image_)
        why = fmt::format("IMAGE_ADDR is 0x{:x}, the sequence runs the image at 0x{:x}",
                          image_addr_.value, sequence_image_);
    else if (!image_model_.header.continuable)
        why = "the image is not continuable (compile it with masr-pack --continuable)";
    else if (first != next_step_)
        why = fmt::format("the last job ended at step {}", next_step_);
    if (why.empty()) return MASR_ERR_NONE;
    log.warn("FIRST_STEP {} continues no job: {}; write FIRST_STEP 0 to start a sequence", first,
             why);
    return MASR_ERR_BAD_VALUE;
}

u32 csr::run_job(sc_time& local) {
    const u32 steps = steps_.value, first = first_step_.value;
    // A continuation finds the image loaded and the tiles programmed.
    u32 code = first > 0 ? check_continuation() : load_image(local);
    if (code != MASR_ERR_NONE) return code;
    const model_image& m = image_model_;
    if (u64{first} + steps > m.header.max_steps) {
        log.warn("FIRST_STEP {} + STEPS {} but the model image holds {} time steps", first, steps,
                 m.header.max_steps);
        return MASR_ERR_BAD_VALUE;
    }
    const sequence_record& in = m.sequences.at(m.header.input_sequence);
    if (input_len_.value != u64{steps} * in.step_bytes) {
        log.warn("INPUT_LEN is {} but {} steps of this image's input take {} bytes ({} per step)",
                 input_len_.value, steps, u64{steps} * in.step_bytes, in.step_bytes);
        return MASR_ERR_BAD_BUFFER;
    }
    const layer_record& last = m.layers.back();
    u64 out_bytes = 0;
    for (u32 d = 0; d < last.directions(); ++d)
        out_bytes += u64{steps} * m.sequences.at(last.sequence(d)).step_bytes;
    if (output_len_.value < out_bytes) {
        log.warn("OUTPUT_LEN is {} but the last layer's {} steps take {} bytes", output_len_.value,
                 steps, out_bytes);
        return MASR_ERR_BAD_BUFFER;
    }
    std::string error = dma->copy(dma_side::system, input_addr_.value, dma_side::accel,
                                  ctrl_seq_buffer_base + in.base + u64{first} * in.step_bytes,
                                  input_len_.value, local);
    if (!error.empty()) {
        log.warn("loading the input: {}", error);
        return MASR_ERR_DMA;
    }
    wait(local);
    local = sc_core::SC_ZERO_TIME;
    if (abort_) return MASR_ERR_ABORTED;
    accelerator->start_run(0, first, steps);
    wait(accelerator->run_ended() | abort_event_);
    if (abort_) {
        // The tiles stop now rather than run the job out unobserved.
        accelerator->reset_run();
        return MASR_ERR_ABORTED;
    }
    const std::string fault = accelerator->run_fault();
    if (!fault.empty()) {
        log.warn("the run stopped: {}", fault);
        return MASR_ERR_RUN_FAULT;
    }
    cycles_ = accelerator->run_cycles();
    job_cycles += cycles_;
    load_ = accelerator->load_cycles();
    macs_ = accelerator->effectual_macs();
    u64 at = output_addr_.value;
    for (u32 d = 0; d < last.directions(); ++d) {
        const sequence_record& q = m.sequences.at(last.sequence(d));
        error =
            dma->copy(dma_side::accel, ctrl_seq_buffer_base + q.base + u64{first} * q.step_bytes,
                      dma_side::system, at, u64{steps} * q.step_bytes, local);
        if (!error.empty()) {
            log.warn("storing the output: {}", error);
            return MASR_ERR_DMA;
        }
        at += u64{steps} * q.step_bytes;
    }
    output_used_ = out_bytes;
    wait(local);
    next_step_ = first + steps;
    sequence_image_ = image_addr_.value;
    return MASR_ERR_NONE;
}

void csr::job() {
    for (;;) {
        // busy_ is set by the START write, which may come before this process
        // first runs (a write by debug transport or from sc_main).
        while (!busy_) wait(start_);
        run_one_job();
    }
}

void csr::run_one_job() {
    const bool continues = first_step_.value > 0;
    // The tiles keep the program and the state of the last run: a new
    // sequence starts from a reset.
    if (ran_ && !continues) accelerator->reset_run();
    ran_ = true;
    ++jobs;
    log.info("start: image 0x{:x} ({} bytes), steps {} to {}", image_addr_.value, image_len_.value,
             first_step_.value, first_step_.value + steps_.value - 1);
    sc_time local = sc_core::SC_ZERO_TIME;
    if (!continues) next_step_ = 0;  // a new sequence, until this job completes
    const u32 code = run_job(local);
    if (code != MASR_ERR_NONE) next_step_ = 0;
    busy_ = false;
    abort_ = false;
    // STATUS.ERROR now tells how the job ended (a refused command during
    // the run was reported then).
    error_ = code;
    if (code == MASR_ERR_NONE) {
        done_ = true;
        log.info("done: {} cycles, {} effectual MACs, {} output bytes", cycles_, macs_,
                 output_used_);
        raise(MASR_CSR_IRQ_STATUS_DONE);
    } else {
        log.warn("run ended with STATUS.ERROR {} {}", code, error_name(code));
        raise(MASR_CSR_IRQ_STATUS_ERROR);
    }
}

}  // namespace masr
