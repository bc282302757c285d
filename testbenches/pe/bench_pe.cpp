// Micro-benchmark (not a test): host time per simulated effectual MAC of the
// PE tile on a Deep Speech 2-sized layer slice -- layer rnn2 of
// workloads/ds2_birnn.yaml (800 inputs, 800 units, 90 % sparse weights), a
// slice of 100 units (one tile of eight), 50 %-sparse activations (ReLU),
// run for a number of steps through the real sockets (SRAMs, compressor).
//   bench_pe [steps] [slice_units]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <systemc>

#include "testbenches/pe/tile_bench.h"

using namespace masr;
using namespace masr::pe_bench;

namespace {

struct bench_result {
    double host_seconds = 0;  // the tile's work only, not preparing inputs
    sc_core::sc_time simulated;
};

// The testbench thread's body: the slice's setup, then `steps` steps of random
// 50 %-sparse x_t and h_(t-1).
void run(tile_bench& bench, const workload& w, u32 layer, u32 units, u32 steps, bench_result& out) {
    const layer_desc& l = w.layers[layer];
    const std::vector<pe_segment> h_whole{{0, l.units, 0}};
    pe_command setup(
        bench.make_setup(l, w.weights[layer].directions[0], w.format, 0, 0, units, h_whole));
    if (bench.send(setup) != tlm::TLM_OK_RESPONSE) throw std::runtime_error("setup failed");
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> value(1, 2000);
    std::vector<i16> x(l.inputs), h(l.units);
    const sc_core::sc_time begin = sc_core::sc_time_stamp();
    for (u32 t = 0; t < steps; ++t) {
        for (auto& v : x) v = static_cast<i16>(rng() % 2 ? value(rng) : 0);
        for (auto& v : h) v = static_cast<i16>(rng() % 2 ? value(rng) : 0);
        bench.write_vector(x_addr, sparse_vector::encode(x), 2);
        bench.write_vector(h_addr, sparse_vector::encode(h), 2);
        for (weight_pass pass : {weight_pass::input, weight_pass::recurrent}) {
            pe_pass p;
            p.pass = pass;
            p.finish = pass == weight_pass::recurrent;
            p.first_step = t == 0;
            p.act_addr = pass == weight_pass::input ? x_addr : h_addr;
            p.out_addr = out_base;
            pe_command c(p);
            const auto host_begin = std::chrono::steady_clock::now();
            if (bench.send(c) != tlm::TLM_OK_RESPONSE) throw std::runtime_error("pass failed");
            out.host_seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - host_begin)
                    .count();
        }
    }
    out.simulated = sc_core::sc_time_stamp() - begin;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
    try {
        const u32 steps = argc > 1 ? static_cast<u32>(std::atoi(argv[1])) : 200;
        const u32 units = argc > 2 ? static_cast<u32>(std::atoi(argv[2])) : 100;
        const workload w = workload::load(source_dir() + "/workloads/ds2_birnn.yaml");
        const u32 layer = static_cast<u32>(w.find_layer("rnn2"));
        tile_bench bench("bench");
        driver drv("driver");
        bench_result result;
        drv.body = [&] { run(bench, w, layer, units, steps, result); };
        sc_core::sc_start();
        if (!drv.finished) throw std::runtime_error("the bench did not finish");
        const pe_tile& pe = *bench.pe;
        const double macs = static_cast<double>(pe.effectual_macs);
        std::printf(
            "bench_pe: rnn2 of ds2_birnn.yaml, %u of %u units, %u inputs, %u steps, %u PEs x %u "
            "lanes, balance %s\n",
            units, w.layers[layer].units, w.layers[layer].inputs, steps, bench.pe_p.pes.get(),
            bench.pe_p.lanes.get(), enum_to_string(pe.balance()));
        std::printf("  effectual MACs %.0f (dense %llu), simulated %.0f cycles, utilization %.3f\n",
                    macs, static_cast<unsigned long long>(pe.dense_macs),
                    result.simulated / clock_period,
                    macs / (static_cast<double>(bench.pe_p.pes.get()) * bench.pe_p.lanes.get() *
                            static_cast<double>(pe.busy_cycles)));
        std::printf("  host %.3f s, %.2f ns per simulated effectual MAC\n", result.host_seconds,
                    result.host_seconds * 1e9 / macs);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_pe: %s\n", e.what());
        return 1;
    }
}
