// The PE tile's EIE engine (csc weights): the activation columns broadcast
// through the leading-non-zero detector, each PE's entries of every such
// column multiplied in its own pipeline (models/pe/eie_cost_model.h), its
// entries streamed from its weight-SRAM partition and its column pointers
// from its pointer-SRAM partition. Shares the activation reads, the NLU, the
// compressor and the slot state with the MASR engine (pe_tile.cpp).
#include <algorithm>
#include <cstring>

#include "contract/weight_layout.h"
#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/pe/pe_tile.h"

namespace masr {

using sc_core::sc_time;

bool pe_tile::pointer_memory(std::string& why) {
    if (pointer_memory_) return true;
    if (pointers.get_base_port().size() == 0) {
        why = "csc weights need a pointer SRAM, and this tile has none (tile.pointer_sram.size)";
        return false;
    }
    tlm::tlm_generic_payload probe;
    prepare(probe, tlm::TLM_READ_COMMAND, 0, nullptr, 0);
    tlm::tlm_dmi dmi;
    if (!pointers->get_direct_mem_ptr(probe, dmi) || !dmi.is_read_allowed() ||
        dmi.get_start_address() != 0) {
        why = "the pointer SRAM grants no DMI read access from address 0";
        return false;
    }
    pointer_memory_ = dmi.get_dmi_ptr();
    pointer_memory_bytes_ = dmi.get_end_address() + 1;
    return true;
}

namespace {

u16 read_u16(const u8* p) {
    return static_cast<u16>(p[0] | p[1] << 8);
}

}  // namespace

bool pe_tile::run_csc_pass(slot_state& slot, const pe_pass& p, u64 issue, std::string& why) {
    const pe_slot_setup& s = slot.setup;
    const csc_layout& layout = s.csc;
    const bool input = p.pass == weight_pass::input;
    const u32 length = input ? s.inputs : s.units_total;
    const sparse_vector& a = input ? x_ : act_;
    const u32 rows_total = pass_rows(s.kind, s.units, p.pass);
    if (!weight_pointer(why) || !pointer_memory(why)) return false;
    std::vector<const pe_block*> pointer_blocks(pes_, nullptr);
    for (const pe_block& b : s.blocks) {
        if (b.pass != p.pass) continue;
        (b.memory == block_memory::pointer_sram ? pointer_blocks[b.pe] : pass_blocks_[b.pe]) = &b;
    }

    // The detector's order: the non-zero activations, by position.
    dense_act_.resize(length);
    a.decode(dense_act_.data());
    csc_columns_.clear();
    for (u32 j = 0; j < length; ++j)
        if (dense_act_[j] != 0) csc_columns_.push_back(j);
    const u32 columns = static_cast<u32>(csc_columns_.size());
    csc_work_.assign(u64{columns} * pes_, 0);
    std::vector<u64> words(pes_, 0);
    u64 performed = 0, effectual = 0, padding = 0;

    for (u32 pe = 0; pe < pes_; ++pe) {
        const pe_block& b = *pass_blocks_[pe];
        const pe_block& pb = *pointer_blocks[pe];
        if (b.sram_address > weight_memory_bytes_ ||
            b.bytes > weight_memory_bytes_ - b.sram_address ||
            pb.sram_address > pointer_memory_bytes_ ||
            pb.bytes > pointer_memory_bytes_ - pb.sram_address)
            return (why = fmt::format("PE {}'s {} blocks lie outside the weight or pointer SRAM",
                                      pe, to_string(p.pass))),
                   false;
        const u8* block = weight_memory_ + b.sram_address;
        const u8* pointer = pointer_memory_ + pb.sram_address;
        u64 at = b.bias ? bias_bytes(b.rows) : 0;
        auto local_row = [&](u32 r) { return pass_local_row(s.units, p.pass, pe + r * pes_); };
        for (u32 r = 0; r < b.rows; ++r) {
            i64& sum = slot.sums[local_row(r)];
            if (input) {
                i32 bias = 0;
                std::memcpy(&bias, block + 4 * u64{r}, 4);
                sum = fixed::bias_to_accumulator(bias, s.format);
            } else if (p.pass == weight_pass::candidate) {
                sum = slot.partial[local_row(r) - 2 * s.units];
            }
        }
        i16 book[256] = {};
        const u64 book_bytes = layout.codebook_bytes();
        if (at + book_bytes > b.bytes)
            return (why = fmt::format("PE {}'s {} block is shorter than its codebook", pe,
                                      to_string(p.pass))),
                   false;
        for (u64 i = 0; i < book_bytes / 2 && i < 256; ++i)
            book[i] = static_cast<i16>(read_u16(block + at + 2 * i));
        const u8* entries = block + at + book_bytes;
        const u64 entries_total = read_u16(pointer + 2 * u64{length});
        if (layout.entry_bytes(entries_total) > b.bytes - at - book_bytes)
            return (why = fmt::format("PE {}'s {} block of {} bytes is shorter than its {} "
                                      "entries",
                                      pe, to_string(p.pass), b.bytes, entries_total)),
                   false;
        for (u32 k = 0; k < columns; ++k) {
            const u32 j = csc_columns_[k];
            const u32 begin = read_u16(pointer + 2 * u64{j});
            const u32 end = read_u16(pointer + 2 * u64{j} + 2);
            if (begin > end || end > entries_total)
                return (why = fmt::format("PE {}'s {} column {} has pointers {} to {}, expected "
                                          "an ascending range within its {} entries",
                                          pe, to_string(p.pass), j, begin, end, entries_total)),
                       false;
            csc_work_[u64{k} * pes_ + pe] = end - begin;
            words[pe] += layout.words_spanned(begin, end - begin);
            const i64 x = dense_act_[j];
            u32 row = 0;
            for (u32 e = begin; e < end; ++e) {
                const csc_entry entry = read_csc_entry(entries, e, layout);
                row += entry.index;
                if (row >= b.rows)
                    return (why = fmt::format("PE {}'s {} column {} runs past its {} rows", pe,
                                              to_string(p.pass), j, b.rows)),
                           false;
                const i16 w = csc_weight(entry.code, layout, book);
                slot.sums[local_row(row)] += i64{w} * x;
                (w != 0 ? effectual : padding) += 1;
                ++row;
            }
            performed += end - begin;
        }
    }
    effectual_macs += effectual;
    performed_macs += performed;
    padding_macs += padding;
    dense_macs += u64{rows_total} * length;
    lnzd_broadcasts += columns;
    queue_pushes += u64{columns} * pes_;
    pointer_reads += u64{columns} * pes_;
    if (layout.code_bits) codebook_reads += performed;
    rows += rows_total;

    // Timing: the broadcast from the activations' read on, each PE from when
    // it is free.
    const u64 first = overlap_.stream_activations ? last_.activation_first : last_.activation_read;
    std::vector<u64> start(pes_);
    for (u32 q = 0; q < pes_; ++q)
        start[q] = ceil_cycles(std::max(0.0, frontend_free_[q] - static_cast<double>(issue)));
    eie_timing timing;
    timing.queue_depth = params_.eie.queue_depth;
    timing.broadcasts_per_cycle = params_.eie.broadcasts_per_cycle;
    timing.min_column_cycles = params_.eie.min_column_cycles;
    const eie_schedule plan = schedule_eie(timing, csc_work_, pes_, columns, start, first);
    const u32 tail = cost_.timing().tail();

    // Each PE's entry words and pointer pairs, booked from its first pop.
    timing_only_extension timing_only;
    auto book = [&](auto& socket, u64 address, u64 bytes, u64 from) {
        prepare(read_, tlm::TLM_READ_COMMAND, address, nullptr, bytes);
        read_.set_extension(&timing_only);
        sc_time delay = delay_to(issue + from, clock_);
        socket->b_transport(read_, delay);
        read_.clear_extension(&timing_only);
        return cycle_of(delay) - issue;
    };
    u64 pe_end = 0, mac_end = 0, slowest = 0, busy_sum = 0, first_start = ~u64{0};
    busy_.assign(pes_, 0);
    cost_end_.assign(pes_, 0);
    last_.weight_stream = 0;
    for (u32 q = 0; q < pes_; ++q) {
        const bool any = columns > 0;
        double end = static_cast<double>(plan.done[q] + (any ? tail : 0));
        cost_end_[q] = end;
        if (any) {
            const pe_block& b = *pass_blocks_[q];
            const pe_block& pb = *pointer_blocks[q];
            const u64 entries_at = b.sram_address + (b.bias ? bias_bytes(b.rows) : 0);
            const u64 stream_bytes =
                std::min(words[q] * 8, b.bytes - (entries_at - b.sram_address));
            u64 streamed = plan.first_pop[q];
            if (stream_bytes > 0)
                streamed = book(weights, entries_at, stream_bytes, plan.first_pop[q]);
            weight_read_bytes += words[q] * 8;
            sram_read_bytes += words[q] * 8;
            // Two u16 pointers per column (even and odd banks), in passes over the block.
            for (u64 left = u64{columns} * 4; left > 0;) {
                const u64 n = std::min(left, pb.bytes);
                streamed =
                    std::max(streamed, book(pointers, pb.sram_address, n, plan.first_pop[q]));
                left -= n;
            }
            last_.weight_stream = std::max(last_.weight_stream, streamed);
            end = std::max(end, static_cast<double>(streamed + tail));
            busy_[q] = plan.done[q] - plan.first_pop[q];
            first_start = std::min(first_start, plan.first_pop[q]);
        }
        mac_end_[q] = end;
        pe_start_[q] = static_cast<double>(plan.first_pop[q]);
        pe_state_[q] = pe_cost_model::state{};
        pe_state_[q].any = any;
        pe_state_[q].frontend = static_cast<double>(plan.done[q]);
        pe_state_[q].pairs = 0;
        pe_end = std::max(pe_end, static_cast<u64>(cost_end_[q]));
        mac_end = std::max(mac_end, static_cast<u64>(end));
        slowest = std::max(slowest, busy_[q]);
        busy_sum += busy_[q];
        per_pe_[q].busy_cycles += busy_[q];
        last_.pe_cycles[q] = busy_[q];
        last_.pe_start[q] = plan.first_pop[q];
    }
    for (u32 q = 0; q < pes_; ++q) {
        u64 pairs = 0;
        for (u32 k = 0; k < columns; ++k) pairs += csc_work_[u64{k} * pes_ + q];
        per_pe_[q].effectual_macs += pairs;
        per_pe_[q].rows += pass_blocks_[q]->rows;
    }
    // Every row of a PE is complete only after its last column.
    row_refs_.clear();
    row_done_.clear();
    row_pe_.clear();
    for (u32 q = 0; q < pes_; ++q)
        for (u32 r = 0; r < pass_blocks_[q]->rows; ++r) {
            row_refs_.push_back({pass_local_row(s.units, p.pass, q + r * pes_), q, 0, 0, 0, 0});
            row_done_.push_back(mac_end_[q]);
            row_pe_.push_back(q);
        }
    pe_busy_cycles += busy_sum;
    makespan_cycles += slowest;
    for (u32 q = 0; q < pes_; ++q) stall_imbalance += slowest - busy_[q];
    idle_lane_cycles +=
        busy_sum * cost_.timing().lanes - std::min(busy_sum * cost_.timing().lanes, performed);
    stall_sram += mac_end > pe_end ? mac_end - pe_end : 0;
    busy_cycles += first_start != ~u64{0} ? mac_end - first_start : 0;
    stall_fifo_full += plan.held_broadcasts;
    last_.pe_end = pe_end;
    last_.mac_end = mac_end;
    last_.sram_stall = mac_end > pe_end ? mac_end - pe_end : 0;
    ++passes;
    return true;
}

}  // namespace masr
