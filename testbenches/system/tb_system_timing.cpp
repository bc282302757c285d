// The composition of the models adds up: whole 1-tile platforms running tiny
// hand-built workloads, whose run time is derived cycle by cycle in the
// comments from the documented timing of each model (models/*/README.md) and
// asserted exactly, next to the bit-exact output against run_fixed().
// The component testbenches check each formula alone; these check that the
// controller chains them as docs/architecture.md says (multicast, command,
// activation reads, weight burst, PEs, NLU, compressor, gather, barrier).
// One elaboration per test case (each case runs in its own process).
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "platforms/src/masr_system.h"
#include "platforms/src/run_report.h"

using namespace masr;

namespace {

// Every latency parameter of the platform is set here, so that a change of a
// default elsewhere cannot move the expectations below. 1 GHz: 1 cycle = 1 ns.
void configure_platform(platform_config& c) {
    c.name = "timing";
    c.clock_hz = 1e9;
    c.tiles = 1;

    c.noc.topology = noc_topology::mesh;  // 1 tile: a 1x1 mesh, host and tile on router 0
    c.noc.columns = 0;
    c.noc.rows = 0;
    c.noc.hop_cycles = 1;  // no router-to-router hop is taken on one router
    c.noc.link_bytes = 16;
    c.noc.header_bytes = 8;
    c.noc.host_node = 0;
    c.noc.host_port_contention = true;

    c.ctrl.directions = direction_placement::automatic;
    c.ctrl.merge_elements_per_cycle = 16;
    c.ctrl.command_bytes = 32;

    c.tile.bus.latency_cycles = 1;

    c.tile.weight_sram.size = 256;
    c.tile.weight_sram.word_bytes = 8;
    c.tile.weight_sram.banks = 4;
    c.tile.weight_sram.ports = 1;
    c.tile.weight_sram.read_cycles = 2;
    c.tile.weight_sram.write_cycles = 1;

    c.tile.act_buffer.size = 256;
    c.tile.act_buffer.word_bytes = 8;
    c.tile.act_buffer.banks = 4;
    c.tile.act_buffer.ports = 1;
    c.tile.act_buffer.read_cycles = 1;
    c.tile.act_buffer.write_cycles = 1;

    c.tile.compressor.elements_per_cycle = 4;
    c.tile.compressor.latency_cycles = 2;

    c.tile.pe.pes = 2;
    c.tile.pe.lanes = 4;  // adder tree ceil(log2 4) = 2 levels: tail = 2 + 2 + 1 = 5
    c.tile.pe.fifo_depth = 16;
    c.tile.pe.frontend_pairs = 8;
    c.tile.pe.fifo_latency = 1;
    c.tile.pe.mac_latency = 2;
    c.tile.pe.nlu_throughput = 1;
    c.tile.pe.nlu_latency = 4;
    c.tile.pe.balance = balance_mode::dynamic;  // with <= 1 row per PE nothing can be stolen
    c.tile.pe.steal_cycles = 8;
    c.tile.pe.max_slots = 4;
    c.validate();
}

// Default format: 8-bit weights with 8 fractional bits (1-byte packed
// weights), 16-bit activations with 10 fractional bits (2-byte values).
workload make_workload(const std::string& name, layer_kind kind, u32 units,
                       const std::vector<std::vector<float>>& input, bool bidirectional = false) {
    workload w;
    w.name = name;
    w.input_size = static_cast<u32>(input.front().size());
    w.sequence_length = static_cast<u32>(input.size());
    w.frame_period = 0.01;
    layer_desc layer;
    layer.name = "l0";
    layer.kind = kind;
    layer.inputs = w.input_size;
    layer.units = units;
    layer.activation = activation_fn::relu;
    layer.bidirectional = bidirectional;
    layer.merge = merge_mode::sum;
    w.layers.push_back(layer);
    w.weights.resize(1);
    w.weights[0].directions.resize(layer.directions());
    for (direction_weights& d : w.weights[0].directions) {
        d.input = matrix<i16>(units, w.input_size);
        if (kind != layer_kind::dense) d.recurrent = matrix<i16>(units, units);
        d.bias.assign(units, 0);
    }
    w.input = matrix<float>(w.sequence_length, w.input_size);
    for (u32 t = 0; t < w.sequence_length; ++t)
        for (u32 i = 0; i < w.input_size; ++i) w.input.at(t, i) = input[t][i];
    return w;
}

struct timing_run {
    u64 setup_cycles = 0;
    u64 run_cycles = 0;
    u64 pe_busy_cycles = 0;  // sum over step commands of command start to output written
    pe_tile::round_breakdown last_round;
    matrix<i16> output;
};

timing_run run(const workload& w) {
    platform_config config;  // declared before the system, which keeps references to it
    configure_platform(config);
    auto system = std::make_unique<masr_system>("masr", config);
    system->ctrl.set_workload(w, 0);
    sc_core::sc_start();
    REQUIRE(system->ctrl.finished());

    const golden_result golden = run_fixed(w);
    const check_result check = compare_with_golden(w, golden, system->ctrl.outputs());
    INFO(check.first_mismatch);
    CHECK(check.bit_exact);

    timing_run r;
    const ctrl_summary& s = system->ctrl.summary();
    r.setup_cycles = static_cast<u64>(std::llround(s.setup_seconds * config.clock_hz));
    r.run_cycles = static_cast<u64>(std::llround(s.run_seconds * config.clock_hz));
    r.pe_busy_cycles = system->tiles[0].pe.busy_cycles;
    r.last_round = system->tiles[0].pe.last_round();
    r.output = system->ctrl.outputs()[0];
    return r;
}

}  // namespace

// Common to every case: the setup of slot 0 before the first step
// (summary.setup_seconds; the bidirectional case adds slot 1's).
// The weight image (header 40 B, biases padded to 8 B, then the rows) is
// preloaded by debug transport at weight-SRAM address 0 (no time); the
// pe_layer_setup command then costs
//   NoC write of command_bytes 32: packet 8 + 32 = 40 B, S = ceil(40/16) = 3;
//     host injection port (occupation only) and the port to the tile: tail at 3
//   bus latency                                                        +1 -> 4
//   PE reads the 40-byte header at 0: words 0..4, bank 0 holds words 0 and 4
//     (2 words, 1 port): 4 + 2 = 6, + read_cycles 2                        -> 8
// setup = 8 cycles for one slot.

TEST_CASE("a dense layer on one tile takes the hand-worked cycles", "[system]") {
    // Dense, 2 inputs, 2 units, ReLU, 2 steps.
    //   W = [[64, -32], [-64, 32]] (0.25, -0.125 / -0.25, 0.125), b = [16, -16] (+-0.0625)
    //   x_0 = (1.0, 0.5) -> (1024, 512);  x_1 = (0, 0)
    //   y_0 = relu(0.25 - 0.0625 + 0.0625, -0.25 + 0.0625 - 0.0625) = (0.25, 0) -> (256, 0)
    //   y_1 = relu(b) = (0.0625, 0) -> (64, 0)
    workload w = make_workload("timing_dense", layer_kind::dense, 2, {{1.0f, 0.5f}, {0.0f, 0.0f}});
    direction_weights& d = w.weights[0].directions[0];
    d.input.at(0, 0) = 64;
    d.input.at(0, 1) = -32;
    d.input.at(1, 0) = -64;
    d.input.at(1, 1) = 32;
    d.bias = {16, -16};

    // Layout. Activation buffer (controller regions, 64-byte aligned):
    //   x at 0 (dense size encoded_bytes(2, 2, 2) = 16), h at 64 (no h for
    //   dense: 0 bytes), output slice at 64.
    // Weight image: header 0..39, bias 2 x 4 = 8 B at 40, rows at 48, each
    //   row one mask word + 2 one-byte weights, padded: 16 B; the step's burst
    //   (bias + block A) is 40 B at 40 = words 5..9, banks 1,2,3,0,1: bank 1
    //   has 2 words.
    // PE schedule: 2 rows over 2 PEs, one row (one mask word) each.
    // Cost model per PE (W 8, L 4, D 16, lambda 1, tail 2 + 2 + 1 = 5):
    //   e = 2: B = max(0, 0+1) + 2/4 = 1.5; F = max(0+1, 1.5-4) = 1; B = max(1.5, 1+1) = 2
    //          -> ceil(2) + 5 = 7
    //   e = 0: F = 1, B = 0 -> ceil(1) + 5 = 6
    //
    // Times in cycles from the start of each step (the previous barrier).
    //
    // | step 0 (x_0 dense)                                                  |  end |
    // |---------------------------------------------------------------------|------|
    // | multicast x_0: 16 B + 8 B header = 24 B, S = 2 -> tail at tile      |    2 |
    // |   bus +1; buffer write words 0,1 (banks 0,1): +1 word +1 write     |    5 |
    // | step command: 40 B, S = 3 (5 -> 8); bus +1 -> command start s      |    9 |
    // | x mask read 8 B at 0 (bank 0): +1 word +1 read                     |   11 |
    // | x values read 8 B at 8 (bank 1): +1 +1 -> t_act                    |   13 |
    // | weight burst from s: bank 1 2 words (9 -> 11) + read 2 -> t_w      |   13 |
    // | mac_end = max(t_act + makespan 7, t_w + tail 5) = max(20, 18)      |   20 |
    // | NLU: ceil(2 ops / 1) + 4                                           |   26 |
    // | compressor: ceil(2 / 4) = 1 + latency 2                            |   29 |
    // |   write of y_0 (1 non-zero: 16 B at 64, banks 0,1): +1 +1          |   31 |
    // | gather: request header 8 B, S = 1; bus +1                          |   33 |
    // |   read 16 B at 64 (banks 0,1): +1 +1                               |   35 |
    // |   response 8 + 16 = 24 B, S = 2 (tile injection, port to host)     |   37 |
    // | barrier                                                            |   37 |
    //
    // | step 1 (x_1 = 0: mask only)                                         |  end |
    // |---------------------------------------------------------------------|------|
    // | multicast x_1: 8 B + 8 B = 16 B, S = 1; bus +1; 1 word +1 write +1  |    4 |
    // | step command: S = 3 (4 -> 7); bus +1 -> s                          |    8 |
    // | x mask read (bank 0): +1 +1; no values (the mask has none) -> t_act|   10 |
    // | weight burst from s: 8 + 2 + 2 -> t_w                              |   12 |
    // | mac_end = max(10 + 6, 12 + 5) = 17 (weight stream: stall 1)        |   17 |
    // | NLU: 2 + 4                                                         |   23 |
    // | compressor: 1 + 2; write y_1 (16 B, banks 0,1): +1 +1              |   28 |
    // | gather: S = 1, bus +1, read +1 +1, response S = 2                  |   34 |
    // | barrier                                                            |   34 |
    //
    // run = 37 + 34 = 71 cycles; PE busy (command start to output written):
    // (31 - 9) + (28 - 8) = 22 + 20 = 42.
    const timing_run r = run(w);
    CHECK(r.output.at(0, 0) == 256);
    CHECK(r.output.at(0, 1) == 0);
    CHECK(r.output.at(1, 0) == 64);
    CHECK(r.output.at(1, 1) == 0);

    CHECK(r.setup_cycles == 8);
    // Step 1's round, phase by phase (pe_tile::last_round, relative to s).
    CHECK(r.last_round.activation_read == 2);
    CHECK(r.last_round.weight_stream == 4);
    CHECK(r.last_round.pe_makespan == 6);
    CHECK(r.last_round.sram_stall == 1);
    CHECK(r.last_round.nlu == 6);
    CHECK(r.last_round.compress == 5);
    CHECK(r.last_round.total == 20);
    CHECK(r.pe_busy_cycles == 42);
    CHECK(r.run_cycles == 71);
}

TEST_CASE("a 1-unit ReLU rnn layer on one tile takes the hand-worked cycles", "[system]") {
    // rnn, 2 inputs, 1 unit, ReLU, unidirectional, 2 steps.
    //   W = [64, -32] (0.25, -0.125), U = [96] (0.375), b = 16 (0.0625)
    //   x_0 = (1.0, 0.5) -> (1024, 512);  x_1 = (0.5, 0) -> (512, 0)
    //   h_0 = relu(0.25 - 0.0625 + 0.0625) = 0.25 -> 256
    //   h_1 = relu(0.125 + 0.375 * 0.25 + 0.0625) = 0.28125 -> 288
    workload w = make_workload("timing_rnn", layer_kind::rnn, 1, {{1.0f, 0.5f}, {0.5f, 0.0f}});
    direction_weights& d = w.weights[0].directions[0];
    d.input.at(0, 0) = 64;
    d.input.at(0, 1) = -32;
    d.recurrent.at(0, 0) = 96;
    d.bias = {16};

    // Layout. Activation buffer: x at 0 (16 B dense), h at 64 (encoded_bytes(1, 1, 2)
    //   = 16 B dense), output slice at 128.
    // Weight image: header 0..39, bias 4 B padded to 8 at 40, the row at 48:
    //   input part 8 + 2 -> 16 B, recurrent part 8 + 1 -> 16 B; the step's burst
    //   is 40 B at 40, words 5..9: bank 1 has 2 words.
    // PE schedule: 1 row over 2 PEs: PE 0 gets rows [0, 0), PE 1 [0, 1); PE 0
    //   finds no victim with 2 or more unstarted rows and retires. The row
    //   is 2 mask words (input part, recurrent part).
    // Cost model:
    //   step 0: e = (2, 0): B = 1.5, F = 1, B = 2; then e = 0: F = 2
    //           -> ceil(max(2, 2)) + 5 = 7
    //   step 1: e = (1, 1): B = 1 + 0.25, F = 1, B = 2; then B = max(2, 1+1) + 0.25
    //           = 2.25, F = max(1 + 1, 2.25 - 4) = 2, B = max(2.25, 2 + 1) = 3
    //           -> ceil(3) + 5 = 8
    //
    // | step 0 (first step: h_-1 = 0 is multicast but not read)             |  end |
    // |---------------------------------------------------------------------|------|
    // | multicast x_0: 24 B, S = 2, from 0; bus +1; write banks 0,1 +1 +1   |    5 |
    // | multicast h_-1 issued at 0 too: 8 + 8 = 16 B, S = 1; the host port  |      |
    // |   is busy until 2 -> tail at 3; bus +1 -> 4; write at 64 (bank 0,   |      |
    // |   port busy until 4): 4 -> 5, + write 1                            |    6 |
    // | step command at max(5, 6) = 6: S = 3 -> 9; bus +1 -> s             |   10 |
    // | x mask read (bank 0) +1 +1, x values (bank 1) +1 +1 -> t_act       |   14 |
    // | weight burst from s: bank 1 2 words + read 2 -> t_w                |   14 |
    // | mac_end = max(14 + 7, 14 + 5)                                      |   21 |
    // | NLU: 1 op + 4                                                      |   26 |
    // | compressor: ceil(1 / 4) = 1 + 2; write h_0 (16 B at 128) +1 +1     |   31 |
    // | gather: S = 1, bus +1, read 16 B +1 +1, response 24 B S = 2        |   37 |
    // | barrier                                                            |   37 |
    //
    // | step 1                                                              |  end |
    // |---------------------------------------------------------------------|------|
    // | multicast x_1 (16 B, one value + padding): as in step 0             |    5 |
    // | multicast h_0: 8 + 16 = 24 B, S = 2; host port busy until 2 -> 2..4;|      |
    // |   tail at 4; bus +1 -> 5; write banks 0,1 (busy until 4): 5 -> 6 +1 |    7 |
    // | step command at 7: S = 3 -> 10; bus +1 -> s                        |   11 |
    // | x mask +1 +1, x values +1 +1, h mask +1 +1, h values +1 +1 -> t_act|   19 |
    // | weight burst from s: 11 + 2 + 2 -> t_w                             |   15 |
    // | mac_end = max(19 + 8, 15 + 5)                                      |   27 |
    // | NLU: 1 + 4                                                         |   32 |
    // | compressor: 1 + 2; write h_1 (16 B) +1 +1                          |   37 |
    // | gather: S = 1, bus +1, read +1 +1, response S = 2                  |   43 |
    // | barrier                                                            |   43 |
    //
    // run = 37 + 43 = 80 cycles; PE busy: (31 - 10) + (37 - 11) = 21 + 26 = 47.
    const timing_run r = run(w);
    CHECK(r.output.at(0, 0) == 256);
    CHECK(r.output.at(1, 0) == 288);

    CHECK(r.setup_cycles == 8);
    CHECK(r.last_round.activation_read == 8);
    CHECK(r.last_round.weight_stream == 4);
    CHECK(r.last_round.pe_makespan == 8);
    CHECK(r.last_round.sram_stall == 0);
    CHECK(r.last_round.nlu == 5);
    CHECK(r.last_round.compress == 5);
    CHECK(r.last_round.total == 26);
    CHECK(r.pe_busy_cycles == 47);
    CHECK(r.run_cycles == 80);
}

TEST_CASE("a bidirectional 1-unit rnn layer on one shared tile takes the hand-worked cycles",
          "[system]") {
    // As the rnn case, bidirectional with merge sum. One tile is an odd count,
    // so `auto` shares it: both directions on tile 0 (slot 0 forward, slot 1
    // backward), the backward round of a step issued when the forward one has
    // been gathered (docs: "one after the other on shared tiles").
    //   forward:  W = [64, -32], U = [96], b = 16: h_0 = 256, h_1 = 288 (as above)
    //   backward: W = [32, 64] (0.125, 0.25), U = [64] (0.25), b = 16; runs t = 1, then 0:
    //     h_1 = relu(0.125 * 0.5 + 0.0625) = 0.125 -> 128
    //     h_0 = relu(0.125 + 0.25 * 0.5 + 0.25 * 0.125 + 0.0625) = 0.34375 -> 352
    //   merged (sum): t = 0: 256 + 352 = 608; t = 1: 288 + 128 = 416
    workload w =
        make_workload("timing_birnn", layer_kind::rnn, 1, {{1.0f, 0.5f}, {0.5f, 0.0f}}, true);
    direction_weights& f = w.weights[0].directions[0];
    f.input.at(0, 0) = 64;
    f.input.at(0, 1) = -32;
    f.recurrent.at(0, 0) = 96;
    f.bias = {16};
    direction_weights& b = w.weights[0].directions[1];
    b.input.at(0, 0) = 32;
    b.input.at(0, 1) = 64;
    b.recurrent.at(0, 0) = 64;
    b.bias = {16};

    // Layout: activation-buffer regions as in the rnn case (x 0, h 64, out 128),
    //   shared by both directions. Weight images of 80 B: slot 0 at 0, slot 1
    //   at align_up(80, 64) = 128; slot 1's burst is 40 B at 168 = words
    //   21..25, banks 1,2,3,0,1: bank 1 has 2 words, as for slot 0.
    // Setup: slot 0 as above, 8. Slot 1's command leaves at 8: S = 3 -> 11,
    //   bus -> 12; header 40 B at 128 = words 16..20, bank 0 has 2: 12 + 2
    //   + read 2 = 16. setup = 16 cycles.
    // Cost model: backward step 0 e = (1, 0): B = 1.25, F = 1, B = 2; F = 2 -> 2 + 5 = 7;
    //   backward step 1 e = (2, 1): 8 (as forward step 1 of the rnn case).
    //
    // | step 0                                                              |  end |
    // |---------------------------------------------------------------------|------|
    // | forward round: exactly the rnn case's step 0 (every resource idle)  |   37 |
    // | backward round from 37 (the host port, buffer banks, PE and         |      |
    // |   compressor were last busy until 37, 34, 31, 27: all idle):        |      |
    // |   multicast x_1 (16 B): 37 + 5; multicast h = 0 (8 B) -> 37 + 6     |   43 |
    // |   step command S = 3, bus +1 -> s                                   |   47 |
    // |   x mask +2, x values +2 (first step: no h read) -> t_act           |   51 |
    // |   weight burst 47 + 2 + 2 -> t_w                                    |   51 |
    // |   mac_end = max(51 + 7, 51 + 5)                                     |   58 |
    // |   NLU 1 + 4; compressor 1 + 2; write h_1 (16 B) +2                  |   68 |
    // |   gather: S = 1, bus +1, read +2, response S = 2                    |   74 |
    // | barrier                                                             |   74 |
    //
    // | step 1                                                              |  end |
    // |---------------------------------------------------------------------|------|
    // | forward round: exactly the rnn case's step 1                        |   43 |
    // | backward round from 43:                                             |      |
    // |   multicast x_0 (16 B): host port 43..45, tail 45, bus 46, write    |      |
    // |   banks 0,1 -> 47, + 1 -> 48                                        |      |
    // |   multicast h_1 (24 B, S = 2): host port busy until 45 -> 45..47,   |      |
    // |   tail 47, bus 48, write banks 0,1 (busy until 47) 48 -> 49, + 1    |   50 |
    // |   step command S = 3, bus +1 -> s                                   |   54 |
    // |   x mask, x values, h mask, h values: 4 x (+1 +1) -> t_act          |   62 |
    // |   weight burst 54 + 2 + 2 -> t_w                                    |   58 |
    // |   mac_end = max(62 + 8, 58 + 5)                                     |   70 |
    // |   NLU 1 + 4; compressor 1 + 2; write h_0 (16 B) +2                  |   80 |
    // |   gather: S = 1, bus +1, read +2, response S = 2                    |   86 |
    // | barrier                                                             |   86 |
    //
    // Direction merge: steps x ceil(output width 1 / merge_elements_per_cycle 16)
    //   = 2 x 1 = 2 cycles.
    // run = 74 + 86 + 2 = 162 cycles; PE busy: forward 21 + 26, backward
    // (68 - 47) + (80 - 54) = 21 + 26: 94.
    const timing_run r = run(w);
    CHECK(r.output.at(0, 0) == 608);
    CHECK(r.output.at(1, 0) == 416);

    CHECK(r.setup_cycles == 16);
    // The last round: the backward direction of step 1.
    CHECK(r.last_round.activation_read == 8);
    CHECK(r.last_round.weight_stream == 4);
    CHECK(r.last_round.pe_makespan == 8);
    CHECK(r.last_round.sram_stall == 0);
    CHECK(r.last_round.nlu == 5);
    CHECK(r.last_round.compress == 5);
    CHECK(r.last_round.total == 26);
    CHECK(r.pe_busy_cycles == 94);
    CHECK(r.run_cycles == 162);
}
