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

TEST_CASE("tiny.yaml ReLU RNN layer (both directions) bit-exact against run_fixed",
          "[system][pe]") {
    check_layer("l1", 1);
}

TEST_CASE("tiny.yaml GRU layer, units in two slices, bit-exact against run_fixed", "[system][pe]") {
    check_layer("l2", 2);
}

TEST_CASE("tiny.yaml LSTM layer (both directions) bit-exact against run_fixed", "[system][pe]") {
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

TEST_CASE("hand-worked latency of a tiny dense round", "[system][pe]") {
    // Dense layer, 64 inputs, 2 units, linear; weights 1 (q), row 0 non-zero
    // in columns 0..29, row 1 in 0..7; x all 1024 (1.0). PE defaults: L = 4,
    // W = 8, D = 16, tail 5; 2 PEs; NLU 1 op/cycle, latency 4. SRAMs: 8-byte
    // words, 4 banks, 1 port, 1-cycle access. Compressor: 4 elements/cycle,
    // latency 2. Clock 1 ns.
    //
    // Image: header 40 + bias 2 x 4 = 48; row 0: mask 8 + 30 values = 38 ->
    // 40; row 1: 8 + 8 = 16; 104 bytes. Setup reads the 40-byte header (5
    // words from cycle 0, bank 0 has 2): done at 0 + 2 + 1 = 3 -> 3 ns.
    // The step starts at 3 ns:
    //   x mask: 1 word, cycle 3 + 1 + 1 = 5; x values: 128 bytes = 16 words
    //   over 4 banks from cycle 5: 5 + 4 + 1 = 10 -> activation_read = 7.
    //   weights [40, 104): 8 words, 2 per bank from cycle 3: 3 + 2 + 1 = 6
    //   -> weight_stream = 3.
    //   PE 0 takes row 0 (30 pairs in one word: 14 cycles, as the cost-model
    //   hand case (a)), PE 1 row 1 (8 pairs: B = 1 + 2 = 3, F = 1, 3 + 5 = 8);
    //   nothing to steal -> makespan 14.
    //   MAC phase ends at max(7 + 14, 3 + 5) = 21; NLU ceil(2 / 1) + 4 = 6 -> 27.
    //   Compressor at cycle 3 + 27 = 30: 1 intake cycle + 2 latency = 33, then
    //   the 16-byte encoded slice (2 words, banks 0 and 1): 33 + 1 + 1 = 35.
    //   Total 35 - 3 = 32 cycles.
    // Outputs: linear, acc = 30 x 1 x 1024 (+ bias 0), >> 8 = 120; row 1: 32.
    tile_bench bench("bench", [](tile_bench& b) { b.pe_p.pes = 2; });
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
    sc_time setup_time, step_time;
    pe_step done;
    drv.body = [&] {
        const weight_image image = pack_weight_image(layer, dw, 0, 2, f);
        REQUIRE(image.bytes.size() == 104);
        pe_command setup(make_layer_setup(layer, f, 0, 0, 2, bench.load_image(image)));
        REQUIRE(bench.send(setup, &setup_time) == tlm::TLM_OK_RESPONSE);
        bench.write_vector(x_addr, sparse_vector::encode(std::vector<i16>(64, 1024)), 2);
        pe_step step;
        step.x_addr = x_addr;
        step.out_addr = out_base;
        step.first_step = true;
        pe_command command(step);
        REQUIRE(bench.send(command, &step_time) == tlm::TLM_OK_RESPONSE);
        done = command.step();
        const sparse_vector out = bench.read_vector(out_base, 2, 2, done.out_bytes);
        CHECK(out.decode() == std::vector<i16>{120, 32});
    };
    run_bench(drv);
    CHECK(setup_time == sc_time(3, SC_NS));
    const auto& r = bench.pe->last_round();
    CHECK(r.activation_read == 7);
    CHECK(r.weight_stream == 3);
    CHECK(r.pe_makespan == 14);
    CHECK(r.pe_cycles == std::vector<u64>{14, 8});
    CHECK(r.sram_stall == 0);
    CHECK(r.nlu == 6);
    CHECK(r.compress == 5);
    CHECK(r.total == 32);
    CHECK(step_time == sc_time(32, SC_NS));
    CHECK(done.out_length == 2);
    CHECK(done.out_nnz == 2);
    CHECK(done.out_bytes == 16);
    CHECK(bench.pe->effectual_macs == 38);
    CHECK(bench.pe->dense_macs == 128);
    CHECK(bench.pe->mask_words == 2);
    CHECK(bench.pe->busy_cycles == 32);
    // idle lane-cycles: 2 PEs x 4 lanes x 14 cycles - 38 MACs = 74.
    CHECK(bench.pe->idle_lane_cycles == 74);
}
