// The PE tile in a one-tile bench (pe_bench.h) with the testbench as the
// controller, compared per step with run_fixed() (the scoreboard): the
// layers of tiny.yaml, static vs dynamic balance and a hand-worked latency.
#include <algorithm>
#include <random>

#include "testbenches/pe/pe_bench.h"

using namespace masr;
using namespace masr::pe_bench;

namespace {

// Scoreboard for one layer of tiny.yaml, every direction, units split into
// `parts` slices.
void check_layer(const char* name, u32 parts) {
    const workload& w = tiny();
    const golden_result& g = tiny_golden();
    const int index = w.find_layer(name);
    REQUIRE(index >= 0);
    const u32 l = static_cast<u32>(index);
    const layer_desc& layer = w.layers[l];
    const matrix<i16> input = layer_input(w, g, l);
    tile_bench bench("bench");
    driver drv("driver");
    std::vector<direction_run> runs;
    drv.body = [&] {
        u32 slot = 0;
        for (u32 d = 0; d < layer.directions(); ++d) {
            std::vector<placed_slice> slices;
            for (u32 p = 0; p < parts; ++p) {
                const u32 first = layer.units * p / parts;
                const u32 last = layer.units * (p + 1) / parts;
                slices.push_back({slot++, first, last - first});
            }
            runs.push_back(run_direction(bench, w, layer, w.weights[l].directions[d], input, d == 1,
                                         slices, &g.layers[l].direction_output[d]));
        }
    };
    run_bench(drv);
    REQUIRE(runs.size() == layer.directions());
    for (const direction_run& r : runs) {
        INFO(r.first_mismatch);
        CHECK(r.mismatches == 0);
        CHECK(r.total_cycles > 0);
        // A scoreboard over all-zero outputs would prove nothing.
        CHECK(std::count(r.output.data.begin(), r.output.data.end(), i16{0}) <
              static_cast<std::ptrdiff_t>(r.output.data.size()));
    }
    CHECK(bench.pe->errors == 0);
    CHECK(bench.pe->effectual_macs > 0);
    CHECK(bench.pe->effectual_macs < bench.pe->dense_macs);
    CHECK(bench.weight_sram->bytes_read == bench.pe->weight_read_bytes);
    CHECK(bench.act_buffer->bytes_read == bench.pe->activation_read_bytes);
    // The per-PE counters partition the tile's rows and effectual MACs.
    u64 pe_rows = 0, pe_macs = 0;
    for (const auto& pe : bench.pe->per_pe()) {
        pe_rows += pe.rows;
        pe_macs += pe.effectual_macs;
    }
    CHECK(pe_rows == bench.pe->rows);
    CHECK(pe_macs == bench.pe->effectual_macs);
}

}  // namespace

TEST_CASE("tiny.yaml ReLU RNN layer (both directions, three slices) bit-exact against run_fixed",
          "[system][pe]") {
    check_layer("l1", 3);
}

TEST_CASE("tiny.yaml GRU layer, units in two slices, bit-exact against run_fixed", "[system][pe]") {
    check_layer("l2", 2);
}

TEST_CASE("tiny.yaml LSTM layer (both directions, one slice) bit-exact against run_fixed",
          "[system][pe]") {
    check_layer("l3", 1);
}

TEST_CASE("tiny.yaml dense layer with two sources bit-exact against run_fixed", "[system][pe]") {
    check_layer("out", 3);
}

namespace {

// A ReLU RNN layer whose first quarter of rows is dense and the rest sparse:
// static_contiguous puts all the dense rows on PE 0.
void skewed_layer(layer_desc& layer, direction_weights& dw, fixed_format& f) {
    layer.name = "skewed";
    layer.kind = layer_kind::rnn;
    layer.inputs = 256;
    layer.units = 64;
    layer.activation = activation_fn::relu;
    f.weight_frac_bits = 8;
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(0, 1);
    std::uniform_int_distribution<int> v(-20, 20);
    auto fill = [&](matrix<i16>& m, u32 rows, u32 cols) {
        m = matrix<i16>(rows, cols);
        for (u32 r = 0; r < rows; ++r)
            for (u32 c = 0; c < cols; ++c)
                if (u(rng) < (r < rows / 4 ? 0.9 : 0.05)) m.at(r, c) = static_cast<i16>(v(rng));
    };
    fill(dw.input, 64, 256);
    fill(dw.recurrent, 64, 64);
    dw.bias.assign(64, 3);
}

}  // namespace

TEST_CASE("static and dynamic balance: identical outputs, dynamic makespan not longer",
          "[system][pe]") {
    const workload& w = tiny();
    const golden_result& g = tiny_golden();
    const u32 l1 = static_cast<u32>(w.find_layer("l1"));  // row_variation 0.5
    const matrix<i16> input = layer_input(w, g, l1);
    layer_desc skewed;
    direction_weights skewed_w;
    fixed_format skewed_f = w.format;
    skewed_layer(skewed, skewed_w, skewed_f);
    workload skewed_wl;
    skewed_wl.format = skewed_f;
    matrix<i16> skewed_x(8, 256);
    std::mt19937 rng(9);
    for (auto& x : skewed_x.data) x = static_cast<i16>(rng() % 3 == 0 ? 0 : rng() % 2000);

    auto configure = [](tile_bench& b) {
        b.pe_p.pes = 4;
        b.pe_p.balance = balance_mode::static_contiguous;
    };
    tile_bench fixed_bench("static_bench", configure);
    tile_bench dynamic_bench("dynamic_bench", configure);
    tile_bench interleaved_bench("interleaved_bench", configure);
    dynamic_bench.pe->set_balance(balance_mode::dynamic);
    interleaved_bench.pe->set_balance(balance_mode::static_interleaved);
    driver drv("driver");
    direction_run s1, d1, i1, s2, d2;
    drv.body = [&] {
        const std::vector<placed_slice> all{{0, 0, w.layers[l1].units}};
        s1 = run_direction(fixed_bench, w, w.layers[l1], w.weights[l1].directions[0], input, false,
                           all, &g.layers[l1].direction_output[0]);
        d1 = run_direction(dynamic_bench, w, w.layers[l1], w.weights[l1].directions[0], input,
                           false, all, &g.layers[l1].direction_output[0]);
        i1 = run_direction(interleaved_bench, w, w.layers[l1], w.weights[l1].directions[0], input,
                           false, all, &g.layers[l1].direction_output[0]);
        const std::vector<placed_slice> one{{1, 0, 64}};
        s2 = run_direction(fixed_bench, skewed_wl, skewed, skewed_w, skewed_x, false, one, nullptr);
        d2 = run_direction(dynamic_bench, skewed_wl, skewed, skewed_w, skewed_x, false, one,
                           nullptr);
    };
    run_bench(drv);
    CHECK(s1.mismatches == 0);
    CHECK(d1.mismatches == 0);
    CHECK(i1.mismatches == 0);
    CHECK(s2.output.data == d2.output.data);
    // tiny l1's rows even out over ~19 rows per PE (no PE runs dry while
    // another has 2 rows left), so dynamic may equal static there.
    CHECK(d1.makespan_cycles <= s1.makespan_cycles);
    // The skewed layer: static_contiguous leaves 3 PEs idle for most of the
    // round; stealing must recover a large part of it.
    INFO("skewed: static " << s2.makespan_cycles << ", dynamic " << d2.makespan_cycles);
    CHECK(d2.makespan_cycles * 10 < s2.makespan_cycles * 7);
    CHECK(dynamic_bench.pe->steals > 0);
    CHECK(fixed_bench.pe->steals == 0);
    u64 pe_steals = 0;
    for (const auto& pe : dynamic_bench.pe->per_pe()) pe_steals += pe.steals;
    CHECK(pe_steals == dynamic_bench.pe->steals);
    WARN("tiny l1 makespan: static_contiguous "
         << s1.makespan_cycles << ", static_interleaved " << i1.makespan_cycles << ", dynamic "
         << d1.makespan_cycles << "; skewed: static " << s2.makespan_cycles << ", dynamic "
         << d2.makespan_cycles);
}

// Dense layer, 64 inputs, 2 units, linear; weights 1 (q), row 0 non-zero in
// columns 0..29, row 1 in 0..7; x all 1024 (1.0). PE defaults: L = 4, W = 8,
// R = 1, D = 16, tail 2 + 2 + 1 = 5; 2 PEs; NLU 1 op/cycle, latency 4.
// SRAMs: 8-byte words, 1 port, 1-cycle access; the weight SRAM's 8 banks are
// 2 partitions of 4 (one per PE), the activation buffer has 4 banks.
// Compressor: 4 elements/cycle, latency 2. Clock 1 ns. The pass starts at 0.
//
// Blocks: PE 0 holds row 0 (bias 4 B padded to 8, mask 8 + 30 values -> 40):
// 48 B at 0; PE 1 row 1 (8 + 8 + 8): 24 B at its partition, 512 KiB.
//   x mask: word 0 (bank 0) [0, 1) + read 1 -> 2; x values: 128 B = words
//   1..16, 4 per bank from 2: [2, 6) + 1 -> 7 = activation_read (and first).
//   Both PEs start at 7 (streaming or not: x is one vector).
//   PE 0, one word of 30 pairs: f = ceil(30 / 8) = 4; B = 7 + 1 + 30 / 4 =
//   15.5; F = max(7 + 4, 15.5 - 16 / 4) = 11.5 -> ceil(15.5) + 5 = 21 (14
//   cycles). PE 1, 8 pairs: B = 8 + 2 = 10, F = 8 -> 10 + 5 = 15 (8 cycles).
//   Weight streams from 7: PE 0's 6 words, bank 0 has 2: [7, 9) + 1 -> 10
//   (+ tail 15 < 21); PE 1's 3 words, one per bank: 9 (+ tail 14 < 15).
//   mac_end = 21, weight_stream = 10, no SRAM stall.
// With every overlap on, the NLU takes unit 1 when its row is done (15) and
// unit 0 at 21: outputs at ceil(16) + 4 = 20 and 22 + 4 = 26; the compressor
// gets the first element at 20 and the last at 26: intake ends at
// max(20 + ceil(2 / 4), 26 + 1) = 27, + latency 2 = 29; the 16-byte slice
// (2 words at 0x6000, banks 0 and 1): [29, 30) + write 1 -> 31.
// With every overlap off, the NLU starts after the last row: 21 + 2 = 23,
// + 4 = 27; compressor 27 + 1 + 2 = 30; write -> 32.
// Outputs: linear, acc = 30 x 1 x 1024 (+ bias 0), >> 8 = 120; row 1: 32.
void hand_dense_pass(bool overlaps) {
    tile_bench bench("bench", [&](tile_bench& b) {
        b.pe_p.pes = 2;
        b.overlap.stream_activations = overlaps;
        b.overlap.stream_nlu = overlaps;
        b.overlap.pipeline_rounds = overlaps;
    });
    driver drv("driver");
    layer_desc layer;
    layer.name = "hand";
    layer.kind = layer_kind::dense;
    layer.inputs = 64;
    layer.units = 2;
    layer.activation = activation_fn::linear;
    direction_weights dw;
    dw.input = matrix<i16>(2, 64);
    for (u32 c = 0; c < 30; ++c) dw.input.at(0, c) = 1;
    for (u32 c = 0; c < 8; ++c) dw.input.at(1, c) = 1;
    dw.bias.assign(2, 0);
    fixed_format f;
    f.weight_frac_bits = 8;
    f.activation_frac_bits = 10;
    sc_time setup_time, pass_time;
    pe_pass done;
    drv.body = [&] {
        pe_slot_setup s = bench.make_setup(layer, dw, f, 0, 0, 2, {});
        REQUIRE(s.blocks.size() == 2);
        CHECK(s.blocks[0].bytes == 48);
        CHECK(s.blocks[1].bytes == 24);
        pe_command setup(s);
        REQUIRE(bench.send(setup, &setup_time) == tlm::TLM_OK_RESPONSE);
        bench.write_vector(x_addr, sparse_vector::encode(std::vector<i16>(64, 1024)), 2);
        pe_pass p;
        p.pass = weight_pass::input;
        p.finish = true;
        p.act_addr = x_addr;
        p.out_addr = out_base;
        p.first_step = true;
        pe_command command(p);
        REQUIRE(bench.send(command, &pass_time) == tlm::TLM_OK_RESPONSE);
        done = command.pass();
        const sparse_vector out = bench.read_vector(out_base, 2, 2, done.out_bytes);
        CHECK(out.decode() == std::vector<i16>{120, 32});
    };
    run_bench(drv);
    CHECK(setup_time == sc_core::SC_ZERO_TIME);  // the blocks are described, not read
    const auto& r = bench.pe->last_pass();
    CHECK(r.activation_first == 7);
    CHECK(r.activation_read == 7);
    CHECK(r.pe_start == std::vector<u64>{7, 7});
    CHECK(r.pe_cycles == std::vector<u64>{14, 8});
    CHECK(r.weight_stream == 10);
    CHECK(r.pe_end == 21);
    CHECK(r.mac_end == 21);
    CHECK(r.sram_stall == 0);
    CHECK(r.nlu_end == (overlaps ? 26u : 27u));
    CHECK(r.output_ready == (overlaps ? 31u : 32u));
    CHECK(done.output_ready == r.output_ready);
    CHECK(done.inputs_read == 7);
    CHECK(done.frontend_free == (overlaps ? 12u : 32u));
    CHECK(pass_time == sc_time(static_cast<double>(r.output_ready), SC_NS));
    CHECK(done.out_nnz == 2);
    CHECK(done.out_bytes == 16);
    CHECK(bench.pe->effectual_macs == 38);
    CHECK(bench.pe->dense_macs == 128);
    CHECK(bench.pe->mask_words == 2);
    CHECK(bench.pe->busy_cycles == 14);
    CHECK(bench.pe->makespan_cycles == 14);
    CHECK(bench.pe->stall_imbalance == 6);
    // idle lane-cycles: (14 + 8) PE-cycles x 4 lanes - 38 MACs = 50.
    CHECK(bench.pe->idle_lane_cycles == 50);
    CHECK(bench.weight_sram->bytes_read == 72);
}

TEST_CASE("hand-worked latency of a tiny dense pass, overlaps on", "[system][pe]") {
    hand_dense_pass(true);
}

TEST_CASE("hand-worked latency of a tiny dense pass, overlaps off", "[system][pe]") {
    hand_dense_pass(false);
}
