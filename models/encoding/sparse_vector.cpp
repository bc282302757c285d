#include "models/encoding/sparse_vector.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace masr {

sparse_vector sparse_vector::encode(const i16* dense, u32 length) {
    sparse_vector v;
    encode_into(dense, length, v);
    return v;
}

namespace {

// Mask word of 64 dense values: bit i set when p[i] != 0.
u64 nonzero_bits(const i16* p) {
    u64 m = 0;
#if defined(__SSE2__)
    // Weight images are encoded from every dense weight at setup: compare 16
    // values per step instead of one.
    const __m128i zero = _mm_setzero_si128();
    for (unsigned i = 0; i < mask_word_bits; i += 16) {
        const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 8));
        const __m128i zeros = _mm_packs_epi16(_mm_cmpeq_epi16(lo, zero), _mm_cmpeq_epi16(hi, zero));
        m |= u64{~static_cast<u32>(_mm_movemask_epi8(zeros)) & 0xffffu} << i;
    }
#else
    for (unsigned i = 0; i < mask_word_bits; ++i) m |= u64{p[i] != 0} << i;
#endif
    return m;
}

}  // namespace

void sparse_vector::encode_into(const i16* dense, u32 length, sparse_vector& v) {
    v.length = length;
    v.mask.resize(mask_words(length));
    u32 nnz = 0;
    for (u32 k = 0; k < v.mask.size(); ++k) {
        const u32 begin = k * mask_word_bits;
        u64 m = 0;
        if (length - begin >= mask_word_bits) {
            m = nonzero_bits(dense + begin);
        } else {
            for (u32 i = begin; i < length; ++i) m |= u64{dense[i] != 0} << (i - begin);
        }
        v.mask[k] = m;
        nnz += static_cast<u32>(__builtin_popcountll(m));
    }
    // Values by the mask's set bits: most weights are zero.
    v.values.resize(nnz);
    i16* out = v.values.data();
    for (u32 k = 0; k < v.mask.size(); ++k)
        for (u64 m = v.mask[k]; m != 0; m &= m - 1)
            *out++ = dense[k * mask_word_bits + static_cast<u32>(__builtin_ctzll(m))];
}

void sparse_vector::decode(i16* dense) const {
    if (length == 0) return;  // dense may be null for an empty vector
    std::memset(dense, 0, sizeof(i16) * length);
    u32 next = 0;
    for (u32 k = 0; k < mask.size(); ++k) {
        u64 m = mask[k];
        while (m) {
            const unsigned bit = static_cast<unsigned>(__builtin_ctzll(m));
            dense[k * mask_word_bits + bit] = values[next++];
            m &= m - 1;
        }
    }
}

std::vector<i16> sparse_vector::decode() const {
    std::vector<i16> dense(length);
    decode(dense.data());
    return dense;
}

u32 sparse_vector::packed_index(u32 position) const {
    u32 index = 0;
    const u32 word = position / mask_word_bits;
    for (u32 k = 0; k < word; ++k) index += static_cast<u32>(__builtin_popcountll(mask[k]));
    const u64 below = (u64{1} << (position % mask_word_bits)) - 1;
    return index + static_cast<u32>(__builtin_popcountll(mask[word] & below));
}

void mask_prefix(const sparse_vector& v, std::vector<u32>& prefix) {
    prefix.resize(v.mask.size());
    u32 count = 0;
    for (std::size_t k = 0; k < v.mask.size(); ++k) {
        prefix[k] = count;
        count += static_cast<u32>(__builtin_popcountll(v.mask[k]));
    }
}

void append(sparse_vector& dst, const sparse_vector& src) {
    const u32 shift = dst.length % mask_word_bits;
    const u32 new_length = dst.length + src.length;
    dst.mask.resize(mask_words(new_length), 0);
    u32 word = dst.length / mask_word_bits;
    for (u64 m : src.mask) {
        dst.mask[word] |= m << shift;
        if (shift != 0 && word + 1 < dst.mask.size())
            dst.mask[word + 1] |= m >> (mask_word_bits - shift);
        ++word;
    }
    dst.length = new_length;
    dst.values.insert(dst.values.end(), src.values.begin(), src.values.end());
}

sparse_vector slice(const sparse_vector& v, u32 begin, u32 count) {
    assert(begin + count <= v.length);
    sparse_vector out;
    out.length = count;
    out.mask.assign(mask_words(count), 0);
    u32 first = v.packed_index(begin);
    for (u32 i = 0; i < count; ++i) {
        const u32 p = begin + i;
        if (v.mask[p / mask_word_bits] >> (p % mask_word_bits) & 1) {
            out.mask[i / mask_word_bits] |= u64{1} << (i % mask_word_bits);
            out.values.push_back(v.values[first++]);
        }
    }
    return out;
}

void serialize(const sparse_vector& v, u32 value_bytes, u8* out) {
    assert(value_bytes == 1 || value_bytes == 2);
    const u64 total = encoded_bytes(v.length, v.nnz(), value_bytes);
    u8* p = out;
    for (u64 m : v.mask)
        for (unsigned b = 0; b < 8; ++b) *p++ = static_cast<u8>(m >> (8 * b));
    for (i16 value : v.values) {
        const u16 bits = static_cast<u16>(value);
        *p++ = static_cast<u8>(bits);
        if (value_bytes == 2) *p++ = static_cast<u8>(bits >> 8);
    }
    while (p < out + total) *p++ = 0;
}

u64 deserialize(const u8* in, u32 length, u32 value_bytes, sparse_vector& v) {
    assert(value_bytes == 1 || value_bytes == 2);
    v.length = length;
    v.mask.assign(mask_words(length), 0);
    const u8* p = in;
    u32 nnz = 0;
    for (auto& m : v.mask) {
        for (unsigned b = 0; b < 8; ++b) m |= u64{*p++} << (8 * b);
        nnz += static_cast<u32>(__builtin_popcountll(m));
    }
    v.values.resize(nnz);
    for (auto& value : v.values) {
        if (value_bytes == 1) {
            value = static_cast<i8>(*p++);
        } else {
            value = static_cast<i16>(static_cast<u16>(p[0] | p[1] << 8));
            p += 2;
        }
    }
    return encoded_bytes(length, nnz, value_bytes);
}

u64 vector_codec::total_bytes(const u8* first, u32 length) const {
    if (format == vector_format::dense) return max_bytes(length);
    const u64 mask_bytes = u64{mask_words(length)} * 8;
    u64 nnz = 0;
    for (u64 i = 0; i < mask_bytes; ++i) nnz += static_cast<u64>(__builtin_popcount(first[i]));
    return encoded_bytes(length, static_cast<u32>(nnz), value_bytes);
}

void vector_codec::store(const sparse_vector& v, u8* out) const {
    if (format == vector_format::masked) return serialize(v, value_bytes, out);
    const u64 size = max_bytes(v.length);
    std::fill(out, out + size, u8{0});
    u32 packed = 0;
    for (u32 i = 0; i < v.length; ++i) {
        if (!((v.mask[i / mask_word_bits] >> (i % mask_word_bits)) & 1)) continue;
        const u16 bits = static_cast<u16>(v.values[packed++]);
        out[u64{i} * value_bytes] = static_cast<u8>(bits);
        if (value_bytes == 2) out[u64{i} * 2 + 1] = static_cast<u8>(bits >> 8);
    }
}

u64 vector_codec::load(const u8* in, u32 length, sparse_vector& v) const {
    if (format == vector_format::masked) return deserialize(in, length, value_bytes, v);
    thread_local std::vector<i16> dense;
    dense.resize(length);
    for (u32 i = 0; i < length; ++i)
        dense[i] =
            value_bytes == 1
                ? static_cast<i16>(static_cast<i8>(in[i]))
                : static_cast<i16>(static_cast<u16>(in[2 * u64{i}] | in[2 * u64{i} + 1] << 8));
    sparse_vector::encode_into(dense.data(), length, v);
    return max_bytes(length);
}

}  // namespace masr
