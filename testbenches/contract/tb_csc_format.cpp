// EIE's compressed sparse columns (contract/csc_format.h) against hand
// counts: the 4 x 6 example of the MASR paper (../shared/reference/
// masr-paper.md), gaps longer than 15 that need padding zeros, the entry and
// pointer bytes, and the round trip through the weight packer.
#include <catch2/catch.hpp>
#include <vector>

#include "compiler/weight_packer.h"
#include "contract/csc_format.h"
#include "models/common/error.h"

using namespace masr;

namespace {

// The paper's example, weights x 10 as integers.
const std::vector<std::vector<i16>> example = {
    {0, 0, 3, -2, 0, 0},
    {1, 2, 0, 0, 0, -3},
    {0, 0, -4, 0, 7, 0},
    {0, 0, 0, 8, 0, 0},
};

std::vector<const i16*> rows_of(const std::vector<std::vector<i16>>& m,
                                const std::vector<u32>& which) {
    std::vector<const i16*> rows;
    for (u32 r : which) rows.push_back(m[r].data());
    return rows;
}

}  // namespace

TEST_CASE("csc: the paper's 4 x 6 example on one PE, by hand", "[unit][csc]") {
    const csc_layout layout;  // 4-bit codes, 4-bit indices: 8 entries per 64-bit word
    const csc_matrix m = encode_csc(rows_of(example, {0, 1, 2, 3}), 6, layout);
    // Column by column: c0 row 1; c1 row 1; c2 rows 0, 2; c3 rows 0, 3; c4 row 2; c5 row 1.
    CHECK(m.pointers == std::vector<u32>{0, 1, 2, 4, 6, 7, 8});
    CHECK(m.index == std::vector<u8>{1, 1, 0, 1, 0, 2, 2, 1});
    CHECK(m.weight == std::vector<i16>{1, 2, 3, -4, -2, 8, 7, -3});
    CHECK(m.padding == 0);
    // 8 one-byte entries are one word; 7 u16 pointers are 14 bytes, padded to 16.
    CHECK(layout.entry_bytes(m.entries()) == 8);
    CHECK(csc_pointer_bytes(6) == 16);
    const std::vector<i16> book =
        make_codebook({&example[0], &example[1], &example[2], &example[3]}, layout, "example");
    CHECK(book.size() == 16);
    CHECK(std::vector<i16>(book.begin(), book.begin() + 9) ==
          std::vector<i16>{0, -4, -3, -2, 1, 2, 3, 7, 8});
    const std::vector<u8> entries = write_csc_entries(m, layout, book);
    REQUIRE(entries.size() == 32 + 8);  // the codebook (16 x i16), then the entries
    for (u64 e = 0; e < m.entries(); ++e) {
        const csc_entry entry = read_csc_entry(entries.data() + 32, e, layout);
        CHECK(entry.index == m.index[e]);
        CHECK(book[entry.code] == m.weight[e]);
    }
}

TEST_CASE("csc: the example over two PEs (rows interleaved)", "[unit][csc]") {
    const csc_layout layout;
    // PE 0 holds rows 0 and 2, PE 1 rows 1 and 3 (its local rows 0 and 1).
    const csc_matrix pe0 = encode_csc(rows_of(example, {0, 2}), 6, layout);
    const csc_matrix pe1 = encode_csc(rows_of(example, {1, 3}), 6, layout);
    CHECK(pe0.pointers == std::vector<u32>{0, 0, 0, 2, 3, 4, 4});
    CHECK(pe0.index == std::vector<u8>{0, 0, 0, 1});
    CHECK(pe1.pointers == std::vector<u32>{0, 1, 2, 2, 3, 3, 4});
    CHECK(pe1.index == std::vector<u8>{0, 0, 1, 0});
    // EIE's pointers grow with the PEs: 2 x 7 pointers where one PE needs 7.
    CHECK(pe0.pointers.size() + pe1.pointers.size() == 14);
}

TEST_CASE("csc: gaps longer than 15 zeros are bridged by stored padding zeros", "[unit][csc]") {
    const csc_layout layout;
    // One column of 40 rows: non-zeros at rows 0, 35 and 39. The 34 zeros
    // between 0 and 35 take two padding entries (at rows 16 and 32, each
    // standing for 15 zeros and itself), leaving a gap of 2.
    std::vector<std::vector<i16>> column(40, std::vector<i16>{0});
    column[0][0] = 5;
    column[35][0] = -6;
    column[39][0] = 7;
    std::vector<u32> all(40);
    for (u32 r = 0; r < 40; ++r) all[r] = r;
    const csc_matrix m = encode_csc(rows_of(column, all), 1, layout);
    CHECK(m.index == std::vector<u8>{0, 15, 15, 2, 3});
    CHECK(m.weight == std::vector<i16>{5, 0, 0, -6, 7});
    CHECK(m.padding == 2);
    CHECK(m.entries() == 5);
    // Exactly 16 zeros before a non-zero need one padding entry; 15 need none;
    // trailing zeros need none.
    for (const auto& [row, entries, padding] :
         std::vector<std::tuple<u32, u64, u64>>{{15, 1, 0}, {16, 2, 1}, {31, 2, 1}, {32, 3, 2}}) {
        std::vector<std::vector<i16>> c(40, std::vector<i16>{0});
        c[row][0] = 1;
        const csc_matrix one = encode_csc(rows_of(c, all), 1, layout);
        INFO("non-zero at row " << row);
        CHECK(one.entries() == entries);
        CHECK(one.padding == padding);
    }
    // 8-bit weights in the entry (no codebook): 12-bit entries, 5 per word.
    csc_layout plain;
    plain.code_bits = 0;
    CHECK(plain.entry_bits() == 12);
    CHECK(plain.entries_per_word() == 5);
    CHECK(plain.entry_bytes(m.entries()) == 8);
    CHECK(plain.entry_bytes(6) == 16);
    const std::vector<u8> bytes = write_csc_entries(m, plain, {});
    for (u64 e = 0; e < m.entries(); ++e) {
        const csc_entry entry = read_csc_entry(bytes.data(), e, plain);
        CHECK(entry.index == m.index[e]);
        CHECK(csc_weight(entry.code, plain, nullptr) == m.weight[e]);
    }
}

TEST_CASE("csc: a codebook holds at most 2^code_bits - 1 non-zero values", "[unit][csc]") {
    std::vector<i16> values;
    for (i16 v = 1; v <= 16; ++v) values.push_back(v);
    CHECK_THROWS_WITH(make_codebook({&values}, csc_layout{}, "layer 'x'"),
                      Catch::Contains("layer 'x': 16 distinct non-zero weights, but a 4-bit "
                                      "codebook holds 15"));
}

TEST_CASE("csc: packed slots unpack to the workload's weights", "[unit][csc]") {
    layer_desc layer;
    layer.name = "l";
    layer.kind = layer_kind::gru;
    layer.inputs = 40;
    layer.units = 20;
    direction_weights w;
    w.input = matrix<i16>(60, 40);
    w.recurrent = matrix<i16>(60, 20);
    w.bias.assign(60, 0);
    // A sparse pattern with long gaps, from a few shared values.
    const i16 shared[] = {-7, -2, 3, 9};
    for (u32 r = 0; r < 60; ++r) {
        for (u32 c = 0; c < 40; ++c)
            if ((r * 7 + c * 13) % 23 == 0) w.input.at(r, c) = shared[(r + c) % 4];
        for (u32 c = 0; c < 20; ++c)
            if ((r * 5 + c * 3) % 29 == 0) w.recurrent.at(r, c) = shared[(r * c) % 4];
        w.bias[r] = static_cast<i32>(r) - 30;
    }
    for (const auto& [codebook, pes] :
         std::vector<std::pair<bool, u32>>{{true, 1}, {false, 1}, {true, 3}, {false, 3}}) {
        weight_storage storage;
        storage.format = weight_format::csc;
        storage.csc.code_bits = codebook ? 4 : 0;
        if (codebook)
            storage.codebook = make_codebook({&w.input.data, &w.recurrent.data}, storage.csc, "l");
        // Units 5..14 of the 20: 30 rows a pass; on one PE the input columns'
        // non-zeros are 23 rows apart and need padding, on 3 PEs (10 rows each) never.
        const packed_slot packed = pack_slot_weights(layer, w, 5, 10, pes, fixed_format{}, storage);
        CHECK((packed.padding_entries > 0) == (pes == 1));
        const unpacked_weights back =
            unpack_slot_weights(layer.kind, 40, 20, 10, 1, packed.blocks, storage, pes);
        for (u32 local = 0; local < 30; ++local) {
            const u32 global = (local / 10) * 20 + 5 + local % 10;
            INFO("codebook " << codebook << ", " << pes << " PEs, local row " << local);
            CHECK(back.bias[local] == w.bias[global]);
            CHECK(std::vector<i16>(back.input.row(local), back.input.row(local) + 40) ==
                  std::vector<i16>(w.input.row(global), w.input.row(global) + 40));
            CHECK(std::vector<i16>(back.recurrent.row(local), back.recurrent.row(local) + 20) ==
                  std::vector<i16>(w.recurrent.row(global), w.recurrent.row(global) + 20));
        }
    }
}
