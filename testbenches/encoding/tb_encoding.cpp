// The binary-mask encoding: the paper's worked example, round trips from 0 to
// 100 % sparsity at lengths that are not multiples of the mask word, slicing
// and concatenation, the effectual-pair iteration against a dense scan, and
// the MAC kernels against the dense sum.
#include <catch2/catch.hpp>
#include <random>

#include "models/encoding/masked_dot.h"
#include "models/encoding/sparse_vector.h"

using namespace masr;

namespace {

std::vector<i16> random_dense(std::mt19937& rng, u32 length, double sparsity) {
    std::bernoulli_distribution zero(sparsity);
    std::uniform_int_distribution<int> value(-32768, 32767);
    std::vector<i16> v(length);
    for (auto& x : v) {
        int r = 0;
        while (!zero(rng) && r == 0) r = value(rng);
        x = static_cast<i16>(r);
    }
    return v;
}

}  // namespace

TEST_CASE("paper example: masks and packed values of the 4x6 matrix", "[unit][encoding]") {
    // Rows of the worked example in docs (values x10 as integers).
    const std::vector<std::vector<i16>> rows = {
        {0, 0, 3, -2, 0, 0}, {1, 2, 0, 0, 0, -3}, {0, 0, -4, 0, 7, 0}, {0, 0, 0, 8, 0, 0}};
    const std::vector<u64> masks = {0b001100, 0b100011, 0b010100, 0b001000};  // column 0 = bit 0
    const std::vector<std::vector<i16>> values = {{3, -2}, {1, 2, -3}, {-4, 7}, {8}};
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto v = sparse_vector::encode(rows[r]);
        REQUIRE(v.mask.size() == 1);
        CHECK(v.mask[0] == masks[r]);
        CHECK(v.values == values[r]);
        CHECK(v.decode() == rows[r]);
    }
}

TEST_CASE("round trip at every sparsity and awkward lengths", "[unit][encoding]") {
    std::mt19937 rng(7);
    for (u32 length : {0u, 1u, 63u, 64u, 65u, 127u, 200u, 1001u}) {
        for (double sparsity : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) {
            const auto dense = random_dense(rng, length, sparsity);
            const auto v = sparse_vector::encode(dense);
            CHECK(v.decode() == dense);
            u32 nnz = 0;
            for (i16 x : dense) nnz += x != 0;
            CHECK(v.nnz() == nnz);
            for (u32 value_bytes : {2u}) {
                std::vector<u8> bytes(encoded_bytes(length, v.nnz(), value_bytes), 0xAA);
                serialize(v, value_bytes, bytes.data());
                sparse_vector back;
                CHECK(deserialize(bytes.data(), length, value_bytes, back) == bytes.size());
                CHECK(back == v);
            }
        }
    }
}

TEST_CASE("8-bit values serialise in one byte each", "[unit][encoding]") {
    const std::vector<i16> dense = {0, -128, 0, 127, 5, 0, 0, 0, 0, 0, -1};
    const auto v = sparse_vector::encode(dense);
    std::vector<u8> bytes(encoded_bytes(11, v.nnz(), 1));
    CHECK(bytes.size() == 16);  // one mask word + 4 values, padded to 8
    serialize(v, 1, bytes.data());
    CHECK(bytes[8] == 0x80);
    CHECK(bytes[9] == 0x7F);
    sparse_vector back;
    deserialize(bytes.data(), 11, 1, back);
    CHECK(back.decode() == dense);
}

TEST_CASE("append and slice across word boundaries", "[unit][encoding]") {
    std::mt19937 rng(11);
    for (u32 a : {0u, 5u, 64u, 70u}) {
        for (u32 b : {1u, 63u, 64u, 100u}) {
            auto da = random_dense(rng, a, 0.6);
            const auto db = random_dense(rng, b, 0.3);
            auto va = sparse_vector::encode(da);
            append(va, sparse_vector::encode(db));
            da.insert(da.end(), db.begin(), db.end());
            CHECK(va == sparse_vector::encode(da));
            const u32 begin = a / 2, count = (a + b) / 3;
            const std::vector<i16> part(da.begin() + begin, da.begin() + begin + count);
            CHECK(slice(va, begin, count) == sparse_vector::encode(part));
        }
    }
}

TEST_CASE("effectual pairs match a dense scan", "[unit][encoding]") {
    std::mt19937 rng(3);
    for (int trial = 0; trial < 50; ++trial) {
        const u32 n = 1 + rng() % 300;
        const auto w = random_dense(rng, n, 0.9);
        const auto a = random_dense(rng, n, 0.5);
        const auto vw = sparse_vector::encode(w), va = sparse_vector::encode(a);
        i64 expected = 0, got = 0;
        u32 expected_pairs = 0, pairs = 0;
        for (u32 i = 0; i < n; ++i) {
            expected += i64{w[i]} * a[i];
            expected_pairs += w[i] != 0 && a[i] != 0;
        }
        for_each_effectual(vw.mask.data(), va.mask.data(), mask_words(n), [&](u32 wi, u32 ai) {
            got += i64{vw.values[wi]} * va.values[ai];
            ++pairs;
        });
        CHECK(got == expected);
        CHECK(pairs == expected_pairs);
    }
}

TEST_CASE("per-word effectual pairs and the row's value count", "[unit][encoding]") {
    std::mt19937 rng(5);
    for (int trial = 0; trial < 50; ++trial) {
        const u32 n = 1 + rng() % 300;
        const auto vw = sparse_vector::encode(random_dense(rng, n, 0.8));
        const auto va = sparse_vector::encode(random_dense(rng, n, 0.4));
        std::vector<u32> prefix;
        mask_prefix(va, prefix);
        REQUIRE(prefix.size() == mask_words(n));
        for (u32 k = 0; k < prefix.size(); ++k)
            CHECK(prefix[k] == va.packed_index(k * mask_word_bits));
        std::vector<u32> per_word(mask_words(n), 99);
        i64 sum = 0;
        const u32 nnz = for_each_effectual_word(
            vw.mask.data(), va.mask.data(), prefix.data(), mask_words(n),
            [&](unsigned k, u32 e) { per_word[k] = e; },
            [&](std::size_t wi, std::size_t ai) { sum += i64{vw.values[wi]} * va.values[ai]; });
        CHECK(nnz == vw.nnz());
        i64 expected = 0;
        const auto dw = vw.decode(), da = va.decode();
        for (u32 i = 0; i < n; ++i) expected += i64{dw[i]} * da[i];
        CHECK(sum == expected);
        for (u32 k = 0; k < per_word.size(); ++k)
            CHECK(per_word[k] == static_cast<u32>(__builtin_popcountll(vw.mask[k] & va.mask[k])));
    }
}

namespace {

// The sum the hardware forms, from the dense row and the dense activation.
i64 dense_dot(const std::vector<i16>& w, const std::vector<i16>& a) {
    i64 s = 0;
    for (std::size_t i = 0; i < w.size(); ++i) s += i64{w[i]} * a[i];
    return s;
}

struct masked_row {
    std::vector<u64> mask;
    std::vector<u8> packed;
};

masked_row pack_i8(const std::vector<i16>& w) {
    masked_row r;
    r.mask.assign(mask_words(static_cast<u32>(w.size())), 0);
    for (std::size_t i = 0; i < w.size(); ++i)
        if (w[i] != 0) {
            r.mask[i / 64] |= u64{1} << (i % 64);
            r.packed.push_back(static_cast<u8>(static_cast<i8>(w[i])));
        }
    return r;
}

}  // namespace

TEST_CASE("masked_dot_i8: every kernel gives the dense sum, bit for bit, at extremes too",
          "[unit][encoding]") {
    INFO("vector kernel on this host: " << (masked_dot_vectorised() ? "yes" : "no"));
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> weight(-128, 127);
    const auto check = [](const std::vector<i16>& w, std::vector<i16> a) {
        const masked_row r = pack_i8(w);
        a.resize(r.mask.size() * 64, 0);  // the kernels read whole mask words
        // The packed values end exactly where the row's do: a kernel that
        // reads past them would read outside the vector (ASan in CI).
        const std::vector<u8> packed(r.packed);
        const i64 expected = dense_dot(w, std::vector<i16>(a.begin(), a.begin() + w.size()));
        const unsigned words = static_cast<unsigned>(r.mask.size());
        REQUIRE(masked_dot_i8_portable(r.mask.data(), packed.data(), a.data(), words) == expected);
        REQUIRE(masked_dot_i8(r.mask.data(), packed.data(), a.data(), words) == expected);
    };
    for (u32 length : {1u, 63u, 64u, 65u, 800u, 1600u, 64u * 64u + 1u, 64u * 200u})
        for (double sparsity : {0.0, 0.5, 0.9, 1.0}) {
            CAPTURE(length, sparsity);
            std::bernoulli_distribution zero(sparsity);
            std::vector<i16> w(length);
            for (auto& x : w) {
                int v = 0;
                while (!zero(rng) && v == 0) v = weight(rng);
                x = static_cast<i16>(v);
            }
            check(w, random_dense(rng, length, 0.4));
        }
    // The largest products, all of one sign, over more words than the vector
    // kernel keeps in 32-bit lanes (64): a lane that wrapped would show here.
    for (u32 words : {1u, 63u, 64u, 65u, 200u}) {
        CAPTURE(words);
        check(std::vector<i16>(words * 64, -128), std::vector<i16>(words * 64, -32768));
        check(std::vector<i16>(words * 64, 127), std::vector<i16>(words * 64, -32768));
    }
}
