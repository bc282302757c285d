#pragma once
// The one-tile bench of the PE testbenches: PE tile + weight SRAM +
// activation buffer + compressor, driven by the testbench playing the
// controller (tb_pe_tile.cpp, tb_pe.cpp).
#include <tlm_utils/simple_initiator_socket.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <systemc>

#include "models/compressor/compressor.h"
#include "models/pe/pe_command.h"
#include "models/pe/pe_tile.h"
#include "models/pe/weight_image.h"
#include "models/sram/sram.h"
#include "workloads/golden/golden_reference.h"

namespace masr::pe_bench {

using sc_core::SC_NS;
using sc_core::sc_time;

inline const sc_time clock_period(1, SC_NS);

inline std::string source_dir() {
    const char* dir = std::getenv("MASR_SOURCE_DIR");
    return dir ? dir : ".";
}

constexpr u64 x_addr = 0x0000;
constexpr u64 h_addr = 0x2000;
constexpr u64 out_base = 0x4000;
constexpr u64 out_stride = 0x800;

// One tile and the sockets the testbench drives it through.
class tile_bench : public sc_core::sc_module {
public:
    pe_params pe_p;
    sram_params weight_p;
    sram_params act_p;
    compressor_params comp_p;
    std::unique_ptr<pe_tile> pe;
    std::unique_ptr<sram> weight_sram;
    std::unique_ptr<sram> act_buffer;
    std::unique_ptr<compressor> comp;
    tlm_utils::simple_initiator_socket<tile_bench> to_weights{"to_weights"};
    tlm_utils::simple_initiator_socket<tile_bench> to_act{"to_act"};
    tlm_utils::simple_initiator_socket<tile_bench> to_pe{"to_pe"};
    u64 next_image = 0;

    tile_bench(sc_core::sc_module_name name, const std::function<void(tile_bench&)>& configure = {})
        : sc_module(name) {
        weight_p.size = u64{1} << 20;
        act_p.size = u64{1} << 16;
        if (configure) configure(*this);
        pe = std::make_unique<pe_tile>("pe", pe_p, clock_period);
        weight_sram = std::make_unique<sram>("weight_sram", weight_p, clock_period);
        act_buffer = std::make_unique<sram>("act_buffer", act_p, clock_period);
        comp = std::make_unique<compressor>("compressor", comp_p, clock_period);
        pe->weights.bind(weight_sram->in);
        pe->activations.bind(act_buffer->in);
        pe->results.bind(comp->in);
        comp->out.bind(act_buffer->in);
        to_weights.bind(weight_sram->in);
        to_act.bind(act_buffer->in);
        to_pe.bind(pe->control);
    }

    void debug(tlm_utils::simple_initiator_socket<tile_bench>& s, tlm::tlm_command cmd, u64 addr,
               u8* data, u64 length) {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(addr);
        p.set_data_ptr(data);
        p.set_data_length(static_cast<unsigned>(length));
        p.set_streaming_width(static_cast<unsigned>(length));
        REQUIRE(s->transport_dbg(p) == length);
    }
    void write_vector(u64 addr, const sparse_vector& v, u32 value_bytes) {
        std::vector<u8> bytes(encoded_bytes(v.length, v.nnz(), value_bytes));
        serialize(v, value_bytes, bytes.data());
        debug(to_act, tlm::TLM_WRITE_COMMAND, addr, bytes.data(), bytes.size());
    }
    sparse_vector read_vector(u64 addr, u32 length, u32 value_bytes, u64 bytes) {
        std::vector<u8> data(bytes);
        debug(to_act, tlm::TLM_READ_COMMAND, addr, data.data(), bytes);
        sparse_vector v;
        REQUIRE(deserialize(data.data(), length, value_bytes, v) == bytes);
        return v;
    }
    u64 load_image(const weight_image& image) {
        const u64 at = next_image;
        std::vector<u8> bytes = image.bytes;
        debug(to_weights, tlm::TLM_WRITE_COMMAND, at, bytes.data(), bytes.size());
        next_image = (at + bytes.size() + 63) / 64 * 64;
        return at;
    }
    // Sends a command; the calling thread waits for its delay (as the
    // controller does). Returns the response status.
    tlm::tlm_response_status send(pe_command& command, sc_time* took = nullptr,
                                  tlm::tlm_command cmd = tlm::TLM_WRITE_COMMAND,
                                  bool attach = true) {
        tlm::tlm_generic_payload p;
        u8 data[8] = {};
        p.set_command(cmd);
        p.set_address(0);
        p.set_data_ptr(data);
        p.set_data_length(8);
        p.set_streaming_width(8);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (attach) p.set_extension(&command);
        sc_time delay = sc_core::SC_ZERO_TIME;
        to_pe->b_transport(p, delay);
        if (attach) p.clear_extension(&command);
        if (took) *took = delay;
        wait(delay);
        return p.get_response_status();
    }
};

// Runs the testbench body as the one waiting thread.
class driver : public sc_core::sc_module {
public:
    std::function<void()> body;
    bool finished = false;
    SC_HAS_PROCESS(driver);
    explicit driver(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }
    void run() {
        body();
        finished = true;
    }
};

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
    const u32 avb = w.format.activation_bits <= 8 ? 1 : 2;
    for (const placed_slice& s : slices) {
        const weight_image image =
            pack_weight_image(layer, weights, s.first_unit, s.units, w.format);
        pe_layer_setup setup;
        setup.slot = s.slot;
        setup.kind = layer.kind;
        setup.activation = layer.activation;
        setup.format = w.format;
        setup.inputs = layer.inputs;
        setup.units_total = layer.units;
        setup.first_unit = s.first_unit;
        setup.units = s.units;
        setup.image_addr = bench.load_image(image);
        pe_command command(setup);
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
