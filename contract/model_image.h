#pragma once
// The model image: what masr-pack compiles a workload into for one platform,
// and the only thing the hardware is given. The on-chip sequencer reads its
// header and tables through TLM, copies the weight blocks into the tiles and
// programs the tile controllers and the x_t streamer from the records; the
// host tools (masr-pack, masr-sim) write and check it.
//
// Layout (docs/model-image.md, generated from the field tables below):
//   image_header
//   tables, each an array of fixed-size records: layers, parts, sequences,
//     segments, slots, blocks, members (each table 8-byte aligned)
//   weight blocks (each 64-byte aligned), the last part of the image
// Little-endian throughout. total_bytes covers the whole image; crc32 is the
// CRC-32 (IEEE 802.3, as zlib) of the whole image with the crc32 field zero.
#include <string>
#include <vector>

#include "contract/fixed_point.h"
#include "contract/layer_types.h"
#include "contract/record.h"

namespace masr {

constexpr u32 model_image_magic = 0x4952534d;  // "MSRI"
constexpr u32 model_image_version = 3;

// Passes of one round over a slot's rows (block_record::pass).
enum class weight_pass : u8 {
    input = 0,      // W_x x_t for every gate row (biases first)
    recurrent = 1,  // W_h h_(t-1); GRU: only the z and r rows
    candidate = 2,  // GRU: U_c (r * h_(t-1)) for the candidate rows
};
// How weight rows are stored (image_header / layer_record weight_format):
// MASR's mask plus packed values per row, every value of the row (the dense
// baseline), or EIE's compressed sparse columns (contract/eie_format.h).
enum class weight_format : u8 { masked = 0, dense = 1, csc = 2 };
// Which memory of the tile a block goes to (block_record::memory).
enum class block_memory : u8 { weight_sram = 0, pointer_sram = 1 };
// How a layer-input part combines its sources (part_record::combine).
enum class part_combine : u8 { single = 0, sum = 1, concat = 2 };

struct image_header {
    u64 magic = model_image_magic, version = model_image_version, header_bytes = 0, total_bytes = 0,
        crc32 = 0;
    u64 tiles = 0, pes = 0, max_steps = 0, input_size = 0;
    u64 weight_bits = 0, weight_frac_bits = 0, activation_bits = 0, activation_frac_bits = 0,
        accumulator_bits = 0;
    u64 weight_format = 0, weight_code_bits = 0, index_bits = 0, activation_format = 0;
    u64 weight_partition_bytes = 0, pointer_partition_bytes = 0, act_buffer_bytes = 0,
        seq_buffer_bytes = 0;
    u64 tile_counters = 0, ctrl_counters = 0, input_sequence = 0;
    u64 layer_table = 0, layer_count = 0, part_table = 0, part_count = 0;
    u64 sequence_table = 0, sequence_count = 0, segment_table = 0, segment_count = 0;
    u64 slot_table = 0, slot_count = 0, block_table = 0, block_count = 0;
    u64 member_table = 0, member_count = 0;
    u64 weights_offset = 0, weights_bytes = 0;
    u64 continuable = 0;
    static const record_fields<image_header>& fields();

    fixed_format format() const;
};

struct layer_record {
    u64 kind = 0, activation = 0, bidirectional = 0, merge = 0, gates = 0;
    u64 weight_bits = 0, weight_frac_bits = 0, activation_bits = 0, activation_frac_bits = 0,
        accumulator_bits = 0;
    u64 weight_format = 0, weight_code_bits = 0, index_bits = 0, activation_format = 0;
    u64 inputs = 0, units = 0, slices = 0, segment_first = 0;
    u64 part_first = 0, part_count = 0;
    u64 sequence_fwd = no_index, sequence_bwd = no_index;
    u64 member_fwd = 0, member_bwd = 0;  // first member_record of each direction's group
    u64 x_bytes = 0;                     // encoded bytes of a dense x_t
    u64 x_region_fwd0 = 0, x_region_fwd1 = 0, x_region_bwd0 = 0, x_region_bwd1 = 0;
    u64 x_counter_fwd0 = 0, x_counter_fwd1 = 0, x_counter_bwd0 = 0, x_counter_bwd1 = 0;
    u64 credit_fwd0 = 0, credit_fwd1 = 0, credit_bwd0 = 0, credit_bwd1 = 0;
    static const record_fields<layer_record>& fields();

    u32 directions() const { return bidirectional ? 2 : 1; }
    u64 x_region(u32 direction, u32 parity) const;
    u64 x_counter(u32 direction, u32 parity) const;
    u64 credit(u32 direction, u32 parity) const;
    u64 member_first(u32 direction) const { return direction ? member_bwd : member_fwd; }
    fixed_format format() const;
    u64 sequence(u32 direction) const { return direction ? sequence_bwd : sequence_fwd; }
};

struct part_record {
    u64 layer = 0, source_a = 0, source_b = no_index, combine = 0, offset = 0, width = 0;
    static const record_fields<part_record>& fields();
};

struct sequence_record {
    u64 producer = no_index, direction = 0, length = 0, slices = 0, segment_first = 0;
    u64 base = 0, step_bytes = 0, counter_base = 0, preloaded = 0;
    static const record_fields<sequence_record>& fields();
};

struct segment_record {
    u64 first = 0, length = 0, offset = 0, capacity = 0;
    static const record_fields<segment_record>& fields();
};

struct slot_record {
    u64 tile = 0, slot = 0, layer = 0, direction = 0, slice = 0, first_unit = 0, units = 0;
    u64 block_first = 0, block_count = 0;
    u64 h_region0 = 0, h_region1 = 0, h_counter0 = 0, h_counter1 = 0;
    u64 rh_region = 0, rh_counter = 0, out_region = 0;
    static const record_fields<slot_record>& fields();

    u64 h_region(u32 parity) const { return parity ? h_region1 : h_region0; }
    u64 h_counter(u32 parity) const { return parity ? h_counter1 : h_counter0; }
};

struct block_record {
    u64 slot = 0, pe = 0, pass = 0, first_row = 0, rows = 0, bias = 0, memory = 0;
    u64 sram_address = 0, image_offset = 0, bytes = 0;
    static const record_fields<block_record>& fields();
};

struct member_record {
    u64 tile = 0;
    static const record_fields<member_record>& fields();
};

// A parsed image: the header and every table.
struct model_image {
    image_header header;
    std::vector<layer_record> layers;
    std::vector<part_record> parts;
    std::vector<sequence_record> sequences;
    std::vector<segment_record> segments;
    std::vector<slot_record> slots;
    std::vector<block_record> blocks;
    std::vector<member_record> members;

    fixed_format format() const { return header.format(); }
    // The group of tiles of one layer direction, in slice order.
    std::vector<u32> group(u32 layer, u32 direction) const;
};

// Lays out header, tables and the weight area (which the caller fills with
// the blocks at their image_offset, relative to the weight area) and sets the
// offsets, sizes and CRC. blocks' image_offset must lie inside `weights`.
std::vector<u8> write_model_image(model_image& image, const std::vector<u8>& weights);

// Bytes from the start of the image to the end of its tables (what the
// sequencer reads before the weights).
u64 model_image_tables_end(const image_header& header);

// Checks and parses an image (or its first `size` bytes, at least up to the
// end of its tables when check_crc is false). Throws input_error naming
// `source`, the record, index and field, and what was expected.
model_image parse_model_image(const u8* data, u64 size, const std::string& source,
                              bool check_crc = true);
image_header parse_image_header(const u8* data, u64 size, const std::string& source);

// CRC-32 of an image with its crc32 field taken as zero.
u32 model_image_crc(const u8* data, u64 size);

// What the sequencer writes to a tile controller for one of its slots: the
// records it needs, concatenated in this order.
struct slot_message {
    slot_record slot;
    layer_record layer;
    sequence_record output;                // the sequence this slot's slices go to
    std::vector<segment_record> segments;  // the layer's cut (layer.slices)
    std::vector<member_record> members;    // the slot's direction group (layer.slices)
    std::vector<block_record> blocks;      // slot.block_count
};
std::vector<u8> write_slot_message(const model_image& image, u32 slot);
// Throws input_error naming what is inconsistent.
slot_message parse_slot_message(const u8* data, u64 size);

// The Markdown field tables of every record, as docs/model-image.md holds them.
std::string model_image_layout_markdown();

}  // namespace masr
