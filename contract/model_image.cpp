#include "contract/model_image.h"

#include <boost/crc.hpp>

#include "models/encoding/sparse_vector.h"

namespace masr {

namespace {

u64 align8(u64 n) {
    return (n + 7) / 8 * 8;
}
u64 align64(u64 n) {
    return (n + 63) / 64 * 64;
}

// Offset of image_header::crc32 on the image (magic 4, version 2, header_bytes 2, total 8).
constexpr u64 crc_offset = 16;

}  // namespace

const record_fields<image_header>& image_header::fields() {
    using h = image_header;
    static const record_fields<h> f{
        "image_header",
        "At offset 0. Table offsets are from the start of the image; counts are records.",
        {
            {"magic", 4, &h::magic, "0x4952534d (\"MSRI\")"},
            {"version", 2, &h::version, "format version, 3"},
            {"header_bytes", 2, &h::header_bytes, "size of this header"},
            {"total_bytes", 8, &h::total_bytes, "size of the whole image"},
            {"crc32", 4, &h::crc32, "CRC-32 (IEEE) of the whole image with this field zero"},
            {"tiles", 4, &h::tiles, "tile count the image was compiled for"},
            {"pes", 4, &h::pes, "PEs per tile (weight SRAM partitions)"},
            {"max_steps", 4, &h::max_steps, "time steps the sequence buffer layout holds"},
            {"input_size", 4, &h::input_size, "width of the network input x_t"},
            {"weight_bits", 1, &h::weight_bits, "quantization: weight bits"},
            {"weight_frac_bits", 1, &h::weight_frac_bits, "weight fractional bits"},
            {"activation_bits", 1, &h::activation_bits, "activation bits"},
            {"activation_frac_bits", 1, &h::activation_frac_bits, "activation fractional bits"},
            {"accumulator_bits", 1, &h::accumulator_bits, "accumulator bits (saturation)"},
            {"weight_format", 1, &h::weight_format,
             "weight rows: 0 masked (mask + packed values), 1 dense, 2 csc (EIE columns)"},
            {"weight_code_bits", 1, &h::weight_code_bits,
             "csc: bits of a weight code into the block's codebook (0: the weight itself)"},
            {"index_bits", 1, &h::index_bits, "csc: bits of an entry's relative row index"},
            {"activation_format", 1, &h::activation_format,
             "activation vectors: 0 masked (mask + packed values), 1 dense"},
            {"weight_partition_bytes", 8, &h::weight_partition_bytes,
             "bytes of one PE's weight-SRAM partition (the tile's weight SRAM / pes)"},
            {"pointer_partition_bytes", 8, &h::pointer_partition_bytes,
             "bytes of one PE's pointer-SRAM partition (csc column pointers; 0: no pointer SRAM)"},
            {"act_buffer_bytes", 8, &h::act_buffer_bytes,
             "activation-buffer bytes the regions need on every tile"},
            {"seq_buffer_bytes", 8, &h::seq_buffer_bytes,
             "sequence-buffer bytes the sequences need"},
            {"tile_counters", 4, &h::tile_counters, "arrival counters used in each tile's NI"},
            {"ctrl_counters", 4, &h::ctrl_counters,
             "arrival counters used in the control node's NI"},
            {"input_sequence", 4, &h::input_sequence,
             "sequence_record of the network input (preloaded by the host)"},
            {"layer_table", 8, &h::layer_table, "offset of the layer_record table"},
            {"layer_count", 4, &h::layer_count, "layers, in execution order"},
            {"part_table", 8, &h::part_table, "offset of the part_record table"},
            {"part_count", 4, &h::part_count, "layer-input parts"},
            {"sequence_table", 8, &h::sequence_table, "offset of the sequence_record table"},
            {"sequence_count", 4, &h::sequence_count, "stored sequences"},
            {"segment_table", 8, &h::segment_table, "offset of the segment_record table"},
            {"segment_count", 4, &h::segment_count, "segments"},
            {"slot_table", 8, &h::slot_table, "offset of the slot_record table"},
            {"slot_count", 4, &h::slot_count, "slots (tile x layer direction)"},
            {"block_table", 8, &h::block_table, "offset of the block_record table"},
            {"block_count", 4, &h::block_count, "weight blocks"},
            {"member_table", 8, &h::member_table, "offset of the member_record table"},
            {"member_count", 4, &h::member_count, "group members"},
            {"weights_offset", 8, &h::weights_offset, "offset of the weight area"},
            {"weights_bytes", 8, &h::weights_bytes, "size of the weight area"},
            {"continuable", 1, &h::continuable,
             "1: every region lives for the whole run, so a job may continue the previous "
             "job's time steps with its state (unidirectional layers only); 0: each job is a "
             "whole sequence"},
        }};
    return f;
}

const record_fields<layer_record>& layer_record::fields() {
    using r = layer_record;
    static const record_fields<r> f{
        "layer_record",
        "One per layer, in execution order. A layer's units are cut into `slices` contiguous "
        "slices (segment_record), one per tile of each direction's group; both directions use "
        "the same cut. Region addresses are in every group tile's activation buffer, counters "
        "in the tile NIs; credits are control-node counters the tiles increment when they have "
        "read an x slot.",
        {
            {"kind", 1, &r::kind, "0 rnn, 1 gru, 2 lstm, 3 dense"},
            {"activation", 1, &r::activation, "0 relu, 1 tanh, 2 sigmoid, 3 linear"},
            {"bidirectional", 1, &r::bidirectional, "1: a forward and a backward direction"},
            {"merge", 1, &r::merge, "bidirectional outputs: 0 sum, 1 concat"},
            {"gates", 1, &r::gates, "gate rows per unit: 1, 3 (GRU) or 4 (LSTM)"},
            {"weight_bits", 1, &r::weight_bits, "quantization, as in the image header"},
            {"weight_frac_bits", 1, &r::weight_frac_bits, "weight fractional bits"},
            {"activation_bits", 1, &r::activation_bits, "activation bits"},
            {"activation_frac_bits", 1, &r::activation_frac_bits, "activation fractional bits"},
            {"accumulator_bits", 1, &r::accumulator_bits, "accumulator bits"},
            {"weight_format", 1, &r::weight_format, "as in the image header"},
            {"weight_code_bits", 1, &r::weight_code_bits,
             "csc: bits of a weight code into the block's codebook (0: the weight itself)"},
            {"index_bits", 1, &r::index_bits, "csc: bits of an entry's relative row index"},
            {"activation_format", 1, &r::activation_format,
             "activation vectors: 0 masked (mask + packed values), 1 dense"},
            {"inputs", 4, &r::inputs, "M, width of x_t"},
            {"units", 4, &r::units, "N, units per direction"},
            {"slices", 4, &r::slices, "K, slices (tiles per direction group)"},
            {"segment_first", 4, &r::segment_first, "first of the K segment_records of the cut"},
            {"part_first", 4, &r::part_first, "first part_record of x_t"},
            {"part_count", 4, &r::part_count, "parts of x_t, concatenated in order"},
            {"sequence_fwd", 4, &r::sequence_fwd, "sequence_record of the forward output"},
            {"sequence_bwd", 4, &r::sequence_bwd,
             "sequence_record of the backward output, or 0xffffffff"},
            {"member_fwd", 4, &r::member_fwd, "first of K member_records: forward group"},
            {"member_bwd", 4, &r::member_bwd, "first of K member_records: backward group"},
            {"x_bytes", 4, &r::x_bytes, "bytes of x_t encoded dense (its region size)"},
            {"x_region_fwd0", 4, &r::x_region_fwd0, "activation-buffer address: forward x slot 0"},
            {"x_region_fwd1", 4, &r::x_region_fwd1, "forward x slot 1 (double buffer)"},
            {"x_region_bwd0", 4, &r::x_region_bwd0, "backward x slot 0"},
            {"x_region_bwd1", 4, &r::x_region_bwd1, "backward x slot 1"},
            {"x_counter_fwd0", 4, &r::x_counter_fwd0, "tile NI counter: fills of forward slot 0"},
            {"x_counter_fwd1", 4, &r::x_counter_fwd1, "fills of forward slot 1"},
            {"x_counter_bwd0", 4, &r::x_counter_bwd0, "fills of backward slot 0"},
            {"x_counter_bwd1", 4, &r::x_counter_bwd1, "fills of backward slot 1"},
            {"credit_fwd0", 4, &r::credit_fwd0, "control-node counter: reads of forward slot 0"},
            {"credit_fwd1", 4, &r::credit_fwd1, "reads of forward slot 1"},
            {"credit_bwd0", 4, &r::credit_bwd0, "reads of backward slot 0"},
            {"credit_bwd1", 4, &r::credit_bwd1, "reads of backward slot 1"},
        }};
    return f;
}

const record_fields<part_record>& part_record::fields() {
    using r = part_record;
    static const record_fields<r> f{
        "part_record",
        "One source of a layer's input x_t: elements [offset, offset + width) of x_t. The "
        "streamer reads the sources at the step's time index and writes x_t to the group.",
        {
            {"layer", 4, &r::layer, "consuming layer"},
            {"source_a", 4, &r::source_a, "sequence_record (the forward one of a layer)"},
            {"source_b", 4, &r::source_b, "backward sequence_record, or 0xffffffff"},
            {"combine", 1, &r::combine,
             "0 single (source_a), 1 sum (a + b, saturated), 2 concat (a then b)"},
            {"offset", 4, &r::offset, "first element of x_t"},
            {"width", 4, &r::width, "elements"},
        }};
    return f;
}

const record_fields<sequence_record>& sequence_record::fields() {
    using r = sequence_record;
    static const record_fields<r> f{
        "sequence_record",
        "A sequence in the sequence buffer: one record of `step_bytes` per time index, each "
        "holding the encoded slices at their segment offsets. Slice k of time index t is "
        "complete when control-node counter counter_base + t has counted one arrival per "
        "slice.",
        {
            {"producer", 4, &r::producer, "layer that writes it, or 0xffffffff (network input)"},
            {"direction", 1, &r::direction, "0 forward, 1 backward"},
            {"length", 4, &r::length, "elements per time step"},
            {"slices", 4, &r::slices, "slices per time step"},
            {"segment_first", 4, &r::segment_first, "first of its segment_records"},
            {"base", 8, &r::base, "sequence-buffer address of time index 0"},
            {"step_bytes", 8, &r::step_bytes, "bytes per time index"},
            {"counter_base", 4, &r::counter_base, "control-node counter of time index 0"},
            {"preloaded", 1, &r::preloaded, "1: written by the host before the run"},
        }};
    return f;
}

const record_fields<segment_record>& segment_record::fields() {
    using r = segment_record;
    static const record_fields<r> f{
        "segment_record",
        "One slice of a vector: elements [first, first + length), stored as its own encoded "
        "vector (mask words, packed values, padding) at `offset` within the vector's record.",
        {
            {"first", 4, &r::first, "first element"},
            {"length", 4, &r::length, "elements"},
            {"offset", 4, &r::offset, "byte offset in the record"},
            {"capacity", 4, &r::capacity, "bytes reserved: the slice encoded dense"},
        }};
    return f;
}

const record_fields<slot_record>& slot_record::fields() {
    using r = slot_record;
    static const record_fields<r> f{
        "slot_record",
        "One layer direction's slice on one tile. A tile runs its slots in table order, a "
        "layer's forward slot before its backward one; h regions hold the K segments of "
        "h_(t-1) (double-buffered by step parity), rh the GRU's r*h.",
        {
            {"tile", 4, &r::tile, "tile"},
            {"slot", 4, &r::slot, "index in the tile's slot table"},
            {"layer", 4, &r::layer, "layer_record"},
            {"direction", 1, &r::direction, "0 forward, 1 backward"},
            {"slice", 4, &r::slice, "k: which segment of the cut this tile computes"},
            {"first_unit", 4, &r::first_unit, "first unit of the slice"},
            {"units", 4, &r::units, "units of the slice"},
            {"block_first", 4, &r::block_first, "first block_record"},
            {"block_count", 4, &r::block_count, "weight blocks (pes x passes)"},
            {"h_region0", 4, &r::h_region0, "activation-buffer address of h for even steps"},
            {"h_region1", 4, &r::h_region1, "h for odd steps"},
            {"h_counter0", 4, &r::h_counter0, "tile NI counter: slices arrived in h_region0"},
            {"h_counter1", 4, &r::h_counter1, "slices arrived in h_region1"},
            {"rh_region", 4, &r::rh_region, "GRU r*h region (0 for other kinds)"},
            {"rh_counter", 4, &r::rh_counter, "tile NI counter of rh_region"},
            {"out_region", 4, &r::out_region, "where the compressor writes the tile's slice"},
        }};
    return f;
}

const record_fields<block_record>& block_record::fields() {
    using r = block_record;
    static const record_fields<r> f{
        "block_record",
        "The rows one PE streams in one pass, in its own weight-SRAM partition: each row part "
        "an encoded vector (docs/encoding.md); an input block starts with the rows' biases "
        "(i32, padded to 8 bytes).",
        {
            {"slot", 4, &r::slot, "slot_record"},
            {"pe", 4, &r::pe, "PE (weight-SRAM partition)"},
            {"pass", 1, &r::pass, "0 input (W_x), 1 recurrent (W_h), 2 GRU candidate (U_c)"},
            {"first_row", 4, &r::first_row, "first row of the pass's row list"},
            {"rows", 4, &r::rows, "rows"},
            {"bias", 1, &r::bias, "1: the block starts with the rows' biases"},
            {"memory", 1, &r::memory,
             "0 weight SRAM (rows or csc entries), 1 pointer SRAM (csc column pointers)"},
            {"sram_address", 8, &r::sram_address, "address in that memory"},
            {"image_offset", 8, &r::image_offset, "offset in the weight area of the image"},
            {"bytes", 8, &r::bytes, "size"},
        }};
    return f;
}

const record_fields<member_record>& member_record::fields() {
    using r = member_record;
    static const record_fields<r> f{
        "member_record",
        "Tiles of a direction group, in slice order (slice k on the k-th member).",
        {{"tile", 4, &r::tile, "tile"}}};
    return f;
}

fixed_format image_header::format() const {
    fixed_format f;
    f.weight_bits = static_cast<unsigned>(weight_bits);
    f.weight_frac_bits = static_cast<unsigned>(weight_frac_bits);
    f.activation_bits = static_cast<unsigned>(activation_bits);
    f.activation_frac_bits = static_cast<unsigned>(activation_frac_bits);
    f.accumulator_bits = static_cast<unsigned>(accumulator_bits);
    return f;
}

fixed_format layer_record::format() const {
    fixed_format f;
    f.weight_bits = static_cast<unsigned>(weight_bits);
    f.weight_frac_bits = static_cast<unsigned>(weight_frac_bits);
    f.activation_bits = static_cast<unsigned>(activation_bits);
    f.activation_frac_bits = static_cast<unsigned>(activation_frac_bits);
    f.accumulator_bits = static_cast<unsigned>(accumulator_bits);
    return f;
}

u64 layer_record::x_region(u32 direction, u32 parity) const {
    return direction ? (parity ? x_region_bwd1 : x_region_bwd0)
                     : (parity ? x_region_fwd1 : x_region_fwd0);
}
u64 layer_record::x_counter(u32 direction, u32 parity) const {
    return direction ? (parity ? x_counter_bwd1 : x_counter_bwd0)
                     : (parity ? x_counter_fwd1 : x_counter_fwd0);
}
u64 layer_record::credit(u32 direction, u32 parity) const {
    return direction ? (parity ? credit_bwd1 : credit_bwd0) : (parity ? credit_fwd1 : credit_fwd0);
}

std::vector<u32> model_image::group(u32 layer, u32 direction) const {
    const layer_record& l = layers.at(layer);
    std::vector<u32> tiles;
    for (u64 k = 0; k < l.slices; ++k)
        tiles.push_back(static_cast<u32>(members.at(l.member_first(direction) + k).tile));
    return tiles;
}

u32 model_image_crc(const u8* data, u64 size) {
    boost::crc_32_type crc;
    const u64 head = std::min<u64>(size, crc_offset);
    crc.process_bytes(data, head);
    if (size > crc_offset) {
        const u8 zero[4] = {0, 0, 0, 0};
        crc.process_bytes(zero, std::min<u64>(4, size - crc_offset));
        if (size > crc_offset + 4) crc.process_bytes(data + crc_offset + 4, size - crc_offset - 4);
    }
    return crc.checksum();
}

namespace {

template <typename R>
u64 place_table(u64& at, u64 count) {
    const u64 offset = align8(at);
    at = offset + count * record_bytes<R>();
    return offset;
}

template <typename R>
void write_table(std::vector<u8>& out, u64 offset, const std::vector<R>& records) {
    for (std::size_t i = 0; i < records.size(); ++i)
        write_record(records[i], out.data() + offset + i * record_bytes<R>());
}

}  // namespace

u64 model_image_tables_end(const image_header& h) {
    u64 end = h.header_bytes;
    auto table = [&](u64 offset, u64 count, u64 bytes) {
        end = std::max(end, offset + count * bytes);
    };
    table(h.layer_table, h.layer_count, record_bytes<layer_record>());
    table(h.part_table, h.part_count, record_bytes<part_record>());
    table(h.sequence_table, h.sequence_count, record_bytes<sequence_record>());
    table(h.segment_table, h.segment_count, record_bytes<segment_record>());
    table(h.slot_table, h.slot_count, record_bytes<slot_record>());
    table(h.block_table, h.block_count, record_bytes<block_record>());
    table(h.member_table, h.member_count, record_bytes<member_record>());
    return end;
}

std::vector<u8> write_model_image(model_image& image, const std::vector<u8>& weights) {
    image_header& h = image.header;
    h.magic = model_image_magic;
    h.version = model_image_version;
    h.header_bytes = record_bytes<image_header>();
    u64 at = h.header_bytes;
    h.layer_count = image.layers.size();
    h.layer_table = place_table<layer_record>(at, h.layer_count);
    h.part_count = image.parts.size();
    h.part_table = place_table<part_record>(at, h.part_count);
    h.sequence_count = image.sequences.size();
    h.sequence_table = place_table<sequence_record>(at, h.sequence_count);
    h.segment_count = image.segments.size();
    h.segment_table = place_table<segment_record>(at, h.segment_count);
    h.slot_count = image.slots.size();
    h.slot_table = place_table<slot_record>(at, h.slot_count);
    h.block_count = image.blocks.size();
    h.block_table = place_table<block_record>(at, h.block_count);
    h.member_count = image.members.size();
    h.member_table = place_table<member_record>(at, h.member_count);
    h.weights_offset = align64(at);
    h.weights_bytes = weights.size();
    h.total_bytes = h.weights_offset + h.weights_bytes;
    h.crc32 = 0;

    std::vector<u8> out(h.total_bytes, 0);
    write_record(h, out.data());
    write_table(out, h.layer_table, image.layers);
    write_table(out, h.part_table, image.parts);
    write_table(out, h.sequence_table, image.sequences);
    write_table(out, h.segment_table, image.segments);
    write_table(out, h.slot_table, image.slots);
    write_table(out, h.block_table, image.blocks);
    write_table(out, h.member_table, image.members);
    std::copy(weights.begin(), weights.end(), out.begin() + static_cast<long>(h.weights_offset));
    h.crc32 = model_image_crc(out.data(), out.size());
    write_record(h, out.data());
    return out;
}

image_header parse_image_header(const u8* data, u64 size, const std::string& source) {
    const u64 header_bytes = record_bytes<image_header>();
    if (size < header_bytes)
        fail("{}: {} bytes is too short for a model image: its header alone is {} bytes", source,
             size, header_bytes);
    const image_header h = read_record<image_header>(data);
    if (h.magic != model_image_magic)
        fail(
            "{}: image_header.magic is 0x{:08x}, expected 0x{:08x} (\"MSRI\"); is this a model "
            "image written by masr-pack?",
            source, h.magic, model_image_magic);
    if (h.version != model_image_version)
        fail("{}: image_header.version is {}, this model reads version {}; re-run masr-pack",
             source, h.version, model_image_version);
    if (h.header_bytes != header_bytes)
        fail("{}: image_header.header_bytes is {}, expected {}", source, h.header_bytes,
             header_bytes);
    return h;
}

namespace {

struct checker {
    const std::string& source;

    template <typename... Args>
    [[noreturn]] void bad(const char* record, u64 index, const char* field,
                          fmt::format_string<Args...> what, Args&&... args) const {
        fail("{}: {}[{}].{} {}", source, record, index, field,
             fmt::format(what, std::forward<Args>(args)...));
    }
};

template <typename R>
std::vector<R> read_table(const u8* data, u64 size, u64 offset, u64 count, const char* field,
                          const std::string& source) {
    const u64 bytes = record_bytes<R>();
    if (offset % 8 != 0 || offset > size || count > (size - offset) / bytes)
        fail("{}: image_header.{} = {} with {} records of {} bytes runs past the {} bytes read",
             source, field, offset, count, bytes, size);
    std::vector<R> records;
    records.reserve(count);
    for (u64 i = 0; i < count; ++i) records.push_back(read_record<R>(data + offset + i * bytes));
    return records;
}

}  // namespace

model_image parse_model_image(const u8* data, u64 size, const std::string& source, bool check_crc) {
    model_image m;
    image_header& h = m.header;
    h = parse_image_header(data, size, source);
    const checker c{source};
    if (check_crc) {
        if (h.total_bytes != size)
            fail(
                "{}: image_header.total_bytes is {} but the image has {} bytes (truncated or "
                "padded?)",
                source, h.total_bytes, size);
        const u32 crc = model_image_crc(data, size);
        if (crc != h.crc32)
            fail(
                "{}: CRC-32 is 0x{:08x} but image_header.crc32 says 0x{:08x}: the image is "
                "corrupt",
                source, crc, h.crc32);
    }
    if (h.weights_offset + h.weights_bytes != h.total_bytes || h.weights_offset % 64 != 0)
        fail("{}: the weight area [{}, +{}) must be 64-byte aligned and end the {}-byte image",
             source, h.weights_offset, h.weights_bytes, h.total_bytes);
    if (h.tiles == 0 || h.pes == 0 || h.max_steps == 0 || h.input_size == 0)
        fail(
            "{}: image_header: tiles, pes, max_steps and input_size must be at least 1 (got {}, "
            "{}, {}, {})",
            source, h.tiles, h.pes, h.max_steps, h.input_size);
    const fixed_format f = h.format();
    if (f.weight_bits < 2 || f.weight_bits > 16 || f.activation_bits < 2 ||
        f.activation_bits > 16 || f.accumulator_bits < 2 || f.accumulator_bits > 63 ||
        f.weight_frac_bits >= 31 || f.activation_frac_bits >= 31)
        fail(
            "{}: image_header: unsupported fixed format (weights {} bits, activations {} bits, "
            "accumulator {} bits); expected 2..16, 2..16, 2..63",
            source, f.weight_bits, f.activation_bits, f.accumulator_bits);
    const u64 tables_end = model_image_tables_end(h);
    if (tables_end > h.weights_offset)
        fail("{}: the tables end at byte {}, past the weight area at {}", source, tables_end,
             h.weights_offset);
    m.layers =
        read_table<layer_record>(data, size, h.layer_table, h.layer_count, "layer_table", source);
    m.parts = read_table<part_record>(data, size, h.part_table, h.part_count, "part_table", source);
    m.sequences = read_table<sequence_record>(data, size, h.sequence_table, h.sequence_count,
                                              "sequence_table", source);
    m.segments = read_table<segment_record>(data, size, h.segment_table, h.segment_count,
                                            "segment_table", source);
    m.slots = read_table<slot_record>(data, size, h.slot_table, h.slot_count, "slot_table", source);
    m.blocks =
        read_table<block_record>(data, size, h.block_table, h.block_count, "block_table", source);
    m.members = read_table<member_record>(data, size, h.member_table, h.member_count,
                                          "member_table", source);
    if (m.layers.empty()) fail("{}: the image has no layers", source);

    if (h.weight_format > 2)
        c.bad("image_header", 0, "weight_format", "is {}, expected 0 masked, 1 dense or 2 csc",
              h.weight_format);
    if (h.activation_format > 1)
        c.bad("image_header", 0, "activation_format", "is {}, expected 0 masked or 1 dense",
              h.activation_format);
    if (h.continuable > 1)
        c.bad("image_header", 0, "continuable", "is {}, expected 0 or 1", h.continuable);
    const bool csc = h.weight_format == static_cast<u64>(weight_format::csc);
    if (csc && (h.index_bits == 0 || h.index_bits > 8 || h.weight_code_bits > 8 ||
                h.pointer_partition_bytes == 0))
        c.bad("image_header", 0, "index_bits",
              "is {} (weight_code_bits {}, pointer_partition_bytes {}): csc weights need 1 to 8 "
              "index bits, at most 8 code bits and a pointer SRAM",
              h.index_bits, h.weight_code_bits, h.pointer_partition_bytes);
    const vector_codec activations{static_cast<vector_format>(h.activation_format),
                                   packed_value_bytes(f.activation_bits)};
    auto check_cut = [&](const char* record, u64 index, u64 first, u64 count, u64 length) {
        if (first > m.segments.size() || count > m.segments.size() - first)
            c.bad(record, index, "segment_first",
                  "= {} with {} segments runs past the {} "
                  "segment_records",
                  first, count, m.segments.size());
        u64 next = 0, offset = 0;
        for (u64 k = 0; k < count; ++k) {
            const segment_record& s = m.segments[first + k];
            if (s.first != next || s.length == 0)
                c.bad("segment_record", first + k, "first",
                      "is {} (length {}), expected {} with a positive length: the segments of "
                      "{}[{}] must cut [0, {}) in order",
                      s.first, s.length, next, record, index, length);
            if (s.offset < offset || s.capacity < activations.max_bytes(static_cast<u32>(s.length)))
                c.bad("segment_record", first + k, "capacity",
                      "is {} at offset {}: expected room for {} elements with no zero "
                      "after the previous segment",
                      s.capacity, s.offset, s.length);
            next += s.length;
            offset = s.offset + s.capacity;
        }
        if (next != length)
            c.bad(record, index, "segment_first", "segments cover {} elements, expected {}", next,
                  length);
        return offset;
    };
    auto check_counter = [&](const char* record, u64 index, const char* field, u64 counter,
                             u64 limit, const char* where) {
        if (counter >= limit)
            c.bad(record, index, field, "is {}, expected a {} counter below {}", counter, where,
                  limit);
    };
    auto check_region = [&](const char* record, u64 index, const char* field, u64 address,
                            u64 bytes) {
        if (address % 8 != 0 || address + bytes > h.act_buffer_bytes)
            c.bad(record, index, field,
                  "= 0x{:x} with {} bytes is not an 8-byte aligned region inside the {} "
                  "activation-buffer bytes of image_header.act_buffer_bytes",
                  address, bytes, h.act_buffer_bytes);
    };

    for (u64 s = 0; s < m.sequences.size(); ++s) {
        const sequence_record& q = m.sequences[s];
        if (q.producer != no_index && q.producer >= m.layers.size())
            c.bad("sequence_record", s, "producer", "is {}, expected a layer below {}", q.producer,
                  m.layers.size());
        if (q.slices == 0) c.bad("sequence_record", s, "slices", "is 0, expected at least 1");
        const u64 end = check_cut("sequence_record", s, q.segment_first, q.slices, q.length);
        if (end > q.step_bytes)
            c.bad("sequence_record", s, "step_bytes", "is {}, its segments need {}", q.step_bytes,
                  end);
        if (q.base + q.step_bytes * h.max_steps > h.seq_buffer_bytes)
            c.bad("sequence_record", s, "base",
                  "= {} + {} steps x {} bytes runs past image_header.seq_buffer_bytes {}", q.base,
                  h.max_steps, q.step_bytes, h.seq_buffer_bytes);
        if (q.counter_base + h.max_steps > h.ctrl_counters)
            c.bad("sequence_record", s, "counter_base",
                  "= {} + {} steps runs past image_header.ctrl_counters {}", q.counter_base,
                  h.max_steps, h.ctrl_counters);
    }
    if (h.input_sequence >= m.sequences.size() ||
        m.sequences[h.input_sequence].producer != no_index ||
        m.sequences[h.input_sequence].length != h.input_size)
        fail(
            "{}: image_header.input_sequence is {}, expected a preloaded sequence of "
            "input_size {} elements",
            source, h.input_sequence, h.input_size);

    for (u64 l = 0; l < m.layers.size(); ++l) {
        const layer_record& r = m.layers[l];
        if (!valid(static_cast<layer_kind>(r.kind)) || r.kind > 3)
            c.bad("layer_record", l, "kind", "is {}, expected 0 to 3", r.kind);
        if (r.activation > 3)
            c.bad("layer_record", l, "activation", "is {}, expected 0 to 3", r.activation);
        if (r.merge > 1) c.bad("layer_record", l, "merge", "is {}, expected 0 or 1", r.merge);
        if (r.bidirectional > 1)
            c.bad("layer_record", l, "bidirectional", "is {}, expected 0 or 1", r.bidirectional);
        if (h.continuable && r.bidirectional)
            c.bad("layer_record", l, "bidirectional",
                  "is 1 in a continuable image (image_header.continuable): a backward "
                  "direction needs the whole sequence");
        if (r.weight_bits != h.weight_bits || r.weight_frac_bits != h.weight_frac_bits ||
            r.activation_bits != h.activation_bits ||
            r.activation_frac_bits != h.activation_frac_bits ||
            r.accumulator_bits != h.accumulator_bits)
            c.bad("layer_record", l, "weight_bits",
                  "and the other format fields differ from the image header's");
        if (r.weight_format != h.weight_format || r.weight_code_bits != h.weight_code_bits ||
            r.index_bits != h.index_bits || r.activation_format != h.activation_format)
            c.bad("layer_record", l, "weight_format",
                  "and the other storage-format fields differ from the image header's");
        if (r.gates != gate_count(static_cast<layer_kind>(r.kind)))
            c.bad("layer_record", l, "gates", "is {}, a {} layer has {}", r.gates,
                  enum_to_string(static_cast<layer_kind>(r.kind)),
                  gate_count(static_cast<layer_kind>(r.kind)));
        if (r.inputs == 0 || r.units == 0)
            c.bad("layer_record", l, "units", "and inputs must be positive (got {} and {})",
                  r.units, r.inputs);
        if (r.slices == 0 || r.slices > r.units || r.slices > h.tiles)
            c.bad("layer_record", l, "slices", "is {}, expected 1 to min(units {}, tiles {})",
                  r.slices, r.units, h.tiles);
        check_cut("layer_record", l, r.segment_first, r.slices, r.units);
        for (u32 d = 0; d < 2; ++d) {
            const u64 q = r.sequence(d);
            if (d == 1 && !r.bidirectional) {
                if (q != no_index)
                    c.bad("layer_record", l, "sequence_bwd",
                          "is {}, expected 0xffffffff for a unidirectional layer", q);
                continue;
            }
            if (q >= m.sequences.size() || m.sequences[q].producer != l ||
                m.sequences[q].direction != d || m.sequences[q].length != r.units ||
                m.sequences[q].slices != r.slices)
                c.bad("layer_record", l, d ? "sequence_bwd" : "sequence_fwd",
                      "is {}, expected the sequence this layer's direction {} writes ({} "
                      "elements in {} slices)",
                      q, d, r.units, r.slices);
            if (r.member_first(d) + r.slices > m.members.size())
                c.bad("layer_record", l, d ? "member_bwd" : "member_fwd",
                      "= {} with {} members runs past the {} member_records", r.member_first(d),
                      r.slices, m.members.size());
            for (u32 p = 0; p < 2; ++p) {
                check_region("layer_record", l, "x_region", r.x_region(d, p), r.x_bytes);
                check_counter("layer_record", l, "x_counter", r.x_counter(d, p), h.tile_counters,
                              "tile");
                check_counter("layer_record", l, "credit", r.credit(d, p), h.ctrl_counters,
                              "control-node");
            }
        }
        if (r.x_bytes < activations.max_bytes(static_cast<u32>(r.inputs)))
            c.bad("layer_record", l, "x_bytes", "is {}, less than x_t with no zero ({} bytes)",
                  r.x_bytes, activations.max_bytes(static_cast<u32>(r.inputs)));
        if (r.part_first > m.parts.size() || r.part_count > m.parts.size() - r.part_first ||
            r.part_count == 0)
            c.bad("layer_record", l, "part_first",
                  "= {} with {} parts runs past the {} "
                  "part_records",
                  r.part_first, r.part_count, m.parts.size());
        u64 next = 0;
        for (u64 i = r.part_first; i < r.part_first + r.part_count; ++i) {
            const part_record& p = m.parts[i];
            if (p.layer != l) c.bad("part_record", i, "layer", "is {}, expected {}", p.layer, l);
            if (p.offset != next)
                c.bad("part_record", i, "offset", "is {}, expected {} (parts in order)", p.offset,
                      next);
            if (p.combine > 2)
                c.bad("part_record", i, "combine", "is {}, expected 0 to 2", p.combine);
            auto source_length = [&](u64 q, const char* field) -> u64 {
                if (q >= m.sequences.size())
                    c.bad("part_record", i, field, "is {}, expected a sequence below {}", q,
                          m.sequences.size());
                const u64 producer = m.sequences[q].producer;
                if (producer != no_index && producer >= l)
                    c.bad("part_record", i, field,
                          "reads the output of layer {}, which does not run before layer {}",
                          producer, l);
                return m.sequences[q].length;
            };
            const u64 a = source_length(p.source_a, "source_a");
            u64 width = a;
            if (p.combine != static_cast<u64>(part_combine::single)) {
                const u64 b = source_length(p.source_b, "source_b");
                if (b != a)
                    c.bad("part_record", i, "source_b", "has {} elements, source_a {}", b, a);
                width = p.combine == static_cast<u64>(part_combine::concat) ? 2 * a : a;
            }
            if (p.width != width)
                c.bad("part_record", i, "width", "is {}, its sources give {}", p.width, width);
            next += p.width;
        }
        if (next != r.inputs)
            c.bad("layer_record", l, "inputs", "is {}, its parts give {}", r.inputs, next);
    }
    for (u64 i = 0; i < m.members.size(); ++i)
        if (m.members[i].tile >= h.tiles)
            c.bad("member_record", i, "tile", "is {}, expected a tile below {}", m.members[i].tile,
                  h.tiles);

    for (u64 s = 0; s < m.slots.size(); ++s) {
        const slot_record& r = m.slots[s];
        if (r.tile >= h.tiles)
            c.bad("slot_record", s, "tile", "is {}, expected a tile below {}", r.tile, h.tiles);
        if (r.layer >= m.layers.size())
            c.bad("slot_record", s, "layer", "is {}, expected a layer below {}", r.layer,
                  m.layers.size());
        const layer_record& l = m.layers[r.layer];
        if (r.direction >= l.directions())
            c.bad("slot_record", s, "direction", "is {}, layer {} has {} direction(s)", r.direction,
                  r.layer, l.directions());
        if (r.slice >= l.slices)
            c.bad("slot_record", s, "slice", "is {}, layer {} has {} slices", r.slice, r.layer,
                  l.slices);
        const segment_record& seg = m.segments[l.segment_first + r.slice];
        if (r.first_unit != seg.first || r.units != seg.length)
            c.bad("slot_record", s, "first_unit",
                  "and units are {} and {}, slice {} of the layer is [{}, +{})", r.first_unit,
                  r.units, r.slice, seg.first, seg.length);
        if (m.members[l.member_first(static_cast<u32>(r.direction)) + r.slice].tile != r.tile)
            c.bad("slot_record", s, "tile", "is {}, but the group's member {} is tile {}", r.tile,
                  r.slice, m.members[l.member_first(static_cast<u32>(r.direction)) + r.slice].tile);
        const u64 h_bytes = m.segments[l.segment_first + l.slices - 1].offset +
                            m.segments[l.segment_first + l.slices - 1].capacity;
        const bool recurrent = static_cast<layer_kind>(l.kind) != layer_kind::dense;
        if (recurrent) {
            check_region("slot_record", s, "h_region0", r.h_region0, h_bytes);
            check_region("slot_record", s, "h_region1", r.h_region1, h_bytes);
            check_counter("slot_record", s, "h_counter0", r.h_counter0, h.tile_counters, "tile");
            check_counter("slot_record", s, "h_counter1", r.h_counter1, h.tile_counters, "tile");
        }
        if (static_cast<layer_kind>(l.kind) == layer_kind::gru) {
            check_region("slot_record", s, "rh_region", r.rh_region, h_bytes);
            check_counter("slot_record", s, "rh_counter", r.rh_counter, h.tile_counters, "tile");
        }
        check_region("slot_record", s, "out_region", r.out_region, seg.capacity);
        if (r.block_first > m.blocks.size() || r.block_count > m.blocks.size() - r.block_first)
            c.bad("slot_record", s, "block_first",
                  "= {} with {} blocks runs past the {} "
                  "block_records",
                  r.block_first, r.block_count, m.blocks.size());
        for (u64 b = r.block_first; b < r.block_first + r.block_count; ++b) {
            const block_record& k = m.blocks[b];
            if (k.slot != s) c.bad("block_record", b, "slot", "is {}, expected {}", k.slot, s);
            if (k.pe >= h.pes)
                c.bad("block_record", b, "pe", "is {}, expected a PE below {}", k.pe, h.pes);
            if (k.pass > 2) c.bad("block_record", b, "pass", "is {}, expected 0 to 2", k.pass);
            if (k.memory > 1 || (k.memory == 1 && !csc))
                c.bad("block_record", b, "memory", "is {}, expected 0 (weight SRAM){}", k.memory,
                      csc ? " or 1 (pointer SRAM)" : ": only csc weights have pointer blocks");
            const u64 size = k.memory ? h.pointer_partition_bytes : h.weight_partition_bytes;
            const u64 partition = k.pe * size;
            if (k.sram_address < partition || k.sram_address + k.bytes > partition + size)
                c.bad("block_record", b, "sram_address",
                      "= 0x{:x} with {} bytes is outside PE {}'s {}-SRAM partition [0x{:x}, +{})",
                      k.sram_address, k.bytes, k.pe, k.memory ? "pointer" : "weight", partition,
                      size);
            if (k.image_offset > h.weights_bytes || k.bytes > h.weights_bytes - k.image_offset)
                c.bad("block_record", b, "image_offset",
                      "= {} with {} bytes runs past the {}-byte weight area", k.image_offset,
                      k.bytes, h.weights_bytes);
        }
    }
    return m;
}

std::vector<u8> write_slot_message(const model_image& image, u32 index) {
    const slot_record& slot = image.slots.at(index);
    const layer_record& layer = image.layers.at(slot.layer);
    const sequence_record& output =
        image.sequences.at(layer.sequence(static_cast<u32>(slot.direction)));
    std::vector<u8> out;
    auto put = [&](const auto& record) {
        const std::vector<u8> bytes = record_to_bytes(record);
        out.insert(out.end(), bytes.begin(), bytes.end());
    };
    put(slot);
    put(layer);
    put(output);
    for (u64 k = 0; k < layer.slices; ++k) put(image.segments.at(layer.segment_first + k));
    const u64 members = layer.member_first(static_cast<u32>(slot.direction));
    for (u64 k = 0; k < layer.slices; ++k) put(image.members.at(members + k));
    for (u64 b = 0; b < slot.block_count; ++b) put(image.blocks.at(slot.block_first + b));
    return out;
}

slot_message parse_slot_message(const u8* data, u64 size) {
    slot_message m;
    u64 at = 0;
    auto take = [&](auto& record, const char* what) {
        using R = std::decay_t<decltype(record)>;
        if (size - at < record_bytes<R>())
            fail("slot message of {} bytes ends inside its {} at byte {}", size, what, at);
        record = read_record<R>(data + at);
        at += record_bytes<R>();
    };
    take(m.slot, "slot_record");
    take(m.layer, "layer_record");
    take(m.output, "sequence_record");
    if (m.layer.slices == 0 || m.layer.slices > 65536)
        fail("slot message: layer_record.slices is {}, expected 1 to 65536", m.layer.slices);
    if (m.slot.block_count > 4096)
        fail("slot message: slot_record.block_count is {}, expected at most 4096",
             m.slot.block_count);
    m.segments.resize(m.layer.slices);
    for (auto& r : m.segments) take(r, "segment_records");
    m.members.resize(m.layer.slices);
    for (auto& r : m.members) take(r, "member_records");
    m.blocks.resize(m.slot.block_count);
    for (auto& r : m.blocks) take(r, "block_records");
    if (at != size)
        fail("slot message of {} bytes has {} bytes after its last block_record", size, size - at);
    return m;
}

std::string model_image_layout_markdown() {
    return record_markdown<image_header>() + "\n" + record_markdown<layer_record>() + "\n" +
           record_markdown<part_record>() + "\n" + record_markdown<sequence_record>() + "\n" +
           record_markdown<segment_record>() + "\n" + record_markdown<slot_record>() + "\n" +
           record_markdown<block_record>() + "\n" + record_markdown<member_record>();
}

}  // namespace masr
