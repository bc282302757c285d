#include "models/pe/pe_tile.h"

#include <algorithm>
#include <cstring>

#include "models/compressor/compress_extension.h"

namespace masr {

using sc_core::sc_time;

const char* to_string(pe_round round) {
    switch (round) {
        case pe_round::full:
            return "full";
        case pe_round::gru_gates:
            return "gru_gates";
        case pe_round::gru_candidate:
            return "gru_candidate";
    }
    return "?";
}

namespace {

u64 to_cycles(const sc_time& t, const sc_time& clock) {
    const u64 c = clock.value();
    return (t.value() + c - 1) / c;
}

pe_core_timing timing_of(const pe_params& p) {
    pe_core_timing t;
    t.lanes = p.lanes;
    t.fifo_depth = p.fifo_depth;
    t.frontend_pairs = p.frontend_pairs;
    t.fifo_latency = p.fifo_latency;
    t.mac_latency = p.mac_latency;
    return t;
}

bool valid_kind(layer_kind k) {
    return static_cast<unsigned>(k) <= static_cast<unsigned>(layer_kind::dense);
}
bool valid_activation(activation_fn a) {
    return static_cast<unsigned>(a) <= static_cast<unsigned>(activation_fn::linear);
}

}  // namespace

pe_tile::pe_tile(sc_core::sc_module_name name, const pe_params& params, sc_time clock_period)
    : sc_module(name),
      control("control"),
      weights("weights"),
      activations("activations"),
      results("results"),
      params_(params),
      clock_(clock_period),
      cost_(timing_of(params)),
      balance_(params.balance),
      pes_(params.pes) {
    control.register_b_transport(this, &pe_tile::b_transport);
    pe_state_.resize(pes_);
    next_row_.resize(pes_);
    end_row_.resize(pes_);
    last_.pe_cycles.resize(pes_);
    per_pe_.resize(pes_);
    for (u32 p = 0; p < pes_; ++p) {
        auto scope = std::make_unique<stats_scope>(fmt::format("{}.pe_{}", this->name(), p));
        scope->counter("busy_cycles", per_pe_[p].busy_cycles, "MAC-phase cycles of this PE");
        scope->counter("effectual_macs", per_pe_[p].effectual_macs, "effectual MACs of this PE");
        scope->counter("rows", per_pe_[p].rows, "rows this PE computed");
        scope->counter("steals", per_pe_[p].steals, "work steals this PE made");
        per_pe_stats_.push_back(std::move(scope));
    }

    stats.counter("commands", commands, "commands received (setup and step)");
    stats.counter("rounds", rounds, "step rounds run");
    stats.counter("rows", rows, "weight rows computed");
    stats.counter("effectual_macs", effectual_macs, "MACs with non-zero weight and activation");
    stats.counter("dense_macs", dense_macs, "MACs a dense engine would do for the same rows");
    stats.counter("mask_words", mask_words, "mask-word pairs ANDed by the front ends");
    stats.counter("busy_cycles", busy_cycles, "cycles the tile spent on step commands");
    stats.counter("pe_busy_cycles", pe_busy_cycles, "sum over PEs of their MAC-phase cycles");
    stats.counter("idle_lane_cycles", idle_lane_cycles,
                  "lane-cycles without a MAC during MAC phases");
    stats.counter("stall_frontend_starved", stall_frontend_starved,
                  "PE-cycles the lanes waited for the front end");
    stats.counter("stall_fifo_full", stall_fifo_full,
                  "PE-cycles the front end waited for FIFO room");
    stats.counter("stall_sram", stall_sram, "cycles MAC phases waited for the weight stream");
    stats.counter("stall_imbalance", stall_imbalance,
                  "PE-cycles PEs idled waiting for the slowest PE of the round");
    stats.counter("sram_read_bytes", sram_read_bytes, "bytes read from weight SRAM and buffer");
    stats.counter("weight_read_bytes", weight_read_bytes, "bytes read from the weight SRAM");
    stats.counter("activation_read_bytes", activation_read_bytes,
                  "bytes read from the activation buffer");
    stats.counter("nlu_ops", nlu_ops, "nonlinear-unit operations");
    stats.counter("steals", steals, "work steals by idle PEs (dynamic balance)");
    stats.counter("errors", errors, "commands rejected");
    const u64 lanes_total = u64{params.pes} * params.lanes;
    stats.value(
        "utilization",
        [this, lanes_total] {
            return busy_cycles
                       ? static_cast<double>(effectual_macs) /
                             (static_cast<double>(lanes_total) * static_cast<double>(busy_cycles))
                       : 0.0;
        },
        "effectual_macs / (PEs x lanes x busy_cycles)");
}

bool pe_tile::reject(tlm::tlm_generic_payload& trans, tlm::tlm_response_status status,
                     const std::string& why) {
    log.warn("{}", why);
    ++errors;
    trans.set_response_status(status);
    return false;
}

void pe_tile::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    ++commands;
    pe_command* command = nullptr;
    trans.get_extension(command);
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND) {
        reject(trans, tlm::TLM_COMMAND_ERROR_RESPONSE,
               fmt::format("control: {} at 0x{:x}: expected a WRITE carrying a pe_command",
                           trans.is_read() ? "READ" : "IGNORE", trans.get_address()));
        return;
    }
    if (command == nullptr) {
        reject(trans, tlm::TLM_GENERIC_ERROR_RESPONSE,
               fmt::format("control: WRITE at 0x{:x} without a pe_command extension",
                           trans.get_address()));
        return;
    }
    const bool ok = command->is_setup() ? run_setup(trans, command->setup(), delay)
                                        : run_step(trans, command->step(), delay);
    if (ok) trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool pe_tile::run_setup(tlm::tlm_generic_payload& trans, pe_layer_setup& s, sc_time& delay) {
    auto bad = [&](const std::string& why) {
        return reject(trans, tlm::TLM_GENERIC_ERROR_RESPONSE,
                      fmt::format("setup of slot {}: {}", s.slot, why));
    };
    if (s.slot >= params_.max_slots.get())
        return bad(
            fmt::format("slot beyond the table of {} (pe.max_slots)", params_.max_slots.get()));
    if (!valid_kind(s.kind)) return bad("unknown layer kind");
    if (!valid_activation(s.activation)) return bad("unknown activation function");
    const fixed_format& f = s.format;
    if (f.weight_bits < 2 || f.weight_bits > 16 || f.activation_bits < 2 ||
        f.activation_bits > 16 || f.accumulator_bits < 2 || f.accumulator_bits > 63 ||
        f.activation_frac_bits >= 31 || f.weight_frac_bits >= 31)
        return bad(
            fmt::format("unsupported fixed format (weight {} bits, activation {} bits, "
                        "accumulator {} bits)",
                        f.weight_bits, f.activation_bits, f.accumulator_bits));
    if (s.inputs == 0) return bad("inputs is 0");
    if (s.units == 0) return bad("units is 0");
    if (u64{s.first_unit} + s.units > s.units_total)
        return bad(fmt::format("unit slice [{}, {}) outside units_total {}", s.first_unit,
                               u64{s.first_unit} + s.units, s.units_total));

    const sc_time now = sc_core::sc_time_stamp();
    sc_time t = std::max(now + delay, busy_until_) - now;
    std::string why;
    if (!read_weights(s.image_addr, weight_image_header_bytes, t, why)) return bad(why);
    weight_image_header h;
    if (!weight_image_header::read(reinterpret_cast<const u8*>(weight_buffer_.data()), h, why))
        return bad(fmt::format("weight image at 0x{:x}: {}", s.image_addr, why));
    const bool recurrent = s.kind != layer_kind::dense;
    if (h.kind != s.kind || h.inputs != s.inputs ||
        h.recurrent != (recurrent ? s.units_total : 0) || h.first_unit != s.first_unit ||
        h.units != s.units || h.value_bytes != packed_value_bytes(f.weight_bits))
        return bad(fmt::format(
            "weight image at 0x{:x} is a {} slice [{}, +{}) of {}x{} with {}-byte weights; the "
            "command expects a {} slice [{}, +{}) of {}x{} with {}-byte weights",
            s.image_addr, enum_to_string(h.kind), h.first_unit, h.units, h.inputs, h.recurrent,
            h.value_bytes, enum_to_string(s.kind), s.first_unit, s.units, s.inputs,
            recurrent ? s.units_total : 0, packed_value_bytes(f.weight_bits)));

    if (slots_.size() <= s.slot) slots_.resize(s.slot + 1);
    slot_state& slot = slots_[s.slot];
    slot.configured = true;
    slot.setup = s;
    slot.header = h;
    slot.activation_bytes = packed_value_bytes(f.activation_bits);
    slot.h.assign(s.units, 0);
    slot.cell.assign(s.kind == layer_kind::lstm ? s.units : 0, 0);
    slot.z.assign(s.kind == layer_kind::gru ? s.units : 0, 0);
    slot.partial.assign(s.kind == layer_kind::gru ? s.units : 0, 0);
    slot.gates_pending = false;
    const u32 rows_max = gate_count(s.kind) * s.units;
    if (sums_.size() < rows_max) sums_.resize(rows_max);
    if (output_.size() < s.units) output_.resize(s.units);
    busy_until_ = now + t;
    delay = t;
    return true;
}

bool pe_tile::read_weights(u64 address, u64 bytes, sc_time& delay, std::string& why) {
    const u64 words = (bytes + 7) / 8;
    if (weight_buffer_.size() < words) weight_buffer_.resize(words);
    weight_buffer_bytes_ = bytes;
    read_.set_command(tlm::TLM_READ_COMMAND);
    read_.set_address(address);
    read_.set_data_ptr(reinterpret_cast<unsigned char*>(weight_buffer_.data()));
    read_.set_data_length(static_cast<unsigned>(bytes));
    read_.set_streaming_width(static_cast<unsigned>(bytes));
    read_.set_byte_enable_ptr(nullptr);
    read_.set_dmi_allowed(false);
    read_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    weights->b_transport(read_, delay);
    if (read_.is_response_error()) {
        why = fmt::format("weight read of {} bytes at 0x{:x} failed: {}", bytes, address,
                          read_.get_response_string());
        return false;
    }
    weight_read_bytes += bytes;
    sram_read_bytes += bytes;
    return true;
}

bool pe_tile::read_vector(u64 address, u32 length, u32 value_bytes, sparse_vector& v,
                          sc_time& delay, std::string& why) {
    const u64 mask_bytes = u64{masr::mask_words(length)} * 8;
    auto read = [&](u64 at, u64 offset, u64 bytes) {
        read_.set_command(tlm::TLM_READ_COMMAND);
        read_.set_address(at);
        read_.set_data_ptr(vector_bytes_.data() + offset);
        read_.set_data_length(static_cast<unsigned>(bytes));
        read_.set_streaming_width(static_cast<unsigned>(bytes));
        read_.set_byte_enable_ptr(nullptr);
        read_.set_dmi_allowed(false);
        read_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        activations->b_transport(read_, delay);
        if (read_.is_response_error()) {
            why = fmt::format("activation read of {} bytes at 0x{:x} failed: {}", bytes, at,
                              read_.get_response_string());
            return false;
        }
        activation_read_bytes += bytes;
        sram_read_bytes += bytes;
        return true;
    };
    // The mask first: its popcount says how many packed values follow.
    if (vector_bytes_.size() < mask_bytes) vector_bytes_.resize(mask_bytes);
    if (!read(address, 0, mask_bytes)) return false;
    u64 nnz = 0;
    for (u64 i = 0; i < mask_bytes; ++i)
        nnz += static_cast<u64>(__builtin_popcount(vector_bytes_[i]));
    const u64 total = encoded_bytes(length, static_cast<u32>(nnz), value_bytes);
    if (vector_bytes_.size() < total) vector_bytes_.resize(total);
    if (total > mask_bytes && !read(address + mask_bytes, mask_bytes, total - mask_bytes))
        return false;
    deserialize(vector_bytes_.data(), length, value_bytes, v);
    if (length % mask_word_bits != 0 && (v.mask.back() >> (length % mask_word_bits)) != 0) {
        why = fmt::format("encoded vector at 0x{:x} has mask bits set past its length {}", address,
                          length);
        return false;
    }
    return true;
}

bool pe_tile::accumulate_part(u64& at, u32 length, u32 value_bytes, const sparse_vector& a,
                              const std::vector<u32>& a_prefix, i64& sum, std::string& why) {
    const unsigned words = masr::mask_words(length);
    if (at + u64{words} * 8 > weight_buffer_bytes_) {
        why = fmt::format("weight image truncated: row part at byte {} runs past the {}-byte block",
                          at, weight_buffer_bytes_);
        return false;
    }
    const u64* wm = weight_buffer_.data() + at / 8;
    // Only a row near the block's end can run past it: count its values
    // before reading them there, and skip that pass everywhere else.
    if (at + encoded_bytes(length, length, value_bytes) > weight_buffer_bytes_) {
        u32 nnz = 0;
        for (unsigned k = 0; k < words; ++k) nnz += static_cast<u32>(__builtin_popcountll(wm[k]));
        const u64 need = encoded_bytes(length, nnz, value_bytes);
        if (at + need > weight_buffer_bytes_) {
            why = fmt::format(
                "weight image truncated: row part at byte {} needs {} bytes, block has {}", at,
                need, weight_buffer_bytes_);
            return false;
        }
    }
    u8* word_pairs = word_pairs_.data() + word_pairs_used_;
    word_pairs_used_ += words;
    u64 pairs = 0;
    auto word = [&](unsigned k, u32 e) {
        word_pairs[k] = static_cast<u8>(e);
        pairs += e;
    };
    const u8* values = reinterpret_cast<const u8*>(weight_buffer_.data()) + at + u64{words} * 8;
    const i16* av = a.values.data();
    i64 s = 0;
    u32 nnz = 0;
    if (value_bytes == 1) {
        nnz = for_each_effectual_word(wm, a.mask.data(), a_prefix.data(), words, word,
                                      [&](std::size_t wi, std::size_t ai) {
                                          s += i64{static_cast<i8>(values[wi])} * av[ai];
                                      });
    } else {
        nnz = for_each_effectual_word(
            wm, a.mask.data(), a_prefix.data(), words, word, [&](std::size_t wi, std::size_t ai) {
                const i16 w =
                    static_cast<i16>(static_cast<u16>(values[2 * wi] | values[2 * wi + 1] << 8));
                s += i64{w} * av[ai];
            });
    }
    sum += s;
    effectual_macs += pairs;
    dense_macs += length;
    mask_words += words;
    at += encoded_bytes(length, nnz, value_bytes);
    return true;
}

void pe_tile::run_pe_row(u32 pe, const row_ref& r) {
    ++per_pe_[pe].rows;
    cost_.add_words(pe_state_[pe], word_pairs_.data() + r.word_begin, r.words);
}

u64 pe_tile::schedule_rows(balance_mode mode) {
    const u32 n = static_cast<u32>(row_refs_.size());
    const u32 p_count = pes_;
    for (auto& s : pe_state_) s = pe_cost_model::state{};
    for (u32 p = 0; p < p_count; ++p) {
        next_row_[p] = static_cast<u32>(u64{p} * n / p_count);
        end_row_[p] = static_cast<u32>(u64{p + 1} * n / p_count);
    }
    switch (mode) {
        case balance_mode::static_contiguous:
            for (u32 p = 0; p < p_count; ++p)
                for (u32 i = next_row_[p]; i < end_row_[p]; ++i) run_pe_row(p, row_refs_[i]);
            break;
        case balance_mode::static_interleaved:
            for (u32 i = 0; i < n; ++i) run_pe_row(i % p_count, row_refs_[i]);
            break;
        case balance_mode::dynamic: {
            // Event order: always advance the PE whose front end is free
            // first, so that every other PE's unstarted rows are exactly
            // [next, end) when it looks for work.
            std::vector<u8>& retired = retired_;
            retired.assign(p_count, 0);
            for (;;) {
                u32 p = p_count;
                for (u32 q = 0; q < p_count; ++q)
                    if (!retired[q] && (p == p_count || cost_.frontend_free(pe_state_[q]) <
                                                            cost_.frontend_free(pe_state_[p])))
                        p = q;
                if (p == p_count) break;
                if (next_row_[p] < end_row_[p]) {
                    run_pe_row(p, row_refs_[next_row_[p]++]);
                    continue;
                }
                u32 victim = p_count;
                u32 most = 1;
                for (u32 q = 0; q < p_count; ++q)
                    if (q != p && end_row_[q] - next_row_[q] > most) {
                        most = end_row_[q] - next_row_[q];
                        victim = q;
                    }
                if (victim == p_count) {
                    retired[p] = 1;
                    continue;
                }
                const u32 take = most / 2;
                end_row_[p] = end_row_[victim];
                next_row_[p] = end_row_[victim] - take;
                end_row_[victim] -= take;
                pe_state_[p].frontend += params_.steal_cycles;
                ++steals;
                ++per_pe_[p].steals;
            }
            break;
        }
    }
    u64 makespan = 0;
    u64 pairs = 0;
    for (u32 p = 0; p < p_count; ++p) {
        const u64 c = cost_.finish(pe_state_[p]);
        last_.pe_cycles[p] = c;
        makespan = std::max(makespan, c);
        pairs += pe_state_[p].pairs;
        stall_fifo_full += static_cast<u64>(pe_state_[p].fifo_full_cycles + 0.5);
        stall_frontend_starved += static_cast<u64>(pe_state_[p].starved_cycles + 0.5);
        pe_busy_cycles += c;
        per_pe_[p].busy_cycles += c;
        per_pe_[p].effectual_macs += pe_state_[p].pairs;
    }
    for (u32 p = 0; p < p_count; ++p) stall_imbalance += makespan - last_.pe_cycles[p];
    idle_lane_cycles += u64{p_count} * cost_.timing().lanes * makespan - pairs;
    return makespan;
}

bool pe_tile::run_step(tlm::tlm_generic_payload& trans, pe_step& step, sc_time& delay) {
    auto bad = [&](tlm::tlm_response_status status, const std::string& why) {
        return reject(
            trans, status,
            fmt::format("step of slot {} ({} round): {}", step.slot, to_string(step.round), why));
    };
    if (static_cast<unsigned>(step.round) > static_cast<unsigned>(pe_round::gru_candidate))
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, "unknown round");
    if (step.slot >= slots_.size() || !slots_[step.slot].configured)
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   "slot was never set up (send a pe_layer_setup first)");
    slot_state& slot = slots_[step.slot];
    const pe_layer_setup& s = slot.setup;
    const bool gru = s.kind == layer_kind::gru;
    if (gru && step.round == pe_round::full)
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   "a GRU slot takes gru_gates then gru_candidate rounds, not full");
    if (!gru && step.round != pe_round::full)
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   fmt::format("a {} slot takes full rounds only", enum_to_string(s.kind)));
    if (step.round == pe_round::gru_candidate && !slot.gates_pending)
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE,
                   "gru_candidate without a preceding gru_gates round of the same step");

    const fixed_format& f = s.format;
    const weight_image_header& h = slot.header;
    const bool recurrent = s.kind != layer_kind::dense;
    const bool candidate = step.round == pe_round::gru_candidate;
    const u32 units = s.units;
    const u32 avb = slot.activation_bytes;
    const u32 wvb = h.value_bytes;

    const sc_time now = sc_core::sc_time_stamp();
    const sc_time start = std::max(now + delay, busy_until_) - now;
    std::string why;

    // Activations (the PEs need them before the first row).
    sc_time t_act = start;
    if (!candidate && !read_vector(step.x_addr, s.inputs, avb, x_, t_act, why))
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, why);
    if (recurrent) {
        if (step.first_step) {
            h_in_.length = s.units_total;
            h_in_.mask.assign(masr::mask_words(s.units_total), 0);
            h_in_.values.clear();
        } else if (!read_vector(step.h_addr, s.units_total, avb, h_in_, t_act, why)) {
            return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, why);
        }
    }

    if (!candidate) mask_prefix(x_, x_prefix_);
    if (recurrent) mask_prefix(h_in_, h_prefix_);

    // The weight stream of this round: bias + block A, or block B.
    sc_time t_weights = start;
    const u64 block_begin = candidate ? h.candidate_offset : h.bias_offset();
    const u64 block_end = candidate ? h.total_bytes : h.candidate_offset;
    if (!read_weights(s.image_addr + block_begin, block_end - block_begin, t_weights, why))
        return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, why);

    // Rows, functionally, recording each mask word's effectual pairs.
    // Sized for the round's largest possible word count up front, so that
    // accumulate_part writes without growing the buffer.
    const u32 round_rows = candidate ? units : h.rows();
    const u64 row_words_max = (candidate ? 0 : masr::mask_words(s.inputs)) +
                              (recurrent ? masr::mask_words(s.units_total) : 0);
    if (word_pairs_.size() < round_rows * row_words_max)
        word_pairs_.resize(round_rows * row_words_max);
    word_pairs_used_ = 0;
    row_refs_.clear();
    const u8* block = reinterpret_cast<const u8*>(weight_buffer_.data());
    const u64 rows_at = u64{h.rows_offset} - h.bias_offset();
    u64 at = candidate ? 0 : rows_at;
    for (u32 i = 0; i < round_rows; ++i) {
        const u32 local = candidate ? 2 * units + i : i;
        i64 sum = 0;
        if (candidate) {
            sum = slot.partial[i];
        } else {
            i32 bias = 0;
            std::memcpy(&bias, block + 4 * u64{i}, 4);
            sum = fixed::bias_to_accumulator(bias, f);
        }
        row_ref r{local, static_cast<u32>(word_pairs_used_), 0};
        bool ok = true;
        if (!candidate) ok = accumulate_part(at, s.inputs, wvb, x_, x_prefix_, sum, why);
        const bool has_recurrent = recurrent && (!gru || candidate || local < 2 * units);
        if (ok && has_recurrent)
            ok = accumulate_part(at, s.units_total, wvb, h_in_, h_prefix_, sum, why);
        if (!ok)
            return bad(tlm::TLM_GENERIC_ERROR_RESPONSE,
                       fmt::format("weight image at 0x{:x}: {}", s.image_addr, why));
        r.words = static_cast<u32>(word_pairs_used_) - r.word_begin;
        row_refs_.push_back(r);
        sums_[local] = sum;
    }
    rows += round_rows;
    const u64 makespan = schedule_rows(balance_);

    // NLU and gate arithmetic into scratch state, committed once the output
    // is written.
    const bool reset_state = step.first_step && !candidate;
    scratch_h_.assign(slot.h.begin(), slot.h.end());
    u64 ops = 0;
    auto gate = [&](activation_fn fn, u32 row) {
        return fixed::activate_accumulator(fn, fixed::saturate_accumulator(sums_[row], f), f);
    };
    switch (s.kind) {
        case layer_kind::rnn:
        case layer_kind::dense:
            for (u32 u = 0; u < units; ++u) output_[u] = scratch_h_[u] = gate(s.activation, u);
            ops = units;
            break;
        case layer_kind::lstm:
            scratch_cell_.assign(units, 0);
            for (u32 u = 0; u < units; ++u) {
                const i16 in = gate(activation_fn::sigmoid, u);
                const i16 forget = gate(activation_fn::sigmoid, units + u);
                const i16 g = gate(s.activation, 2 * units + u);
                const i16 out = gate(activation_fn::sigmoid, 3 * units + u);
                const i16 c_prev = step.first_step ? i16{0} : slot.cell[u];
                scratch_cell_[u] = fixed::lstm_cell(forget, c_prev, in, g, f);
                const i16 squashed =
                    fixed::activate(s.activation, scratch_cell_[u], f.activation_frac_bits, f);
                output_[u] = scratch_h_[u] = fixed::multiply(out, squashed, f);
            }
            ops = 7 * u64{units};
            break;
        case layer_kind::gru:
            if (!candidate) {
                scratch_z_.assign(units, 0);
                scratch_partial_.assign(units, 0);
                for (u32 u = 0; u < units; ++u) {
                    scratch_z_[u] = gate(activation_fn::sigmoid, u);
                    const i16 reset = gate(activation_fn::sigmoid, units + u);
                    scratch_partial_[u] = sums_[2 * units + u];
                    const i16 h_own = reset_state ? i16{0} : slot.h[u];
                    scratch_h_[u] = h_own;
                    output_[u] = fixed::multiply(reset, h_own, f);
                }
                ops = 3 * u64{units};
            } else {
                for (u32 u = 0; u < units; ++u) {
                    const i16 c = gate(s.activation, 2 * units + u);
                    output_[u] = scratch_h_[u] = fixed::gru_update(slot.z[u], slot.h[u], c, f);
                }
                ops = 2 * u64{units};
            }
            break;
    }
    nlu_ops += ops;

    // Time: the PEs start when the activations are in; the weight stream
    // runs alongside, and the last row needs its tail after its last word.
    const sc_time mac_end = t_act + clock_ * static_cast<double>(makespan);
    const sc_time stream_end = t_weights + clock_ * static_cast<double>(cost_.timing().tail());
    const sc_time compute_end = std::max(mac_end, stream_end);
    const u64 nlu_cycles =
        (ops + params_.nlu_throughput - 1) / params_.nlu_throughput + params_.nlu_latency;
    const sc_time nlu_end = compute_end + clock_ * static_cast<double>(nlu_cycles);

    // The dense slice to the compressor, which encodes it into the buffer.
    output_bytes_.resize(2 * u64{units});
    for (u32 u = 0; u < units; ++u) {
        const u16 bits = static_cast<u16>(output_[u]);
        output_bytes_[2 * u] = static_cast<u8>(bits);
        output_bytes_[2 * u + 1] = static_cast<u8>(bits >> 8);
    }
    compress_extension ext;
    ext.value_bytes = avb;
    write_.set_command(tlm::TLM_WRITE_COMMAND);
    write_.set_address(step.out_addr);
    write_.set_data_ptr(output_bytes_.data());
    write_.set_data_length(static_cast<unsigned>(output_bytes_.size()));
    write_.set_streaming_width(static_cast<unsigned>(output_bytes_.size()));
    write_.set_byte_enable_ptr(nullptr);
    write_.set_dmi_allowed(false);
    write_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    write_.set_extension(&ext);
    sc_time end = nlu_end;
    results->b_transport(write_, end);
    write_.clear_extension(&ext);
    if (write_.is_response_error())
        return bad(write_.get_response_status(),
                   fmt::format("output write of {} values to 0x{:x} failed: {}", units,
                               step.out_addr, write_.get_response_string()));

    // Commit the recurrent state.
    std::swap(slot.h, scratch_h_);
    if (s.kind == layer_kind::lstm) std::swap(slot.cell, scratch_cell_);
    if (gru && !candidate) {
        std::swap(slot.z, scratch_z_);
        std::swap(slot.partial, scratch_partial_);
    }
    slot.gates_pending = gru && !candidate;

    step.out_length = units;
    step.out_nnz = ext.nnz;
    step.out_bytes = ext.encoded_bytes;

    last_.activation_read = to_cycles(t_act - start, clock_);
    last_.weight_stream = to_cycles(t_weights - start, clock_);
    last_.pe_makespan = makespan;
    last_.sram_stall = compute_end > mac_end ? to_cycles(compute_end - mac_end, clock_) : 0;
    last_.nlu = nlu_cycles;
    last_.compress = to_cycles(end - nlu_end, clock_);
    last_.total = to_cycles(end - start, clock_);

    ++rounds;
    stall_sram += last_.sram_stall;
    busy_cycles += last_.total;
    busy_until_ = now + end;
    delay = end;
    return true;
}

}  // namespace masr
