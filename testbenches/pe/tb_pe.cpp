// PE unit cases: the weight blocks (round trip, layout, refused slices) and
// the error responses of the control socket.
#include <random>

#include "contract/weight_layout.h"
#include "testbenches/pe/pe_bench.h"

using namespace masr;
using namespace masr::pe_bench;

TEST_CASE("weight blocks round trip, one per PE and pass, in the documented layout", "[unit][pe]") {
    const workload& w = tiny();
    for (const char* name : {"l1", "l2", "l3", "out"}) {
        const u32 l = static_cast<u32>(w.find_layer(name));
        const layer_desc& layer = w.layers[l];
        const direction_weights& dw = w.weights[l].directions[0];
        const u32 first = layer.units / 3, units = layer.units - first - 1;
        const u32 pes = 3;
        const packed_slot packed = pack_slot_weights(layer, dw, first, units, pes, w.format);
        INFO("layer " << name);
        // One block per PE of every pass the kind has, rows split contiguously.
        u32 passes = 0;
        for (weight_pass pass :
             {weight_pass::input, weight_pass::recurrent, weight_pass::candidate})
            passes += pass_rows(layer.kind, units, pass) > 0;
        REQUIRE(packed.blocks.size() == passes * pes);
        for (const packed_block& b : packed.blocks) {
            const u32 rows = pass_rows(layer.kind, units, b.pass);
            CHECK(b.first_row == pe_first_row(rows, pes, b.pe));
            CHECK(b.rows == pe_first_row(rows, pes, b.pe + 1) - b.first_row);
            CHECK(b.bias == (b.pass == weight_pass::input));
            CHECK(b.bytes.size() % 8 == 0);
            // Size: the biases, then per row its part's mask words and 1-byte values.
            u64 expected = b.bias ? bias_bytes(b.rows) : 0;
            for (u32 i = 0; i < b.rows; ++i) {
                const u32 local = pass_local_row(units, b.pass, b.first_row + i);
                const u32 global = local / units * layer.units + first + local % units;
                const bool input = b.pass == weight_pass::input;
                const u32 length = input ? layer.inputs : layer.units;
                const i16* row = input ? dw.input.row(global) : dw.recurrent.row(global);
                expected += encoded_bytes(length, sparse_vector::encode(row, length).nnz(), 1);
            }
            CHECK(b.bytes.size() == expected);
        }
        const unpacked_weights back =
            unpack_slot_weights(layer.kind, layer.inputs, layer.units, units, 1, packed.blocks);
        u64 nonzeros = 0;
        for (u32 g = 0; g < layer.gates(); ++g)
            for (u32 u = 0; u < units; ++u) {
                const u32 global = g * layer.units + first + u, local = g * units + u;
                CHECK(back.bias[local] == dw.bias[global]);
                for (u32 c = 0; c < layer.inputs; ++c) {
                    CHECK(back.input.at(local, c) == dw.input.at(global, c));
                    nonzeros += dw.input.at(global, c) != 0;
                }
                if (layer.recurrent())
                    for (u32 c = 0; c < layer.units; ++c) {
                        CHECK(back.recurrent.at(local, c) == dw.recurrent.at(global, c));
                        nonzeros += dw.recurrent.at(global, c) != 0;
                    }
            }
        CHECK(packed.nonzero_weights == nonzeros);
    }
    // A slice outside the layer and a weight too wide for one byte are refused.
    const u32 l1 = static_cast<u32>(w.find_layer("l1"));
    CHECK_THROWS_AS(
        pack_slot_weights(w.layers[l1], w.weights[l1].directions[0], 70, 10, 4, w.format),
        input_error);
    direction_weights wide = w.weights[l1].directions[0];
    wide.input.at(3, 4) = 300;
    CHECK_THROWS_WITH(pack_slot_weights(w.layers[l1], wide, 0, 10, 4, w.format),
                      Catch::Contains("[3][4] = 300"));
}

TEST_CASE("bad commands get error responses and leave the tile usable", "[unit][pe]") {
    const workload& w = tiny();
    const u32 l1 = static_cast<u32>(w.find_layer("l1"));
    const u32 l2 = static_cast<u32>(w.find_layer("l2"));
    tile_bench bench("bench");
    driver drv("driver");
    drv.body = [&] {
        const std::vector<pe_segment> h1{{0, w.layers[l1].units, 0}};
        const std::vector<pe_segment> h2{{0, w.layers[l2].units, 0}};
        const pe_slot_setup rnn = bench.make_setup(w.layers[l1], w.weights[l1].directions[0],
                                                   w.format, 0, 0, w.layers[l1].units, h1);
        const pe_slot_setup gru = bench.make_setup(w.layers[l2], w.weights[l2].directions[0],
                                                   w.format, 1, 0, w.layers[l2].units, h2);
        pe_pass input;
        input.pass = weight_pass::input;
        input.act_addr = x_addr;
        input.out_addr = out_base;
        input.first_step = true;

        // A pass before any setup.
        pe_command before(input);
        CHECK(bench.send(before) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        // No extension, and a READ.
        pe_command none;
        CHECK(bench.send(none, nullptr, tlm::TLM_WRITE_COMMAND, false) ==
              tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_command read_cmd(rnn);
        CHECK(bench.send(read_cmd, nullptr, tlm::TLM_READ_COMMAND) ==
              tlm::TLM_COMMAND_ERROR_RESPONSE);
        // A block missing, blocks for a pass the kind has not, a slot beyond
        // the table, a slice outside the layer, segments that do not cut h.
        pe_slot_setup missing = rnn;
        missing.blocks.pop_back();
        pe_command missing_cmd(missing);
        CHECK(bench.send(missing_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_slot_setup extra = rnn;
        pe_block candidate = extra.blocks.back();
        candidate.pass = weight_pass::candidate;
        extra.blocks.push_back(candidate);
        pe_command extra_cmd(extra);
        CHECK(bench.send(extra_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_slot_setup far = rnn;
        far.slot = 100000;
        pe_command far_cmd(far);
        CHECK(bench.send(far_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_slot_setup outside = rnn;
        outside.first_unit = 70;
        pe_command outside_cmd(outside);
        CHECK(bench.send(outside_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_slot_setup gap = rnn;
        gap.segments = {{0, 10, 0}, {11, w.layers[l1].units - 11, 64}};
        pe_command gap_cmd(gap);
        CHECK(bench.send(gap_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);

        // Valid setups; then passes that do not fit the kind or the order.
        pe_command rnn_setup(rnn);
        REQUIRE(bench.send(rnn_setup) == tlm::TLM_OK_RESPONSE);
        pe_command gru_setup(gru);
        REQUIRE(bench.send(gru_setup) == tlm::TLM_OK_RESPONSE);
        const std::vector<i16> x(w.layers[l1].inputs, 512);
        bench.write_vector(x_addr, sparse_vector::encode(x), 2);
        pe_pass unknown = input;
        unknown.slot = 7;
        pe_command unknown_cmd(unknown);
        CHECK(bench.send(unknown_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_pass candidate_on_rnn = input;
        candidate_on_rnn.pass = weight_pass::candidate;
        candidate_on_rnn.finish = true;
        pe_command candidate_cmd(candidate_on_rnn);
        CHECK(bench.send(candidate_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_pass recurrent_first = input;
        recurrent_first.pass = weight_pass::recurrent;
        recurrent_first.finish = true;
        pe_command recurrent_cmd(recurrent_first);
        CHECK(bench.send(recurrent_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_pass finishing_input = input;
        finishing_input.finish = true;
        pe_command finishing_cmd(finishing_input);
        CHECK(bench.send(finishing_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_pass gru_candidate = input;
        gru_candidate.slot = 1;
        gru_candidate.pass = weight_pass::candidate;
        gru_candidate.finish = true;
        pe_command gru_candidate_cmd(gru_candidate);
        CHECK(bench.send(gru_candidate_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        // An x_t address outside the activation buffer.
        pe_pass outside_x = input;
        outside_x.act_addr = u64{1} << 40;
        pe_command outside_x_cmd(outside_x);
        CHECK(bench.send(outside_x_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(bench.pe->errors == 14);

        // Still usable: the valid round runs.
        pe_command good(input);
        CHECK(bench.send(good) == tlm::TLM_OK_RESPONSE);
        bench.write_vector(h_addr, sparse_vector::encode(std::vector<i16>(w.layers[l1].units, 0)),
                           2);
        pe_pass recurrent = input;
        recurrent.pass = weight_pass::recurrent;
        recurrent.finish = true;
        recurrent.act_addr = h_addr;
        pe_command finish(recurrent);
        CHECK(bench.send(finish) == tlm::TLM_OK_RESPONSE);
        CHECK(finish.pass().out_bytes > 0);
    };
    run_bench(drv);
    CHECK(bench.pe->errors == 14);
    CHECK(bench.pe->rounds == 1);
}
