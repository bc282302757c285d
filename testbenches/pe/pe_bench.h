#pragma once
// Scoreboard helpers of the PE testbenches around the one-tile bench
// (tile_bench.h): tiny.yaml and its golden run, layer inputs, and one layer
// direction run step by step against run_fixed.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <systemc>

#include "testbenches/pe/tile_bench.h"
#include "workloads/golden/golden_reference.h"

namespace masr::pe_bench {

inline const workload& tiny() {
    static const workload w = workload::load(source_dir() + "/workloads/tiny.yaml");
    return w;
}
inline const golden_result& tiny_golden() {
    static const golden_result g = run_fixed(tiny());
    return g;
}

// The input sequence of layer l, from the network input and the golden
// outputs of its sources.
inline matrix<i16> layer_input(const workload& w, const golden_result& g, u32 l) {
    const u32 steps = g.steps;
    matrix<i16> x(steps, w.layers[l].inputs);
    u32 offset = 0;
    for (const std::string& source : w.layers[l].sources) {
        if (source == "input") {
            for (u32 t = 0; t < steps; ++t)
                for (u32 c = 0; c < w.input_size; ++c)
                    x.at(t, offset + c) = fixed::quantize_activation(w.input.at(t, c), w.format);
            offset += w.input_size;
        } else {
            const matrix<i16>& out = g.layers[static_cast<u32>(w.find_layer(source))].output;
            for (u32 t = 0; t < steps; ++t)
                for (u32 c = 0; c < out.cols; ++c) x.at(t, offset + c) = out.at(t, c);
            offset += out.cols;
        }
    }
    REQUIRE(offset == w.layers[l].inputs);
    return x;
}

struct placed_slice {
    u32 slot;
    u32 first_unit;
    u32 units;
};

struct direction_run {
    matrix<i16> output;    // (steps, units), in time order
    u64 total_cycles = 0;  // sum of the step commands' cycles
    u64 makespan_cycles = 0;
    u64 mismatches = 0;
    std::string first_mismatch;
};

// The testbench as the controller: one layer direction over all steps, its
// units split into the given slices (slots of this tile).
inline direction_run run_direction(tile_bench& bench, const workload& w, const layer_desc& layer,
                                   const direction_weights& weights, const matrix<i16>& input,
                                   bool backward, const std::vector<placed_slice>& slices,
                                   const matrix<i16>* expected) {
    const u32 avb = packed_value_bytes(w.format.activation_bits);
    for (const placed_slice& s : slices) {
        const weight_image image =
            pack_weight_image(layer, weights, s.first_unit, s.units, w.format);
        pe_command command(make_layer_setup(layer, w.format, s.slot, s.first_unit, s.units,
                                            bench.load_image(image)));
        REQUIRE(bench.send(command) == tlm::TLM_OK_RESPONSE);
    }
    direction_run run;
    const u32 steps = input.rows;
    run.output = matrix<i16>(steps, layer.units);
    std::vector<i16> h(layer.units, 0);
    const bool gru = layer.kind == layer_kind::gru;
    for (u32 s = 0; s < steps; ++s) {
        const u32 t = backward ? steps - 1 - s : s;
        bench.write_vector(x_addr, sparse_vector::encode(input.row(t), layer.inputs), avb);
        if (layer.recurrent()) bench.write_vector(h_addr, sparse_vector::encode(h), avb);
        const u32 round_count = gru ? 2 : 1;
        for (u32 round = 0; round < round_count; ++round) {
            std::vector<i16> gathered(layer.units, 0);
            for (std::size_t i = 0; i < slices.size(); ++i) {
                pe_step step;
                step.slot = slices[i].slot;
                step.round = !gru         ? pe_round::full
                             : round == 0 ? pe_round::gru_gates
                                          : pe_round::gru_candidate;
                step.first_step = s == 0;
                step.x_addr = x_addr;
                step.h_addr = h_addr;
                step.out_addr = out_base + i * out_stride;
                pe_command command(step);
                sc_time took;
                REQUIRE(bench.send(command, &took) == tlm::TLM_OK_RESPONSE);
                const pe_step& done = command.step();
                REQUIRE(done.out_length == slices[i].units);
                run.total_cycles += took.value() / clock_period.value();
                run.makespan_cycles += bench.pe->last_round().pe_makespan;
                const sparse_vector slice =
                    bench.read_vector(step.out_addr, done.out_length, avb, done.out_bytes);
                CHECK(slice.nnz() == done.out_nnz);
                const std::vector<i16> dense = slice.decode();
                std::copy(dense.begin(), dense.end(), gathered.begin() + slices[i].first_unit);
            }
            // gates round: r*h for the candidate round's h_addr
            if (gru && round == 0)
                bench.write_vector(h_addr, sparse_vector::encode(gathered), avb);
            else
                h = gathered;
        }
        std::copy(h.begin(), h.end(), run.output.row(t));
        if (expected)
            for (u32 u = 0; u < layer.units; ++u)
                if (run.output.at(t, u) != expected->at(t, u)) {
                    if (run.mismatches++ == 0) {
                        std::ostringstream m;
                        m << "step " << s << " (t = " << t << ") unit " << u << ": tile "
                          << run.output.at(t, u) << ", golden " << expected->at(t, u);
                        run.first_mismatch = m.str();
                    }
                }
    }
    return run;
}

inline void run_bench(driver& d) {
    sc_core::sc_start();
    REQUIRE(d.finished);
}

}  // namespace masr::pe_bench
