// The energy and area model (platforms/src/energy_model.h) on hand-worked
// cases: N MACs cost N x E_mac, R weight-SRAM reads cost R x their energy by
// the scaling rule, bytes off chip cost their bits, leakage is density x area
// x time; a change of one technology number changes its own component and
// nothing else; skipped MACs cost nothing while a dense engine's MACs on zeros
// cost like any other. One elaboration per test case.
#include <catch2/catch.hpp>
#include <cmath>

#include "platforms/src/energy_model.h"
#include "platforms/src/run_report.h"
#include "platforms/src/simulation.h"

using namespace masr;

namespace {

struct run {
    platform_config config;
    workload w;
    std::unique_ptr<simulation> sim;

    run(const std::string& platform, const std::string& arch = "masr") {
        config.load_file("platforms/" + platform + ".yaml");
        accelerator_arch a{};
        REQUIRE(enum_from_string(arch, a));
        config.arch = a;
        config.resolve_arch();
        config.validate();
        w = workload::load("workloads/tiny.yaml");
        adapt_workload(config, w);
        sim = std::make_unique<simulation>(config, w, 3);
        sim->run();
    }
    energy_report account(const counter_snapshot& start, const counter_snapshot& end, u64 cycles,
                          const technology_params* tech = nullptr) const {
        return account_energy(sim->system(), tech ? *tech : config.tech, start, end, cycles);
    }
    energy_report measured(const technology_params* tech = nullptr) const {
        const u64 cycles = sim->system().seq.end_cycle() - sim->system().seq.start_cycle();
        return account(sim->counters_at_start(), sim->counters_at_end(), cycles, tech);
    }
};

double component(const energy_report& r, const std::string& name) {
    const auto it = r.energy_pj_by_component.find(name);
    return it == r.energy_pj_by_component.end() ? 0.0 : it->second;
}

}  // namespace

TEST_CASE("energy: hand-worked MACs, SRAM reads, DRAM bytes and leakage", "[system][energy]") {
    const run r("iot");
    // 1000 MACs of 8-bit weights and 16-bit activations: Horowitz's 8 x 8
    // multiply (0.2 pJ) x 16 x 8 / 64 + a 32-bit add (0.1 pJ) = 0.5 pJ each.
    const energy_report macs = r.account({}, {{"masr.tile_0.pe.performed_macs", 1000}}, 0);
    CHECK(component(macs, "mac") == Approx(500.0));
    CHECK(macs.energy_pj == Approx(500.0));
    // 100 reads of the IoT weight SRAM: 256 KiB in 8 banks of 32 KiB, 64 bits
    // wide; against the 8 KiB, 64-bit reference (10 pJ): width ratio 1, depth
    // ratio 4, 10 x (0.7 + 0.3) x 4^0.78 = 29.4856 pJ a read.
    const energy_report reads = r.account({}, {{"masr.tile_0.weight_sram.reads", 100}}, 0);
    CHECK(component(reads, "weight_sram") == Approx(2948.56).epsilon(1e-5));
    // Counters count from the start snapshot on.
    const energy_report delta = r.account({{"masr.tile_0.weight_sram.reads", 60}},
                                          {{"masr.tile_0.weight_sram.reads", 100}}, 0);
    CHECK(component(delta, "weight_sram") == Approx(40 * 29.48556).epsilon(1e-5));
    // 64 bytes read from the off-chip DRAM: 512 bits x 8 pJ.
    const energy_report dram = r.account({}, {{"masr.dram.bytes_read", 64}}, 0);
    CHECK(component(dram, "dram") == Approx(4096.0));
    // Leakage over 800 cycles (1 us at 800 MHz): 1 mW/mm^2 x area x 1 us.
    const energy_report idle = r.account({}, {}, 800);
    CHECK(idle.area_mm2 > 0);
    CHECK(component(idle, "leakage") == Approx(idle.area_mm2 * 1e-3 * 1e-6 * 1e12));
    CHECK(idle.energy_pj == Approx(component(idle, "leakage")));
}

TEST_CASE("energy: one technology number changes its own component and nothing else",
          "[system][energy]") {
    const run r("iot");
    const energy_report base = r.measured();
    REQUIRE(base.performed_macs > 0);
    platform_config other;
    other.load_file("platforms/iot.yaml");
    other.tech.mac.add_32_pj = 0.3;  // from 0.1
    const energy_report more = r.measured(&other.tech);
    for (std::size_t i = 0; i < energy_component_count; ++i) {
        const std::string c = energy_components[i];
        INFO(c);
        if (c == "mac")
            CHECK(component(more, c) - component(base, c) ==
                  Approx(0.2 * static_cast<double>(base.performed_macs)));
        else
            CHECK(component(more, c) == component(base, c));
    }
    CHECK(more.area_mm2 == base.area_mm2);
    other.tech.mac.add_32_pj = 0.1;
    other.tech.dram.pj_per_bit = 80;  // only what goes off chip
    const energy_report dram = r.measured(&other.tech);
    for (std::size_t i = 0; i < energy_component_count; ++i) {
        const std::string c = energy_components[i];
        INFO(c);
        if (c == "dram" || c == "seq_buffer")  // iot's sequence buffer is off chip
            CHECK(component(dram, c) == Approx(10 * component(base, c)));
        else
            CHECK(component(dram, c) == component(base, c));
    }
}

TEST_CASE("energy: MASR's skipped MACs cost nothing", "[system][energy]") {
    const run r("iot");
    const energy_report e = r.measured();
    const run_summary s = summarize(r.sim->system(), "tiny", 0.02, 1);
    CHECK(e.performed_macs == s.effectual_macs);
    CHECK(e.skipped_macs == s.dense_macs - s.effectual_macs);
    CHECK(component(e, "mac") == Approx(0.5 * static_cast<double>(s.effectual_macs)));
    CHECK(component(e, "frontend") > 0);
}

TEST_CASE("energy: a dense engine's MACs on zeros cost like any other", "[system][energy]") {
    const run r("iot", "dense");
    const energy_report e = r.measured();
    const run_summary s = summarize(r.sim->system(), "tiny", 0.02, 1);
    CHECK(e.performed_macs == s.dense_macs);
    CHECK(e.skipped_macs == 0);
    CHECK(component(e, "mac") == Approx(0.5 * static_cast<double>(s.dense_macs)));
    // Nothing to skip: no front end, no FIFO.
    CHECK(component(e, "frontend") == 0);
    CHECK(component(e, "fifo") == 0);
    CHECK(e.area_mm2_by_component.count("frontend") == 0);
}

TEST_CASE("energy: EIE's parts are accounted", "[system][energy]") {
    const run r("eie", "eie");
    const energy_report e = r.measured();
    const run_summary s = summarize(r.sim->system(), "tiny", 0.02, 1);
    // EIE computes in 16 bits after its codebook: 0.2 x 16 x 16 / 64 + 0.1 = 0.9 pJ a MAC.
    CHECK(component(e, "mac") == Approx(0.9 * static_cast<double>(s.performed_macs)));
    CHECK(s.performed_macs >= s.effectual_macs);
    for (const char* c : {"pointer_sram", "lnzd", "queue", "codebook", "accumulators"}) {
        INFO(c);
        CHECK(component(e, c) > 0);
        CHECK(e.area_mm2_by_component.count(c) == 1);
    }
    CHECK(component(e, "frontend") == 0);
    // 64 PEs: a tree of 16 + 4 + 1 = 21 LNZD nodes of 189 um^2 (EIE section VI).
    CHECK(e.area_mm2_by_component.at("lnzd") == Approx(21 * 189e-6));
}
