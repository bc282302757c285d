#pragma once
// EIE's weight storage (Han et al., ISCA 2016, section IV), as the model
// compiler packs it and the EIE PE engine (models/pe) reads it: each PE holds
// the rows i with i mod P = p of a pass (interleaved), stored by column.
//
// One PE's entries block (weight SRAM) of a pass:
//   [biases, i32 per row, padded to 8 bytes]      input pass only
//   [codebook: 2^code_bits i16, padded to 8]       code_bits > 0 only; entry 0 is 0
//   entries, packed into little-endian 64-bit words: floor(64 / entry_bits)
//   per word (8 for EIE's 4 + 4 bits), entry e at bit (e mod n) * entry_bits
//   of word e / n; an entry is (index | code << index_bits), index being the
//   zeros in the PE's rows since the previous entry of the column, and code
//   the codebook index (or, with code_bits 0, the weight itself in
//   weight_bits two's complement).
// Its pointer block (pointer SRAM): cols + 1 u16 entry indices, padded to 8
// bytes; column j's entries are [pointer[j], pointer[j + 1]).
//
// A gap of more than 2^index_bits - 1 zeros before the next non-zero of a
// column is bridged by padding entries of weight 0 (index 2^index_bits - 1),
// which are stored and multiplied like any other: the overhead the paper
// compares MASR's mask against.
#include <string>
#include <vector>

#include "models/common/types.h"

namespace masr {

struct csc_layout {
    u32 code_bits = 4;    // 0: the entry holds the weight itself
    u32 weight_bits = 8;  // of a weight held in the entry (code_bits 0)
    u32 index_bits = 4;

    u32 entry_bits() const { return (code_bits ? code_bits : weight_bits) + index_bits; }
    u32 entries_per_word() const { return 64 / entry_bits(); }
    u32 max_gap() const { return (1u << index_bits) - 1; }
    u64 codebook_bytes() const { return code_bits ? ((u64{2} << code_bits) + 7) / 8 * 8 : 0; }
    u64 entry_bytes(u64 entries) const {
        return (entries + entries_per_word() - 1) / entries_per_word() * 8;
    }
    // 64-bit words that entries [first, first + count) touch.
    u64 words_spanned(u64 first, u64 count) const {
        if (count == 0) return 0;
        const u64 n = entries_per_word();
        return (first + count - 1) / n - first / n + 1;
    }
};

// One PE's sub-matrix in CSC: rows are the PE's rows in its own order.
struct csc_matrix {
    u32 rows = 0;
    u32 cols = 0;
    std::vector<u32> pointers;  // cols + 1
    std::vector<u8> index;      // per entry: zeros before it since the previous entry
    std::vector<i16> weight;    // per entry: the weight (0 for padding)
    u64 padding = 0;            // padding entries among them
    u64 entries() const { return weight.size(); }
};

// Columns of the PE's rows (row r's dense values at rows[r][0, cols)).
csc_matrix encode_csc(const std::vector<const i16*>& rows, u32 cols, const csc_layout& layout);

// The per-(layer, direction) codebook: 0 first, then the distinct non-zero
// weights in ascending order. Throws input_error naming `what` when there are
// more than 2^code_bits - 1 of them.
std::vector<i16> make_codebook(const std::vector<const std::vector<i16>*>& weights,
                               const csc_layout& layout, const std::string& what);

// Block bytes: entries (and the codebook) for the weight SRAM, pointers for
// the pointer SRAM. The entry encoding of a weight is found in the codebook
// (code_bits > 0) or is the weight itself.
std::vector<u8> write_csc_entries(const csc_matrix& m, const csc_layout& layout,
                                  const std::vector<i16>& codebook);
std::vector<u8> write_csc_pointers(const csc_matrix& m);
u64 csc_pointer_bytes(u32 cols);

// One entry at index e of an entries area (after biases and codebook).
struct csc_entry {
    u32 index;
    u32 code;
};
inline csc_entry read_csc_entry(const u8* entries, u64 e, const csc_layout& layout) {
    const u64 n = layout.entries_per_word();
    const u8* word = entries + (e / n) * 8;
    u64 w = 0;
    for (int i = 0; i < 8; ++i) w |= u64{word[i]} << (8 * i);
    const u64 bits = w >> ((e % n) * layout.entry_bits());
    return {static_cast<u32>(bits & ((u64{1} << layout.index_bits) - 1)),
            static_cast<u32>((bits >> layout.index_bits) &
                             ((u64{1} << (layout.entry_bits() - layout.index_bits)) - 1))};
}
// The weight an entry's code stands for.
inline i16 csc_weight(u32 code, const csc_layout& layout, const i16* codebook) {
    if (layout.code_bits) return codebook[code];
    const u32 sign = 1u << (layout.weight_bits - 1);
    return static_cast<i16>(static_cast<i32>(code ^ sign) - static_cast<i32>(sign));
}

}  // namespace masr
