#include "models/pe/pe_tile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "contract/weight_layout.h"
#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/compressor/compress_extension.h"
#include "models/encoding/masked_dot.h"

namespace masr {

using sc_core::sc_time;

const char* to_string(weight_pass pass) {
    switch (pass) {
        case weight_pass::input:
            return "input";
        case weight_pass::recurrent:
            return "recurrent";
        case weight_pass::candidate:
            return "candidate";
    }
    return "?";
}

void pe_params::validate() const {
    if (frontend_pairs % frontend_words_per_cycle != 0)
        fail(
            "{}: pe.frontend_pairs {} is not a multiple of pe.frontend_words_per_cycle {}: each "
            "of the front end's scan slots pushes frontend_pairs / frontend_words_per_cycle "
            "pairs per cycle",
            frontend_words_per_cycle.where(), frontend_pairs.get(), frontend_words_per_cycle.get());
}

pe_core_timing timing_of(const pe_params& p) {
    pe_core_timing t;
    t.lanes = p.lanes;
    t.fifo_depth = p.fifo_depth;
    t.frontend_pairs = p.frontend_pairs;
    t.frontend_words = p.frontend_words_per_cycle;
    t.fifo_latency = p.fifo_latency;
    t.mac_latency = p.mac_latency;
    return t;
}

namespace {

// NLU operations per unit of a finishing pass.
u64 nlu_ops_per_unit(layer_kind kind, weight_pass pass) {
    switch (kind) {
        case layer_kind::lstm:
            return 7;  // 4 gates, cell, activation of the cell, output product
        case layer_kind::gru:
            return pass == weight_pass::candidate ? 2 : 3;  // (act, update) or (z, r, r*h)
        default:
            return 1;  // the activation
    }
}

}  // namespace

pe_tile::pe_tile(sc_core::sc_module_name name, const pe_params& params,
                 const overlap_params& overlap, const sparsity_params& sparsity,
                 sc_time clock_period)
    : sc_module(name),
      control("control"),
      weights("weights"),
      activations("activations"),
      results("results"),
      pointers("pointers"),
      params_(params),
      overlap_(overlap),
      sparsity_(sparsity),
      clock_(clock_period),
      cost_(timing_of(params)),
      balance_(params.balance),
      pes_(params.pes) {
    params.validate();
    control.register_b_transport(this, &pe_tile::b_transport);
    weights.register_invalidate_direct_mem_ptr(this, &pe_tile::invalidate_weights);
    pointers.register_invalidate_direct_mem_ptr(this, &pe_tile::invalidate_pointers);
    frontend_free_.assign(pes_, 0);
    backend_free_.assign(pes_, 0);
    lanes_free_.assign(pes_, 0);
    pe_state_.resize(pes_);
    next_row_.resize(pes_);
    end_row_.resize(pes_);
    pe_start_.resize(pes_);
    mac_end_.resize(pes_);
    pass_blocks_.resize(pes_);
    last_.pe_cycles.resize(pes_);
    last_.pe_start.resize(pes_);
    per_pe_.resize(pes_);
    for (u32 p = 0; p < pes_; ++p) {
        auto scope = std::make_unique<stats_scope>(fmt::format("{}.pe_{}", this->name(), p));
        scope->counter("busy_cycles", per_pe_[p].busy_cycles, "cost-model cycles of this PE");
        scope->counter("effectual_macs", per_pe_[p].effectual_macs, "effectual MACs of this PE");
        scope->counter("rows", per_pe_[p].rows, "rows this PE computed");
        scope->counter("steals", per_pe_[p].steals, "work steals this PE made");
        per_pe_stats_.push_back(std::move(scope));
    }

    stats.counter("commands", commands, "commands received (setup and pass)");
    stats.counter("passes", passes, "passes run (input, recurrent, candidate)");
    stats.counter("rounds", rounds, "rounds finished (output slices written)");
    stats.counter("rows", rows, "weight rows computed, per pass");
    stats.counter("effectual_macs", effectual_macs, "MACs with non-zero weight and activation");
    stats.counter("performed_macs", performed_macs,
                  "MACs the lanes performed (products with a zero included when not skipped)");
    stats.counter("dense_macs", dense_macs, "MACs a dense engine would do for the same rows");
    stats.counter("fifo_pairs", fifo_pairs, "pairs pushed through the front ends' FIFOs");
    stats.counter("padding_macs", padding_macs, "csc: padding zeros multiplied (EIE)");
    stats.counter("lnzd_broadcasts", lnzd_broadcasts,
                  "csc: non-zero activations broadcast by the leading-non-zero detector");
    stats.counter("queue_pushes", queue_pushes, "csc: activation-queue entries written");
    stats.counter("pointer_reads", pointer_reads, "csc: column-pointer pairs read");
    stats.counter("codebook_reads", codebook_reads, "csc: weight codebook look-ups");
    stats.counter("mask_words", mask_words, "mask-word pairs ANDed by the front ends");
    stats.counter("busy_cycles", busy_cycles,
                  "per pass, cycles from the first PE's start to the last PE's end");
    stats.counter("pe_busy_cycles", pe_busy_cycles, "sum over PEs of their cost-model cycles");
    stats.counter("makespan_cycles", makespan_cycles,
                  "sum over passes of the slowest PE's cost-model cycles");
    stats.counter("idle_lane_cycles", idle_lane_cycles,
                  "lane-cycles without a MAC during the PEs' cost-model cycles");
    stats.counter("stall_frontend_starved", stall_frontend_starved,
                  "PE-cycles the lanes waited for the front end");
    stats.counter("stall_fifo_full", stall_fifo_full,
                  "PE-cycles the front end waited for FIFO room");
    stats.counter("stall_sram", stall_sram,
                  "cycles passes waited for the weight or activation streams");
    stats.counter("stall_imbalance", stall_imbalance,
                  "PE-cycles PEs idled waiting for the slowest PE of the pass");
    stats.counter("sram_read_bytes", sram_read_bytes, "bytes read from weight SRAM and buffer");
    stats.counter("weight_read_bytes", weight_read_bytes, "bytes streamed from the weight SRAM");
    stats.counter("activation_read_bytes", activation_read_bytes,
                  "bytes read from the activation buffer");
    stats.counter("nlu_ops", nlu_ops, "nonlinear-unit operations");
    stats.counter("steals", steals, "work steals by idle PEs (dynamic balance)");
    stats.counter("stolen_rows", stolen_rows, "rows moved by steals");
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
    stats.value(
        "pe_imbalance",
        [this] {
            return makespan_cycles ? static_cast<double>(stall_imbalance) /
                                         (static_cast<double>(pes_) * makespan_cycles)
                                   : 0.0;
        },
        "(slowest - mean) / slowest PE cycles, weighted by the slowest, over passes");
}

u64 pe_tile::cycle_of(const sc_time& delay) const {
    return cycles_at(sc_core::sc_time_stamp() + delay, clock_);
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
                           command_name(trans.get_command()), trans.get_address()));
        return;
    }
    if (command == nullptr) {
        reject(trans, tlm::TLM_GENERIC_ERROR_RESPONSE,
               fmt::format("control: WRITE at 0x{:x} without a pe_command extension",
                           trans.get_address()));
        return;
    }
    const bool ok = command->is_setup() ? run_setup(trans, command->setup())
                                        : run_pass(trans, command->pass(), delay);
    if (ok) trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool pe_tile::run_setup(tlm::tlm_generic_payload& trans, pe_slot_setup& s) {
    auto bad = [&](const std::string& why) {
        return reject(trans, tlm::TLM_GENERIC_ERROR_RESPONSE,
                      fmt::format("setup of slot {}: {}", s.slot, why));
    };
    if (s.slot >= params_.max_slots.get())
        return bad(
            fmt::format("slot beyond the table of {} (pe.max_slots)", params_.max_slots.get()));
    if (!valid(s.kind)) return bad("unknown layer kind");
    if (!valid(s.activation)) return bad("unknown activation function");
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
    if (static_cast<unsigned>(s.weights) > static_cast<unsigned>(weight_format::csc))
        return bad("unknown weight format");
    if (static_cast<unsigned>(s.activations) > static_cast<unsigned>(vector_format::dense))
        return bad("unknown activation format");
    const bool csc = s.weights == weight_format::csc;
    if (csc && (s.csc.index_bits == 0 || s.csc.index_bits > 8 || s.csc.code_bits > 8 ||
                s.csc.entry_bits() > 16))
        return bad(fmt::format("unsupported csc layout ({} code bits, {} index bits)",
                               s.csc.code_bits, s.csc.index_bits));
    // Every pass of the kind has one block per PE (csc: and one pointer
    // block), covering its rows: contiguous, or interleaved for csc.
    for (weight_pass pass : {weight_pass::input, weight_pass::recurrent, weight_pass::candidate}) {
        const u32 rows = pass_rows(s.kind, s.units, pass);
        for (u32 p = 0; p < pes_; ++p)
            for (block_memory memory : {block_memory::weight_sram, block_memory::pointer_sram}) {
                const auto b =
                    std::find_if(s.blocks.begin(), s.blocks.end(), [&](const pe_block& k) {
                        return k.pass == pass && k.pe == p && k.memory == memory;
                    });
                const bool pointer = memory == block_memory::pointer_sram;
                if (rows == 0 || (pointer && !csc)) {
                    if (b != s.blocks.end())
                        return bad(fmt::format(
                            "PE {} has a {}{} block, but {}", p, to_string(pass),
                            pointer ? " pointer" : "",
                            rows == 0 ? fmt::format("a {} layer has no {} pass",
                                                    enum_to_string(s.kind), to_string(pass))
                                      : std::string("only csc weights have pointer blocks")));
                    continue;
                }
                if (b == s.blocks.end())
                    return bad(
                        fmt::format("PE {} has no {} block for the {} pass (expected one per "
                                    "PE, {} PEs: pe.pes)",
                                    p, pointer ? "pointer" : "weight", to_string(pass), pes_));
                const u32 first = csc ? p : pe_first_row(rows, pes_, p);
                const u32 count =
                    csc ? interleaved_rows(rows, pes_, p) : pe_first_row(rows, pes_, p + 1) - first;
                if (b->first_row != first || b->rows != count)
                    return bad(fmt::format(
                        "PE {}'s {} block holds rows {} +{}, expected {} +{} of {} over {} PEs{}",
                        p, to_string(pass), b->first_row, b->rows, first, count, rows, pes_,
                        csc ? " (interleaved)" : ""));
                if (b->bias != (pass == weight_pass::input && !pointer))
                    return bad(fmt::format("PE {}'s {} block {} biases; only input blocks do", p,
                                           to_string(pass), b->bias ? "has" : "lacks"));
                if (pointer &&
                    b->bytes <
                        csc_pointer_bytes(pass == weight_pass::input ? s.inputs : s.units_total))
                    return bad(
                        fmt::format("PE {}'s {} pointer block of {} bytes is shorter than "
                                    "its columns' pointers",
                                    p, to_string(pass), b->bytes));
            }
    }
    if (s.kind != layer_kind::dense) {
        u64 next = 0;
        for (const pe_segment& seg : s.segments) {
            if (seg.first != next || seg.length == 0)
                return bad(
                    fmt::format("h segments must cut [0, {}) in order; a segment starts "
                                "at {} with length {}, expected {}",
                                s.units_total, seg.first, seg.length, next));
            next += seg.length;
        }
        if (next != s.units_total)
            return bad(fmt::format("h segments cover {} units, expected units_total {}", next,
                                   s.units_total));
    }

    if (slots_.size() <= s.slot) slots_.resize(s.slot + 1);
    slot_state& slot = slots_[s.slot];
    slot = slot_state{};
    slot.configured = true;
    slot.setup = s;
    slot.activation_bytes = packed_value_bytes(f.activation_bits);
    slot.weight_bytes = packed_value_bytes(f.weight_bits);
    slot.sums.assign(u64{gate_count(s.kind)} * s.units, 0);
    slot.h.assign(s.units, 0);
    slot.cell.assign(s.kind == layer_kind::lstm ? s.units : 0, 0);
    slot.z.assign(s.kind == layer_kind::gru ? s.units : 0, 0);
    slot.partial.assign(s.kind == layer_kind::gru ? s.units : 0, 0);
    if (output_.size() < s.units) output_.resize(s.units);
    return true;
}

bool pe_tile::weight_pointer(std::string& why) {
    if (weight_memory_) return true;
    tlm::tlm_generic_payload probe;
    prepare(probe, tlm::TLM_READ_COMMAND, 0, nullptr, 0);
    tlm::tlm_dmi dmi;
    if (!weights->get_direct_mem_ptr(probe, dmi) || !dmi.is_read_allowed() ||
        dmi.get_start_address() != 0) {
        why =
            "the weight SRAM grants no DMI read access from address 0 (the PE reads its "
            "blocks through DMI and books their streams with timing-only reads)";
        return false;
    }
    weight_memory_ = dmi.get_dmi_ptr();
    weight_memory_bytes_ = dmi.get_end_address() + 1;
    return true;
}

bool pe_tile::check_pass(const pe_pass& p, std::string& why) const {
    if (p.slot >= slots_.size() || !slots_[p.slot].configured) {
        why = "slot was never set up (send a pe_slot_setup first)";
        return false;
    }
    if (static_cast<unsigned>(p.pass) > static_cast<unsigned>(weight_pass::candidate)) {
        why = "unknown pass";
        return false;
    }
    const slot_state& slot = slots_[p.slot];
    const layer_kind kind = slot.setup.kind;
    if (pass_rows(kind, slot.setup.units, p.pass) == 0) {
        why = fmt::format("a {} layer has no {} pass", enum_to_string(kind), to_string(p.pass));
        return false;
    }
    const bool last =
        kind == layer_kind::dense ? p.pass == weight_pass::input : p.pass != weight_pass::input;
    if (p.finish != last) {
        why = fmt::format("the {} pass of a {} layer {} its round", to_string(p.pass),
                          enum_to_string(kind), last ? "finishes" : "does not finish");
        return false;
    }
    if (p.pass == weight_pass::recurrent && !slot.input_done) {
        why = "recurrent pass without the round's input pass before it";
        return false;
    }
    if (p.pass == weight_pass::candidate && !slot.gates_pending) {
        why = "candidate pass without a preceding gates round of the same step";
        return false;
    }
    return true;
}

bool pe_tile::read_vector(u64 address, u32 length, const vector_codec& codec, u64 start,
                          sparse_vector& v, u64& mask_done, u64& values_done, std::string& why) {
    const u64 first_bytes = codec.first_read_bytes(length);
    auto read = [&](u64 at, u64 offset, u64 bytes, u64 from) -> bool {
        prepare(read_, tlm::TLM_READ_COMMAND, at, vector_bytes_.data() + offset, bytes);
        sc_time delay = delay_to(from, clock_);
        activations->b_transport(read_, delay);
        if (read_.is_response_error()) {
            why = fmt::format("activation read of {} bytes at 0x{:x} failed: {}", bytes, at,
                              read_.get_response_string());
            return false;
        }
        activation_read_bytes += bytes;
        sram_read_bytes += bytes;
        values_done = cycle_of(delay);
        return true;
    };
    // The mask first: its popcount says how many packed values follow (a
    // dense vector is all read at once).
    if (vector_bytes_.size() < first_bytes) vector_bytes_.resize(first_bytes);
    if (!read(address, 0, first_bytes, start)) return false;
    mask_done = values_done;
    const u64 total = codec.total_bytes(vector_bytes_.data(), length);
    if (vector_bytes_.size() < total) vector_bytes_.resize(total);
    if (total > first_bytes &&
        !read(address + first_bytes, first_bytes, total - first_bytes, mask_done))
        return false;
    codec.load(vector_bytes_.data(), length, v);
    if (codec.format == vector_format::masked && length % mask_word_bits != 0 &&
        (v.mask.back() >> (length % mask_word_bits)) != 0) {
        why = fmt::format("encoded vector at 0x{:x} has mask bits set past its length {}", address,
                          length);
        return false;
    }
    return true;
}

bool pe_tile::read_activations(slot_state& slot, const pe_pass& p, u64 issue, std::string& why) {
    const pe_slot_setup& s = slot.setup;
    const vector_codec vb{s.activations, slot.activation_bytes};
    u64 mask_done = issue, values_done = issue;
    u64 first = issue, all = issue;
    if (p.pass == weight_pass::input) {
        if (!read_vector(p.act_addr, s.inputs, vb, issue, x_, mask_done, values_done, why))
            return false;
        first = all = values_done;
        mask_prefix(x_, x_prefix_);
    } else if (p.pass == weight_pass::recurrent && p.first_step) {
        // h_(-1) = 0: nothing to read, the front ends AND with an empty mask.
        act_.length = s.units_total;
        act_.mask.assign(masr::mask_words(s.units_total), 0);
        act_.values.clear();
        mask_prefix(act_, act_prefix_);
    } else {
        // The segments' masks are requested together (the read engine
        // pipelines them through the buffer's ports), each segment's values
        // as soon as its mask is in.
        act_.length = 0;
        act_.mask.clear();
        act_.values.clear();
        first = ~u64{0};
        all = issue;
        for (const pe_segment& seg : s.segments) {
            if (!read_vector(p.act_addr + seg.offset, seg.length, vb, issue, segment_, mask_done,
                             values_done, why))
                return false;
            append(act_, segment_);
            first = std::min(first, values_done);
            all = std::max(all, values_done);
        }
        mask_prefix(act_, act_prefix_);
    }
    last_.activation_first = first - issue;
    last_.activation_read = all - issue;
    return true;
}

bool pe_tile::accumulate_part(const u8* block, u64 block_bytes, u64& at, u32 length,
                              u32 value_bytes, const sparse_vector& a,
                              const std::vector<u32>& a_prefix, const i16* dense, i64& sum,
                              std::string& why) {
    const unsigned words = masr::mask_words(length);
    if (at + u64{words} * 8 > block_bytes) {
        why = fmt::format("row part at byte {} runs past the {}-byte block", at, block_bytes);
        return false;
    }
    const u8* part = block + at;
    // Blocks are 8-byte aligned in the SRAM and rows are multiples of 8 bytes.
    const u64* wm = reinterpret_cast<const u64*>(part);
    // Only a row near the block's end can run past it: count its values
    // before reading them there, and skip that pass everywhere else.
    if (at + encoded_bytes(length, length, value_bytes) > block_bytes) {
        u32 nnz = 0;
        for (unsigned k = 0; k < words; ++k) nnz += static_cast<u32>(__builtin_popcountll(wm[k]));
        const u64 need = encoded_bytes(length, nnz, value_bytes);
        if (at + need > block_bytes) {
            why = fmt::format("row part at byte {} needs {} bytes, block has {}", at, need,
                              block_bytes);
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
    const u8* values = part + u64{words} * 8;
    const i16* av = a.values.data();
    i64 s = 0;
    u32 nnz = 0;
    if (value_bytes == 1) {
        // The front end's per-word counts for the timing, then the row's
        // arithmetic in one branch-free kernel (the same sum, bit for bit).
        const u64* am = a.mask.data();
        for (unsigned k = 0; k < words; ++k) {
            word(k, static_cast<u32>(__builtin_popcountll(wm[k] & am[k])));
            nnz += static_cast<u32>(__builtin_popcountll(wm[k]));
        }
        s = masked_dot_i8(wm, values, dense, words);
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
    if (!sparsity_.skip_zero_weights || !sparsity_.skip_zero_activations) {
        count_unskipped_pairs(wm, a, words, length, word_pairs);
        pairs = 0;
        for (unsigned k = 0; k < words; ++k) pairs += word_pairs[k];
    }
    performed_macs += pairs;
    fifo_pairs += pairs;
    dense_macs += length;
    mask_words += words;
    at += encoded_bytes(length, nnz, value_bytes);
    return true;
}

void pe_tile::count_unskipped_pairs(const u64* weight_mask, const sparse_vector& a, unsigned words,
                                    u32 length, u8* word_pairs) const {
    for (unsigned k = 0; k < words; ++k) {
        const u32 valid_bits = std::min<u32>(mask_word_bits, length - k * mask_word_bits);
        const u64 valid = valid_bits == 64 ? ~u64{0} : (u64{1} << valid_bits) - 1;
        const u64 w = sparsity_.skip_zero_weights && weight_mask ? weight_mask[k] : valid;
        const u64 x = sparsity_.skip_zero_activations ? a.mask[k] : valid;
        word_pairs[k] = static_cast<u8>(__builtin_popcountll(w & x));
    }
}

bool pe_tile::accumulate_dense_part(const u8* block, u64 block_bytes, u64& at, u32 length,
                                    u32 value_bytes, const sparse_vector& a, i64& sum,
                                    std::string& why) {
    const vector_codec rows{vector_format::dense, value_bytes};
    const u64 bytes = rows.max_bytes(length);
    if (at + bytes > block_bytes) {
        why = fmt::format("dense row at byte {} needs {} bytes, block has {}", at, bytes,
                          block_bytes);
        return false;
    }
    const u8* row = block + at;
    const unsigned words = masr::mask_words(length);
    u8* word_pairs = word_pairs_.data() + word_pairs_used_;
    word_pairs_used_ += words;
    // The weights' non-zero mask: what a zero-skipping front end detects.
    thread_local std::vector<u64> weight_mask;
    weight_mask.assign(words, 0);
    i64 s = 0;
    const i16* x = dense_act_.data();
    if (value_bytes == 1) {
        for (u32 i = 0; i < length; ++i) {
            const i16 w = static_cast<i8>(row[i]);
            s += i64{w} * x[i];
            weight_mask[i / 64] |= u64{w != 0} << (i % 64);
        }
    } else {
        for (u32 i = 0; i < length; ++i) {
            const i16 w = static_cast<i16>(static_cast<u16>(row[2 * i] | row[2 * i + 1] << 8));
            s += i64{w} * x[i];
            weight_mask[i / 64] |= u64{w != 0} << (i % 64);
        }
    }
    sum += s;
    u64 effectual = 0;
    for (unsigned k = 0; k < words; ++k)
        effectual += static_cast<u64>(__builtin_popcountll(weight_mask[k] & a.mask[k]));
    effectual_macs += effectual;
    count_unskipped_pairs(weight_mask.data(), a, words, length, word_pairs);
    u64 pairs = 0;
    for (unsigned k = 0; k < words; ++k) pairs += word_pairs[k];
    performed_macs += pairs;
    // Without anything to skip there is no front end: the lanes take the row as it streams.
    if (sparsity_.skip_zero_weights || sparsity_.skip_zero_activations) {
        fifo_pairs += pairs;
        mask_words += words;
    }
    dense_macs += length;
    at += bytes;
    return true;
}

bool pe_tile::compute_rows(slot_state& slot, const pe_pass& p, std::string& why) {
    const pe_slot_setup& s = slot.setup;
    const fixed_format& f = s.format;
    const bool input = p.pass == weight_pass::input;
    const u32 length = input ? s.inputs : s.units_total;
    const sparse_vector& a = input ? x_ : act_;
    const std::vector<u32>& prefix = input ? x_prefix_ : act_prefix_;
    const u32 rows_total = pass_rows(s.kind, s.units, p.pass);
    if (!weight_pointer(why)) return false;
    for (const pe_block& b : s.blocks)
        if (b.pass == p.pass) pass_blocks_[b.pe] = &b;
    const u64 words_max = u64{rows_total} * masr::mask_words(length);
    if (word_pairs_.size() < words_max) word_pairs_.resize(words_max);
    const bool dense_rows = s.weights == weight_format::dense;
    // Dense rows read the activations by position; masked rows of 8-bit
    // weights too (masked_dot_i8), whole mask words of them, zero-padded.
    // Masked 16-bit rows index the packed activations instead.
    if (dense_rows || slot.weight_bytes == 1) {
        const std::size_t padded =
            u64{masr::mask_words(std::max(length, a.length))} * mask_word_bits;
        dense_act_.resize(padded);
        a.decode(dense_act_.data());
        std::fill(dense_act_.begin() + a.length, dense_act_.end(), i16{0});
    }
    word_pairs_used_ = 0;
    row_refs_.clear();
    for (u32 pe = 0; pe < pes_; ++pe) {
        const pe_block& b = *pass_blocks_[pe];
        if (b.sram_address > weight_memory_bytes_ ||
            b.bytes > weight_memory_bytes_ - b.sram_address)
            return (why = fmt::format("PE {}'s {} block at 0x{:x} ({} bytes) lies outside the "
                                      "{}-byte weight SRAM",
                                      pe, to_string(p.pass), b.sram_address, b.bytes,
                                      weight_memory_bytes_)),
                   false;
        const u8* block = weight_memory_ + b.sram_address;
        u64 at = b.bias ? bias_bytes(b.rows) : 0;
        if (at > b.bytes)
            return (why = fmt::format("PE {}'s {} block of {} bytes is shorter than its {} biases",
                                      pe, to_string(p.pass), b.bytes, b.rows)),
                   false;
        for (u32 i = 0; i < b.rows; ++i) {
            const u32 local = pass_local_row(s.units, p.pass, b.first_row + i);
            i64& sum = slot.sums[local];
            if (input) {
                i32 bias = 0;
                std::memcpy(&bias, block + 4 * u64{i}, 4);
                sum = fixed::bias_to_accumulator(bias, f);
            } else if (p.pass == weight_pass::candidate) {
                sum = slot.partial[local - 2 * s.units];
            }
            row_ref r{local, pe, static_cast<u32>(word_pairs_used_), 0, at, 0};
            if (!(dense_rows ? accumulate_dense_part(block, b.bytes, at, length, slot.weight_bytes,
                                                     a, sum, why)
                             : accumulate_part(block, b.bytes, at, length, slot.weight_bytes, a,
                                               prefix, dense_act_.data(), sum, why)))
                return (why = fmt::format("PE {}'s {} block at 0x{:x}, row {}: {}", pe,
                                          to_string(p.pass), b.sram_address, b.first_row + i, why)),
                       false;
            r.words = static_cast<u32>(word_pairs_used_) - r.word_begin;
            r.bytes = at - r.offset;
            row_refs_.push_back(r);
        }
    }
    rows += rows_total;
    return true;
}

void pe_tile::run_pe_row(u32 pe, u32 row) {
    const row_ref& r = row_refs_[row];
    ++per_pe_[pe].rows;
    const double start = pe_state_[pe].frontend;
    cost_.add_words(pe_state_[pe], word_pairs_.data() + r.word_begin, r.words);
    row_done_[row] = std::max(pe_state_[pe].frontend, pe_state_[pe].backend);
    row_pe_[row] = pe;
    // Consecutive rows of one PE from one block stream as one burst.
    const u32 open = open_stream_[pe];
    if (open < streams_.size()) {
        row_stream& s = streams_[open];
        if (s.block == r.block && s.first + s.count == row) {
            ++s.count;
            return;
        }
    }
    open_stream_[pe] = static_cast<u32>(streams_.size());
    streams_.push_back({pe, r.block, row, 1, start});
}

void pe_tile::schedule_rows(balance_mode mode, const std::vector<double>& starts,
                            const std::vector<double>& lanes_free) {
    const u32 p_count = pes_;
    streams_.clear();
    open_stream_.assign(p_count, ~u32{0});
    row_done_.assign(row_refs_.size(), 0);
    row_pe_.assign(row_refs_.size(), 0);
    for (u32 p = 0; p < p_count; ++p) {
        pe_state_[p] = pe_cost_model::state{};
        pe_state_[p].frontend = starts[p];
        pe_state_[p].backend = std::max(starts[p], lanes_free[p]);
    }
    // Each PE's own block: rows [next, end) of row_refs_.
    u32 at = 0;
    for (u32 p = 0; p < p_count; ++p) {
        next_row_[p] = at;
        at += pass_blocks_[p]->rows;
        end_row_[p] = at;
    }
    switch (mode) {
        case balance_mode::static_contiguous:
            for (u32 p = 0; p < p_count; ++p)
                for (u32 i = next_row_[p]; i < end_row_[p]; ++i) run_pe_row(p, i);
            break;
        case balance_mode::static_interleaved:
            for (u32 i = 0; i < row_refs_.size(); ++i) run_pe_row(i % p_count, i);
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
                    run_pe_row(p, next_row_[p]++);
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
                stolen_rows += take;
                ++per_pe_[p].steals;
            }
            break;
        }
    }
}

void pe_tile::stream_weights(u64 issue) {
    // Every stream books its PE's (or, for stolen rows, the victim's)
    // weight-SRAM banks from the time its first row starts; the data itself
    // was read through DMI.
    timing_only_extension timing;
    for (row_stream& s : streams_) {
        const pe_block& b = *pass_blocks_[s.block];
        const row_ref& first = row_refs_[s.first];
        const row_ref& last = row_refs_[s.first + s.count - 1];
        const bool from_start = s.first == 0 || row_refs_[s.first - 1].block != s.block;
        const u64 begin = from_start ? 0 : first.offset;
        const u64 end = last.offset + last.bytes;
        prepare(read_, tlm::TLM_READ_COMMAND, b.sram_address + begin, nullptr, end - begin);
        read_.set_extension(&timing);
        sc_time delay = delay_to(issue + ceil_cycles(s.start), clock_);
        weights->b_transport(read_, delay);
        read_.clear_extension(&timing);
        weight_read_bytes += end - begin;
        sram_read_bytes += end - begin;
        const double done = static_cast<double>(cycle_of(delay) - issue) + cost_.timing().tail();
        mac_end_[s.pe] = std::max(mac_end_[s.pe], done);
        last_.weight_stream = std::max(last_.weight_stream, cycle_of(delay) - issue);
    }
}

u64 pe_tile::apply_nlu(slot_state& slot, const pe_pass& p, std::vector<i16>& out) {
    const pe_slot_setup& s = slot.setup;
    const fixed_format& f = s.format;
    const u32 units = s.units;
    const bool candidate = p.pass == weight_pass::candidate;
    const bool reset_state = p.first_step && !candidate;
    scratch_h_.assign(slot.h.begin(), slot.h.end());
    auto gate = [&](activation_fn fn, u32 row) {
        return fixed::activate_accumulator(fn, fixed::saturate_accumulator(slot.sums[row], f), f);
    };
    switch (s.kind) {
        case layer_kind::rnn:
        case layer_kind::dense:
            for (u32 u = 0; u < units; ++u) out[u] = scratch_h_[u] = gate(s.activation, u);
            break;
        case layer_kind::lstm:
            scratch_cell_.assign(units, 0);
            for (u32 u = 0; u < units; ++u) {
                const i16 in = gate(activation_fn::sigmoid, u);
                const i16 forget = gate(activation_fn::sigmoid, units + u);
                const i16 g = gate(s.activation, 2 * units + u);
                const i16 o = gate(activation_fn::sigmoid, 3 * units + u);
                const i16 c_prev = p.first_step ? i16{0} : slot.cell[u];
                scratch_cell_[u] = fixed::lstm_cell(forget, c_prev, in, g, f);
                const i16 squashed =
                    fixed::activate(s.activation, scratch_cell_[u], f.activation_frac_bits, f);
                out[u] = scratch_h_[u] = fixed::multiply(o, squashed, f);
            }
            break;
        case layer_kind::gru:
            if (!candidate) {
                scratch_z_.assign(units, 0);
                scratch_partial_.assign(units, 0);
                for (u32 u = 0; u < units; ++u) {
                    scratch_z_[u] = gate(activation_fn::sigmoid, u);
                    const i16 reset = gate(activation_fn::sigmoid, units + u);
                    scratch_partial_[u] = slot.sums[2 * units + u];
                    const i16 h_own = reset_state ? i16{0} : slot.h[u];
                    scratch_h_[u] = h_own;
                    out[u] = fixed::multiply(reset, h_own, f);
                }
            } else {
                for (u32 u = 0; u < units; ++u) {
                    const i16 c = gate(s.activation, 2 * units + u);
                    out[u] = scratch_h_[u] = fixed::gru_update(slot.z[u], slot.h[u], c, f);
                }
            }
            break;
    }
    const u64 per_unit = nlu_ops_per_unit(s.kind, p.pass);
    nlu_ops += per_unit * units;
    return per_unit;
}

bool pe_tile::write_output(slot_state& slot, pe_pass& p, u64 first, u64 last, std::string& why) {
    const u32 units = slot.setup.units;
    output_bytes_.resize(2 * u64{units});
    for (u32 u = 0; u < units; ++u) {
        const u16 bits = static_cast<u16>(output_[u]);
        output_bytes_[2 * u] = static_cast<u8>(bits);
        output_bytes_[2 * u + 1] = static_cast<u8>(bits >> 8);
    }
    compress_extension ext;
    ext.value_bytes = slot.activation_bytes;
    ext.format = slot.setup.activations;
    ext.last_offset_cycles = last - first;
    prepare(write_, tlm::TLM_WRITE_COMMAND, p.out_addr, output_bytes_.data(), output_bytes_.size());
    write_.set_extension(&ext);
    sc_time delay = delay_to(first, clock_);
    results->b_transport(write_, delay);
    write_.clear_extension(&ext);
    if (write_.is_response_error()) {
        why = fmt::format("output write of {} values to 0x{:x} failed: {}", units, p.out_addr,
                          write_.get_response_string());
        return false;
    }
    p.out_nnz = ext.nnz;
    p.out_bytes = ext.encoded_bytes;
    p.output_ready = cycle_of(delay);  // absolute here; made relative by run_pass
    return true;
}

void pe_tile::commit(slot_state& slot, const pe_pass& p) {
    std::swap(slot.h, scratch_h_);
    const layer_kind kind = slot.setup.kind;
    if (kind == layer_kind::lstm) std::swap(slot.cell, scratch_cell_);
    if (kind == layer_kind::gru && p.pass == weight_pass::recurrent) {
        std::swap(slot.z, scratch_z_);
        std::swap(slot.partial, scratch_partial_);
    }
    slot.gates_pending = kind == layer_kind::gru && p.pass == weight_pass::recurrent;
    slot.input_done = false;
}

void pe_tile::start_times(u64 issue) {
    const u64 base = overlap_.stream_activations ? last_.activation_first : last_.activation_read;
    for (u32 q = 0; q < pes_; ++q) {
        pe_start_[q] =
            std::max(static_cast<double>(base), frontend_free_[q] - static_cast<double>(issue));
        lanes_free_[q] = std::max(0.0, backend_free_[q] - static_cast<double>(issue));
    }
}

u64 pe_tile::finish_macs(u64 issue) {
    const pe_core_timing& timing = cost_.timing();
    u64 pe_end = 0, pairs = 0, slowest = 0, busy_sum = 0;
    double first_start = 1e300;
    busy_.assign(pes_, 0);
    for (u32 q = 0; q < pes_; ++q) {
        const pe_cost_model::state& st = pe_state_[q];
        const u64 end = st.any ? cost_.finish(st) : 0;
        mac_end_[q] = st.any ? static_cast<double>(end) : 0;
        if (st.any) {
            busy_[q] = end - ceil_cycles(pe_start_[q]);
            first_start = std::min(first_start, pe_start_[q]);
            if (overlap_.stream_activations)
                mac_end_[q] = std::max(mac_end_[q],
                                       static_cast<double>(last_.activation_read + timing.tail()));
        }
        pe_end = std::max(pe_end, end);
        pairs += st.pairs;
        slowest = std::max(slowest, busy_[q]);
        busy_sum += busy_[q];
        stall_fifo_full += static_cast<u64>(st.fifo_full_cycles + 0.5);
        stall_frontend_starved += static_cast<u64>(st.starved_cycles + 0.5);
        per_pe_[q].busy_cycles += busy_[q];
        per_pe_[q].effectual_macs += st.pairs;
        last_.pe_cycles[q] = busy_[q];
        last_.pe_start[q] = ceil_cycles(pe_start_[q]);
    }
    // The weight streams may hold a PE up beyond its own pipeline; a PE held
    // up finishes each of its rows that much later.
    cost_end_.assign(mac_end_.begin(), mac_end_.end());
    last_.weight_stream = 0;
    stream_weights(issue);
    u64 mac_end = 0;
    for (u32 q = 0; q < pes_; ++q) mac_end = std::max(mac_end, ceil_cycles(mac_end_[q]));
    for (std::size_t i = 0; i < row_refs_.size(); ++i) {
        const u32 q = row_pe_[i];
        row_done_[i] =
            std::ceil(row_done_[i] - 1e-9) + timing.tail() + (mac_end_[q] - cost_end_[q]);
    }
    pe_busy_cycles += busy_sum;
    makespan_cycles += slowest;
    for (u32 q = 0; q < pes_; ++q) stall_imbalance += slowest - busy_[q];
    idle_lane_cycles += busy_sum * timing.lanes - pairs;
    stall_sram += mac_end > pe_end ? mac_end - pe_end : 0;
    busy_cycles += first_start < 1e300 ? mac_end - ceil_cycles(first_start) : 0;
    last_.pe_end = pe_end;
    last_.mac_end = mac_end;
    last_.sram_stall = mac_end > pe_end ? mac_end - pe_end : 0;
    ++passes;
    return mac_end;
}

std::pair<u64, u64> pe_tile::nlu_schedule(u64 issue, u64 mac_end, u64 per_unit, u32 units) {
    const double thr = params_.nlu_throughput;
    const u64 lat = params_.nlu_latency;
    const u64 nlu_free = nlu_free_ > issue ? nlu_free_ - issue : 0;
    if (!overlap_.stream_nlu) {
        const u64 start = std::max(mac_end, nlu_free);
        const u64 ops = per_unit * units;
        const u64 end = start + (ops + params_.nlu_throughput - 1) / params_.nlu_throughput;
        nlu_free_ = issue + end;
        return {end + lat, end + lat};
    }
    // Unit u is ready when the last of its rows in this pass is.
    std::vector<double>& ready = unit_ready_;
    ready.assign(units, 0);
    for (std::size_t i = 0; i < row_refs_.size(); ++i) {
        const u32 unit = row_refs_[i].local_row % units;
        ready[unit] = std::max(ready[unit], row_done_[i]);
    }
    std::sort(ready.begin(), ready.end());
    double t = static_cast<double>(nlu_free);
    u64 first_out = 0;
    for (u32 u = 0; u < units; ++u) {
        t = std::max(t, ready[u]) + static_cast<double>(per_unit) / thr;
        if (u == 0) first_out = ceil_cycles(t) + lat;
    }
    nlu_free_ = issue + ceil_cycles(t);
    return {first_out, ceil_cycles(t) + lat};
}

u64 pe_tile::free_pes(u64 issue, u64 done) {
    const u32 tail = cost_.timing().tail();
    u64 frontend = 0;
    for (u32 q = 0; q < pes_; ++q) {
        if (overlap_.pipeline_rounds) {
            const double stall = mac_end_[q] - cost_end_[q];
            const double f = pe_state_[q].any ? pe_state_[q].frontend + stall : pe_start_[q];
            frontend_free_[q] = static_cast<double>(issue) + std::ceil(f - 1e-9);
            backend_free_[q] =
                static_cast<double>(issue) + (pe_state_[q].any ? mac_end_[q] - tail : pe_start_[q]);
        } else {
            frontend_free_[q] = backend_free_[q] = static_cast<double>(issue + done);
        }
        frontend = std::max(frontend, static_cast<u64>(frontend_free_[q]) - issue);
    }
    if (!overlap_.pipeline_rounds) nlu_free_ = std::max(nlu_free_, issue + done);
    return frontend;
}

bool pe_tile::run_pass(tlm::tlm_generic_payload& trans, pe_pass& p, sc_time& delay) {
    std::string why;
    auto bad = [&](tlm::tlm_response_status status, const std::string& what) {
        return reject(trans, status,
                      fmt::format("{} pass of slot {}: {}", to_string(p.pass), p.slot, what));
    };
    if (!check_pass(p, why)) return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, why);
    slot_state& slot = slots_[p.slot];
    const u64 issue = cycle_of(delay);

    // Activations, when each PE may start, the rows (functionally), their
    // schedule over the PEs and the weight streams.
    if (!read_activations(slot, p, issue, why)) return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, why);
    start_times(issue);
    u64 mac_end = 0;
    if (slot.setup.weights == weight_format::csc) {
        if (!run_csc_pass(slot, p, issue, why))
            return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, fmt::format("weights: {}", why));
        mac_end = last_.mac_end;
    } else {
        if (!compute_rows(slot, p, why))
            return bad(tlm::TLM_GENERIC_ERROR_RESPONSE, fmt::format("weights: {}", why));
        schedule_rows(balance_, pe_start_, lanes_free_);
        mac_end = finish_macs(issue);
    }

    // Finishing: NLU over the units as their rows are done, then the compressor.
    u64 done = mac_end;
    if (p.finish) {
        const u64 per_unit = apply_nlu(slot, p, output_);
        const auto [first_out, last_out] = nlu_schedule(issue, mac_end, per_unit, slot.setup.units);
        last_.nlu_end = last_out;
        if (!write_output(slot, p, issue + first_out, issue + last_out, why))
            return bad(write_.get_response_status(), why);
        p.output_ready -= issue;
        last_.output_ready = p.output_ready;
        done = p.output_ready;
        commit(slot, p);
        ++rounds;
    } else {
        slot.input_done = true;
        p.output_ready = 0;
    }
    p.inputs_read = last_.activation_read;
    p.frontend_free = free_pes(issue, done);
    delay = delay_to(issue + done, clock_);
    return true;
}

}  // namespace masr
