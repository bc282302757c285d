#include "models/pe/weight_image.h"

#include <algorithm>
#include <cstring>

#include "models/common/error.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

namespace {

void put32(u8* p, u32 v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<u8>(v >> (8 * i));
}
void put64(u8* p, u64 v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<u8>(v >> (8 * i));
}
u32 get32(const u8* p) {
    u32 v = 0;
    for (int i = 0; i < 4; ++i) v |= u32{p[i]} << (8 * i);
    return v;
}
u64 get64(const u8* p) {
    u64 v = 0;
    for (int i = 0; i < 8; ++i) v |= u64{p[i]} << (8 * i);
    return v;
}

u64 pad8(u64 n) {
    return (n + 7) / 8 * 8;
}

void append_part(std::vector<u8>& out, const i16* dense, u32 length, u32 value_bytes,
                 sparse_vector& v, weight_image& image) {
    sparse_vector::encode_into(dense, length, v);
    const std::size_t at = out.size();
    out.resize(at + encoded_bytes(v.length, v.nnz(), value_bytes), 0);
    serialize(v, value_bytes, out.data() + at);
    image.nonzero_weights += v.nnz();
    image.mask_words += v.mask.size();
}

}  // namespace

void weight_image_header::write(u8* out) const {
    std::memset(out, 0, weight_image_header_bytes);
    put32(out, weight_image_magic);
    out[4] = version;
    out[5] = static_cast<u8>(kind);
    out[6] = value_bytes;
    out[7] = gates;
    put32(out + 8, inputs);
    put32(out + 12, recurrent);
    put32(out + 16, first_unit);
    put32(out + 20, units);
    put32(out + 24, rows_offset);
    put32(out + 28, candidate_offset);
    put64(out + 32, total_bytes);
}

bool weight_image_header::read(const u8* in, weight_image_header& h, std::string& why) {
    if (get32(in) != weight_image_magic) {
        why = fmt::format("bad magic 0x{:08x} (expected 0x{:08x}, \"MASR\")", get32(in),
                          weight_image_magic);
        return false;
    }
    h.version = in[4];
    if (h.version != weight_image_version) {
        why = fmt::format("image version {} (this model reads version {})", h.version,
                          weight_image_version);
        return false;
    }
    if (in[5] > static_cast<u8>(layer_kind::dense)) {
        why = fmt::format("unknown layer kind {}", in[5]);
        return false;
    }
    h.kind = static_cast<layer_kind>(in[5]);
    h.value_bytes = in[6];
    h.gates = in[7];
    h.inputs = get32(in + 8);
    h.recurrent = get32(in + 12);
    h.first_unit = get32(in + 16);
    h.units = get32(in + 20);
    h.rows_offset = get32(in + 24);
    h.candidate_offset = get32(in + 28);
    h.total_bytes = get64(in + 32);
    if (h.value_bytes != 1 && h.value_bytes != 2) {
        why = fmt::format("value_bytes {} (expected 1 or 2)", h.value_bytes);
        return false;
    }
    if (h.gates != gate_count(h.kind)) {
        why = fmt::format("{} gates for a {} layer (expected {})", h.gates, enum_to_string(h.kind),
                          gate_count(h.kind));
        return false;
    }
    const u64 rows_offset = weight_image_header_bytes + pad8(u64{h.rows()} * 4);
    if (h.rows_offset != rows_offset || h.candidate_offset < h.rows_offset ||
        h.candidate_offset > h.total_bytes) {
        why = fmt::format("inconsistent offsets (rows {}, candidate {}, total {})", h.rows_offset,
                          h.candidate_offset, h.total_bytes);
        return false;
    }
    return true;
}

weight_image pack_weight_image(const layer_desc& layer, const direction_weights& weights,
                               u32 first_unit, u32 units, const fixed_format& format) {
    const u32 gates = layer.gates();
    const u32 n = layer.units;
    const u32 m = layer.inputs;
    const bool recurrent = layer.recurrent();
    if (units == 0 || u64{first_unit} + units > n)
        fail("layer '{}': weight slice [{}, {}) is outside its {} units", layer.name, first_unit,
             u64{first_unit} + units, n);
    if (weights.input.rows != gates * n || weights.input.cols != m)
        fail("layer '{}': input weights are {}x{}, expected {}x{}", layer.name, weights.input.rows,
             weights.input.cols, gates * n, m);
    if (recurrent && (weights.recurrent.rows != gates * n || weights.recurrent.cols != n))
        fail("layer '{}': recurrent weights are {}x{}, expected {}x{}", layer.name,
             weights.recurrent.rows, weights.recurrent.cols, gates * n, n);
    if (weights.bias.size() != std::size_t{gates} * n)
        fail("layer '{}': {} biases, expected {}", layer.name, weights.bias.size(), gates * n);

    const u32 value_bytes = packed_value_bytes(format.weight_bits);
    const i64 lo = value_bytes == 1 ? -128 : -32768;
    const i64 hi = value_bytes == 1 ? 127 : 32767;
    auto check_row = [&](const i16* row, u32 length, u32 global_row, const char* part) {
        // The range first (a loop the compiler vectorises); the culprit only on failure.
        i16 smallest = 0;
        i16 largest = 0;
        for (u32 c = 0; c < length; ++c) {
            smallest = std::min(smallest, row[c]);
            largest = std::max(largest, row[c]);
        }
        if (smallest >= lo && largest <= hi) return;
        for (u32 c = 0; c < length; ++c)
            if (row[c] < lo || row[c] > hi)
                fail("layer '{}': {} weight [{}][{}] = {} does not fit {} value byte(s)",
                     layer.name, part, global_row, c, row[c], value_bytes);
    };

    weight_image image;
    weight_image_header& h = image.header;
    h.kind = layer.kind;
    h.value_bytes = static_cast<u8>(value_bytes);
    h.gates = static_cast<u8>(gates);
    h.inputs = m;
    h.recurrent = recurrent ? n : 0;
    h.first_unit = first_unit;
    h.units = units;
    const u32 rows = gates * units;
    h.rows_offset = static_cast<u32>(weight_image_header_bytes + pad8(u64{rows} * 4));

    sparse_vector scratch;  // one encoding buffer for every row part
    std::vector<u8>& out = image.bytes;
    out.assign(h.rows_offset, 0);
    for (u32 g = 0; g < gates; ++g)
        for (u32 u = 0; u < units; ++u)
            put32(out.data() + weight_image_header_bytes + 4 * (g * units + u),
                  static_cast<u32>(weights.bias[g * n + first_unit + u]));

    const bool gru = layer.kind == layer_kind::gru;
    for (u32 g = 0; g < gates; ++g) {
        for (u32 u = 0; u < units; ++u) {
            const u32 global = g * n + first_unit + u;
            check_row(weights.input.row(global), m, global, "input");
            append_part(out, weights.input.row(global), m, value_bytes, scratch, image);
            if (recurrent && !(gru && g == 2)) {
                check_row(weights.recurrent.row(global), n, global, "recurrent");
                append_part(out, weights.recurrent.row(global), n, value_bytes, scratch, image);
            }
        }
    }
    h.candidate_offset = static_cast<u32>(out.size());
    if (gru)
        for (u32 u = 0; u < units; ++u) {
            const u32 global = 2 * n + first_unit + u;
            check_row(weights.recurrent.row(global), n, global, "recurrent");
            append_part(out, weights.recurrent.row(global), n, value_bytes, scratch, image);
        }
    if (out.size() > 0xffffffffu)
        fail("layer '{}': weight image of {} bytes exceeds the 4 GiB offsets of the format",
             layer.name, out.size());
    h.total_bytes = out.size();
    if (!gru) h.candidate_offset = static_cast<u32>(h.total_bytes);
    h.write(out.data());
    return image;
}

unpacked_weights unpack_weight_image(const std::vector<u8>& bytes) {
    if (bytes.size() < weight_image_header_bytes)
        fail("weight image of {} bytes is shorter than its header", bytes.size());
    weight_image_header h;
    std::string why;
    if (!weight_image_header::read(bytes.data(), h, why)) fail("weight image header: {}", why);
    if (h.total_bytes != bytes.size())
        fail("weight image header says {} bytes, image has {}", h.total_bytes, bytes.size());
    const u32 rows = h.rows();
    unpacked_weights w;
    w.input = matrix<i16>(rows, h.inputs);
    if (h.recurrent) w.recurrent = matrix<i16>(rows, h.recurrent);
    w.bias.resize(rows);
    for (u32 r = 0; r < rows; ++r)
        w.bias[r] = static_cast<i32>(get32(bytes.data() + weight_image_header_bytes + 4 * r));
    u64 at = h.rows_offset;
    sparse_vector v;
    auto read_part = [&](u32 length, i16* dense) {
        if (at + u64{mask_words(length)} * 8 > bytes.size())
            fail("weight image truncated at byte {}", at);
        at += deserialize(bytes.data() + at, length, h.value_bytes, v);
        if (at > bytes.size()) fail("weight image truncated at byte {}", at);
        v.decode(dense);
    };
    const bool gru = h.kind == layer_kind::gru;
    for (u32 r = 0; r < rows; ++r) {
        read_part(h.inputs, w.input.row(r));
        if (h.recurrent && !(gru && r / h.units == 2)) read_part(h.recurrent, w.recurrent.row(r));
    }
    if (at != h.candidate_offset)
        fail("weight image block B starts at byte {}, header says {}", at, h.candidate_offset);
    if (gru)
        for (u32 u = 0; u < h.units; ++u) read_part(h.recurrent, w.recurrent.row(2 * h.units + u));
    if (at != h.total_bytes)
        fail("weight image ends at byte {}, header says {}", at, h.total_bytes);
    return w;
}

}  // namespace masr
