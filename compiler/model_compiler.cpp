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

namespace {

// compile_model's state, phase by phase: the groups and cuts, the sequences
// in the sequence buffer, the activation-buffer regions, the layer records,
// the slots with their packed weights.
class model_builder {
public:
    model_builder(const workload& w, const mapping_target& t, u32 steps)
        : w_(w), t_(t), steps_(steps), layers_(static_cast<u32>(w.layers.size())) {}

    compiled_model build() {
        header();
        place_layers();
        place_sequences();
        place_x_slots();
        build_layers();
        place_layer_regions();
        build_slots();
        out_.bytes = write_model_image(m(), weights_);
        return std::move(out_);
    }

private:
    model_image& m() { return out_.image; }

    void header() {
        image_header& h = m().header;
        const fixed_format& f = w_.format;
        h.tiles = t_.tiles;
        h.pes = t_.pes;
        h.max_steps = steps_;
        h.input_size = w_.input_size;
        h.weight_bits = f.weight_bits;
        h.weight_frac_bits = f.weight_frac_bits;
        h.activation_bits = f.activation_bits;
        h.activation_frac_bits = f.activation_frac_bits;
        h.accumulator_bits = f.accumulator_bits;
        h.weight_partition_bytes = t_.weight_sram_bytes / t_.pes;
        h.weight_format = static_cast<u64>(t_.weights);
        h.activation_format = static_cast<u64>(t_.activations);
        if (t_.weights == weight_format::csc) {
            h.weight_code_bits = t_.csc.code_bits;
            h.index_bits = t_.csc.index_bits;
            h.pointer_partition_bytes = t_.pointer_sram_bytes / t_.pes;
        }
        value_bytes_ = packed_value_bytes(f.activation_bits);
        activations_ = vector_codec{t_.activations, value_bytes_};
        h.continuable = t_.continuable ? 1 : 0;
        if (t_.continuable)
            for (u32 l = 0; l < layers_; ++l)
                if (w_.layers[l].bidirectional)
                    fail(
                        "workload '{}' cannot be compiled continuable: layer {} is "
                        "bidirectional, and its backward direction needs the whole sequence "
                        "in one job",
                        w_.name, l);
    }

    // A continuable image keeps every region for the whole run: the next job
    // reads the state the last one left.
    std::pair<int, int> lifetime(int first, int last) const {
        if (t_.continuable) return {-1, static_cast<int>(layers_) + 1};
        return {first, last};
    }

    // Segment records of a cut; returns (first segment, bytes of a record).
    std::pair<u64, u64> add_cut(const std::vector<unit_slice>& cut) {
        const u64 first = m().segments.size();
        u64 offset = 0;
        for (const unit_slice& s : cut) {
            segment_record r;
            r.first = s.first;
            r.length = s.units;
            r.offset = offset;
            r.capacity = activations_.max_bytes(s.units);
            offset += r.capacity;
            m().segments.push_back(r);
        }
        return {first, offset};
    }

    void place_layers() {
        groups_.resize(layers_);
        cut_of_.resize(layers_);
        sources_.resize(layers_);
        for (u32 l = 0; l < layers_; ++l) {
            const layer_desc& d = w_.layers[l];
            groups_[l] = place_layer(d.units, d.bidirectional, t_.tiles, t_.directions);
            cut_of_[l] = add_cut(cut_units(d.units, groups_[l].slices));
            sources_[l] = sources_of(w_, l);
        }
    }

    // Sequences live from their writer to their last reader (the end when none).
    void place_sequences() {
        std::vector<int> last_reader(layers_, static_cast<int>(layers_));
        int input_last = -1;
        for (u32 l = 0; l < layers_; ++l)
            for (const source_ref& s : sources_[l]) {
                if (s.layer < 0) {
                    input_last = std::max(input_last, static_cast<int>(l));
                    continue;
                }
                int& last = last_reader[static_cast<u32>(s.layer)];
                last = last == static_cast<int>(layers_) ? static_cast<int>(l)
                                                         : std::max(last, static_cast<int>(l));
            }
        image_header& h = m().header;
        h.input_sequence = add_sequence(no_index, 0, w_.input_size, 1,
                                        add_cut({{0, w_.input_size}}), -1, input_last);
        sequence_of_.assign(layers_, {no_index, no_index});
        for (u32 l = 0; l < layers_; ++l)
            for (u32 d = 0; d < w_.layers[l].directions(); ++d)
                sequence_of_[l][d] = add_sequence(l, d, w_.layers[l].units, groups_[l].slices,
                                                  cut_of_[l], static_cast<int>(l), last_reader[l]);
        h.seq_buffer_bytes = seq_space_.end();
        h.ctrl_counters = ctrl_counter_;
        if (h.seq_buffer_bytes > t_.seq_buffer_bytes)
            fail(
                "workload '{}' does not fit: {} time steps of its layer outputs need {} of "
                "sequence buffer but platform '{}' has {}; use fewer steps (--steps N) or a "
                "larger seq_buffer.size",
                w_.name, steps_, bytes_text(h.seq_buffer_bytes), t_.name,
                bytes_text(t_.seq_buffer_bytes));
        if (h.ctrl_counters > t_.ctrl_counters)
            fail(
                "workload '{}' does not fit: {} time steps of {} sequences need {} arrival "
                "counters in the control node's NI but platform '{}' has {}; use fewer steps "
                "(--steps N) or a larger ctrl_ni.counters",
                w_.name, steps_, m().sequences.size(), h.ctrl_counters, t_.name, t_.ctrl_counters);
    }

    u64 add_sequence(u64 producer, u32 direction, u32 length, u64 slices, std::pair<u64, u64> cut,
                     int first, int last) {
        sequence_record s;
        s.producer = producer;
        s.direction = direction;
        s.length = length;
        s.slices = slices;
        s.segment_first = cut.first;
        s.step_bytes = align_up(cut.second, region_align);
        const auto [from, to] = lifetime(first, last);
        s.base = seq_space_.allocate(s.step_bytes * steps_, from, to);
        s.counter_base = ctrl_counter_;
        s.preloaded = producer == no_index ? 1 : 0;
        ctrl_counter_ += steps_;
        m().sequences.push_back(s);
        return m().sequences.size() - 1;
    }

    // Two x slots per direction, sized for its widest x_t, shared by every layer.
    void place_x_slots() {
        u64 x_bytes[2] = {0, 0};
        std::vector<u32> x_tiles[2];
        for (u32 l = 0; l < layers_; ++l)
            for (u32 d = 0; d < w_.layers[l].directions(); ++d) {
                const layer_desc& layer = w_.layers[l];
                x_bytes[d] = std::max(x_bytes[d], activations_.max_bytes(layer.inputs));
                for (u32 tile : groups_[l].tiles[d])
                    if (std::find(x_tiles[d].begin(), x_tiles[d].end(), tile) == x_tiles[d].end())
                        x_tiles[d].push_back(tile);
            }
        for (u32 d = 0; d < 2; ++d)
            if (!x_tiles[d].empty())
                for (u32 p = 0; p < 2; ++p)
                    x_region_[d][p] = act_space_.allocate(x_bytes[d], x_tiles[d]);
    }

    void build_layers() {
        for (u32 l = 0; l < layers_; ++l) {
            const layer_desc& d = w_.layers[l];
            const fixed_format& f = w_.format;
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
            r.weight_format = m().header.weight_format;
            r.weight_code_bits = m().header.weight_code_bits;
            r.index_bits = m().header.index_bits;
            r.activation_format = m().header.activation_format;
            r.inputs = d.inputs;
            r.units = d.units;
            r.slices = groups_[l].slices;
            r.segment_first = cut_of_[l].first;
            r.sequence_fwd = sequence_of_[l][0];
            r.sequence_bwd = sequence_of_[l][1];
            r.x_bytes = activations_.max_bytes(d.inputs);
            r.x_region_fwd0 = x_region_[0][0];
            r.x_region_fwd1 = x_region_[0][1];
            r.x_region_bwd0 = x_region_[1][0];
            r.x_region_bwd1 = x_region_[1][1];
            r.x_counter_fwd0 = 0;
            r.x_counter_fwd1 = 1;
            r.x_counter_bwd0 = 2;
            r.x_counter_bwd1 = 3;
            r.credit_fwd0 = 0;
            r.credit_fwd1 = 1;
            r.credit_bwd0 = 2;
            r.credit_bwd1 = 3;
            r.member_fwd = m().members.size();
            for (u32 tile : groups_[l].tiles[0]) m().members.push_back({tile});
            r.member_bwd = r.member_fwd;
            if (d.bidirectional) {
                r.member_bwd = m().members.size();
                for (u32 tile : groups_[l].tiles[1]) m().members.push_back({tile});
            }
            r.part_first = m().parts.size();
            add_parts(l);
            r.part_count = m().parts.size() - r.part_first;
            m().layers.push_back(r);
        }
    }

    // x_t's parts, one per source, concatenated in order.
    void add_parts(u32 l) {
        u64 offset = 0;
        for (const source_ref& s : sources_[l]) {
            part_record p;
            p.layer = l;
            if (s.layer < 0) {
                p.source_a = m().header.input_sequence;
                p.combine = static_cast<u64>(part_combine::single);
                p.width = w_.input_size;
            } else {
                const u32 source = static_cast<u32>(s.layer);
                const layer_desc& src = w_.layers[source];
                p.source_a = sequence_of_[source][0];
                if (src.bidirectional) {
                    p.source_b = sequence_of_[source][1];
                    p.combine = static_cast<u64>(
                        src.merge == merge_mode::sum ? part_combine::sum : part_combine::concat);
                } else {
                    p.combine = static_cast<u64>(part_combine::single);
                }
                p.width = src.output_width();
            }
            p.offset = offset;
            offset += p.width;
            m().parts.push_back(p);
        }
    }

    // Each layer direction's h regions (both parities), r*h and output slice,
    // alive while the layer runs and while the next one starts.
    void place_layer_regions() {
        regions_.resize(layers_);
        for (u32 l = 0; l < layers_; ++l) {
            const layer_desc& d = w_.layers[l];
            for (u32 dir = 0; dir < d.directions(); ++dir) {
                const std::vector<u32>& tiles = groups_[l].tiles[dir];
                layer_regions& p = regions_[l][dir];
                const u64 record = cut_of_[l].second;
                const u64 slice_max = m().segments[cut_of_[l].first].capacity;  // larger first
                const auto [first, last] = lifetime(static_cast<int>(l), static_cast<int>(l) + 1);
                p.h0 = d.recurrent() ? act_space_.allocate(record, tiles, first, last) : 0;
                p.h1 = d.recurrent() ? act_space_.allocate(record, tiles, first, last) : 0;
                p.rh =
                    d.kind == layer_kind::gru ? act_space_.allocate(record, tiles, first, last) : 0;
                p.out = act_space_.allocate(slice_max, tiles, first, last);
            }
        }
        image_header& h = m().header;
        h.act_buffer_bytes = act_space_.end();
        if (h.act_buffer_bytes > t_.act_buffer_bytes)
            fail(
                "workload '{}' does not fit: the activation buffer needs {} on the fullest tile "
                "(x_t double buffers, each layer's h_t-1 double buffers, r*h and output slices) "
                "but platform '{}' has {}; use a larger tile.act_buffer.size",
                w_.name, bytes_text(h.act_buffer_bytes), t_.name, bytes_text(t_.act_buffer_bytes));
        h.tile_counters = h_counter(layers_, 0, 0);
        if (h.tile_counters > t_.tile_counters)
            fail(
                "workload '{}' does not fit: its {} layers need {} arrival counters in each "
                "tile's NI but platform '{}' has {}; use a larger tile.ni.counters",
                w_.name, layers_, h.tile_counters, t_.name, t_.tile_counters);
    }

    // Slots in program order per tile (layer order, forward first), with
    // their packed weights in the PEs' partitions.
    void build_slots() {
        slots_on_.assign(t_.tiles, 0);
        partition_used_.assign(u64{t_.tiles} * t_.pes, 0);
        if (t_.weights == weight_format::csc) pointers_used_.assign(u64{t_.tiles} * t_.pes, 0);
        for (u32 tile = 0; tile < t_.tiles; ++tile)
            for (u32 l = 0; l < layers_; ++l)
                for (u32 dir = 0; dir < w_.layers[l].directions(); ++dir) {
                    const std::vector<u32>& tiles = groups_[l].tiles[dir];
                    const auto at = std::find(tiles.begin(), tiles.end(), tile);
                    if (at != tiles.end())
                        add_slot(tile, l, dir, static_cast<u32>(at - tiles.begin()));
                }
        check_weights();
    }

    void add_slot(u32 tile, u32 l, u32 dir, u32 k) {
        const layer_desc& d = w_.layers[l];
        const segment_record& seg = m().segments[cut_of_[l].first + k];
        slot_record s;
        s.tile = tile;
        s.slot = slots_on_[tile]++;
        s.layer = l;
        s.direction = dir;
        s.slice = k;
        s.first_unit = seg.first;
        s.units = seg.length;
        const layer_regions& p = regions_[l][dir];
        s.h_region0 = p.h0;
        s.h_region1 = p.h1;
        s.rh_region = p.rh;
        s.out_region = p.out;
        if (d.recurrent()) {
            s.h_counter0 = h_counter(l, dir, 0);
            s.h_counter1 = h_counter(l, dir, 1);
        }
        if (d.kind == layer_kind::gru) s.rh_counter = h_counter(l, dir, 2);
        const packed_slot packed = pack_slot_weights(d, w_.weights[l].directions[dir], s.first_unit,
                                                     s.units, t_.pes, w_.format, storage(l, dir));
        out_.nonzero_weights += packed.nonzero_weights;
        out_.padding_entries += packed.padding_entries;
        s.block_first = m().blocks.size();
        for (const packed_block& b : packed.blocks) {
            block_record r;
            r.slot = m().slots.size();
            r.pe = b.pe;
            r.pass = static_cast<u64>(b.pass);
            r.first_row = b.first_row;
            r.rows = b.rows;
            r.bias = b.bias ? 1 : 0;
            r.memory = static_cast<u64>(b.memory);
            r.bytes = b.bytes.size();
            const bool pointers = b.memory == block_memory::pointer_sram;
            u64& used = (pointers ? pointers_used_ : partition_used_)[u64{tile} * t_.pes + b.pe];
            r.sram_address = b.pe * (pointers ? m().header.pointer_partition_bytes
                                              : m().header.weight_partition_bytes) +
                             used;
            // Pointer blocks are u16 arrays: 8-byte alignment keeps them dense.
            used = align_up(used + r.bytes, pointers ? 8 : region_align);
            r.image_offset = weights_.size();
            weights_.insert(weights_.end(), b.bytes.begin(), b.bytes.end());
            weights_.resize(align_up(weights_.size(), region_align), 0);
            (pointers ? out_.pointer_bytes_total : out_.weight_bytes_total) += r.bytes;
            m().blocks.push_back(r);
        }
        s.block_count = m().blocks.size() - s.block_first;
        m().slots.push_back(s);
    }

    // The storage of a layer direction's weights: for csc with a codebook,
    // the codebook of the direction's matrices.
    weight_storage storage(u32 l, u32 dir) {
        weight_storage s;
        s.format = t_.weights;
        s.csc = t_.csc;
        s.csc.weight_bits = w_.format.weight_bits;
        if (s.format == weight_format::csc && s.csc.code_bits > 0) {
            std::vector<i16>& book = codebooks_[{l, dir}];
            if (book.empty()) {
                const direction_weights& dw = w_.weights[l].directions[dir];
                book = make_codebook({&dw.input.data, &dw.recurrent.data}, s.csc,
                                     fmt::format("workload '{}' layer '{}' direction {}", w_.name,
                                                 w_.layers[l].name, dir));
            }
            s.codebook = book;
        }
        return s;
    }

    // The fullest PE partition of one memory, and a message that says by how
    // much it does not fit.
    void check_partitions(const std::vector<u64>& used, u64 partition, u64& fullest_out,
                          const char* memory, u64 memory_bytes, u64 total) {
        if (used.empty()) return;
        const auto fullest = std::max_element(used.begin(), used.end());
        fullest_out = *fullest;
        if (*fullest <= partition) return;
        const u64 index = static_cast<u64>(fullest - used.begin());
        fail(
            "workload '{}' does not fit: tile {} PE {} needs {} of {} in its partition but has "
            "{} (tile.{}.size {} / {} PEs; {} in all over {} tiles); use more tiles (--tiles N) "
            "or a larger tile.{}.size",
            w_.name, index / t_.pes, index % t_.pes, bytes_text(*fullest),
            std::string(memory) == "weight_sram" ? "weight SRAM" : "pointer SRAM",
            bytes_text(partition), memory, bytes_text(memory_bytes), t_.pes, bytes_text(total),
            t_.tiles, memory);
    }

    void check_weights() {
        check_partitions(pointers_used_, m().header.pointer_partition_bytes,
                         out_.pointer_partition_max, "pointer_sram", t_.pointer_sram_bytes,
                         out_.pointer_bytes_total);
        check_partitions(partition_used_, m().header.weight_partition_bytes,
                         out_.weight_partition_max, "weight_sram", t_.weight_sram_bytes,
                         out_.weight_bytes_total);
    }

    struct layer_regions {
        u64 h0 = 0, h1 = 0, rh = 0, out = 0;
    };

    const workload& w_;
    const mapping_target& t_;
    const u32 steps_;
    const u32 layers_;
    u32 value_bytes_ = 2;
    vector_codec activations_;
    compiled_model out_;
    std::vector<layer_groups> groups_;
    std::vector<std::pair<u64, u64>> cut_of_;  // first segment, bytes of a record
    std::vector<std::vector<source_ref>> sources_;
    std::vector<std::array<u64, 2>> sequence_of_;
    std::vector<std::array<layer_regions, 2>> regions_;
    lifetime_allocator seq_space_{region_align};
    region_allocator act_space_{region_align};
    u64 ctrl_counter_ = credit_counter_count;
    u64 x_region_[2][2] = {{0, 0}, {0, 0}};
    std::vector<u32> slots_on_;
    std::vector<u64> partition_used_;
    std::vector<u64> pointers_used_;
    std::map<std::pair<u32, u32>, std::vector<i16>> codebooks_;
    std::vector<u8> weights_;
};

}  // namespace

compiled_model compile_model(const workload& w, const mapping_target& t, u32 steps) {
    if (steps > w.sequence_length)
        fail("{} time steps requested but workload '{}' ({}) has sequence_length {}", steps, w.name,
             w.file, w.sequence_length);
    if (steps == 0) steps = w.sequence_length;
    if (t.tiles == 0 || t.pes == 0) fail("platform '{}' has no tiles or no PEs", t.name);
    if (t.weight_sram_bytes % t.pes != 0)
        fail(
            "platform '{}': tile.weight_sram.size {} is not a multiple of the {} PEs' "
            "partitions",
            t.name, t.weight_sram_bytes, t.pes);
    if (t.weights == weight_format::csc &&
        (t.pointer_sram_bytes == 0 || t.pointer_sram_bytes % t.pes != 0))
        fail(
            "platform '{}': csc weights need a pointer SRAM of a multiple of the {} PEs' "
            "partitions, but tile.pointer_sram.size is {}",
            t.name, t.pes, t.pointer_sram_bytes);
    return model_builder(w, t, steps).build();
}

std::vector<input_placement> place_input(const model_image& image, const workload& w, u32 steps) {
    const sequence_record& s = image.sequences.at(image.header.input_sequence);
    if (steps > image.header.max_steps)
        fail("{} time steps requested but the model image holds {}", steps, image.header.max_steps);
    if (w.input_size != image.header.input_size)
        fail("workload '{}' has input_size {} but the model image was compiled for {}", w.name,
             w.input_size, image.header.input_size);
    const fixed_format f = image.format();
    const vector_codec codec{static_cast<vector_format>(image.header.activation_format),
                             packed_value_bytes(f.activation_bits)};
    std::vector<input_placement> out;
    std::vector<i16> dense(w.input_size);
    for (u32 t = 0; t < steps; ++t) {
        for (u32 i = 0; i < w.input_size; ++i)
            dense[i] = fixed::quantize_activation(w.input.at(t, i), f);
        const sparse_vector v = sparse_vector::encode(dense);
        input_placement p;
        p.address = s.base + u64{t} * s.step_bytes;
        p.bytes.resize(codec.bytes(v.length, v.nnz()));
        codec.store(v, p.bytes.data());
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace masr
