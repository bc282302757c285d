// The model compiler (SystemC-free): how units are cut and placed on tiles,
// how buffer regions and sequences share space, the capacity errors with the
// bytes needed and available, and the image's weights read back as the
// workload's, slot by slot. Also masr-pack on the command line.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "compiler/mapping.h"
#include "compiler/model_compiler.h"
#include "compiler/weight_packer.h"
#include "contract/weight_layout.h"
#include "models/common/error.h"
#include "models/encoding/sparse_vector.h"

using namespace masr;

namespace {

std::string source_dir() {
    const char* dir = std::getenv("MASR_SOURCE_DIR");
    return dir ? dir : ".";
}

const workload& tiny() {
    static const workload w = workload::load(source_dir() + "/workloads/tiny.yaml");
    return w;
}

mapping_target target(u32 tiles) {
    mapping_target t;
    t.name = "test";
    t.tiles = tiles;
    t.pes = 2;
    t.weight_sram_bytes = 256 * 1024;
    t.act_buffer_bytes = 64 * 1024;
    t.seq_buffer_bytes = 1 << 20;
    t.tile_counters = 256;
    t.ctrl_counters = 4096;
    return t;
}

std::string compile_error(const mapping_target& t, u32 steps = 0) {
    try {
        compile_model(tiny(), t, steps);
    } catch (const input_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("units are cut into slices that differ by at most one, larger first",
          "[unit][compiler]") {
    const std::vector<unit_slice> cut = cut_units(800, 32);
    REQUIRE(cut.size() == 32);
    u32 next = 0;
    for (const unit_slice& s : cut) {
        CHECK(s.first == next);
        CHECK(s.units == 25);
        next += s.units;
    }
    const std::vector<unit_slice> odd = cut_units(75, 7);  // 75 = 5 x 11 + 2 x 10
    CHECK(odd[0].units == 11);
    CHECK(odd[4].units == 11);
    CHECK(odd[5].units == 10);
    CHECK(odd[6].first + odd[6].units == 75);
    CHECK_THROWS_WITH(cut_units(3, 4), Catch::Contains("cannot cut 3 units into 4 slices"));
    CHECK_THROWS_AS(cut_units(3, 0), input_error);
}

TEST_CASE("directions go to separate tile groups on even tile counts and share odd ones",
          "[unit][compiler]") {
    // 16 tiles, auto: forward on 0..7, backward on 8..15.
    layer_groups g = place_layer(800, true, 16, direction_placement::automatic);
    CHECK(g.slices == 8);
    CHECK(g.tiles[0] == std::vector<u32>{0, 1, 2, 3, 4, 5, 6, 7});
    CHECK(g.tiles[1] == std::vector<u32>{8, 9, 10, 11, 12, 13, 14, 15});
    // 3 tiles, auto: both directions on all three.
    g = place_layer(800, true, 3, direction_placement::automatic);
    CHECK(g.slices == 3);
    CHECK(g.tiles[0] == g.tiles[1]);
    // separate on an odd count: floor(T / 2) tiles each, the last tile idle.
    g = place_layer(800, true, 5, direction_placement::separate);
    CHECK(g.tiles[0] == std::vector<u32>{0, 1});
    CHECK(g.tiles[1] == std::vector<u32>{2, 3});
    // shared on an even count.
    g = place_layer(800, true, 4, direction_placement::shared);
    CHECK(g.tiles[1] == std::vector<u32>{0, 1, 2, 3});
    // Fewer units than tiles: one unit per tile.
    g = place_layer(5, false, 64, direction_placement::automatic);
    CHECK(g.slices == 5);
    CHECK(g.tiles[1].empty());
    g = place_layer(3, true, 64, direction_placement::automatic);
    CHECK(g.tiles[1] == std::vector<u32>{32, 33, 34});
}

TEST_CASE("regions share addresses only when their tiles or their lifetimes do not meet",
          "[unit][compiler]") {
    region_allocator a(64);
    CHECK(a.allocate(100, {0, 1}) == 0);      // 128 bytes
    CHECK(a.allocate(10, {2, 3}) == 0);       // other tiles: the same address
    CHECK(a.allocate(10, {1, 2}) == 128);     // meets both
    CHECK(a.allocate(64, {0}, 5, 6) == 128);  // tile 0 is free from 128 on
    CHECK(a.allocate(64, {0}, 7, 8) == 128);  // a later lifetime: the same place again
    CHECK(a.allocate(64, {0}, 6, 7) == 192);  // overlaps both lifetimes
    CHECK(a.end() == 256);

    lifetime_allocator s(64);
    CHECK(s.allocate(1000, -1, 0) == 0);   // the input, read by layer 0
    CHECK(s.allocate(500, 0, 1) == 1024);  // layer 0's output
    CHECK(s.allocate(500, 1, 2) == 0);     // layer 1's output reuses the input's
    CHECK(s.allocate(2000, 2, 3) == 512);  // over layer 0's, which is dead by layer 2
    CHECK(s.allocate(100, 1, 3) == 2560);  // alive with all three
    CHECK(s.end() == 2688);
}

TEST_CASE("tiny on one tile: the documented layout, counters and program order",
          "[unit][compiler]") {
    const compiled_model c = compile_model(tiny(), target(1), 0);
    const model_image& m = c.image;
    // Both directions of every layer on tile 0, forward first, in layer order.
    REQUIRE(m.slots.size() == 6);
    const std::vector<std::pair<u64, u64>> program = {{0, 0}, {0, 1}, {1, 0},
                                                      {2, 0}, {2, 1}, {3, 0}};
    for (std::size_t i = 0; i < program.size(); ++i) {
        CHECK(m.slots[i].slot == i);
        CHECK(m.slots[i].layer == program[i].first);
        CHECK(m.slots[i].direction == program[i].second);
    }
    // x slots: the widest x_t (out: 165 inputs = 3 mask words + 330 bytes = 360
    // -> 384), forward slots at 0 and 384, backward (l1, l3: 70 inputs -> 160)
    // at 768 and 960.
    const layer_record& out = m.layers[3];
    CHECK(out.x_region_fwd0 == 0);
    CHECK(out.x_region_fwd1 == 384);
    CHECK(m.layers[0].x_region_bwd0 == 768);
    CHECK(m.layers[0].x_region_bwd1 == 960);
    // Every layer shares the same four slots and counters.
    for (const layer_record& l : m.layers) {
        CHECK(l.x_region_fwd0 == 0);
        CHECK(l.x_counter_bwd1 == 3);
        CHECK(l.credit_fwd1 == 1);
    }
    // Tile counters: 4 x slots + 3 per layer direction of 4 layers.
    CHECK(m.header.tile_counters == 4 + 3 * 8);
    // Control counters: 4 credits + one per step of 1 input and 6 outputs.
    CHECK(m.header.ctrl_counters == 4 + 12 * 7);
    // The input sequence is preloaded, the others written by their layer.
    CHECK(m.sequences[m.header.input_sequence].preloaded == 1);
    for (const layer_record& l : m.layers) CHECK(m.sequences[l.sequence_fwd].preloaded == 0);
    // One PE block per pass the kind has: rnn 2, gru 3, lstm 2, dense 1.
    const std::vector<u64> passes = {2, 2, 3, 2, 2, 1};
    for (std::size_t i = 0; i < m.slots.size(); ++i) CHECK(m.slots[i].block_count == 2 * passes[i]);
}

TEST_CASE("every slot's blocks in the image read back as its slice of the workload's weights",
          "[unit][compiler]") {
    const workload& w = tiny();
    for (u32 tiles : {1u, 3u, 16u}) {
        const compiled_model c = compile_model(w, target(tiles), 0);
        const model_image& m = c.image;
        const u8* weights = c.bytes.data() + m.header.weights_offset;
        u64 units_covered = 0;
        for (const slot_record& s : m.slots) {
            const layer_desc& layer = w.layers[s.layer];
            std::vector<packed_block> blocks;
            for (u64 b = s.block_first; b < s.block_first + s.block_count; ++b) {
                const block_record& r = m.blocks[b];
                // In its PE's partition of its tile.
                CHECK(r.sram_address / m.header.weight_partition_bytes == r.pe);
                packed_block p;
                p.pass = static_cast<weight_pass>(r.pass);
                p.pe = static_cast<u32>(r.pe);
                p.first_row = static_cast<u32>(r.first_row);
                p.rows = static_cast<u32>(r.rows);
                p.bias = r.bias != 0;
                p.bytes.assign(weights + r.image_offset, weights + r.image_offset + r.bytes);
                blocks.push_back(std::move(p));
            }
            const unpacked_weights back = unpack_slot_weights(layer.kind, layer.inputs, layer.units,
                                                              static_cast<u32>(s.units), 1, blocks);
            const direction_weights& dw = w.weights[s.layer].directions[s.direction];
            u64 wrong = 0;
            for (u32 g = 0; g < layer.gates(); ++g)
                for (u32 u = 0; u < s.units; ++u) {
                    const u32 global = static_cast<u32>(g * layer.units + s.first_unit + u);
                    const u32 local = static_cast<u32>(g * s.units + u);
                    wrong += back.bias[local] != dw.bias[global];
                    for (u32 k = 0; k < layer.inputs; ++k)
                        wrong += back.input.at(local, k) != dw.input.at(global, k);
                    if (layer.recurrent())
                        for (u32 k = 0; k < layer.units; ++k)
                            wrong += back.recurrent.at(local, k) != dw.recurrent.at(global, k);
                }
            INFO(tiles << " tiles, slot " << s.slot << " of tile " << s.tile);
            CHECK(wrong == 0);
            units_covered += s.units;
        }
        // Every unit of every layer direction is on exactly one slot.
        u64 units = 0;
        for (const layer_desc& l : w.layers) units += u64{l.units} * l.directions();
        CHECK(units_covered == units);
    }
}

TEST_CASE("what does not fit is named, with the bytes needed and available", "[unit][compiler]") {
    mapping_target t = target(1);
    t.weight_sram_bytes = 16 * 1024;
    CHECK_THAT(compile_error(t), Catch::Contains("tile 0 PE") &&
                                     Catch::Contains("of weight SRAM in its partition") &&
                                     Catch::Contains("--tiles N"));
    t = target(1);
    t.act_buffer_bytes = 1024;
    CHECK_THAT(compile_error(t), Catch::Contains("activation buffer needs 3.0 KiB") &&
                                     Catch::Contains("has 1.0 KiB") &&
                                     Catch::Contains("tile.act_buffer.size"));
    t = target(1);
    t.seq_buffer_bytes = 4096;
    CHECK_THAT(compile_error(t), Catch::Contains("12 time steps") &&
                                     Catch::Contains("of sequence buffer") &&
                                     Catch::Contains("has 4.0 KiB"));
    t = target(1);
    t.ctrl_counters = 50;
    CHECK_THAT(compile_error(t), Catch::Contains("88 arrival counters") &&
                                     Catch::Contains("has 50") &&
                                     Catch::Contains("ctrl_ni.counters"));
    t = target(1);
    t.tile_counters = 10;
    CHECK_THAT(compile_error(t), Catch::Contains("28 arrival counters in each tile's NI"));
    CHECK_THAT(compile_error(target(1), 13), Catch::Contains("sequence_length 12"));
    t = target(1);
    t.weight_sram_bytes = 1001;
    CHECK_THAT(compile_error(t), Catch::Contains("not a multiple"));
    // Fewer steps need less of the sequence buffer.
    t = target(1);
    t.seq_buffer_bytes = 4096;
    CHECK(compile_error(t, 3).empty());
}

TEST_CASE("the network input is placed as one encoded vector per step of its sequence",
          "[unit][compiler]") {
    const workload& w = tiny();
    const compiled_model c = compile_model(w, target(3), 5);
    const std::vector<input_placement> in = place_input(c.image, w, 5);
    REQUIRE(in.size() == 5);
    const sequence_record& q = c.image.sequences[c.image.header.input_sequence];
    for (u32 t = 0; t < 5; ++t) {
        CHECK(in[t].address == q.base + t * q.step_bytes);
        sparse_vector v;
        deserialize(in[t].bytes.data(), w.input_size, 2, v);
        const std::vector<i16> dense = v.decode();
        for (u32 i = 0; i < w.input_size; ++i)
            CHECK(dense[i] == fixed::quantize_activation(w.input.at(t, i), w.format));
    }
    CHECK_THROWS_WITH(place_input(c.image, w, 6), Catch::Contains("holds 5"));
}

TEST_CASE("masr-pack writes a checksummed image, describes it, and refuses bad input",
          "[unit][compiler]") {
    const std::string dir =
        (std::filesystem::temp_directory_path() / ("masr_pack_" + std::to_string(::getpid())))
            .string();
    std::filesystem::create_directories(dir);
    const std::string image = dir + "/tiny.img";
    const std::string base = std::string(MASR_PACK_BINARY) + " --workload " + source_dir() +
                             "/workloads/tiny.yaml --platform " + source_dir() +
                             "/platforms/edge.yaml";
    REQUIRE(std::system((base + " -o " + image + " --describe > " + dir + "/out.txt").c_str()) ==
            0);
    std::ifstream file(image, std::ios::binary);
    std::vector<u8> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const model_image m = parse_model_image(bytes.data(), bytes.size(), image);
    CHECK(m.header.tiles == 16);
    std::ifstream out(dir + "/out.txt");
    std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    CHECK_THAT(text, Catch::Contains("wrote " + image) && Catch::Contains("CRC-32 0x") &&
                         Catch::Contains("forward group tiles: 0 1 2 3 4 5 6 7"));
    // tiny fits one tile; ds2_birnn does not fit the IoT part: exit 2 and the
    // message, no file left behind.
    CHECK(WEXITSTATUS(
              std::system((base + " --tiles 1 -o " + dir + "/one.img > /dev/null").c_str())) == 0);
    const std::string small = dir + "/small.img";
    CHECK(WEXITSTATUS(std::system((std::string(MASR_PACK_BINARY) + " --workload " + source_dir() +
                                   "/workloads/ds2_birnn.yaml --platform " + source_dir() +
                                   "/platforms/iot.yaml -o " + small + " 2> " + dir + "/err.txt")
                                      .c_str())) == 2);
    std::ifstream err(dir + "/err.txt");
    std::string message((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    CHECK_THAT(message, Catch::Contains("does not fit"));
    CHECK_FALSE(std::filesystem::exists(small));
    CHECK(WEXITSTATUS(std::system((std::string(MASR_PACK_BINARY) + " > /dev/null 2>&1").c_str())) ==
          2);
    std::filesystem::remove_all(dir);
}
