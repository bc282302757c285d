#include "models/sequencer/sequencer.h"

#include <algorithm>

#include "models/common/address_map.h"
#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/noc/noc.h"

namespace masr {

using sc_core::sc_time;

sequencer::sequencer(sc_core::sc_module_name name, const sequencer_params& params,
                     const machine_limits& limits, sc_time clock_period)
    : sc_module(name),
      memory("memory"),
      noc("noc"),
      arrivals("arrivals"),
      load_burst_(params.load_burst_bytes),
      limits_(limits),
      clock_(clock_period) {
    log_simulated_time();
    SC_THREAD(run);
    run_process_ = sc_core::sc_get_last_created_process_handle();
    set_stack_size(noc_thread_stack_bytes);
    stats.counter("descriptor_bytes", descriptor_bytes, "image header and tables read from DRAM");
    stats.counter("weight_bytes_loaded", weight_bytes_loaded,
                  "weight-block bytes copied from DRAM into the tiles");
    stats.counter("slot_messages", slot_messages, "slot messages written to tile controllers");
    stats.counter("load_transfers", load_transfers, "DRAM reads and NoC writes of the load");
    stats.counter("errors", errors, "image checks failed and transfers refused");
}

void sequencer::program(u64 image_address, u32 steps) {
    image_address_ = image_address;
    steps_ = steps;
    first_step_ = 0;
    programmed_ = true;
}

void sequencer::start(u64 image_address, u32 steps, u32 first_step) {
    if (first_step > 0 && image_address != image_address_) {
        fault(
            fmt::format("a job at step {} continues the image at DRAM 0x{:x}, but 0x{:x} is "
                        "another image; a new image starts at step 0",
                        first_step, image_address_, image_address));
        return;
    }
    program(image_address, steps);
    first_step_ = first_step;
    start_.notify(sc_core::SC_ZERO_TIME);
}

void sequencer::reset_run() {
    log.info("run reset");
    programmed_ = finished_ = faulted_ = false;
    first_step_ = next_step_ = 0;
    fault_text_.clear();
    start_.cancel();
    start_cycle_ = 0;
    end_ = path_stamp{};
    layer_done_.clear();
    run_process_.reset();
    arrivals->clear();
    u8 zero[run_reset_bytes] = {};
    sc_time delay = sc_core::SC_ZERO_TIME;
    prepare(reset_payload_, tlm::TLM_WRITE_COMMAND, ctrl_streamer_base + streamer_reset, zero,
            run_reset_bytes);
    memory->b_transport(reset_payload_, delay);
    if (reset_payload_.is_response_error())
        log.warn("the streamer refused the run reset: {}", reset_payload_.get_response_string());
    multicast_extension everyone;
    for (u32 t = 0; t < limits_.tiles; ++t) everyone.tiles.push_back(t);
    prepare(reset_payload_, tlm::TLM_WRITE_COMMAND,
            noc_address(0, tile_ctrl_base + tile_ctrl_reset), zero, run_reset_bytes);
    reset_payload_.set_extension(&everyone);
    noc->b_transport(reset_payload_, delay);
    reset_payload_.clear_extension(&everyone);
    if (reset_payload_.is_response_error())
        log.warn("the tiles refused the run reset: {}", reset_payload_.get_response_string());
}

void sequencer::fault(const std::string& what) {
    log.fault("{}", what);
    ++errors;
    if (!faulted_) fault_text_ = what;
    faulted_ = true;
    ended_.notify(sc_core::SC_ZERO_TIME);
    if (stop_on_fault) sc_core::sc_stop();
}

bool sequencer::transfer(tlm_utils::simple_initiator_socket<sequencer>& socket,
                         tlm::tlm_command command, u64 address, u8* data, u64 bytes, sc_time& delay,
                         const char* what) {
    prepare(payload_, command, address, data, bytes);
    socket->b_transport(payload_, delay);
    ++load_transfers;
    if (payload_.is_response_error()) {
        fault(fmt::format("{} ({} bytes at 0x{:x}) failed: {}", what, bytes, address,
                          payload_.get_response_string()));
        return false;
    }
    return true;
}

bool sequencer::check_machine() {
    const image_header& h = image_.header;
    auto mismatch = [&](const char* what, u64 image_value, u64 machine_value, const char* change) {
        fault(fmt::format("the model image was compiled for {} {} but this machine has {}; {}",
                          image_value, what, machine_value, change));
        return false;
    };
    if (h.tiles != limits_.tiles)
        return mismatch("tiles", h.tiles, limits_.tiles, "re-run masr-pack with this platform");
    if (h.pes != limits_.pes)
        return mismatch("PEs per tile", h.pes, limits_.pes, "re-run masr-pack with this platform");
    if (h.weight_partition_bytes * h.pes != limits_.weight_sram_bytes)
        return mismatch("bytes of weight SRAM per tile", h.weight_partition_bytes * h.pes,
                        limits_.weight_sram_bytes, "re-run masr-pack with this platform");
    if (h.pointer_partition_bytes * h.pes != limits_.pointer_sram_bytes &&
        h.weight_format == static_cast<u64>(weight_format::csc))
        return mismatch("bytes of pointer SRAM per tile", h.pointer_partition_bytes * h.pes,
                        limits_.pointer_sram_bytes, "re-run masr-pack with this platform");
    if (h.act_buffer_bytes > limits_.act_buffer_bytes)
        return mismatch("bytes of activation buffer (at least)", h.act_buffer_bytes,
                        limits_.act_buffer_bytes, "use a larger tile.act_buffer.size");
    if (h.seq_buffer_bytes > limits_.seq_buffer_bytes)
        return mismatch("bytes of sequence buffer (at least)", h.seq_buffer_bytes,
                        limits_.seq_buffer_bytes, "use fewer steps or a larger seq_buffer.size");
    if (h.tile_counters > limits_.tile_counters)
        return mismatch("tile NI counters (at least)", h.tile_counters, limits_.tile_counters,
                        "use a larger tile.ni.counters");
    if (h.ctrl_counters > limits_.ctrl_counters)
        return mismatch("control-node NI counters (at least)", h.ctrl_counters,
                        limits_.ctrl_counters, "use fewer steps or a larger ctrl_ni.counters");
    if (steps_ == 0) steps_ = static_cast<u32>(h.max_steps);
    if (steps_ > h.max_steps) {
        fault(fmt::format("{} time steps requested but the model image holds {}", steps_,
                          h.max_steps));
        return false;
    }
    return true;
}

bool sequencer::read_image(sc_time& local) {
    const u64 header_bytes = record_bytes<image_header>();
    bytes_.resize(header_bytes);
    if (!transfer(memory, tlm::TLM_READ_COMMAND, ctrl_dram_base + image_address_, bytes_.data(),
                  header_bytes, local, "reading the model image header"))
        return false;
    try {
        const image_header h = parse_image_header(bytes_.data(), header_bytes, "the model image");
        const u64 tables = model_image_tables_end(h);
        bytes_.resize(tables);
        if (!transfer(memory, tlm::TLM_READ_COMMAND, ctrl_dram_base + image_address_ + header_bytes,
                      bytes_.data() + header_bytes, tables - header_bytes, local,
                      "reading the model image tables"))
            return false;
        descriptor_bytes += tables;
        image_ = parse_model_image(bytes_.data(), tables, "the model image", false);
    } catch (const input_error& e) {
        fault(e.what());
        return false;
    }
    if (image_address_ > limits_.dram_bytes ||
        image_.header.total_bytes > limits_.dram_bytes - image_address_) {
        fault(
            fmt::format("the {}-byte model image at DRAM 0x{:x} does not lie inside the {} of "
                        "DRAM",
                        image_.header.total_bytes, image_address_, bytes_text(limits_.dram_bytes)));
        return false;
    }
    return check_machine();
}

bool sequencer::load_tiles(sc_time& local) {
    // The streamer reads the tables itself.
    u8 address[8];
    for (int i = 0; i < 8; ++i) address[i] = static_cast<u8>(image_address_ >> (8 * i));
    if (!transfer(memory, tlm::TLM_WRITE_COMMAND, ctrl_streamer_base + streamer_configure, address,
                  8, local, "configuring the streamer"))
        return false;
    // Weights, DRAM reads and NoC writes pipelined burst by burst, then the
    // slot messages, tile by tile in program order.
    const u64 weights = image_address_ + image_.header.weights_offset;
    sc_time read_done = local, write_done = local;
    std::vector<u8> burst(load_burst_);
    for (u32 s = 0; s < image_.slots.size(); ++s) {
        const slot_record& slot = image_.slots[s];
        for (u64 b = slot.block_first; b < slot.block_first + slot.block_count; ++b) {
            const block_record& block = image_.blocks[b];
            for (u64 at = 0; at < block.bytes; at += load_burst_) {
                const u64 n = std::min<u64>(load_burst_, block.bytes - at);
                if (!transfer(memory, tlm::TLM_READ_COMMAND,
                              ctrl_dram_base + weights + block.image_offset + at, burst.data(), n,
                              read_done, "reading weights from DRAM"))
                    return false;
                sc_time write = std::max(read_done, write_done);
                if (!transfer(noc, tlm::TLM_WRITE_COMMAND,
                              noc_address(slot.tile, (block.memory ? tile_pointer_sram_base
                                                                   : tile_weight_sram_base) +
                                                         block.sram_address + at),
                              burst.data(), n, write, "loading weights into a tile"))
                    return false;
                write_done = write;
                weight_bytes_loaded += n;
            }
        }
        std::vector<u8> message = write_slot_message(image_, s);
        sc_time write = std::max(read_done, write_done);
        if (!transfer(noc, tlm::TLM_WRITE_COMMAND,
                      noc_address(slot.tile, tile_ctrl_base + tile_ctrl_setup), message.data(),
                      message.size(), write, "writing a slot message"))
            return false;
        write_done = write;
        ++slot_messages;
    }
    local = std::max(read_done, write_done);
    return true;
}

bool sequencer::start_run() {
    start_cycle_ = now_cycle(clock_);
    if (on_start) on_start();
    start_message start;
    start.steps = steps_;
    start.first_step = first_step_;
    // The tiles send the last step's h on when the sequence may go on.
    start.sequence_steps =
        image_.header.continuable ? static_cast<u32>(image_.header.max_steps) : steps_;
    start.origin_cycle = start_cycle_;
    u8 message[start_message_bytes];
    write_start_message(start, message);
    multicast_extension group;
    for (const slot_record& slot : image_.slots)
        if (std::find(group.tiles.begin(), group.tiles.end(), slot.tile) == group.tiles.end())
            group.tiles.push_back(static_cast<u32>(slot.tile));
    sc_time delay = sc_core::SC_ZERO_TIME;
    prepare(payload_, tlm::TLM_WRITE_COMMAND, noc_address(0, tile_ctrl_base + tile_ctrl_start),
            message, start_message_bytes);
    payload_.set_extension(&group);
    noc->b_transport(payload_, delay);
    payload_.clear_extension(&group);
    if (payload_.is_response_error()) {
        fault(fmt::format("broadcasting the start failed: {}", payload_.get_response_string()));
        return false;
    }
    delay = sc_core::SC_ZERO_TIME;
    return transfer(memory, tlm::TLM_WRITE_COMMAND, ctrl_streamer_base + streamer_start, message,
                    start_message_bytes, delay, "starting the streamer");
}

void sequencer::watch_layers() {
    layer_done_.assign(image_.layers.size(), path_stamp{});
    for (u32 l = 0; l < image_.layers.size(); ++l) {
        const layer_record& layer = image_.layers[l];
        path_stamp done;
        for (u32 d = 0; d < layer.directions(); ++d) {
            const sequence_record& q = image_.sequences[layer.sequence(d)];
            for (u32 tau = first_step_; tau < first_step_ + steps_; ++tau)
                done = later(done,
                             arrivals->wait_for(static_cast<u32>(q.counter_base + tau), q.slices));
        }
        layer_done_[l] = done;
        end_ = later(end_, done);
        if (on_layer_done) on_layer_done(l, image_);
        log.info("layer {} complete at cycle {}", l, done.cycle);
    }
}

void sequencer::run() {
    // After a run the thread waits for the next start rather than end: a
    // terminated process could not be reset.
    for (;;) {
        while (!programmed_) wait(start_);
        programmed_ = false;
        faulted_ = false;
        fault_text_.clear();
        if (first_step_ > 0)
            continue_image();
        else
            run_image();
    }
}

void sequencer::run_image() {
    finished_ = false;
    next_step_ = 0;
    sc_time local = sc_core::SC_ZERO_TIME;
    if (!read_image(local) || !load_tiles(local)) return;
    wait(local);
    if (!start_run()) return;
    // Layers complete as the sequence buffer fills.
    watch_layers();
    finished_ = true;
    next_step_ = steps_;
    ended_.notify(sc_core::SC_ZERO_TIME);
}

void sequencer::continue_image() {
    const u32 first = first_step_;
    std::string why;
    if (next_step_ == 0)
        why = "no job of this image has completed since the last reset";
    else if (!image_.header.continuable)
        why = "the image is not continuable (compile it with masr-pack --continuable)";
    else if (first != next_step_)
        why = fmt::format("the last job ended at step {}", next_step_);
    else if (steps_ == 0 || u64{first} + steps_ > image_.header.max_steps)
        why = fmt::format("{} steps from step {} run past the image's {}", steps_, first,
                          image_.header.max_steps);
    if (!why.empty()) {
        fault(fmt::format("a job at step {} cannot continue: {}", first, why));
        return;
    }
    finished_ = false;
    if (!start_run()) return;
    watch_layers();
    finished_ = true;
    next_step_ = first + steps_;
    ended_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace masr
