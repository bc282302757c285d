// Micro-benchmark (not a test): host time per simulated effectual MAC of the
// PE tile on a Deep Speech 2-sized layer slice -- layer rnn2 of
// workloads/ds2_birnn.yaml (800 inputs, 800 units, 90 % sparse weights), a
// slice of 100 units (one tile of eight), 50 %-sparse activations (ReLU),
// run for a number of steps through the real sockets (SRAMs, compressor).
//   bench_pe [steps] [slice_units]
#include <tlm_utils/simple_initiator_socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <systemc>

#include "models/compressor/compressor.h"
#include "models/pe/pe_command.h"
#include "models/pe/pe_tile.h"
#include "models/pe/weight_image.h"
#include "models/sram/sram.h"

using namespace masr;

namespace {

struct bench_top : sc_core::sc_module {
    pe_params pe_p;
    sram_params weight_p;
    sram_params act_p;
    compressor_params comp_p;
    std::unique_ptr<pe_tile> pe;
    std::unique_ptr<sram> weight_sram;
    std::unique_ptr<sram> act_buffer;
    std::unique_ptr<compressor> comp;
    tlm_utils::simple_initiator_socket<bench_top> to_weights{"to_weights"};
    tlm_utils::simple_initiator_socket<bench_top> to_act{"to_act"};
    tlm_utils::simple_initiator_socket<bench_top> to_pe{"to_pe"};
    const workload* w = nullptr;
    u32 layer = 0, steps = 0, units = 0;
    double host_seconds = 0;
    sc_core::sc_time simulated;

    SC_HAS_PROCESS(bench_top);
    explicit bench_top(sc_core::sc_module_name name) : sc_module(name) {
        weight_p.size = u64{8} << 20;
        act_p.size = u64{1} << 16;
        const sc_core::sc_time clock(1, sc_core::SC_NS);
        pe = std::make_unique<pe_tile>("pe", pe_p, clock);
        weight_sram = std::make_unique<sram>("weight_sram", weight_p, clock);
        act_buffer = std::make_unique<sram>("act_buffer", act_p, clock);
        comp = std::make_unique<compressor>("compressor", comp_p, clock);
        pe->weights.bind(weight_sram->in);
        pe->activations.bind(act_buffer->in);
        pe->results.bind(comp->in);
        comp->out.bind(act_buffer->in);
        to_weights.bind(weight_sram->in);
        to_act.bind(act_buffer->in);
        to_pe.bind(pe->control);
        SC_THREAD(run);
    }

    void debug_write(tlm_utils::simple_initiator_socket<bench_top>& s, u64 addr,
                     std::vector<u8>& bytes) {
        tlm::tlm_generic_payload p;
        p.set_command(tlm::TLM_WRITE_COMMAND);
        p.set_address(addr);
        p.set_data_ptr(bytes.data());
        p.set_data_length(static_cast<unsigned>(bytes.size()));
        p.set_streaming_width(static_cast<unsigned>(bytes.size()));
        if (s->transport_dbg(p) != bytes.size())
            fail("debug write of {} bytes failed", bytes.size());
    }
    bool command(pe_command& c) {
        tlm::tlm_generic_payload p;
        u8 data[8] = {};
        p.set_command(tlm::TLM_WRITE_COMMAND);
        p.set_data_ptr(data);
        p.set_data_length(8);
        p.set_streaming_width(8);
        p.set_extension(&c);
        sc_core::sc_time delay;
        to_pe->b_transport(p, delay);
        p.clear_extension(&c);
        wait(delay);
        return p.get_response_status() == tlm::TLM_OK_RESPONSE;
    }
    void write_vector(u64 addr, const std::vector<i16>& dense) {
        const sparse_vector v = sparse_vector::encode(dense);
        std::vector<u8> bytes(encoded_bytes(v.length, v.nnz(), 2));
        serialize(v, 2, bytes.data());
        debug_write(to_act, addr, bytes);
    }

    void run() {
        const layer_desc& l = w->layers[layer];
        weight_image image =
            pack_weight_image(l, w->weights[layer].directions[0], 0, units, w->format);
        debug_write(to_weights, 0, image.bytes);
        pe_layer_setup s;
        s.kind = l.kind;
        s.activation = l.activation;
        s.format = w->format;
        s.inputs = l.inputs;
        s.units_total = l.units;
        s.units = units;
        pe_command setup(s);
        if (!command(setup)) fail("setup failed");
        std::mt19937 rng(1);
        std::uniform_int_distribution<int> value(1, 2000);
        std::vector<i16> x(l.inputs), h(l.units);
        const sc_core::sc_time begin = sc_core::sc_time_stamp();
        for (u32 t = 0; t < steps; ++t) {
            for (auto& v : x) v = static_cast<i16>(rng() % 2 ? value(rng) : 0);
            for (auto& v : h) v = static_cast<i16>(rng() % 2 ? value(rng) : 0);
            write_vector(0x0, x);
            write_vector(0x4000, h);
            pe_step step;
            step.first_step = t == 0;
            step.x_addr = 0x0;
            step.h_addr = 0x4000;
            step.out_addr = 0x8000;
            pe_command c(step);
            // Host time of the tile's work only (not of preparing the inputs).
            const auto host_begin = std::chrono::steady_clock::now();
            if (!command(c)) fail("step failed");
            host_seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - host_begin)
                    .count();
        }
        simulated = sc_core::sc_time_stamp() - begin;
    }
};

}  // namespace

int sc_main(int argc, char* argv[]) {
    try {
        const u32 steps = argc > 1 ? static_cast<u32>(std::atoi(argv[1])) : 200;
        const u32 units = argc > 2 ? static_cast<u32>(std::atoi(argv[2])) : 100;
        const char* dir = std::getenv("MASR_SOURCE_DIR");
        const std::string root = dir ? dir : ".";
        const workload w = workload::load(root + "/workloads/ds2_birnn.yaml");
        bench_top top("bench");
        top.w = &w;
        top.layer = static_cast<u32>(w.find_layer("rnn2"));
        top.steps = steps;
        top.units = units;
        sc_core::sc_start();
        const double macs = static_cast<double>(top.pe->effectual_macs);
        std::printf(
            "bench_pe: rnn2 of ds2_birnn.yaml, %u of %u units, %u inputs, %u steps, %u PEs x %u "
            "lanes, balance %s\n",
            units, w.layers[top.layer].units, w.layers[top.layer].inputs, steps, top.pe_p.pes.get(),
            top.pe_p.lanes.get(), enum_to_string(top.pe->balance()));
        std::printf("  effectual MACs %.0f (dense %llu), simulated %.0f cycles, utilization %.3f\n",
                    macs, static_cast<unsigned long long>(top.pe->dense_macs),
                    top.simulated.to_seconds() * 1e9,
                    macs / (static_cast<double>(top.pe_p.pes.get()) * top.pe_p.lanes.get() *
                            static_cast<double>(top.pe->busy_cycles)));
        std::printf("  host %.3f s, %.2f ns per simulated effectual MAC\n", top.host_seconds,
                    top.host_seconds * 1e9 / macs);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_pe: %s\n", e.what());
        return 1;
    }
}
