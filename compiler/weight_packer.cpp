#include "compiler/weight_packer.h"

#include <algorithm>

#include "contract/weight_layout.h"
#include "models/common/error.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

namespace {

void put32(u8* p, u32 v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<u8>(v >> (8 * i));
}
u32 get32(const u8* p) {
    u32 v = 0;
    for (int i = 0; i < 4; ++i) v |= u32{p[i]} << (8 * i);
    return v;
}

}  // namespace

u64 packed_slot::bytes() const {
    u64 n = 0;
    for (const packed_block& b : blocks) n += b.bytes.size();
    return n;
}

packed_slot pack_slot_weights(const layer_desc& layer, const direction_weights& weights,
                              u32 first_unit, u32 units, u32 pes, const fixed_format& format) {
    const u32 gates = layer.gates();
    const u32 n = layer.units;
    const u32 m = layer.inputs;
    const bool recurrent = layer.recurrent();
    if (units == 0 || u64{first_unit} + units > n)
        fail("layer '{}': weight slice [{}, {}) is outside its {} units", layer.name, first_unit,
             u64{first_unit} + units, n);
    if (pes == 0) fail("layer '{}': packing for 0 PEs, expected at least 1", layer.name);
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

    packed_slot slot;
    sparse_vector scratch;  // one encoding buffer for every row part
    auto append_part = [&](std::vector<u8>& out, const i16* dense, u32 length) {
        sparse_vector::encode_into(dense, length, scratch);
        const std::size_t at = out.size();
        out.resize(at + encoded_bytes(scratch.length, scratch.nnz(), value_bytes), 0);
        serialize(scratch, value_bytes, out.data() + at);
        slot.nonzero_weights += scratch.nnz();
        slot.mask_words += scratch.mask.size();
    };
    // Global row of a slot's local row (gate * units + unit).
    auto global_row = [&](u32 local) { return (local / units) * n + first_unit + local % units; };

    for (weight_pass pass : {weight_pass::input, weight_pass::recurrent, weight_pass::candidate}) {
        const u32 rows = pass_rows(layer.kind, units, pass);
        if (rows == 0) continue;
        for (u32 p = 0; p < pes; ++p) {
            packed_block block;
            block.pass = pass;
            block.pe = p;
            block.first_row = pe_first_row(rows, pes, p);
            block.rows = pe_first_row(rows, pes, p + 1) - block.first_row;
            block.bias = pass == weight_pass::input;
            std::vector<u8>& out = block.bytes;
            if (block.bias) {
                out.assign(bias_bytes(block.rows), 0);
                for (u32 i = 0; i < block.rows; ++i)
                    put32(out.data() + 4 * u64{i},
                          static_cast<u32>(weights.bias[global_row(block.first_row + i)]));
            }
            for (u32 i = 0; i < block.rows; ++i) {
                const u32 global =
                    global_row(pass_local_row(units, pass, block.first_row + i));
                if (pass == weight_pass::input) {
                    check_row(weights.input.row(global), m, global, "input");
                    append_part(out, weights.input.row(global), m);
                } else {
                    check_row(weights.recurrent.row(global), n, global, "recurrent");
                    append_part(out, weights.recurrent.row(global), n);
                }
            }
            slot.blocks.push_back(std::move(block));
        }
    }
    return slot;
}

unpacked_weights unpack_slot_weights(layer_kind kind, u32 inputs, u32 units_total, u32 units,
                                     u32 value_bytes, const std::vector<packed_block>& blocks) {
    const u32 rows = gate_count(kind) * units;
    unpacked_weights w;
    w.input = matrix<i16>(rows, inputs);
    if (kind != layer_kind::dense) w.recurrent = matrix<i16>(rows, units_total);
    w.bias.assign(rows, 0);
    sparse_vector v;
    for (const packed_block& b : blocks) {
        const std::vector<u8>& bytes = b.bytes;
        u64 at = 0;
        if (b.bias) {
            if (bytes.size() < bias_bytes(b.rows))
                fail("weight block (pass {}, PE {}) is shorter than its {} biases",
                     static_cast<int>(b.pass), b.pe, b.rows);
            for (u32 i = 0; i < b.rows; ++i)
                w.bias[b.first_row + i] = static_cast<i32>(get32(bytes.data() + 4 * u64{i}));
            at = bias_bytes(b.rows);
        }
        const u32 length = b.pass == weight_pass::input ? inputs : units_total;
        for (u32 i = 0; i < b.rows; ++i) {
            if (at + u64{mask_words(length)} * 8 > bytes.size())
                fail("weight block (pass {}, PE {}) truncated at byte {}",
                     static_cast<int>(b.pass), b.pe, at);
            at += deserialize(bytes.data() + at, length, value_bytes, v);
            if (at > bytes.size())
                fail("weight block (pass {}, PE {}) truncated at byte {}",
                     static_cast<int>(b.pass), b.pe, at);
            const u32 local = pass_local_row(units, b.pass, b.first_row + i);
            v.decode(b.pass == weight_pass::input ? w.input.row(local) : w.recurrent.row(local));
        }
        if (at != bytes.size())
            fail("weight block (pass {}, PE {}) has {} bytes after its last row",
                 static_cast<int>(b.pass), b.pe, bytes.size() - at);
    }
    return w;
}

}  // namespace masr
