#pragma once
// Scoreboard helpers of the PE testbenches around the one-tile bench
// (tile_bench.h): tiny.yaml and its golden run, layer inputs, and one layer
// direction run step by step against run_fixed.
#include <algorithm>
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
    matrix<i16> output;       // (steps, units), in time order
    u64 total_cycles = 0;     // sum over passes of command start to last result
    u64 makespan_cycles = 0;  // sum over passes of the slowest PE's cycles
    u64 mismatches = 0;
    std::string first_mismatch;
};

// The slices as the segments of h: one encoded vector each, back to back.
inline std::vector<pe_segment> segments_of(const std::vector<placed_slice>& slices,
                                           u32 value_bytes) {
    std::vector<pe_segment> segments;
    u64 offset = 0;
    for (const placed_slice& s : slices) {
        segments.push_back({s.first_unit, s.units, offset});
        offset += encoded_bytes(s.units, s.units, value_bytes);
    }
    return segments;
}

// The testbench as the tile controller: one layer direction over all steps,
// its units split into the given slices (slots of this tile), h_(t-1) and r*h
// written as one segment per slice.
inline direction_run run_direction(tile_bench& bench, const workload& w, const layer_desc& layer,
                                   const direction_weights& weights, const matrix<i16>& input,
                                   bool backward, const std::vector<placed_slice>& slices,
                                   const matrix<i16>* expected) {
    const u32 avb = packed_value_bytes(w.format.activation_bits);
    const std::vector<pe_segment> segments = segments_of(slices, avb);
    for (const placed_slice& s : slices) {
        pe_command command(
            bench.make_setup(layer, weights, w.format, s.slot, s.first_unit, s.units, segments));
        REQUIRE(bench.send(command) == tlm::TLM_OK_RESPONSE);
    }
    direction_run run;
    const u32 steps = input.rows;
    run.output = matrix<i16>(steps, layer.units);
    std::vector<i16> h(layer.units, 0);
    const bool gru = layer.kind == layer_kind::gru;
    auto pass = [&](const placed_slice& slice, std::size_t i, weight_pass kind, bool finish,
                    bool first, u64 act) {
        pe_pass p;
        p.slot = slice.slot;
        p.pass = kind;
        p.finish = finish;
        p.first_step = first;
        p.act_addr = act;
        p.out_addr = out_base + i * out_stride;
        pe_command command(p);
        sc_time took;
        REQUIRE(bench.send(command, &took) == tlm::TLM_OK_RESPONSE);
        run.total_cycles += took.value() / clock_period.value();
        const auto& cycles = bench.pe->last_pass().pe_cycles;
        run.makespan_cycles += *std::max_element(cycles.begin(), cycles.end());
        return command.pass();
    };
    auto gather = [&](const std::vector<pe_pass>& done) {
        std::vector<i16> out(layer.units, 0);
        for (std::size_t i = 0; i < slices.size(); ++i) {
            const sparse_vector slice =
                bench.read_vector(done[i].out_addr, slices[i].units, avb, done[i].out_bytes);
            CHECK(slice.nnz() == done[i].out_nnz);
            const std::vector<i16> dense = slice.decode();
            std::copy(dense.begin(), dense.end(), out.begin() + slices[i].first_unit);
        }
        return out;
    };
    for (u32 s = 0; s < steps; ++s) {
        const u32 t = backward ? steps - 1 - s : s;
        const bool first = s == 0;
        bench.write_vector(x_addr, sparse_vector::encode(input.row(t), layer.inputs), avb);
        if (layer.recurrent()) bench.write_segments(h_addr, h, segments, avb);
        std::vector<pe_pass> done(slices.size());
        for (std::size_t i = 0; i < slices.size(); ++i)
            done[i] = pass(slices[i], i, weight_pass::input, !layer.recurrent(), first, x_addr);
        if (layer.recurrent())
            for (std::size_t i = 0; i < slices.size(); ++i)
                done[i] = pass(slices[i], i, weight_pass::recurrent, true, first, h_addr);
        if (gru) {
            bench.write_segments(rh_addr, gather(done), segments, avb);
            for (std::size_t i = 0; i < slices.size(); ++i)
                done[i] = pass(slices[i], i, weight_pass::candidate, true, first, rh_addr);
        }
        h = gather(done);
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
