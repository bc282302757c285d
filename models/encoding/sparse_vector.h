#pragma once
// MASR's binary-mask sparse encoding, shared by the models, the golden
// reference and the image packer.
//
// A vector of n dense positions is stored as
//   mask   : ceil(n / 64) little-endian 64-bit words; bit i of word k is set
//            when position 64k + i is non-zero (column 0 first);
//   values : the non-zero values, packed in position order.
// The metadata is one bit per dense position, independent of the PE count.
// Bits past n in the last mask word are always zero.
//
// In memory (SRAM image, activation buffer) an encoded vector is laid out as
// its mask words followed by its packed values (value_bytes each,
// little-endian), padded with zeros to a multiple of 8 bytes, so that every
// row starts on a 64-bit SRAM word. See docs/encoding.md.
#include <cstddef>
#include <utility>
#include <vector>

#include "models/common/types.h"

namespace masr {

constexpr unsigned mask_word_bits = 64;

// Bytes per packed value for a format of `bits` bits (<= 16): 1 or 2.
constexpr u32 packed_value_bytes(unsigned bits) {
    return bits <= 8 ? 1 : 2;
}

constexpr unsigned mask_words(unsigned length) {
    return (length + mask_word_bits - 1) / mask_word_bits;
}

struct sparse_vector {
    u32 length = 0;
    std::vector<u64> mask;
    std::vector<i16> values;

    static sparse_vector encode(const i16* dense, u32 length);
    // Re-encodes into v, reusing its storage (no allocation once it has grown).
    static void encode_into(const i16* dense, u32 length, sparse_vector& v);
    static sparse_vector encode(const std::vector<i16>& dense) {
        return encode(dense.data(), static_cast<u32>(dense.size()));
    }
    void decode(i16* dense) const;
    std::vector<i16> decode() const;

    u32 nnz() const { return static_cast<u32>(values.size()); }
    // Index of position p among the packed values (prefix popcount); only
    // meaningful when position p is set.
    u32 packed_index(u32 position) const;
    bool operator==(const sparse_vector& other) const {
        return length == other.length && mask == other.mask && values == other.values;
    }
};

// Appends src's positions after dst's (mask bits shifted into place), as the
// activation buffer assembles a vector from slices and concatenated sources.
void append(sparse_vector& dst, const sparse_vector& src);

// Positions [begin, begin + count) of v, re-encoded from position 0.
sparse_vector slice(const sparse_vector& v, u32 begin, u32 count);

// Bytes an encoded vector occupies in memory (mask, values, padding to 8).
constexpr u64 encoded_bytes(u32 length, u32 nnz, u32 value_bytes) {
    const u64 raw = u64{mask_words(length)} * 8 + u64{nnz} * value_bytes;
    return (raw + 7) / 8 * 8;
}

// Writes v at out (encoded_bytes(v.length, v.nnz(), value_bytes) bytes).
// value_bytes is 1 or 2; values must fit.
void serialize(const sparse_vector& v, u32 value_bytes, u8* out);
// Reads a vector of the given length; returns the bytes consumed.
u64 deserialize(const u8* in, u32 length, u32 value_bytes, sparse_vector& v);

// How a vector is laid out in memory: MASR's mask plus packed values, or
// every value in position order (the dense baseline and EIE store
// activations this way). Both are padded to a multiple of 8 bytes.
enum class vector_format : u8 { masked = 0, dense = 1 };

// Storing and loading a vector in one format with one value width. A reader
// fetches first_read_bytes() (the mask, or the whole dense vector), learns
// the total from it and fetches the rest, as the read engines do.
struct vector_codec {
    vector_format format = vector_format::masked;
    u32 value_bytes = 2;

    u64 bytes(u32 length, u32 nnz) const {
        return format == vector_format::masked ? encoded_bytes(length, nnz, value_bytes)
                                               : (u64{length} * value_bytes + 7) / 8 * 8;
    }
    u64 max_bytes(u32 length) const { return bytes(length, length); }
    u64 first_read_bytes(u32 length) const {
        return format == vector_format::masked ? u64{mask_words(length)} * 8 : max_bytes(length);
    }
    // The total from the first read's bytes.
    u64 total_bytes(const u8* first, u32 length) const;
    void store(const sparse_vector& v, u8* out) const;
    // Returns the bytes consumed.
    u64 load(const u8* in, u32 length, sparse_vector& v) const;
};

// Prefix popcounts of v's mask: prefix[k] is the packed index of the first
// value of word k. A step's activation vector meets every weight row, so the
// PE counts its words once instead of once per row.
void mask_prefix(const sparse_vector& v, std::vector<u32>& prefix);

// for_each_effectual for a row against an activation whose word prefixes are
// known (mask_prefix): calls word(k, e) with the e effectual pairs of mask
// word k (the front end's per-word work), then f(weight_index,
// activation_index) for each of them. Returns the row's packed value count.
template <typename W, typename F>
inline u32 for_each_effectual_word(const u64* weight_mask, const u64* activation_mask,
                                   const u32* activation_prefix, unsigned words, W&& word, F&& f) {
    // Word-sized indices let the compiler fold each word's bases into its
    // value pointers once per word instead of adding them per pair.
    std::size_t weight_base = 0;
    for (unsigned k = 0; k < words; ++k) {
        const u64 wm = weight_mask[k];
        const u64 am = activation_mask[k];
        const std::size_t activation_base = activation_prefix[k];
        u64 both = wm & am;
        word(k, static_cast<u32>(__builtin_popcountll(both)));
        while (both) {
            // The positions below the lowest set bit, without a shift by its
            // index; `both` itself is updated by the short and-chain.
            const u64 rest = both & (both - 1);
            const u64 below = (both ^ rest) - 1;
            f(weight_base + static_cast<std::size_t>(__builtin_popcountll(wm & below)),
              activation_base + static_cast<std::size_t>(__builtin_popcountll(am & below)));
            both = rest;
        }
        weight_base += static_cast<std::size_t>(__builtin_popcountll(wm));
    }
    return static_cast<u32>(weight_base);
}

// Calls f(weight_index, activation_index) for every position set in both
// masks, with the indices into the two packed value arrays: the MASR front
// end, AND of the masks and prefix popcounts to address the values. The
// convenient form of for_each_effectual_word, for callers that do not keep
// the activation's prefixes.
template <typename F>
inline void for_each_effectual(const u64* weight_mask, const u64* activation_mask, unsigned words,
                               F&& f) {
    std::vector<u32> prefix(words);
    u32 count = 0;
    for (unsigned k = 0; k < words; ++k) {
        prefix[k] = count;
        count += static_cast<u32>(__builtin_popcountll(activation_mask[k]));
    }
    for_each_effectual_word(
        weight_mask, activation_mask, prefix.data(), words, [](unsigned, u32) {},
        std::forward<F>(f));
}

}  // namespace masr
