// The contract between the host tools and the hardware: the model-image
// records (round trip, range checks), docs/model-image.md against the code's
// field tables, and the checks of parse_model_image on images that are
// truncated, corrupt or inconsistent, each naming what is wrong.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "compiler/model_compiler.h"
#include "contract/model_image.h"
#include "models/common/error.h"

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

mapping_target tiny_target(u32 tiles) {
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

std::string parse_error(std::vector<u8> bytes, bool check_crc = true) {
    try {
        parse_model_image(bytes.data(), bytes.size(), "test.img", check_crc);
    } catch (const input_error& e) {
        return e.what();
    }
    return "";
}

// Re-writes an image from its (altered) records, so that the CRC is right
// and only the alteration is wrong.
std::vector<u8> rewrite(model_image m, const std::vector<u8>& original) {
    const std::vector<u8> weights(original.begin() + static_cast<long>(m.header.weights_offset),
                                  original.end());
    return write_model_image(m, weights);
}

}  // namespace

TEST_CASE("records round-trip through their field tables and refuse values that do not fit",
          "[unit][contract]") {
    slot_record s;
    s.tile = 7;
    s.slot = 3;
    s.layer = 2;
    s.direction = 1;
    s.slice = 5;
    s.first_unit = 1000;
    s.units = 25;
    s.block_first = 99;
    s.block_count = 12;
    s.h_region0 = 0x1000;
    s.h_region1 = 0x2000;
    s.h_counter0 = 10;
    s.h_counter1 = 11;
    s.rh_region = 0x3000;
    s.rh_counter = 12;
    s.out_region = 0x4000;
    const std::vector<u8> bytes = record_to_bytes(s);
    CHECK(bytes.size() == record_bytes<slot_record>());
    CHECK(bytes.size() % 8 == 0);
    const slot_record back = read_record<slot_record>(bytes.data());
    for (const auto& f : slot_record::fields().list) CHECK(back.*f.member == s.*f.member);
    // Little-endian, fields back to back: tile at 0, slot at 4.
    CHECK(bytes[0] == 7);
    CHECK(bytes[4] == 3);

    s.direction = 256;  // a 1-byte field
    CHECK_THROWS_WITH(record_to_bytes(s), Catch::Contains("slot_record.direction = 256") &&
                                              Catch::Contains("1-byte field"));
    layer_record l;
    l.units = u64{1} << 32;
    CHECK_THROWS_WITH(record_to_bytes(l), Catch::Contains("layer_record.units"));
}

TEST_CASE("docs/model-image.md holds exactly the field tables the code reads and writes",
          "[unit][contract]") {
    std::ifstream in(source_dir() + "/docs/model-image.md");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const std::string begin = "<!-- generated: masr-pack --print-layout";
    const std::string end = "<!-- end of generated tables -->";
    const auto a = doc.find(begin);
    const auto b = doc.find(end);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    const auto first = doc.find('\n', a) + 1;
    INFO("regenerate the block with: build/bin/masr-pack --print-layout");
    CHECK(doc.substr(first, b - first) == model_image_layout_markdown());
}

TEST_CASE("a compiled image parses back to its records", "[unit][contract]") {
    const compiled_model c = compile_model(tiny(), tiny_target(3), 0);
    const model_image m = parse_model_image(c.bytes.data(), c.bytes.size(), "tiny.img");
    CHECK(m.header.total_bytes == c.bytes.size());
    CHECK(m.header.crc32 == model_image_crc(c.bytes.data(), c.bytes.size()));
    CHECK(m.layers.size() == 4);
    CHECK(m.slots.size() == c.image.slots.size());
    CHECK(m.blocks.size() == c.image.blocks.size());
    for (std::size_t i = 0; i < m.slots.size(); ++i)
        for (const auto& f : slot_record::fields().list)
            CHECK(m.slots[i].*f.member == c.image.slots[i].*f.member);
    // The tables end before the weights; the sequencer reads only that far.
    CHECK(model_image_tables_end(m.header) <= m.header.weights_offset);
    const model_image head =
        parse_model_image(c.bytes.data(), model_image_tables_end(m.header), "tiny.img", false);
    CHECK(head.blocks.size() == m.blocks.size());
}

TEST_CASE("a damaged image is refused with what is wrong", "[unit][contract]") {
    const compiled_model c = compile_model(tiny(), tiny_target(3), 0);
    std::vector<u8> bytes = c.bytes;

    std::vector<u8> flipped = bytes;
    flipped[flipped.size() - 3] ^= 0x10;  // a weight byte
    CHECK_THAT(parse_error(flipped), Catch::Contains("CRC-32") && Catch::Contains("corrupt"));
    std::vector<u8> cut(bytes.begin(), bytes.end() - 8);
    CHECK_THAT(parse_error(cut), Catch::Contains("total_bytes") && Catch::Contains("truncated"));
    CHECK_THAT(parse_error(std::vector<u8>(bytes.begin(), bytes.begin() + 10)),
               Catch::Contains("too short"));
    std::vector<u8> magic = bytes;
    magic[0] = 'X';
    CHECK_THAT(parse_error(magic), Catch::Contains("magic") && Catch::Contains("masr-pack"));
    std::vector<u8> version = bytes;
    version[4] = 9;
    CHECK_THAT(parse_error(version, false), Catch::Contains("version is 9"));
    CHECK_THAT(parse_error(std::vector<u8>(200, 0)), Catch::Contains("magic"));
}

TEST_CASE("inconsistent tables are refused naming the record, its index and the field",
          "[unit][contract]") {
    const compiled_model c = compile_model(tiny(), tiny_target(3), 0);
    auto broken = [&](const std::function<void(model_image&)>& change) {
        model_image m = c.image;
        change(m);
        return parse_error(rewrite(m, c.bytes));
    };
    CHECK(broken([](model_image&) {}).empty());
    CHECK_THAT(broken([](model_image& m) { m.slots[1].tile = 99; }),
               Catch::Contains("slot_record[1].tile is 99"));
    CHECK_THAT(broken([](model_image& m) { m.layers[0].slices = 0; }),
               Catch::Contains("layer_record[0].slices is 0"));
    CHECK_THAT(broken([](model_image& m) { m.layers[2].kind = 7; }),
               Catch::Contains("layer_record[2].kind is 7"));
    CHECK_THAT(broken([](model_image& m) { m.layers[1].gates = 1; }),
               Catch::Contains("layer_record[1].gates is 1, a gru layer has 3"));
    CHECK_THAT(broken([](model_image& m) { m.blocks[0].sram_address += 1 << 20; }),
               Catch::Contains("block_record[0].sram_address") &&
                   Catch::Contains("outside PE 0's weight-SRAM partition"));
    CHECK_THAT(broken([](model_image& m) { m.parts[0].width += 1; }),
               Catch::Contains("part_record[0].width"));
    CHECK_THAT(broken([](model_image& m) { m.segments[0].length += 1; }),
               Catch::Contains("segment_record[1].first"));
    CHECK_THAT(broken([](model_image& m) { m.slots[0].h_counter0 = 10000; }),
               Catch::Contains("slot_record[0].h_counter0 is 10000"));
    CHECK_THAT(broken([](model_image& m) { m.sequences[1].base = 1 << 30; }),
               Catch::Contains("sequence_record[1].base") && Catch::Contains("seq_buffer_bytes"));
    CHECK_THAT(broken([](model_image& m) { m.members[0].tile = 5; }),
               Catch::Contains("member_record[0].tile is 5"));
    CHECK_THAT(broken([](model_image& m) { m.header.input_sequence = 3; }),
               Catch::Contains("input_sequence"));
}

TEST_CASE("a slot message carries what its tile needs and is checked when parsed",
          "[unit][contract]") {
    const compiled_model c = compile_model(tiny(), tiny_target(3), 0);
    const model_image& m = c.image;
    for (u32 s = 0; s < m.slots.size(); ++s) {
        const std::vector<u8> bytes = write_slot_message(m, s);
        const slot_message msg = parse_slot_message(bytes.data(), bytes.size());
        const layer_record& layer = m.layers[m.slots[s].layer];
        CHECK(msg.slot.tile == m.slots[s].tile);
        CHECK(msg.layer.units == layer.units);
        CHECK(msg.segments.size() == layer.slices);
        CHECK(msg.members.size() == layer.slices);
        CHECK(msg.blocks.size() == m.slots[s].block_count);
        CHECK(msg.members[msg.slot.slice].tile == msg.slot.tile);
        CHECK(msg.output.producer == msg.slot.layer);
    }
    std::vector<u8> bytes = write_slot_message(m, 0);
    CHECK_THROWS_WITH(parse_slot_message(bytes.data(), bytes.size() - 8),
                      Catch::Contains("ends inside its block_records"));
    bytes.resize(bytes.size() + 8, 0);
    CHECK_THROWS_WITH(parse_slot_message(bytes.data(), bytes.size()),
                      Catch::Contains("8 bytes after its last block_record"));
}
