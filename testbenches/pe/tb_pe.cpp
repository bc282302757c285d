// PE unit cases: the weight image (round trip, layout, refused slices) and
// the error responses of the control socket.
#include <random>

#include "testbenches/pe/pe_bench.h"

using namespace masr;
using namespace masr::pe_bench;

TEST_CASE("weight image round trip and layout", "[unit][pe]") {
    const workload& w = tiny();
    for (const char* name : {"l1", "l2", "l3", "out"}) {
        const u32 l = static_cast<u32>(w.find_layer(name));
        const layer_desc& layer = w.layers[l];
        const direction_weights& dw = w.weights[l].directions[0];
        const u32 first = layer.units / 3, units = layer.units - first - 1;
        const weight_image image = pack_weight_image(layer, dw, first, units, w.format);
        INFO("layer " << name);
        CHECK(image.bytes.size() == image.header.total_bytes);
        CHECK(image.bytes.size() % 8 == 0);
        CHECK(image.header.value_bytes == 1);  // weight_bits 8
        CHECK(image.header.rows() == layer.gates() * units);
        const unpacked_weights back = unpack_weight_image(image.bytes);
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
        CHECK(image.nonzero_weights == nonzeros);
        // Size: header, bias, then per part mask words + 1-byte values padded to 8.
        u64 expected = weight_image_header_bytes + (u64{layer.gates()} * units * 4 + 7) / 8 * 8;
        for (u32 r = 0; r < layer.gates() * units; ++r) {
            const u32 global = r / units * layer.units + first + r % units;
            expected += encoded_bytes(
                layer.inputs, sparse_vector::encode(dw.input.row(global), layer.inputs).nnz(), 1);
            if (layer.recurrent())
                expected += encoded_bytes(
                    layer.units, sparse_vector::encode(dw.recurrent.row(global), layer.units).nnz(),
                    1);
        }
        CHECK(image.header.total_bytes == expected);
    }
    // A slice outside the layer and a weight too wide for one byte are refused.
    const u32 l1 = static_cast<u32>(w.find_layer("l1"));
    CHECK_THROWS_AS(pack_weight_image(w.layers[l1], w.weights[l1].directions[0], 70, 10, w.format),
                    input_error);
    direction_weights wide = w.weights[l1].directions[0];
    wide.input.at(3, 4) = 300;
    CHECK_THROWS_WITH(pack_weight_image(w.layers[l1], wide, 0, 10, w.format),
                      Catch::Contains("[3][4] = 300"));
}

TEST_CASE("bad commands get error responses and leave the tile usable", "[unit][pe]") {
    const workload& w = tiny();
    const u32 l1 = static_cast<u32>(w.find_layer("l1"));
    const u32 l2 = static_cast<u32>(w.find_layer("l2"));
    tile_bench bench("bench");
    driver drv("driver");
    drv.body = [&] {
        auto setup_of = [&](u32 l, u32 slot, u64 addr) {
            return make_layer_setup(w.layers[l], w.format, slot, 0, w.layers[l].units, addr);
        };
        const u64 rnn_image = bench.load_image(pack_weight_image(
            w.layers[l1], w.weights[l1].directions[0], 0, w.layers[l1].units, w.format));
        const u64 gru_image = bench.load_image(pack_weight_image(
            w.layers[l2], w.weights[l2].directions[0], 0, w.layers[l2].units, w.format));
        pe_step step;
        step.x_addr = x_addr;
        step.h_addr = h_addr;
        step.out_addr = out_base;
        step.first_step = true;

        // A step before any setup.
        pe_command before(step);
        CHECK(bench.send(before) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        // No extension, and a READ.
        pe_command none;
        CHECK(bench.send(none, nullptr, tlm::TLM_WRITE_COMMAND, false) ==
              tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_command read_cmd(setup_of(l1, 0, rnn_image));
        CHECK(bench.send(read_cmd, nullptr, tlm::TLM_READ_COMMAND) ==
              tlm::TLM_COMMAND_ERROR_RESPONSE);
        // A setup whose image is not there (an address without a header), a
        // setup that does not match its image, a slot beyond the table.
        pe_command no_image(setup_of(l1, 0, gru_image + 8));
        CHECK(bench.send(no_image) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_command wrong_image(setup_of(l1, 0, gru_image));
        CHECK(bench.send(wrong_image) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_layer_setup far = setup_of(l1, 0, rnn_image);
        far.slot = 100000;
        pe_command far_cmd(far);
        CHECK(bench.send(far_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_layer_setup outside = setup_of(l1, 0, rnn_image);
        outside.first_unit = 70;
        pe_command outside_cmd(outside);
        CHECK(bench.send(outside_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);

        // Valid setups; then rounds that do not fit the kind.
        pe_command rnn_setup(setup_of(l1, 0, rnn_image));
        REQUIRE(bench.send(rnn_setup) == tlm::TLM_OK_RESPONSE);
        pe_command gru_setup(setup_of(l2, 1, gru_image));
        REQUIRE(bench.send(gru_setup) == tlm::TLM_OK_RESPONSE);
        const std::vector<i16> x(w.layers[l1].inputs, 512);
        bench.write_vector(x_addr, sparse_vector::encode(x), 2);
        pe_step unknown = step;
        unknown.slot = 7;
        pe_command unknown_cmd(unknown);
        CHECK(bench.send(unknown_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_step gates_on_rnn = step;
        gates_on_rnn.round = pe_round::gru_gates;
        pe_command gates_cmd(gates_on_rnn);
        CHECK(bench.send(gates_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_step full_on_gru = step;
        full_on_gru.slot = 1;
        pe_command full_cmd(full_on_gru);
        CHECK(bench.send(full_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        pe_step candidate_first = full_on_gru;
        candidate_first.round = pe_round::gru_candidate;
        pe_command candidate_cmd(candidate_first);
        CHECK(bench.send(candidate_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        // An x_t address outside the activation buffer.
        pe_step outside_x = step;
        outside_x.x_addr = u64{1} << 40;
        pe_command outside_x_cmd(outside_x);
        CHECK(bench.send(outside_x_cmd) == tlm::TLM_GENERIC_ERROR_RESPONSE);
        CHECK(bench.pe->errors == 12);

        // Still usable: the valid step runs.
        pe_command good(step);
        CHECK(bench.send(good) == tlm::TLM_OK_RESPONSE);
        CHECK(good.step().out_length == w.layers[l1].units);
    };
    run_bench(drv);
    CHECK(bench.pe->errors == 12);
    CHECK(bench.pe->rounds == 1);
}
