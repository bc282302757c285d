#include "models/encoding/masked_dot.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MASR_MASKED_DOT_AVX512 1
#endif

namespace masr {

i64 masked_dot_i8_portable(const u64* weight_mask, const u8* packed, const i16* dense,
                           unsigned words) {
    i64 sum = 0;
    for (unsigned k = 0; k < words; ++k) {
        const i16* a = dense + u64{k} * 64;
        for (u64 m = weight_mask[k]; m != 0; m &= m - 1)
            sum += i64{static_cast<i8>(*packed++)} * a[__builtin_ctzll(m)];
    }
    return sum;
}

#ifdef MASR_MASKED_DOT_AVX512
// GCC 12's AVX-512 conversion intrinsics start from _mm512_undefined, which
// its uninitialised-use warning reports (GCC bug 105593). Clang (the fuzz
// build) has neither the false warning nor GCC's name for it.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace {

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2"))) i64 lanes_sum(__m512i acc) {
    const __m512i low = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
    const __m512i high = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
    return _mm512_reduce_add_epi64(_mm512_add_epi64(low, high));
}

// One mask word: VPCOMPRESSW packs the dense activations at the weights'
// mask positions (32 at a time, zeros after them), which lines them up with
// the packed weights; two VPMADDWD then multiply them lane by lane. (The
// byte form, expanding the weights instead, is two to three times slower on
// the cores measured.) A product is at most 2^7 * 2^15 = 2^22 and a 32-bit
// lane gains four per word, so 64 words stay below 2^30 before the lanes
// are summed into 64 bits.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2"))) i64 masked_dot_i8_avx512(
    const u64* weight_mask, const u8* packed, const i16* dense, unsigned words) {
    constexpr unsigned words_per_flush = 64;
    const auto first = [](unsigned n) -> __mmask32 {
        return n == 32 ? ~__mmask32{0} : static_cast<__mmask32>((u32{1} << n) - 1);
    };
    i64 sum = 0;
    __m512i acc = _mm512_setzero_si512();
    unsigned since_flush = 0;
    for (unsigned k = 0; k < words; ++k) {
        const u64 m = weight_mask[k];
        const auto m_low = static_cast<__mmask32>(m);
        const auto m_high = static_cast<__mmask32>(m >> 32);
        const unsigned n_low = static_cast<unsigned>(__builtin_popcount(m_low));
        const unsigned n_high = static_cast<unsigned>(__builtin_popcount(m_high));
        const i16* a = dense + u64{k} * 64;
        const __m512i a_low = _mm512_maskz_compress_epi16(m_low, _mm512_loadu_si512(a));
        const __m512i a_high = _mm512_maskz_compress_epi16(m_high, _mm512_loadu_si512(a + 32));
        // Masked loads: the bytes past the word's weights are neither read nor faulted.
        const __m512i w_low = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(first(n_low), packed));
        const __m512i w_high =
            _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(first(n_high), packed + n_low));
        packed += n_low + n_high;
        acc = _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_madd_epi16(w_low, a_low),
                                                     _mm512_madd_epi16(w_high, a_high)));
        if (++since_flush == words_per_flush) {
            sum += lanes_sum(acc);
            acc = _mm512_setzero_si512();
            since_flush = 0;
        }
    }
    return sum + lanes_sum(acc);
}

bool host_has_avx512_vbmi2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi2");
}

const bool use_avx512 = host_has_avx512_vbmi2();

}  // namespace
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

i64 masked_dot_i8(const u64* weight_mask, const u8* packed, const i16* dense, unsigned words) {
#ifdef MASR_MASKED_DOT_AVX512
    if (use_avx512) return masked_dot_i8_avx512(weight_mask, packed, dense, words);
#endif
    return masked_dot_i8_portable(weight_mask, packed, dense, words);
}

bool masked_dot_vectorised() {
#ifdef MASR_MASKED_DOT_AVX512
    return use_avx512;
#else
    return false;
#endif
}

}  // namespace masr
