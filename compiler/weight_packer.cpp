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
                              u32 first_unit, u32 units, u32 pes, const fixed_format& format,
                              const weight_storage& storage) {
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
    const vector_codec dense_rows{vector_format::dense, value_bytes};
    auto append_part = [&](std::vector<u8>& out, const i16* dense, u32 length) {
        sparse_vector::encode_into(dense, length, scratch);
        slot.nonzero_weights += scratch.nnz();
        const std::size_t at = out.size();
        if (storage.format == weight_format::dense) {
            out.resize(at + dense_rows.max_bytes(length), 0);
            dense_rows.store(scratch, out.data() + at);
            return;
        }
        out.resize(at + encoded_bytes(scratch.length, scratch.nnz(), value_bytes), 0);
        serialize(scratch, value_bytes, out.data() + at);
        slot.mask_words += scratch.mask.size();
    };
    // Global row of a slot's local row (gate * units + unit).
    auto global_row = [&](u32 local) { return (local / units) * n + first_unit + local % units; };
    const bool csc = storage.format == weight_format::csc;

    for (weight_pass pass : {weight_pass::input, weight_pass::recurrent, weight_pass::candidate}) {
        const u32 rows = pass_rows(layer.kind, units, pass);
        if (rows == 0) continue;
        const bool input = pass == weight_pass::input;
        const u32 length = input ? m : n;
        for (u32 p = 0; p < pes; ++p) {
            packed_block block;
            block.pass = pass;
            block.pe = p;
            block.first_row = csc ? p : pe_first_row(rows, pes, p);
            block.rows = csc ? interleaved_rows(rows, pes, p)
                             : pe_first_row(rows, pes, p + 1) - block.first_row;
            const u32 stride = csc ? pes : 1;
            block.bias = input;
            std::vector<u8>& out = block.bytes;
            if (block.bias) {
                out.assign(bias_bytes(block.rows), 0);
                for (u32 i = 0; i < block.rows; ++i)
                    put32(out.data() + 4 * u64{i},
                          static_cast<u32>(weights.bias[global_row(block.first_row + i * stride)]));
            }
            std::vector<const i16*> dense_rows_of_pe;
            for (u32 i = 0; i < block.rows; ++i) {
                const u32 global =
                    global_row(pass_local_row(units, pass, block.first_row + i * stride));
                const i16* row = input ? weights.input.row(global) : weights.recurrent.row(global);
                check_row(row, length, global, input ? "input" : "recurrent");
                if (csc)
                    dense_rows_of_pe.push_back(row);
                else
                    append_part(out, row, length);
            }
            if (!csc) {
                slot.blocks.push_back(std::move(block));
                continue;
            }
            const csc_matrix columns = encode_csc(dense_rows_of_pe, length, storage.csc);
            slot.nonzero_weights += columns.entries() - columns.padding;
            slot.padding_entries += columns.padding;
            const std::vector<u8> entries =
                write_csc_entries(columns, storage.csc, storage.codebook);
            out.insert(out.end(), entries.begin(), entries.end());
            packed_block pointers = block;
            pointers.memory = block_memory::pointer_sram;
            pointers.bias = false;
            pointers.bytes = write_csc_pointers(columns);
            slot.blocks.push_back(std::move(block));
            slot.blocks.push_back(std::move(pointers));
        }
    }
    return slot;
}

unpacked_weights unpack_slot_weights(layer_kind kind, u32 inputs, u32 units_total, u32 units,
                                     u32 value_bytes, const std::vector<packed_block>& blocks,
                                     const weight_storage& storage, u32 pes) {
    const u32 rows = gate_count(kind) * units;
    unpacked_weights w;
    w.input = matrix<i16>(rows, inputs);
    if (kind != layer_kind::dense) w.recurrent = matrix<i16>(rows, units_total);
    w.bias.assign(rows, 0);
    const bool csc = storage.format == weight_format::csc;
    const vector_codec codec{
        storage.format == weight_format::dense ? vector_format::dense : vector_format::masked,
        value_bytes};
    sparse_vector v;
    for (std::size_t index = 0; index < blocks.size(); ++index) {
        const packed_block& b = blocks[index];
        if (b.memory == block_memory::pointer_sram) continue;
        const std::vector<u8>& bytes = b.bytes;
        const u32 stride = csc ? pes : 1;
        u64 at = 0;
        if (b.bias) {
            if (bytes.size() < bias_bytes(b.rows))
                fail("weight block (pass {}, PE {}) is shorter than its {} biases",
                     static_cast<int>(b.pass), b.pe, b.rows);
            for (u32 i = 0; i < b.rows; ++i)
                w.bias[pass_local_row(units, b.pass, b.first_row + i * stride)] =
                    static_cast<i32>(get32(bytes.data() + 4 * u64{i}));
            at = bias_bytes(b.rows);
        }
        const u32 length = b.pass == weight_pass::input ? inputs : units_total;
        auto out_row = [&](u32 i) {
            const u32 local = pass_local_row(units, b.pass, b.first_row + i * stride);
            return b.pass == weight_pass::input ? w.input.row(local) : w.recurrent.row(local);
        };
        if (csc) {
            if (index + 1 >= blocks.size() ||
                blocks[index + 1].memory != block_memory::pointer_sram)
                fail("csc block (pass {}, PE {}) has no pointer block after it",
                     static_cast<int>(b.pass), b.pe);
            const std::vector<u8>& ptr = blocks[index + 1].bytes;
            if (ptr.size() < csc_pointer_bytes(length))
                fail("csc pointer block (pass {}, PE {}) is shorter than {} columns",
                     static_cast<int>(b.pass), b.pe, length);
            const csc_layout& layout = storage.csc;
            std::vector<i16> book(u64{1} << layout.code_bits, 0);
            for (u64 i = 0; i < book.size() && layout.code_bits; ++i)
                book[i] = static_cast<i16>(
                    static_cast<u16>(bytes[at + 2 * i] | bytes[at + 2 * i + 1] << 8));
            const u8* entries = bytes.data() + at + layout.codebook_bytes();
            auto pointer = [&](u32 j) { return u32{ptr[2 * j]} | u32{ptr[2 * j + 1]} << 8; };
            for (u32 j = 0; j < length; ++j) {
                u32 row = 0;
                for (u32 e = pointer(j); e < pointer(j + 1); ++e) {
                    const csc_entry entry = read_csc_entry(entries, e, layout);
                    row += entry.index;
                    if (row >= b.rows)
                        fail("csc block (pass {}, PE {}) column {} runs past its {} rows",
                             static_cast<int>(b.pass), b.pe, j, b.rows);
                    out_row(row)[j] = csc_weight(entry.code, layout, book.data());
                    ++row;
                }
            }
            continue;
        }
        for (u32 i = 0; i < b.rows; ++i) {
            if (at + codec.first_read_bytes(length) > bytes.size())
                fail("weight block (pass {}, PE {}) truncated at byte {}", static_cast<int>(b.pass),
                     b.pe, at);
            at += codec.load(bytes.data() + at, length, v);
            if (at > bytes.size())
                fail("weight block (pass {}, PE {}) truncated at byte {}", static_cast<int>(b.pass),
                     b.pe, at);
            v.decode(out_row(i));
        }
        if (at != bytes.size())
            fail("weight block (pass {}, PE {}) has {} bytes after its last row",
                 static_cast<int>(b.pass), b.pe, bytes.size() - at);
    }
    return w;
}

}  // namespace masr
