#include "models/streamer/streamer.h"

#include <algorithm>

#include "models/common/address_map.h"
#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/noc/noc.h"

namespace masr {

using sc_core::sc_time;

streamer::streamer(sc_core::sc_module_name name, const streamer_params& params,
                   const overlap_params& overlap, sc_time clock_period)
    : sc_module(name),
      control("control"),
      memory("memory"),
      noc("noc"),
      arrivals("arrivals"),
      elements_per_cycle_(params.elements_per_cycle),
      latency_(params.latency_cycles),
      overlap_(overlap),
      clock_(clock_period) {
    log_simulated_time();
    control.register_b_transport(this, &streamer::b_transport);
    SC_THREAD(run);
    run_process_ = sc_core::sc_get_last_created_process_handle();
    SC_THREAD(send);
    send_process_ = sc_core::sc_get_last_created_process_handle();
    set_stack_size(noc_thread_stack_bytes);

    stats.counter("vectors", vectors, "x_t vectors sent to tile groups");
    stats.counter("bytes_sent", bytes_sent, "their encoded bytes, once per multicast");
    stats.counter("bytes_read", bytes_read, "bytes read from the sequence buffer");
    stats.counter("merged_elements", merged_elements,
                  "elements of sum-merged directions added by the assembler");
    stats.counter("assemble_cycles", assemble_cycles, "cycles the assembler was busy");
    stats.counter("wait_source_cycles", wait_source_cycles,
                  "cycles vectors waited for their sources in the sequence buffer");
    stats.counter("wait_credit_cycles", wait_credit_cycles,
                  "cycles vectors waited for their x slot to be returned");
    stats.counter("errors", errors, "refused commands and failed transfers");
}

void streamer::fault(const std::string& what) {
    log.fault("{}", what);
    ++errors;
    faulted_ = true;
    sc_core::sc_stop();
}

void streamer::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const u64 offset = trans.get_address();
    auto refuse = [&](tlm::tlm_response_status status, const std::string& why) {
        log.warn("{}", why);
        ++errors;
        trans.set_response_status(status);
    };
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND) {
        refuse(tlm::TLM_COMMAND_ERROR_RESPONSE,
               fmt::format("{} at offset 0x{:x}: the streamer takes writes only",
                           command_name(trans.get_command()), offset));
        return;
    }
    if (offset == streamer_configure && trans.get_data_length() == 8) {
        u64 image = 0;
        for (int i = 0; i < 8; ++i) image |= u64{trans.get_data_ptr()[i]} << (8 * i);
        configure(image, delay);
        trans.set_response_status(configured_ ? tlm::TLM_OK_RESPONSE
                                              : tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (offset == streamer_start && trans.get_data_length() == start_message_bytes) {
        const start_message m = read_start_message(trans.get_data_ptr());
        const bool continues = m.first_step > 0;
        if (!configured_ || (!continues && started_) ||
            (continues && (!finished_ || m.first_step != start_.end_step()))) {
            refuse(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   !configured_ ? "start before configure: write the image address first"
                   : !continues ? "a second start at step 0: a new sequence needs the reset and "
                                  "a new configure first"
                                : fmt::format("a start at step {} does not continue the last job "
                                              "({})",
                                              m.first_step,
                                              finished_ ? fmt::format("it ended at step {}",
                                                                      start_.end_step())
                                                        : "it has not ended"));
            return;
        }
        if (!continues)
            credit_need_[0][0] = credit_need_[0][1] = credit_need_[1][0] = credit_need_[1][1] = 0;
        start_ = m;
        started_ = true;
        finished_ = false;
        start_event_.notify(delay);
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (offset == streamer_reset && trans.get_data_length() == run_reset_bytes) {
        reset_run();
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    refuse(tlm::TLM_ADDRESS_ERROR_RESPONSE,
           fmt::format("write of {} bytes at offset 0x{:x}: expected 8 bytes at 0x{:x} "
                       "(configure), {} at 0x{:x} (start) or {} at 0x{:x} (reset)",
                       trans.get_data_length(), offset, streamer_configure, start_message_bytes,
                       streamer_start, run_reset_bytes, streamer_reset));
}

void streamer::reset_run() {
    log.debug("run reset");
    configured_ = started_ = finished_ = faulted_ = false;
    start_event_.cancel();
    queue_.clear();
    // Both threads may be waiting mid-run; they start again from the top.
    run_process_.reset();
    send_process_.reset();
}

void streamer::configure(u64 image, sc_time& delay) {
    auto read = [&](u64 offset, u64 bytes) -> bool {
        if (bytes_.size() < offset + bytes) bytes_.resize(offset + bytes);
        prepare(read_, tlm::TLM_READ_COMMAND, ctrl_dram_base + image + offset,
                bytes_.data() + offset, bytes);
        memory->b_transport(read_, delay);
        if (read_.is_response_error()) {
            log.warn("reading {} bytes of the model image at DRAM 0x{:x} failed: {}", bytes,
                     image + offset, read_.get_response_string());
            ++errors;
            return false;
        }
        return true;
    };
    const u64 header = record_bytes<image_header>();
    if (!read(0, header)) return;
    try {
        const image_header h = parse_image_header(bytes_.data(), header, "the model image");
        const u64 tables = model_image_tables_end(h);
        if (!read(header, tables - header)) return;
        image_ = parse_model_image(bytes_.data(), tables, "the model image", false);
    } catch (const input_error& e) {
        log.warn("{}", e.what());
        ++errors;
        return;
    }
    configured_ = true;
}

u64 streamer::read_record_slices(const sequence_record& q, u32 tau, u64 from, sparse_vector& out) {
    const vector_codec codec{static_cast<vector_format>(image_.header.activation_format),
                             packed_value_bytes(image_.header.activation_bits)};
    out.length = 0;
    out.mask.clear();
    out.values.clear();
    u64 done = from;
    for (u64 k = 0; k < q.slices; ++k) {
        const segment_record& seg = image_.segments[q.segment_first + k];
        const u64 address = ctrl_seq_buffer_base + q.base + u64{tau} * q.step_bytes + seg.offset;
        const u32 length = static_cast<u32>(seg.length);
        const u64 first_bytes = codec.first_read_bytes(length);
        if (bytes_.size() < seg.capacity) bytes_.resize(seg.capacity);
        if (first_bytes > seg.capacity) {
            fault(
                fmt::format("slice {} at 0x{:x} has a capacity of {} bytes, less than {} "
                            "elements need",
                            k, address, seg.capacity, length));
            return done;
        }
        prepare(read_, tlm::TLM_READ_COMMAND, address, bytes_.data(), first_bytes);
        sc_time delay = delay_to(from, clock_);
        memory->b_transport(read_, delay);
        if (read_.is_response_error()) {
            fault(fmt::format("reading slice {} at 0x{:x} failed: {}", k, address,
                              read_.get_response_string()));
            return done;
        }
        const u64 total = codec.total_bytes(bytes_.data(), length);
        if (total > seg.capacity) {
            fault(fmt::format("slice {} at 0x{:x} announces more values than its {} elements", k,
                              address, length));
            return done;
        }
        u64 end = cycles_at(sc_core::sc_time_stamp() + delay, clock_);
        if (total > first_bytes) {
            prepare(read_, tlm::TLM_READ_COMMAND, address + first_bytes,
                    bytes_.data() + first_bytes, total - first_bytes);
            memory->b_transport(read_, delay);
            if (read_.is_response_error()) {
                fault(fmt::format("reading the values of slice {} at 0x{:x} failed: {}", k, address,
                                  read_.get_response_string()));
                return done;
            }
            end = cycles_at(sc_core::sc_time_stamp() + delay, clock_);
        }
        bytes_read += total;
        codec.load(bytes_.data(), length, slice_);
        append(out, slice_);
        done = std::max(done, end);
    }
    return done;
}

void streamer::run() {
    // After a run the thread waits for the next start rather than end: a
    // terminated process could not be reset.
    for (;;) {
        wait(start_event_);
        run_steps();
    }
}

void streamer::run_steps() {
    const u32 first = start_.first_step, end = start_.end_step();
    const u32 sequence = start_.sequence_steps;
    const fixed_format format = image_.format();
    const vector_codec codec{static_cast<vector_format>(image_.header.activation_format),
                             packed_value_bytes(format.activation_bits)};
    path_stamp origin;
    origin.advance(start_.origin_cycle, path_part::load);
    origin.advance(now_cycle(clock_), path_part::sync);
    path_stamp read_free = origin;  // the sequence-buffer read engine
    path_stamp assembler = origin;  // the assembler, free from its cycle on
    sparse_vector a, b;
    for (u32 l = 0; l < image_.layers.size() && !faulted_; ++l) {
        const layer_record& layer = image_.layers[l];
        const u32 inputs = static_cast<u32>(layer.inputs);
        for (u32 t = first; t < end && !faulted_; ++t) {
            for (u32 d = 0; d < layer.directions() && !faulted_; ++d) {
                const u32 tau = d ? sequence - 1 - t : t;
                const u32 p = overlap_.prefetch_x ? t % 2 : 0;
                path_stamp sources;
                for (u64 i = layer.part_first; i < layer.part_first + layer.part_count; ++i) {
                    const part_record& part = image_.parts[i];
                    for (u64 q : {part.source_a, part.source_b}) {
                        if (q == no_index) continue;
                        const sequence_record& s = image_.sequences[q];
                        if (s.preloaded) continue;
                        sources = later(
                            sources,
                            arrivals->wait_for(static_cast<u32>(s.counter_base + tau), s.slices));
                    }
                }
                path_stamp credit;
                if (credit_need_[d][p] > 0)
                    credit = arrivals->wait_for(static_cast<u32>(layer.credit(d, p)),
                                                credit_need_[d][p]);
                if (sources.cycle > read_free.cycle)
                    wait_source_cycles += sources.cycle - read_free.cycle;
                if (credit.cycle > std::max(sources.cycle, read_free.cycle))
                    wait_credit_cycles += credit.cycle - std::max(sources.cycle, read_free.cycle);
                const path_stamp ready = later(later(sources, credit), read_free);
                // The read engine takes one vector at a time, from when it is ready.
                if (ready.cycle > now_cycle(clock_)) wait(delay_to(ready.cycle, clock_));

                // Read every source record, assemble x_t densely.
                const u64 now = now_cycle(clock_);
                u64 read_end = now;
                dense_.assign(inputs, 0);
                for (u64 i = layer.part_first; i < layer.part_first + layer.part_count; ++i) {
                    const part_record& part = image_.parts[i];
                    const sequence_record& qa = image_.sequences[part.source_a];
                    read_end = std::max(read_end, read_record_slices(qa, tau, now, a));
                    a.decode(dense_.data() + part.offset);
                    if (part.combine == static_cast<u64>(part_combine::single)) continue;
                    const sequence_record& qb = image_.sequences[part.source_b];
                    read_end = std::max(read_end, read_record_slices(qb, tau, now, b));
                    if (part.combine == static_cast<u64>(part_combine::concat)) {
                        b.decode(dense_.data() + part.offset + qa.length);
                        continue;
                    }
                    other_.assign(qb.length, 0);
                    b.decode(other_.data());
                    for (u64 e = 0; e < qb.length; ++e)
                        dense_[part.offset + e] =
                            fixed::merge_sum(dense_[part.offset + e], other_[e], format);
                    merged_elements += qb.length;
                }
                if (faulted_) break;
                read_free = ready.advanced(read_end, path_part::seqbuf);
                const u64 cycles = (u64{inputs} + elements_per_cycle_ - 1) / elements_per_cycle_;
                const path_stamp begin = later(read_free, assembler);
                assembler = begin.advanced(begin.cycle + cycles, path_part::merge);
                assemble_cycles += cycles;
                const path_stamp done =
                    assembler.advanced(assembler.cycle + latency_, path_part::merge);

                const sparse_vector x = sparse_vector::encode(dense_);
                send_action s;
                s.stamp = done;
                s.bytes.resize(codec.bytes(x.length, x.nnz()));
                codec.store(x, s.bytes.data());
                s.tiles = image_.group(l, d);
                s.address =
                    noc_address(s.tiles.front(), tile_act_buffer_base + layer.x_region(d, p));
                s.counter = static_cast<u32>(layer.x_counter(d, p));
                queue_.push(done.cycle, std::move(s));
                credit_need_[d][p] += layer.slices;
            }
        }
    }
    finished_ = !faulted_;
}

void streamer::send() {
    for (;;) {
        send_action a = queue_.pop(clock_);
        if (faulted_) continue;
        multicast_extension group;
        group.tiles = a.tiles;
        arrival_extension arrival;
        arrival.counter = a.counter;
        arrival.sent = a.stamp;
        prepare(write_, tlm::TLM_WRITE_COMMAND, a.address, a.bytes.data(), a.bytes.size());
        write_.set_extension(&group);
        write_.set_extension(&arrival);
        sc_time delay = sc_core::SC_ZERO_TIME;
        noc->b_transport(write_, delay);
        write_.clear_extension(&group);
        write_.clear_extension(&arrival);
        if (write_.is_response_error()) {
            fault(fmt::format("sending x_t to 0x{:x} failed: {}", a.address,
                              write_.get_response_string()));
            continue;
        }
        ++vectors;
        bytes_sent += a.bytes.size();
    }
}

}  // namespace masr
