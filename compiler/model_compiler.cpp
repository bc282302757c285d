#include "compiler/model_compiler.h"

#include <algorithm>
#include <array>
#include <map>

#include "compiler/weight_packer.h"
#include "contract/weight_layout.h"
#include "models/common/error.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

namespace {

// Regions and weight blocks start on 64-byte boundaries, a whole number of
// SRAM words for every word width up to 64 bytes, so that a burst never
// starts mid-word.
constexpr u64 region_align = 64;

// Tile NI counters: the four x slots, then three per layer direction.
constexpr u32 x_counter_count = 4;
u32 h_counter(u32 layer, u32 direction, u32 which) {
    return x_counter_count + 3 * (2 * layer + direction) + which;
}
// Control-node NI counters: four credit counters, then one per time index of
// every sequence.
constexpr u32 credit_counter_count = 4;

u64 align_up(u64 value, u64 alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

struct source_ref {
    int layer;  // -1: the network input
};

std::vector<source_ref> sources_of(const workload& w, u32 l) {
    const layer_desc& layer = w.layers[l];
    std::vector<source_ref> s;
    if (layer.sources.empty()) {
        s.push_back({static_cast<int>(l) - 1});
        return s;
    }
    for (const std::string& name : layer.sources)
        s.push_back({name == "input" ? -1 : w.find_layer(name)});
    return s;
}

}  // namespace

compiled_model compile_model(const workload& w, const mapping_target& t, u32 steps) {
    if (steps > w.sequence_length)
        fail("{} time steps requested but workload '{}' ({}) has sequence_length {}", steps,
             w.name, w.file, w.sequence_length);
    if (steps == 0) steps = w.sequence_length;
    if (t.tiles == 0 || t.pes == 0) fail("platform '{}' has no tiles or no PEs", t.name);
    if (t.weight_sram_bytes % t.pes != 0)
        fail("platform '{}': tile.weight_sram.size {} is not a multiple of the {} PEs' "
             "partitions",
             t.name, t.weight_sram_bytes, t.pes);

    compiled_model out;
    model_image& m = out.image;
    image_header& h = m.header;
    const fixed_format& f = w.format;
    const u32 value_bytes = packed_value_bytes(f.activation_bits);
    const u32 layers = static_cast<u32>(w.layers.size());
    h.tiles = t.tiles;
    h.pes = t.pes;
    h.max_steps = steps;
    h.input_size = w.input_size;
    h.weight_bits = f.weight_bits;
    h.weight_frac_bits = f.weight_frac_bits;
    h.activation_bits = f.activation_bits;
    h.activation_frac_bits = f.activation_frac_bits;
    h.accumulator_bits = f.accumulator_bits;
    h.weight_partition_bytes = t.weight_sram_bytes / t.pes;

    auto add_cut = [&](const std::vector<unit_slice>& cut) {
        const u64 first = m.segments.size();
        u64 offset = 0;
        for (const unit_slice& s : cut) {
            segment_record r;
            r.first = s.first;
            r.length = s.units;
            r.offset = offset;
            r.capacity = encoded_bytes(s.units, s.units, value_bytes);
            offset += r.capacity;
            m.segments.push_back(r);
        }
        return std::make_pair(first, offset);
    };

    // Groups and cuts.
    std::vector<layer_groups> groups(layers);
    std::vector<std::pair<u64, u64>> cut_of(layers);  // first segment, record bytes
    for (u32 l = 0; l < layers; ++l) {
        const layer_desc& d = w.layers[l];
        groups[l] = place_layer(d.units, d.bidirectional, t.tiles, t.directions);
        cut_of[l] = add_cut(cut_units(d.units, groups[l].slices));
    }

    // Lifetimes of sequences: from the writer to the last reader.
    std::vector<int> last_reader(layers, static_cast<int>(layers));  // unread: until the end
    int input_last = -1;
    std::vector<std::vector<source_ref>> sources(layers);
    for (u32 l = 0; l < layers; ++l) {
        sources[l] = sources_of(w, l);
        for (const source_ref& s : sources[l]) {
            if (s.layer < 0) {
                input_last = std::max(input_last, static_cast<int>(l));
            } else {
                int& last = last_reader[static_cast<u32>(s.layer)];
                last = last == static_cast<int>(layers) ? static_cast<int>(l)
                                                        : std::max(last, static_cast<int>(l));
            }
        }
    }

    // Sequences and their counters.
    lifetime_allocator seq_space(region_align);
    u64 ctrl_counter = credit_counter_count;
    auto add_sequence = [&](u64 producer, u32 direction, u32 length, u64 slices,
                            std::pair<u64, u64> cut, int first, int last) {
        sequence_record s;
        s.producer = producer;
        s.direction = direction;
        s.length = length;
        s.slices = slices;
        s.segment_first = cut.first;
        s.step_bytes = align_up(cut.second, region_align);
        s.base = seq_space.allocate(s.step_bytes * steps, first, last);
        s.counter_base = ctrl_counter;
        s.preloaded = producer == no_index ? 1 : 0;
        ctrl_counter += steps;
        m.sequences.push_back(s);
        return m.sequences.size() - 1;
    };
    h.input_sequence =
        add_sequence(no_index, 0, w.input_size, 1, add_cut({{0, w.input_size}}), -1, input_last);
    std::vector<std::array<u64, 2>> sequence_of(layers, {no_index, no_index});
    for (u32 l = 0; l < layers; ++l)
        for (u32 d = 0; d < w.layers[l].directions(); ++d)
            sequence_of[l][d] = add_sequence(l, d, w.layers[l].units, groups[l].slices,
                                             cut_of[l], static_cast<int>(l), last_reader[l]);
    h.seq_buffer_bytes = seq_space.end();
    h.ctrl_counters = ctrl_counter;
    if (h.seq_buffer_bytes > t.seq_buffer_bytes)
        fail("workload '{}' does not fit: {} time steps of its layer outputs need {} of sequence "
             "buffer but platform '{}' has {}; use fewer steps (--steps N) or a larger "
             "seq_buffer.size",
             w.name, steps, bytes_text(h.seq_buffer_bytes), t.name,
             bytes_text(t.seq_buffer_bytes));
    if (h.ctrl_counters > t.ctrl_counters)
        fail("workload '{}' does not fit: {} time steps of {} sequences need {} arrival counters "
             "in the control node's NI but platform '{}' has {}; use fewer steps (--steps N) or "
             "a larger ctrl_ni.counters",
             w.name, steps, m.sequences.size(), h.ctrl_counters, t.name, t.ctrl_counters);

    // Activation-buffer regions.
    region_allocator act_space(region_align);
    u64 x_bytes[2] = {0, 0};
    std::vector<u32> x_tiles[2];
    for (u32 l = 0; l < layers; ++l)
        for (u32 d = 0; d < w.layers[l].directions(); ++d) {
            x_bytes[d] = std::max(x_bytes[d], encoded_bytes(w.layers[l].inputs,
                                                            w.layers[l].inputs, value_bytes));
            for (u32 tile : groups[l].tiles[d])
                if (std::find(x_tiles[d].begin(), x_tiles[d].end(), tile) == x_tiles[d].end())
                    x_tiles[d].push_back(tile);
        }
    u64 x_region[2][2] = {{0, 0}, {0, 0}};
    for (u32 d = 0; d < 2; ++d)
        if (!x_tiles[d].empty())
            for (u32 p = 0; p < 2; ++p) x_region[d][p] = act_space.allocate(x_bytes[d], x_tiles[d]);

    // Layers, their groups, regions and parts.
    for (u32 l = 0; l < layers; ++l) {
        const layer_desc& d = w.layers[l];
        layer_record r;
        r.kind = static_cast<u64>(d.kind);
        r.activation = static_cast<u64>(d.activation);
        r.bidirectional = d.bidirectional ? 1 : 0;
        r.merge = static_cast<u64>(d.merge);
        r.gates = d.gates();
        r.weight_bits = f.weight_bits;
        r.weight_frac_bits = f.weight_frac_bits;
        r.activation_bits = f.activation_bits;
        r.activation_frac_bits = f.activation_frac_bits;
        r.accumulator_bits = f.accumulator_bits;
        r.inputs = d.inputs;
        r.units = d.units;
        r.slices = groups[l].slices;
        r.segment_first = cut_of[l].first;
        r.sequence_fwd = sequence_of[l][0];
        r.sequence_bwd = sequence_of[l][1];
        r.x_bytes = encoded_bytes(d.inputs, d.inputs, value_bytes);
        r.x_region_fwd0 = x_region[0][0];
        r.x_region_fwd1 = x_region[0][1];
        r.x_region_bwd0 = x_region[1][0];
        r.x_region_bwd1 = x_region[1][1];
        r.x_counter_fwd0 = 0;
        r.x_counter_fwd1 = 1;
        r.x_counter_bwd0 = 2;
        r.x_counter_bwd1 = 3;
        r.credit_fwd0 = 0;
        r.credit_fwd1 = 1;
        r.credit_bwd0 = 2;
        r.credit_bwd1 = 3;
        r.member_fwd = m.members.size();
        for (u32 tile : groups[l].tiles[0]) m.members.push_back({tile});
        r.member_bwd = r.member_fwd;
        if (d.bidirectional) {
            r.member_bwd = m.members.size();
            for (u32 tile : groups[l].tiles[1]) m.members.push_back({tile});
        }
        r.part_first = m.parts.size();
        u64 offset = 0;
        for (const source_ref& s : sources[l]) {
            part_record p;
            p.layer = l;
            if (s.layer < 0) {
                p.source_a = h.input_sequence;
                p.combine = static_cast<u64>(part_combine::single);
                p.width = w.input_size;
            } else {
                const layer_desc& src = w.layers[static_cast<u32>(s.layer)];
                p.source_a = sequence_of[static_cast<u32>(s.layer)][0];
                if (src.bidirectional) {
                    p.source_b = sequence_of[static_cast<u32>(s.layer)][1];
                    p.combine = static_cast<u64>(src.merge == merge_mode::sum
                                                     ? part_combine::sum
                                                     : part_combine::concat);
                } else {
                    p.combine = static_cast<u64>(part_combine::single);
                }
                p.width = src.output_width();
            }
            p.offset = offset;
            offset += p.width;
            m.parts.push_back(p);
        }
        r.part_count = m.parts.size() - r.part_first;
        m.layers.push_back(r);
    }

    // Slots, in program order per tile, and their regions and weights.
    std::vector<u32> slots_on(t.tiles, 0);
    std::vector<u64> partition_used(u64{t.tiles} * t.pes, 0);
    std::vector<u8> weights;
    struct slot_place {
        u32 layer, direction;
        u64 h0, h1, rh, out;
    };
    std::vector<std::array<slot_place, 2>> regions(layers);
    for (u32 l = 0; l < layers; ++l) {
        const layer_desc& d = w.layers[l];
        for (u32 dir = 0; dir < d.directions(); ++dir) {
            const std::vector<u32>& tiles = groups[l].tiles[dir];
            slot_place& p = regions[l][dir];
            const u64 record = cut_of[l].second;
            const u64 slice_max = m.segments[cut_of[l].first].capacity;  // largest slice first
            // Live while the layer runs and while the next one starts.
            const int first = static_cast<int>(l), last = static_cast<int>(l) + 1;
            p.h0 = d.recurrent() ? act_space.allocate(record, tiles, first, last) : 0;
            p.h1 = d.recurrent() ? act_space.allocate(record, tiles, first, last) : 0;
            p.rh = d.kind == layer_kind::gru ? act_space.allocate(record, tiles, first, last) : 0;
            p.out = act_space.allocate(slice_max, tiles, first, last);
        }
    }
    h.act_buffer_bytes = act_space.end();
    if (h.act_buffer_bytes > t.act_buffer_bytes)
        fail("workload '{}' does not fit: the activation buffer needs {} on the fullest tile (x_t "
             "double buffers, each layer's h_t-1 double buffers, r*h and output slices) but "
             "platform '{}' has {}; use a larger tile.act_buffer.size",
             w.name, bytes_text(h.act_buffer_bytes), t.name, bytes_text(t.act_buffer_bytes));
    h.tile_counters = h_counter(layers, 0, 0);
    if (h.tile_counters > t.tile_counters)
        fail("workload '{}' does not fit: its {} layers need {} arrival counters in each tile's NI "
             "but platform '{}' has {}; use a larger tile.ni.counters",
             w.name, layers, h.tile_counters, t.name, t.tile_counters);

    for (u32 tile = 0; tile < t.tiles; ++tile) {
        for (u32 l = 0; l < layers; ++l) {
            const layer_desc& d = w.layers[l];
            for (u32 dir = 0; dir < d.directions(); ++dir) {
                const std::vector<u32>& tiles = groups[l].tiles[dir];
                const auto at = std::find(tiles.begin(), tiles.end(), tile);
                if (at == tiles.end()) continue;
                const u32 k = static_cast<u32>(at - tiles.begin());
                const segment_record& seg = m.segments[cut_of[l].first + k];
                slot_record s;
                s.tile = tile;
                s.slot = slots_on[tile]++;
                s.layer = l;
                s.direction = dir;
                s.slice = k;
                s.first_unit = seg.first;
                s.units = seg.length;
                const slot_place& p = regions[l][dir];
                s.h_region0 = p.h0;
                s.h_region1 = p.h1;
                s.rh_region = p.rh;
                s.out_region = p.out;
                if (d.recurrent()) {
                    s.h_counter0 = h_counter(l, dir, 0);
                    s.h_counter1 = h_counter(l, dir, 1);
                }
                if (d.kind == layer_kind::gru) s.rh_counter = h_counter(l, dir, 2);
                const packed_slot packed =
                    pack_slot_weights(d, w.weights[l].directions[dir], s.first_unit, s.units,
                                      t.pes, f);
                out.nonzero_weights += packed.nonzero_weights;
                s.block_first = m.blocks.size();
                for (const packed_block& b : packed.blocks) {
                    block_record r;
                    r.slot = m.slots.size();
                    r.pe = b.pe;
                    r.pass = static_cast<u64>(b.pass);
                    r.first_row = b.first_row;
                    r.rows = b.rows;
                    r.bias = b.bias ? 1 : 0;
                    r.bytes = b.bytes.size();
                    u64& used = partition_used[u64{tile} * t.pes + b.pe];
                    r.sram_address = b.pe * h.weight_partition_bytes + used;
                    used = align_up(used + r.bytes, region_align);
                    r.image_offset = weights.size();
                    weights.insert(weights.end(), b.bytes.begin(), b.bytes.end());
                    weights.resize(align_up(weights.size(), region_align), 0);
                    out.weight_bytes_total += r.bytes;
                    m.blocks.push_back(r);
                }
                s.block_count = m.blocks.size() - s.block_first;
                m.slots.push_back(s);
            }
        }
    }
    const auto fullest = std::max_element(partition_used.begin(), partition_used.end());
    out.weight_partition_max = *fullest;
    if (*fullest > h.weight_partition_bytes) {
        const u64 index = static_cast<u64>(fullest - partition_used.begin());
        fail("workload '{}' does not fit: tile {} PE {} needs {} of weight SRAM in its partition "
             "but has {} (tile.weight_sram.size {} / {} PEs; {} in all over {} tiles); use more "
             "tiles (--tiles N) or a larger tile.weight_sram.size",
             w.name, index / t.pes, index % t.pes, bytes_text(*fullest),
             bytes_text(h.weight_partition_bytes), bytes_text(t.weight_sram_bytes), t.pes,
             bytes_text(out.weight_bytes_total), t.tiles);
    }

    out.bytes = write_model_image(m, weights);
    return out;
}

std::vector<input_placement> place_input(const model_image& image, const workload& w,
                                         u32 steps) {
    const sequence_record& s = image.sequences.at(image.header.input_sequence);
    if (steps > image.header.max_steps)
        fail("{} time steps requested but the model image holds {}", steps,
             image.header.max_steps);
    if (w.input_size != image.header.input_size)
        fail("workload '{}' has input_size {} but the model image was compiled for {}", w.name,
             w.input_size, image.header.input_size);
    const fixed_format f = image.format();
    const u32 value_bytes = packed_value_bytes(f.activation_bits);
    std::vector<input_placement> out;
    std::vector<i16> dense(w.input_size);
    for (u32 t = 0; t < steps; ++t) {
        for (u32 i = 0; i < w.input_size; ++i)
            dense[i] = fixed::quantize_activation(w.input.at(t, i), f);
        const sparse_vector v = sparse_vector::encode(dense);
        input_placement p;
        p.address = s.base + u64{t} * s.step_bytes;
        p.bytes.resize(encoded_bytes(v.length, v.nnz(), value_bytes));
        serialize(v, value_bytes, p.bytes.data());
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace masr
