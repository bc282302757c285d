#include "models/tile_ctrl/tile_ctrl.h"

#include <algorithm>

#include "models/common/address_map.h"
#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/noc/noc.h"

namespace masr {

using sc_core::sc_time;

tile_ctrl::tile_ctrl(sc_core::sc_module_name name, u32 tile, const overlap_params& overlap,
                     sc_time clock_period)
    : sc_module(name),
      control("control"),
      pe("pe"),
      buffer("buffer"),
      noc("noc"),
      arrivals("arrivals"),
      tile_(tile),
      overlap_(overlap),
      clock_(clock_period) {
    log_simulated_time();
    control.register_b_transport(this, &tile_ctrl::b_transport);
    SC_THREAD(compute);
    compute_process_ = sc_core::sc_get_last_created_process_handle();
    SC_THREAD(send);
    send_process_ = sc_core::sc_get_last_created_process_handle();
    // The NoC forwards a transfer hop by hop on this thread's stack.
    set_stack_size(noc_thread_stack_bytes);

    stats.counter("slots", slots_configured, "slots set up by the sequencer");
    stats.counter("rounds", rounds, "rounds run (a GRU step takes two)");
    stats.counter("slices_sent", slices_sent, "output slices sent (group and sequence buffer)");
    stats.counter("bytes_sent", bytes_sent, "encoded bytes of those slices, per destination");
    stats.counter("credits_sent", credits_sent, "x-slot credits returned to the streamer");
    stats.counter("wait_x_cycles", wait_x_cycles,
                  "cycles x_t arrived after the PEs could have started");
    stats.counter("wait_h_cycles", wait_h_cycles,
                  "cycles h_(t-1) or r*h arrived after the PEs could have started");
    stats.counter("errors", errors, "refused messages and failed transfers");
}

void tile_ctrl::fault(const std::string& what) {
    log.fault("{}", what);
    ++errors;
    faulted_ = true;
    sc_core::sc_stop();
}

void tile_ctrl::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    const u64 offset = trans.get_address();
    auto refuse = [&](tlm::tlm_response_status status, const std::string& why) {
        log.warn("{}", why);
        ++errors;
        trans.set_response_status(status);
    };
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND || trans.get_byte_enable_ptr() != nullptr) {
        refuse(tlm::TLM_COMMAND_ERROR_RESPONSE,
               fmt::format("{} at offset 0x{:x}: the tile controller takes plain writes of a "
                           "slot message (0x{:x}) or a start (0x{:x})",
                           command_name(trans.get_command()), offset, tile_ctrl_setup,
                           tile_ctrl_start));
        return;
    }
    if (offset == tile_ctrl_reset) {
        if (trans.get_data_length() != run_reset_bytes) {
            refuse(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   fmt::format("reset of {} bytes, expected {}", trans.get_data_length(),
                               run_reset_bytes));
            return;
        }
        reset_run();
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (offset == tile_ctrl_setup) {
        if (started_) {
            refuse(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   "slot message after the start: slots are set up before the run");
            return;
        }
        setup_slot(trans);
        return;
    }
    if (offset == tile_ctrl_start) {
        if (trans.get_data_length() != start_message_bytes) {
            refuse(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   fmt::format("start of {} bytes, expected {}", trans.get_data_length(),
                               start_message_bytes));
            return;
        }
        const start_message m = read_start_message(trans.get_data_ptr());
        if (m.first_step == 0 && started_) {
            refuse(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   "a second start at step 0: a new sequence needs the reset and a new program "
                   "first");
            return;
        }
        if (m.first_step > 0 && (!started_ || !finished_ || m.first_step != start_.end_step())) {
            refuse(
                tlm::TLM_GENERIC_ERROR_RESPONSE,
                fmt::format("a start at step {} continues nothing: the last job {}", m.first_step,
                            !started_    ? "never ran"
                            : !finished_ ? "is still running"
                                         : fmt::format("ended at step {}", start_.end_step())));
            return;
        }
        start_ = m;
        started_ = true;
        finished_ = false;
        start_at_ = sc_core::sc_time_stamp() + delay;
        start_event_.notify(delay);
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    refuse(tlm::TLM_ADDRESS_ERROR_RESPONSE,
           fmt::format("write at offset 0x{:x}: expected 0x{:x} (slot message), 0x{:x} (start) "
                       "or 0x{:x} (reset)",
                       offset, tile_ctrl_setup, tile_ctrl_start, tile_ctrl_reset));
}

void tile_ctrl::reset_run() {
    log.debug("run reset");
    program_.clear();
    started_ = finished_ = faulted_ = false;
    start_event_.cancel();
    seen_.clear();
    pe_free_ = path_stamp{};
    queue_.clear();
    activity_.clear();
    arrivals->clear();
    // Both threads may be waiting mid-run (on an arrival, on a due send):
    // their stacks are unwound and they start again from the top.
    compute_process_.reset();
    send_process_.reset();
}

void tile_ctrl::setup_slot(tlm::tlm_generic_payload& trans) {
    program_slot s;
    try {
        s.message = parse_slot_message(trans.get_data_ptr(), trans.get_data_length());
    } catch (const input_error& e) {
        log.warn("{}", e.what());
        ++errors;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const slot_message& m = s.message;
    auto refuse = [&](const std::string& why) {
        log.warn("slot message {}: {}", m.slot.slot, why);
        ++errors;
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    };
    if (m.slot.tile != tile_)
        return refuse(fmt::format("is for tile {}, this is tile {}", m.slot.tile, tile_));
    if (m.slot.slot != program_.size())
        return refuse(fmt::format("has index {}, expected {} (slots arrive in program order)",
                                  m.slot.slot, program_.size()));
    if (m.slot.slice >= m.members.size() || m.members[m.slot.slice].tile != tile_)
        return refuse(fmt::format("slice {} is not this tile's place in its group", m.slot.slice));
    if (!program_.empty() && program_.back().message.slot.layer > m.slot.layer)
        return refuse("layers must arrive in execution order");

    pe_slot_setup& p = s.setup;
    p.slot = static_cast<u32>(m.slot.slot);
    p.kind = static_cast<layer_kind>(m.layer.kind);
    p.activation = static_cast<activation_fn>(m.layer.activation);
    p.format = m.layer.format();
    p.inputs = static_cast<u32>(m.layer.inputs);
    p.units_total = static_cast<u32>(m.layer.units);
    p.first_unit = static_cast<u32>(m.slot.first_unit);
    p.units = static_cast<u32>(m.slot.units);
    p.weights = static_cast<weight_format>(m.layer.weight_format);
    p.csc.code_bits = static_cast<u32>(m.layer.weight_code_bits);
    p.csc.weight_bits = static_cast<u32>(m.layer.weight_bits);
    p.csc.index_bits = static_cast<u32>(m.layer.index_bits);
    p.activations = static_cast<vector_format>(m.layer.activation_format);
    for (const block_record& b : m.blocks)
        p.blocks.push_back({static_cast<weight_pass>(b.pass), static_cast<u32>(b.pe),
                            static_cast<u32>(b.first_row), static_cast<u32>(b.rows), b.bias != 0,
                            b.sram_address, b.bytes, static_cast<block_memory>(b.memory)});
    for (const segment_record& seg : m.segments)
        p.segments.push_back(
            {static_cast<u32>(seg.first), static_cast<u32>(seg.length), seg.offset});
    pe_command command(p);
    prepare(command_, tlm::TLM_WRITE_COMMAND, 0, &doorbell_, 1);
    command_.set_extension(&command);
    sc_time delay = sc_core::SC_ZERO_TIME;
    pe->b_transport(command_, delay);
    command_.clear_extension(&command);
    if (command_.is_response_error())
        return refuse(
            fmt::format("the PE refused the slot's setup: {}", command_.get_response_string()));
    u64 counters = 4;
    counters =
        std::max({counters, m.slot.h_counter0 + 1, m.slot.h_counter1 + 1, m.slot.rh_counter + 1});
    for (u32 d = 0; d < 2; ++d)
        for (u32 q = 0; q < 2; ++q) counters = std::max(counters, m.layer.x_counter(d, q) + 1);
    if (seen_.size() < counters) seen_.resize(counters, 0);
    program_.push_back(std::move(s));
    ++slots_configured;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool tile_ctrl::pass(pe_pass& p, const program_slot& s) {
    pe_command command(p);
    prepare(command_, tlm::TLM_WRITE_COMMAND, 0, &doorbell_, 1);
    command_.set_extension(&command);
    sc_time delay = sc_core::SC_ZERO_TIME;
    pe->b_transport(command_, delay);
    command_.clear_extension(&command);
    if (command_.is_response_error()) {
        fault(fmt::format("the PE refused the {} pass of layer {} direction {}: {}",
                          to_string(p.pass), s.message.slot.layer, s.message.slot.direction,
                          command_.get_response_string()));
        return false;
    }
    p = command.pass();
    log.debug(
        "layer {} direction {}: {} pass at cycle {}: inputs read +{}, front ends free +{}, "
        "output +{} ({} bytes)",
        s.message.slot.layer, s.message.slot.direction, to_string(p.pass), now_cycle(clock_),
        p.inputs_read, p.frontend_free, p.output_ready, p.out_bytes);
    return true;
}

void tile_ctrl::queue_slice(const program_slot& s, const pe_pass& p, const path_stamp& ready,
                            u64 region, u32 counter, bool to_group, bool to_sequence, u32 tau) {
    const slot_message& m = s.message;
    const segment_record& seg = m.segments[m.slot.slice];
    send_action a;
    a.stamp = ready;
    a.out_addr = m.slot.out_region;
    a.data.resize(p.out_bytes);
    prepare(transfer_, tlm::TLM_READ_COMMAND, a.out_addr, a.data.data(), p.out_bytes);
    if (buffer->transport_dbg(transfer_) != p.out_bytes) {
        fault(fmt::format("the {}-byte output slice at 0x{:x} cannot be read back", p.out_bytes,
                          a.out_addr));
        return;
    }
    if (to_group) {
        destination d;
        d.address = noc_address(tile_, tile_act_buffer_base + region + seg.offset);
        d.multicast = true;
        for (const member_record& r : m.members) d.tiles.push_back(static_cast<u32>(r.tile));
        d.counter = counter;
        a.to.push_back(std::move(d));
    }
    if (to_sequence) {
        destination d;
        d.address = noc_address(noc_host_node, ctrl_seq_buffer_base + m.output.base +
                                                   u64{tau} * m.output.step_bytes + seg.offset);
        d.multicast = false;
        d.counter = static_cast<u32>(m.output.counter_base + tau);
        a.to.push_back(std::move(d));
    }
    queue_.push(ready.cycle, std::move(a));
}

void tile_ctrl::queue_credit(const program_slot& s, u32 parity, const path_stamp& at) {
    send_action a;
    a.credit = true;
    a.stamp = at;
    a.counter = static_cast<u32>(
        s.message.layer.credit(static_cast<u32>(s.message.slot.direction), parity));
    queue_.push(at.cycle, std::move(a));
}

void tile_ctrl::run_round(program_slot& s, u32 t, u32 sequence) {
    const slot_message& m = s.message;
    const layer_record& layer = m.layer;
    const slot_record& slot = m.slot;
    const u32 d = static_cast<u32>(slot.direction);
    const u32 tau = d ? sequence - 1 - t : t;
    const layer_kind kind = static_cast<layer_kind>(layer.kind);
    const bool recurrent = kind != layer_kind::dense;
    const u64 group = layer.slices;
    const u32 px = overlap_.prefetch_x ? t % 2 : 0;
    const bool need_h = recurrent && t > 0;
    const u32 ph = (t + 1) % 2;  // h_(t-1) was written by step t - 1

    auto wait_counter = [&](u64 counter, u64 arrivals_each) {
        seen_[counter] += arrivals_each;
        return arrivals->wait_for(static_cast<u32>(counter), seen_[counter]);
    };
    const path_stamp x_ready = wait_counter(layer.x_counter(d, px), 1);
    path_stamp h_ready;
    if (need_h && !overlap_.early_input) h_ready = wait_counter(slot.h_counter(ph), group);
    path_stamp start = later(later(x_ready, h_ready), pe_free_);
    if (start.cycle > pe_free_.cycle) wait_x_cycles += start.cycle - pe_free_.cycle;

    pe_pass in;
    in.slot = static_cast<u32>(slot.slot);
    in.pass = weight_pass::input;
    in.finish = !recurrent;
    in.first_step = t == 0;
    in.act_addr = layer.x_region(d, px);
    in.out_addr = slot.out_region;
    const u64 issue = now_cycle(clock_);
    if (!pass(in, s)) return;
    ++rounds;
    const u64 round_start = start.cycle;
    if (overlap_.prefetch_x)
        queue_credit(s, px, start.advanced(issue + in.inputs_read, path_part::compute));
    pe_free_ = start.advanced(issue + in.frontend_free, path_part::compute);
    auto record = [&](u32 round, u64 from, u64 to) {
        activity_.push_back({tile_, static_cast<u32>(slot.layer), d, t, round, from, to});
    };

    if (!recurrent) {
        const path_stamp ready = start.advanced(issue + in.output_ready, path_part::compute);
        queue_slice(s, in, ready, 0, 0, false, true, tau);
        if (!overlap_.prefetch_x) queue_credit(s, px, ready);
        record(0, round_start, ready.cycle);
        return;
    }

    if (need_h && overlap_.early_input) {
        const u64 before = now_cycle(clock_);
        h_ready = wait_counter(slot.h_counter(ph), group);
        if (h_ready.cycle > std::max(before, pe_free_.cycle))
            wait_h_cycles += h_ready.cycle - std::max(before, pe_free_.cycle);
    }
    const path_stamp start2 = later(h_ready, pe_free_);
    pe_pass rec;
    rec.slot = in.slot;
    rec.pass = weight_pass::recurrent;
    rec.finish = true;
    rec.first_step = t == 0;
    rec.act_addr = slot.h_region(ph);
    rec.out_addr = slot.out_region;
    const u64 issue2 = now_cycle(clock_);
    if (!pass(rec, s)) return;
    path_stamp ready = start2.advanced(issue2 + rec.output_ready, path_part::compute);
    pe_free_ = start2.advanced(issue2 + rec.frontend_free, path_part::compute);

    if (kind == layer_kind::gru) {
        // r * h to the whole group, then the candidate round once all of it is in.
        queue_slice(s, rec, ready, slot.rh_region, static_cast<u32>(slot.rh_counter), true, false,
                    tau);
        record(0, round_start, ready.cycle);
        const path_stamp rh_ready = wait_counter(slot.rh_counter, group);
        const path_stamp start3 = later(rh_ready, pe_free_);
        pe_pass cand;
        cand.slot = in.slot;
        cand.pass = weight_pass::candidate;
        cand.finish = true;
        cand.first_step = t == 0;
        cand.act_addr = slot.rh_region;
        cand.out_addr = slot.out_region;
        const u64 issue3 = now_cycle(clock_);
        if (!pass(cand, s)) return;
        ++rounds;
        ready = start3.advanced(issue3 + cand.output_ready, path_part::compute);
        pe_free_ = start3.advanced(issue3 + cand.frontend_free, path_part::compute);
        record(1, start3.cycle, ready.cycle);
        rec = cand;
    } else {
        record(0, round_start, ready.cycle);
    }
    // h_t to the group for the next step (none after the last), and to the
    // sequence buffer for the next layer.
    const u32 pt = t % 2;
    queue_slice(s, rec, ready, slot.h_region(pt), static_cast<u32>(slot.h_counter(pt)),
                t + 1 < sequence, true, tau);
    if (!overlap_.prefetch_x) queue_credit(s, px, ready);
}

void tile_ctrl::compute() {
    // After a run the thread waits for the next start rather than end: a
    // terminated process could not be reset.
    for (;;) {
        wait(start_event_);
        run_program();
    }
}

void tile_ctrl::run_program() {
    // A continuation job keeps seen_ and the PEs' state: it picks up at
    // first_step where the last job stopped.
    const u32 first = start_.first_step, end = start_.end_step();
    const u32 sequence = start_.sequence_steps;
    pe_free_ = path_stamp{};
    pe_free_.advance(start_.origin_cycle, path_part::load);
    pe_free_.advance(now_cycle(clock_), path_part::sync);
    for (std::size_t i = 0; i < program_.size() && !faulted_;) {
        // The slots of one layer (forward, then backward) run step by step together.
        std::size_t j = i;
        while (j < program_.size() &&
               program_[j].message.slot.layer == program_[i].message.slot.layer)
            ++j;
        for (u32 t = first; t < end && !faulted_; ++t)
            for (std::size_t k = i; k < j && !faulted_; ++k) run_round(program_[k], t, sequence);
        i = j;
    }
    finished_ = !faulted_;
}

void tile_ctrl::send() {
    for (;;) {
        send_action a = queue_.pop(clock_);
        if (faulted_) continue;
        const u64 now = now_cycle(clock_);
        arrival_extension arrival;
        if (a.credit) {
            bytes_.assign(8, 0);
            bytes_[0] = 1;
            prepare(transfer_, tlm::TLM_WRITE_COMMAND,
                    noc_address(noc_host_node, ctrl_ni_base + 8 * u64{a.counter}), bytes_.data(),
                    8);
            arrival.counter = a.counter;
            arrival.sent = a.stamp.advanced(now, path_part::sync);
            arrival.carries_data = false;
            transfer_.set_extension(&arrival);
            sc_time delay = sc_core::SC_ZERO_TIME;
            noc->b_transport(transfer_, delay);
            transfer_.clear_extension(&arrival);
            if (transfer_.is_response_error()) {
                fault(fmt::format("credit to control-node counter {} failed: {}", a.counter,
                                  transfer_.get_response_string()));
                continue;
            }
            ++credits_sent;
            continue;
        }
        // The slice out of the activation buffer (its bytes were taken when
        // written; this books the read), then to every destination.
        const u64 bytes = a.data.size();
        timing_only_extension timing;
        prepare(transfer_, tlm::TLM_READ_COMMAND, a.out_addr, nullptr, bytes);
        transfer_.set_extension(&timing);
        sc_time read = sc_core::SC_ZERO_TIME;
        buffer->b_transport(transfer_, read);
        transfer_.clear_extension(&timing);
        if (transfer_.is_response_error()) {
            fault(fmt::format("reading the {}-byte output slice at 0x{:x} failed: {}", bytes,
                              a.out_addr, transfer_.get_response_string()));
            continue;
        }
        arrival.sent =
            a.stamp.advanced(cycles_at(sc_core::sc_time_stamp() + read, clock_), path_part::noc);
        for (const destination& d : a.to) {
            multicast_extension group;
            prepare(transfer_, tlm::TLM_WRITE_COMMAND, d.address, a.data.data(), bytes);
            if (d.multicast) {
                group.tiles = d.tiles;
                transfer_.set_extension(&group);
            }
            arrival.counter = d.counter;
            transfer_.set_extension(&arrival);
            sc_time delay = read;
            noc->b_transport(transfer_, delay);
            transfer_.clear_extension(&arrival);
            if (d.multicast) transfer_.clear_extension(&group);
            if (transfer_.is_response_error()) {
                fault(fmt::format("sending the output slice to 0x{:x} failed: {}", d.address,
                                  transfer_.get_response_string()));
                break;
            }
            ++slices_sent;
            bytes_sent += bytes;
        }
    }
}

}  // namespace masr
