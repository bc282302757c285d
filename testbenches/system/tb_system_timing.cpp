// The composition of the models adds up: whole 1-tile platforms running tiny
// hand-built workloads, whose run time is derived cycle by cycle in the
// comments from the documented timing of each model (models/*/README.md) and
// asserted exactly, with every overlap on and with every overlap off, next to
// the bit-exact output against run_fixed(). The component testbenches check
// each formula alone; these check that the sequencer, streamer, tile
// controller, PE, NI and NoC chain them as docs/architecture.md says.
// One elaboration per test case (each case runs in its own process).
#include <catch2/catch.hpp>
#include <memory>

#include "platforms/src/masr_system.h"
#include "platforms/src/run_report.h"
#include "platforms/src/simulation.h"

using namespace masr;

namespace {

// Every latency parameter of the platform is set here, so that a change of a
// default elsewhere cannot move the expectations below. 1 GHz: 1 cycle = 1 ns.
void configure_platform(platform_config& c, bool overlaps) {
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

    c.overlap.stream_activations = overlaps;
    c.overlap.stream_nlu = overlaps;
    c.overlap.prefetch_x = overlaps;
    c.overlap.early_input = overlaps;
    c.overlap.pipeline_rounds = overlaps;

    c.tile.bus.latency_cycles = 1;
    c.ctrl_bus.latency_cycles = 1;
    c.tile.ni.counters = 64;
    c.tile.ni.sync_cycles = 1;
    c.ctrl_ni.counters = 256;
    c.ctrl_ni.sync_cycles = 1;

    // 2 PEs: partitions of 2 banks each, 256 bytes.
    c.tile.weight_sram.size = 512;
    c.tile.weight_sram.word_bytes = 8;
    c.tile.weight_sram.banks = 4;
    c.tile.weight_sram.ports = 1;
    c.tile.weight_sram.read_cycles = 1;
    c.tile.weight_sram.write_cycles = 1;

    c.tile.act_buffer.size = 1024;
    c.tile.act_buffer.word_bytes = 8;
    c.tile.act_buffer.banks = 4;
    c.tile.act_buffer.ports = 1;
    c.tile.act_buffer.read_cycles = 1;
    c.tile.act_buffer.write_cycles = 1;

    c.seq_buffer.size = 4096;
    c.seq_buffer.word_bytes = 8;
    c.seq_buffer.banks = 4;
    c.seq_buffer.ports = 1;
    c.seq_buffer.read_cycles = 1;
    c.seq_buffer.write_cycles = 1;

    c.dram.size = 65536;  // the load is not part of the run's cycles
    c.dram.word_bytes = 16;
    c.dram.banks = 1;
    c.dram.ports = 1;
    c.dram.read_cycles = 1;
    c.dram.write_cycles = 1;

    c.streamer.elements_per_cycle = 16;
    c.streamer.latency_cycles = 2;
    c.sequencer.load_burst_bytes = 4096;

    c.tile.compressor.elements_per_cycle = 4;
    c.tile.compressor.latency_cycles = 2;

    c.tile.pe.pes = 2;
    c.tile.pe.lanes = 4;  // adder tree ceil(log2 4) = 2 levels: tail = 2 + 2 + 1 = 5
    c.tile.pe.fifo_depth = 16;
    c.tile.pe.frontend_pairs = 8;
    c.tile.pe.frontend_words_per_cycle = 1;
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
                       const std::vector<std::vector<float>>& input) {
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
    w.layers.push_back(layer);
    w.weights.resize(1);
    w.weights[0].directions.resize(1);
    direction_weights& d = w.weights[0].directions[0];
    d.input = matrix<i16>(units, w.input_size);
    if (kind != layer_kind::dense) d.recurrent = matrix<i16>(units, units);
    d.bias.assign(units, 0);
    w.input = matrix<float>(w.sequence_length, w.input_size);
    for (u32 t = 0; t < w.sequence_length; ++t)
        for (u32 i = 0; i < w.input_size; ++i) w.input.at(t, i) = input[t][i];
    return w;
}

struct timing_run {
    run_summary summary;
    matrix<i16> output;
    u64 pe_busy_cycles = 0;  // per pass, first PE start to last PE done
    u64 rounds = 0;
};

timing_run run(const workload& w, bool overlaps) {
    platform_config config;  // declared before the simulation, which keeps references to it
    configure_platform(config, overlaps);
    simulation sim(config, w, 0);
    sim.run();
    const golden_result golden = run_fixed(w);
    const check_result check = compare_with_golden(w, golden, sim.outputs());
    INFO(check.first_mismatch);
    CHECK(check.bit_exact);
    timing_run r;
    r.summary = summarize(sim.system(), w.name, w.frame_period, 1.0);
    r.output = sim.outputs()[0];
    r.pe_busy_cycles = sim.system().tiles[0].pe.busy_cycles;
    r.rounds = sim.system().tiles[0].pe.rounds;
    // The critical path accounts for every cycle of the run.
    u64 parts = 0;
    for (std::size_t i = 1; i < path_part_count; ++i) parts += r.summary.critical[i];
    CHECK(parts == r.summary.cycles);
    return r;
}

}  // namespace

// Common to every case. Cycles count from the run's start (the sequencer
// resumes after the load: the load's last write has landed, every resource
// is idle).
//
// Layouts (compiler/model_compiler.cpp, 64-byte regions): activation buffer
// x slot 0 at 0, x slot 1 at 64, then the layer's regions; sequence buffer:
// the input sequence at 0 (64 bytes per step), the layer's output at 128 (64
// bytes per step). Every encoded vector here is one mask word plus at most 4
// values: 16 bytes, 2 words, one in each of two banks (addresses 0, 8 mod 32:
// banks 0 and 1).
//
// The start: the sequencer multicasts it to tile 0 (8 + 16 = 24 B, S = 2):
// host injection and the port to the tile [0, 2) -> 2, tile bus +1: the tile
// controller starts at 3. The streamer's start goes over the control bus (+1):
// it starts at 1.
//
// The streamer, step 0: x_0's record at sequence-buffer 0: mask read via the
// control bus (+1) at 2, bank 0 [2, 3) + read 1 -> 4; its values (8 bytes at
// 8: bank 1) after the bus, [5, 6) -> 7. Assembling 2 elements: ceil(2 / 16)
// = 1 cycle from 7, + latency 2 -> 10. Multicast to tile 0 at 10 (S = 2):
// [10, 12) -> 12, tile bus 13, x slot 0 (banks 0, 1) [13, 14) + write 1 -> 15:
// counted at 15, seen by the tile at 15 + sync 1 = 16.

TEST_CASE("a dense layer on one tile takes the hand-worked cycles, overlaps on", "[system]") {
    // Dense, 2 inputs, 2 units, ReLU, 2 steps.
    //   W = [[64, -32], [-64, 32]] (0.25, -0.125 / -0.25, 0.125), b = [16, -16] (+-0.0625)
    //   x_0 = (1.0, 0.5) -> (1024, 512);  x_1 = (0.5, 0) -> (512, 0)
    //   y_0 = relu(0.25 - 0.0625 + 0.0625, ...) = (0.25, 0) -> (256, 0)
    //   y_1 = relu(0.125 + 0.0625, ...) = (0.1875, 0) -> (192, 0)
    // Weights: each PE one row, a 24-byte block (bias 8, row 16): PE 0 at 0
    // (words 0..2: banks 0, 1, 0), PE 1 at 256 (its partition: banks 2, 3, 2).
    //
    // | streamer                                                         | cycle |
    // |------------------------------------------------------------------|-------|
    // | x_0 as above: sent at 10, counted at 15, seen 16                 |    16 |
    // | x_1 (slot 1, no credit needed yet): its reads wait for the read  |       |
    // |   engine (free at 7): mask [8, 9) -> 10, values [11, 12) -> 13;  |       |
    // |   assembled 13 -> 14 + 2 = 16; sent [16, 18), bus 19, slot 1     |       |
    // |   (words 8, 9: banks 0, 1) [19, 20) -> 21, seen 22               |    22 |
    //
    // | tile, step 0: input pass (finishing: dense) issued at 16         | cycle |
    // |------------------------------------------------------------------|-------|
    // | x_0 mask (bank 0) [16, 17) -> 18, values (bank 1) [18, 19) -> 20:|       |
    // |   inputs read +4, both PEs start at +4                           |    20 |
    // | each PE: 2 pairs in one word: B = 4 + 1 + 2 / 4 = 5.5, F = 5,    |       |
    // |   B = max(5.5, 5 + 1) = 6 -> ceil(6) + tail 5 = +11              |    27 |
    // | weight streams from 20: PE 0's bank 0 has 2 words [20, 22) + 1   |       |
    // |   -> 23 (+7), + tail 5 = +12: one cycle of SRAM stall; PE 1 alike|    28 |
    // | NLU: both units' rows done at +12: 13 -> out 13 + 4 = +17, then  |       |
    // |   14 -> +18 (nlu free at 30)                                     |       |
    // | compressor from 33, last element +1: intake ends max(34, 35) =   |       |
    // |   35, + 2 = 37; slice (16 B at 128: banks 0, 1) [37, 38) -> 39   |    39 |
    // | credit at inputs read (20); PEs free at 16 + F 5 + stall 1 = 22  |       |
    //
    // | tile, step 1: input pass at 22 (x_1 seen 22, PEs free 22)        | cycle |
    // |------------------------------------------------------------------|-------|
    // | x_1 mask (bank 0) [22, 23) -> 24, values [24, 25) -> 26: +4      |    26 |
    // | 1 pair per row: +11; weight streams from 26 ([26, 28) -> 29) +12 |    34 |
    // | NLU free at +8: units at 13 -> out +17, 14 -> +18                |       |
    // | compressor from 39 (free since 35): max(40, 41) = 41 + 2 = 43;   |       |
    // |   write [43, 44) -> 45                                           |    45 |
    //
    // | sends                                                            | cycle |
    // |------------------------------------------------------------------|-------|
    // | credits at 20 and 26 (1 cycle each to the control node)          |       |
    // | y_0 at 39: timing-only read of the slice [39, 40) -> 41; to the  |       |
    // |   sequence buffer (S = 2): tile injection, port to the host      |       |
    // |   [41, 43) -> 43, control bus 44, banks 0, 1 [44, 45) -> 46;     |       |
    // |   seen by the sequencer at 47                                    |    47 |
    // | y_1 at 45: read [45, 46) -> 47, [47, 49) -> 49, bus 50, [50, 51) |       |
    // |   -> 52, seen 53: the run ends                                   |    53 |
    workload w = make_workload("timing_dense", layer_kind::dense, 2, {{1.0f, 0.5f}, {0.5f, 0.0f}});
    direction_weights& d = w.weights[0].directions[0];
    d.input.at(0, 0) = 64;
    d.input.at(0, 1) = -32;
    d.input.at(1, 0) = -64;
    d.input.at(1, 1) = 32;
    d.bias = {16, -16};
    const timing_run r = run(w, true);
    CHECK(r.output.at(0, 0) == 256);
    CHECK(r.output.at(0, 1) == 0);
    CHECK(r.output.at(1, 0) == 192);
    CHECK(r.output.at(1, 1) == 0);
    CHECK(r.rounds == 2);
    CHECK(r.pe_busy_cycles == 8 + 8);  // +4 to +12 in each pass
    CHECK(r.summary.cycles == 53);
    // The critical path: the streamer's start seen at 1 (sync), its reads
    // 1 -> 7 -> 13 (sequence buffer), x_1 assembled 13 -> 16 (merge), sent
    // 16 -> 21 (NoC), seen 22 (sync), step 1 computed 22 -> 45, y_1 sent
    // 45 -> 52 (NoC), seen 53 (sync).
    const auto& c = r.summary.critical;
    CHECK(c[static_cast<int>(path_part::compute)] == 23);
    CHECK(c[static_cast<int>(path_part::noc)] == 5 + 7);
    CHECK(c[static_cast<int>(path_part::sync)] == 3);
    CHECK(c[static_cast<int>(path_part::merge)] == 3);
    CHECK(c[static_cast<int>(path_part::seqbuf)] == 12);
    // Both PEs have one row of the same pairs in every pass.
    CHECK(r.summary.pe_imbalance == 0.0);
    CHECK(r.summary.tile_imbalance == 0.0);
}

TEST_CASE("a dense layer on one tile takes the hand-worked cycles, overlaps off", "[system]") {
    // As above, every overlap off: one x slot, refilled after the tile's
    // round (credit at its output), the NLU after the last row, a PE free
    // only when the round's output is written.
    //
    // | step 0: as with overlaps, except the NLU: from +12 (all rows), 2 |       |
    // |   ops -> +14, + 4 = +18; compressor 34 -> 35 + 2 = 37; slice     |       |
    // |   [37, 38) -> 39 (the same output time)                          |    39 |
    // | y_0 sent as above: read [39, 40) -> 41, injection [41, 43):      |       |
    // |   sequence buffer at 46, seen 47                                 |    47 |
    // | credit, queued after y_0 at 39: the injection link is free at    |       |
    // |   39 (y_0's packet starts at 41): [39, 40) -> 40, seen 41        |    41 |
    // | streamer, x_1: ready at 41; mask: bus 42, bank 0 [42, 43) -> 44; |       |
    // |   values: bus 45, bank 1 busy [44, 45) with y_0's write, [45, 46)|       |
    // |   -> 47; assembled 47 -> 48 + 2 = 50; sent [50, 52), bus 53,     |       |
    // |   slot 0 [53, 54) -> 55, seen 56                                 |    56 |
    // | step 1 at 56: x_1 read [56, 57) -> 58, [58, 59) -> 60: +4; rows  |       |
    // |   +11, streams from 60 [60, 62) -> 63: +12; NLU +12 -> +14 -> +18|       |
    // |   compressor 74 -> 75 + 2 = 77; write [77, 78) -> 79             |    79 |
    // | y_1: read [79, 80) -> 81, [81, 83) -> 83, bus 84, [84, 85) -> 86,|       |
    // |   seen 87: the run ends                                          |    87 |
    workload w = make_workload("timing_dense", layer_kind::dense, 2, {{1.0f, 0.5f}, {0.5f, 0.0f}});
    direction_weights& d = w.weights[0].directions[0];
    d.input.at(0, 0) = 64;
    d.input.at(0, 1) = -32;
    d.input.at(1, 0) = -64;
    d.input.at(1, 1) = 32;
    d.bias = {16, -16};
    const timing_run r = run(w, false);
    CHECK(r.output.at(0, 0) == 256);
    CHECK(r.output.at(1, 0) == 192);
    CHECK(r.summary.cycles == 87);
}

namespace {

// rnn, 2 inputs, 1 unit, ReLU, 2 steps.
//   W = [64, -32] (0.25, -0.125), U = [96] (0.375), b = 16 (0.0625)
//   x_0 = (1.0, 0.5) -> (1024, 512);  x_1 = (0.5, 0) -> (512, 0)
//   h_0 = relu(0.25 - 0.0625 + 0.0625) = 0.25 -> 256
//   h_1 = relu(0.125 + 0.375 * 0.25 + 0.0625) = 0.28125 -> 288
// One row over 2 PEs: PE 0 gets none, PE 1 the row: its input block (24 B)
// at 256 (words 0..2 of its partition: banks 2, 3, 2), its recurrent block
// (mask 8 + 1 value: 16 B) at 320 (banks 2, 3). h regions at 128 and 192,
// the output slice at 256 of the activation buffer.
workload rnn_workload() {
    workload w = make_workload("timing_rnn", layer_kind::rnn, 1, {{1.0f, 0.5f}, {0.5f, 0.0f}});
    direction_weights& d = w.weights[0].directions[0];
    d.input.at(0, 0) = 64;
    d.input.at(0, 1) = -32;
    d.recurrent.at(0, 0) = 96;
    d.bias = {16};
    return w;
}

}  // namespace

TEST_CASE("a 1-unit ReLU rnn layer on one tile takes the hand-worked cycles, overlaps on",
          "[system]") {
    // x_0 seen at 16, x_1 at 22 (the streamer as in the dense case).
    //
    // | step 0, input pass at 16                                         | cycle |
    // |------------------------------------------------------------------|-------|
    // | x_0 read -> 20 (+4); PE 1's row: 2 pairs, +11; its stream from   |       |
    // |   20 (bank 2 [20, 22) -> 23) + tail: +12. PE 0 idle. PE 1's front|       |
    // |   end free at 16 + 5 + 1 (stall) = 22, lanes at 16 + 12 - 5 = 23 |       |
    // | credit at 20; recurrent pass issued at 16 too (first step: h = 0,|       |
    // |   nothing to read): PE 1 starts at +6, its lanes free at +7; the |       |
    // |   word has no pairs: F = 6 + 1 = 7, B = 7 -> 7 + 5 = +12; stream |       |
    // |   from 22: bank 2 [22, 23) -> 24 (+8) + 5 = +13: one stall       |       |
    // | NLU: the unit ready at +13 -> +14, out +18; compressor 34 -> 35 +|       |
    // |   2 = 37; h_0 (16 B at 256) [37, 38) -> 39                       |    39 |
    // | h_0 sent at 39: read [39, 40) -> 41; to the group (tile 0, h     |       |
    // |   region 0 at 128): [41, 43) -> 43, bus 44, [44, 45) -> 46, seen |       |
    // |   47; to the sequence buffer: injection busy until 43: [43, 45)  |       |
    // |   -> 45, bus 46, [46, 47) -> 48, seen 49                         |       |
    //
    // | step 1: input pass at 22 (x_1 seen 22; PEs free: PE 1 at 24)      | cycle |
    // |------------------------------------------------------------------|-------|
    // | x_1 read [22, 23) -> 24, [24, 25) -> 26: +4; PE 1 starts at +4   |       |
    // |   (free at +2), lanes free at +2: 1 pair -> +11; stream from 26: |       |
    // |   [26, 28) -> 29: +12; front end free at 22 + 6 = 28. credit 26  |       |
    // | recurrent pass when h_0 is seen (47): h read: bank 0 [47, 48) -> |       |
    // |   49, values bank 1 [49, 50) -> 51: +4; 1 pair -> +11; stream    |       |
    // |   from 51: bank 2 [51, 52) -> 53 (+6) + 5 = +11                  |       |
    // | NLU (free since 30) +12, out +16; compressor 63 -> 64 + 2 = 66;  |       |
    // |   h_1 [66, 67) -> 68                                             |    68 |
    // | h_1 sent at 68 (the last step: to the sequence buffer only):     |       |
    // |   read [68, 69) -> 70, [70, 72) -> 72, bus 73, [73, 74) -> 75,   |       |
    // |   seen 76: the run ends                                          |    76 |
    const timing_run r = run(rnn_workload(), true);
    CHECK(r.output.at(0, 0) == 256);
    CHECK(r.output.at(1, 0) == 288);
    CHECK(r.rounds == 2);
    CHECK(r.summary.cycles == 76);
    // PE 0 has no row: in every pass the slowest PE (PE 1: 7, 6, 7 and 7
    // cycles) works alone, (slowest - mean) / slowest = 1/2.
    CHECK(r.summary.pe_imbalance == 0.5);
}

TEST_CASE("a 1-unit ReLU rnn layer on one tile takes the hand-worked cycles, overlaps off",
          "[system]") {
    // | step 0, input pass at 16: x_0 +4, PE 1 +11, stream +12; the PEs  |       |
    // |   are then free at 16 + 12 = 28 (pipeline off)                   |    28 |
    // | recurrent pass issued at 16, starting at +12: no pairs: F = 13,  |       |
    // |   B = 12 -> 13 + 5 = +18; stream from 28 [28, 29) -> 30 (+14) +5 |       |
    // |   = +19; NLU after it: +20, out +24; compressor 40 -> 41 + 2 =   |       |
    // |   43; h_0 [43, 44) -> 45                                         |    45 |
    // | h_0 at 45: read [45, 46) -> 47; group: [47, 49) -> 49, bus 50,   |       |
    // |   [50, 51) -> 52, seen 53; sequence buffer: [49, 51) -> 51, bus  |       |
    // |   52, [52, 53) -> 54, seen 55                                    |       |
    // | credit at 45, after h_0: the links are free [45, 46) -> 46, seen |       |
    // |   by the streamer at 47                                          |    47 |
    // | x_1: mask bus 48, bank 0 [48, 49) -> 50; values bus 51, bank 1   |       |
    // |   busy [52, 53) later: [51, 52) -> 53; assembled 53 -> 54 + 2 =  |       |
    // |   56; sent [56, 58) -> 58, bus 59, slot 0 [59, 60) -> 61, seen 62|    62 |
    // | step 1 at 62 (h_0 seen at 53 already): input pass: x_1 read      |       |
    // |   [62, 63) -> 64, [64, 65) -> 66: +4; 1 pair +11; stream from 66 |       |
    // |   [66, 68) -> 69: +12; PEs free at 74                            |    74 |
    // | recurrent pass issued at 62: h read behind x_1's: bank 0 [63, 64)|       |
    // |   -> 65, bank 1 [65, 66) -> 67: +5; PE 1 starts at +12: 1 pair   |       |
    // |   -> 14 + 5 = +19; stream from 74 [74, 75) -> 76 (+14) + 5 = +19 |       |
    // | NLU +20, out +24; compressor 86 -> 87 + 2 = 89; h_1 [89, 90) ->91|    91 |
    // | h_1 at 91: read [91, 92) -> 93, [93, 95) -> 95, bus 96,          |       |
    // |   [96, 97) -> 98, seen 99: the run ends                          |    99 |
    const timing_run r = run(rnn_workload(), false);
    CHECK(r.output.at(0, 0) == 256);
    CHECK(r.output.at(1, 0) == 288);
    CHECK(r.summary.cycles == 99);
}
