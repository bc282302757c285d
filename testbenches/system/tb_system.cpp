// Whole platforms running whole networks: every preset platform with tiny,
// rnnoise and ds2_birnn (few steps) bit-exact with the golden reference, odd
// tile counts, capacity errors, and run-to-run determinism of the cycles.
// Every in-process run has a TLM-2.0 protocol checker on every link.
// Their cycles, energy and output hashes are held exactly by the regression
// matrix (testbenches/regression).
// One elaboration per test case (each case runs in its own process).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "models/common/error.h"
#include "models/protocol_checker/protocol_checker.h"
#include "platforms/src/masr_system.h"
#include "platforms/src/output_hashes.h"
#include "platforms/src/run_report.h"
#include "platforms/src/simulation.h"

using namespace masr;

namespace {

struct outcome {
    check_result check;
    run_summary summary;
    u64 golden_effectual_macs = 0;
    u64 activation_read_bytes = 0;  // by the PEs, from their activation buffers
};

platform_config& preset(platform_config& config, const std::string& platform, u32 tiles) {
    config.load_file("platforms/" + platform + ".yaml");
    if (tiles) {
        config.tiles = tiles;
        if (u64{config.noc.columns} * config.noc.rows < tiles) {
            config.noc.columns = 0;
            config.noc.rows = 0;
        }
    }
    config.validate();
    return config;
}

// A run of a configured platform, checked bit for bit against the golden
// reference of the same (for EIE's codebook: weight-shared) workload.
// A TLM-2.0 protocol checker sits on every link; the run throws on a violation.
outcome run_config(platform_config& config, const std::string& workload_file, u32 steps) {
    config.protocol_checks = true;
    config.resolve_arch();
    config.validate();
    workload w = workload::load("workloads/" + workload_file + ".yaml");
    adapt_workload(config, w);
    simulation sim(config, w, steps);
    sim.run();
    REQUIRE(protocol_checkers().size() > 10);
    u64 checked = 0;
    for (const protocol_checker* c : protocol_checkers()) checked += c->transactions;
    CHECK(checked > 0);
    CHECK(protocol_violations() == 0);
    outcome o;
    const golden_result golden = run_fixed(w, steps);
    o.check = compare_with_golden(w, golden, sim.outputs());
    o.summary = summarize(sim.system(), w.name, w.frame_period, 1.0);
    for (const auto& t : sim.system().tiles) o.activation_read_bytes += t.pe.activation_read_bytes;
    for (const auto& layer : golden.layers)
        for (const auto& d : layer.stats) o.golden_effectual_macs += d.effectual_macs;
    return o;
}

outcome run_platform(const std::string& platform, const std::string& workload_file, u32 tiles,
                     u32 steps) {
    platform_config config;  // declared before the simulation, which keeps references to it
    preset(config, platform, tiles);
    return run_config(config, workload_file, steps);
}

void require_bit_exact(const std::string& platform, const std::string& workload_file, u32 tiles,
                       u32 steps) {
    const outcome o = run_platform(platform, workload_file, tiles, steps);
    INFO(o.check.first_mismatch);
    CHECK(o.check.bit_exact);
    // The tiles perform exactly the effectual MACs the reference counts.
    CHECK(o.summary.effectual_macs == o.golden_effectual_macs);
    CHECK(o.summary.cycles > 0);
    // The critical path accounts for every cycle of the run.
    u64 parts = 0;
    for (std::size_t i = 1; i < path_part_count; ++i) parts += o.summary.critical[i];
    CHECK(parts == o.summary.cycles);
}

}  // namespace

TEST_CASE("iot runs tiny bit-exact", "[system]") {
    require_bit_exact("iot", "tiny", 0, 0);
}
TEST_CASE("mobile runs tiny bit-exact", "[system]") {
    require_bit_exact("mobile", "tiny", 0, 0);
}
TEST_CASE("edge runs tiny bit-exact", "[system]") {
    require_bit_exact("edge", "tiny", 0, 0);
}
TEST_CASE("datacenter runs tiny bit-exact", "[system]") {
    require_bit_exact("datacenter", "tiny", 0, 0);
}
TEST_CASE("3 tiles run tiny bit-exact", "[system]") {
    require_bit_exact("edge", "tiny", 3, 0);
}
TEST_CASE("48 tiles run tiny bit-exact", "[system]") {
    require_bit_exact("datacenter", "tiny", 48, 0);
}

TEST_CASE("iot runs rnnoise bit-exact", "[system]") {
    require_bit_exact("iot", "rnnoise", 0, 100);
}
TEST_CASE("mobile runs rnnoise bit-exact", "[system]") {
    require_bit_exact("mobile", "rnnoise", 0, 100);
}
TEST_CASE("edge runs rnnoise bit-exact", "[system]") {
    require_bit_exact("edge", "rnnoise", 0, 100);
}
TEST_CASE("datacenter runs rnnoise bit-exact", "[system]") {
    require_bit_exact("datacenter", "rnnoise", 0, 100);
}
TEST_CASE("3 tiles run rnnoise bit-exact", "[system]") {
    require_bit_exact("edge", "rnnoise", 3, 100);
}
TEST_CASE("48 tiles run rnnoise bit-exact", "[system]") {
    require_bit_exact("datacenter", "rnnoise", 48, 100);
}

TEST_CASE("mobile runs ds2_birnn bit-exact", "[system]") {
    require_bit_exact("mobile", "ds2_birnn", 0, 3);
}
TEST_CASE("edge runs ds2_birnn bit-exact", "[system]") {
    require_bit_exact("edge", "ds2_birnn", 0, 3);
}
TEST_CASE("datacenter runs ds2_birnn bit-exact", "[system]") {
    require_bit_exact("datacenter", "ds2_birnn", 0, 3);
}
TEST_CASE("48 tiles run ds2_birnn bit-exact", "[system]") {
    require_bit_exact("datacenter", "ds2_birnn", 48, 3);
}

TEST_CASE("256 tiles run ds2_birnn bit-exact", "[system]") {
    require_bit_exact("datacenter", "ds2_birnn", 256, 3);
}
TEST_CASE("datacenter runs the GRU teacher ds2_bigru bit-exact", "[system]") {
    require_bit_exact("datacenter", "ds2_bigru", 46, 2);
}
TEST_CASE("48 tiles run the LSTM network ese_lstm bit-exact", "[system]") {
    require_bit_exact("datacenter", "ese_lstm", 48, 2);
}

namespace {

// A run of one architecture; `adjust` changes the configuration before the
// architecture's defaults are derived.
outcome run_arch(const std::string& platform, const std::string& workload_file, u32 steps,
                 accelerator_arch arch,
                 const std::function<void(platform_config&)>& adjust = nullptr) {
    platform_config config;
    config.load_file("platforms/" + platform + ".yaml");
    config.arch = arch;
    if (adjust) adjust(config);
    const outcome o = run_config(config, workload_file, steps);
    INFO(o.check.first_mismatch);
    CHECK(o.check.bit_exact);
    CHECK(o.summary.effectual_macs == o.golden_effectual_macs);
    return o;
}

}  // namespace

TEST_CASE("eie runs tiny bit-exact with its 4-bit codebook", "[system][eie]") {
    const outcome o = run_arch("eie", "tiny", 0, accelerator_arch::eie);
    CHECK(o.summary.arch == "eie");
    CHECK(o.summary.performed_macs >= o.summary.effectual_macs);
    CHECK(o.summary.mac_units == 64);
}
TEST_CASE("eie runs tiny bit-exact with plain 8-bit weights", "[system][eie]") {
    run_arch("eie", "tiny", 0, accelerator_arch::eie,
             [](platform_config& c) { c.eie.codebook = false; });
}
TEST_CASE("eie runs the GRU network rnnoise bit-exact", "[system][eie]") {
    const outcome o = run_arch("eie", "rnnoise", 30, accelerator_arch::eie);
    // rnnoise's 96-unit GRU: 288 rows a pass, 4 or 5 a PE; its 42 inputs and
    // 96 units leave no gap of 16 rows in a PE's share, so no padding here.
    CHECK(o.summary.performed_macs == o.summary.effectual_macs);
}
TEST_CASE("eie runs ds2_birnn bit-exact", "[system][eie]") {
    run_arch("eie", "ds2_birnn", 2, accelerator_arch::eie);
}
TEST_CASE("eie pads long gaps: one PE holding all rows multiplies stored zeros", "[system][eie]") {
    const outcome o = run_arch("eie", "tiny", 4, accelerator_arch::eie, [](platform_config& c) {
        c.tile.pe.pes = 1;
        c.tile.weight_sram.banks = 1;
        c.tile.weight_sram.size = 128 * 1024;
        c.tile.pointer_sram.banks = 2;
        c.tile.pointer_sram.size = 32 * 1024;
    });
    CHECK(o.summary.performed_macs > o.summary.effectual_macs);
}
TEST_CASE("dense runs tiny and multiplies every weight", "[system][dense]") {
    const outcome o = run_arch("iot", "tiny", 0, accelerator_arch::dense);
    CHECK(o.summary.performed_macs == o.summary.dense_macs);
    CHECK(o.summary.arch == "dense");
}
TEST_CASE("dense runs rnnoise bit-exact", "[system][dense]") {
    const outcome o = run_arch("edge", "rnnoise", 30, accelerator_arch::dense);
    CHECK(o.summary.performed_macs == o.summary.dense_macs);
}
// The stats.json of a masr-sim run in its own process (a second elaboration).
nlohmann::json stats_of_cli(const std::string& arguments) {
    static int runs = 0;
    const std::string dir =
        (std::filesystem::temp_directory_path() /
         ("masr_cli_" + std::to_string(::getpid()) + "_" + std::to_string(runs++)))
            .string();
    const std::string command =
        std::string(MASR_SIM_BINARY) + " " + arguments + " --quiet --out " + dir + " > /dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(dir + "/stats.json");
    REQUIRE(in);
    nlohmann::json j;
    in >> j;
    std::filesystem::remove_all(dir);
    return j;
}
nlohmann::json summary_of_cli(const std::string& arguments) {
    return stats_of_cli(arguments)["summary"];
}

TEST_CASE("masr with dense activation storage runs bit-exact and reads every value",
          "[system][ablation]") {
    const outcome dense =
        run_arch("iot", "rnnoise", 30, accelerator_arch::masr,
                 [](platform_config& c) { c.sparsity.compact_activations = false; });
    const nlohmann::json compact =
        stats_of_cli("--platform platforms/iot.yaml --workload workloads/rnnoise.yaml --steps 30");
    CHECK(dense.summary.performed_macs == compact["summary"]["performed_macs"].get<u64>());
    // Every value read, zeros included: more bytes than the masks and
    // non-zeros (rnnoise's activations are about half zeros).
    CHECK(dense.activation_read_bytes >
          compact["masr"]["tile_0"]["pe"]["activation_read_bytes"].get<u64>());
}
TEST_CASE("masr without skipping zero activations multiplies them, bit-exact",
          "[system][ablation]") {
    const outcome all =
        run_arch("edge", "rnnoise", 30, accelerator_arch::masr,
                 [](platform_config& c) { c.sparsity.skip_zero_activations = false; });
    const nlohmann::json skip = summary_of_cli(
        "--platform platforms/edge.yaml --workload workloads/rnnoise.yaml --steps 30");
    CHECK(skip["performed_macs"] == skip["effectual_macs"]);
    CHECK(all.summary.performed_macs > all.summary.effectual_macs);
    CHECK(all.summary.cycles > skip["cycles"].get<u64>());
}

TEST_CASE("ds2_birnn does not fit the iot platform, and the error says by how much", "[system]") {
    platform_config config;
    config.load_file("platforms/iot.yaml");
    config.tile.act_buffer.size = 1 << 20;  // so that the weights are what does not fit
    const workload w = workload::load("workloads/ds2_birnn.yaml");
    try {
        simulation sim(config, w, 1);
        FAIL("expected an input_error");
    } catch (const input_error& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(message.find("does not fit") != std::string::npos);
        CHECK(message.find("weight SRAM") != std::string::npos);
        CHECK(message.find("--tiles") != std::string::npos);
    }
}

TEST_CASE("the same inputs give byte-identical stats.json, apart from host time, in 20 runs",
          "[system]") {
    // Separate processes: nothing may depend on addresses, hashing, the
    // environment or time. Only the host-time fields may differ.
    auto without_host_time = [](nlohmann::json j) {
        j["summary"].erase("host_seconds");
        j["summary"].erase("effectual_macs_per_host_second");
        return j.dump(1);
    };
    std::string first;
    for (int run = 0; run < 20; ++run) {
        const nlohmann::json stats = stats_of_cli(
            "--platform platforms/edge.yaml --workload workloads/rnnoise.yaml --steps 8 --check");
        REQUIRE(stats["summary"].contains("host_seconds"));
        REQUIRE(stats["summary"]["cycles"].get<u64>() > 0);
        const std::string text = without_host_time(stats);
        if (run == 0)
            first = text;
        else
            REQUIRE(text == first);
    }
}

TEST_CASE("stats.json is byte-identical for every host thread count, apart from host time",
          "[system]") {
    // ds2_bigru generates 10 weight matrices: enough jobs for every thread
    // to take several, in an order that varies from run to run. Edge needs
    // 48 of its tiles to hold it.
    auto without_host_time = [](nlohmann::json j) {
        j["summary"].erase("host_seconds");
        j["summary"].erase("effectual_macs_per_host_second");
        return j.dump(1);
    };
    std::string first;
    for (const char* threads : {"1", "2", "3", "8"}) {
        INFO("--threads " << threads);
        const nlohmann::json stats =
            stats_of_cli(std::string("--platform platforms/edge.yaml --tiles 48 --workload "
                                     "workloads/ds2_bigru.yaml --steps 2 --check --threads ") +
                         threads);
        REQUIRE(stats["summary"]["cycles"].get<u64>() > 0);
        const std::string text = without_host_time(stats);
        if (first.empty())
            first = text;
        else
            REQUIRE(text == first);
    }
}

TEST_CASE("the cycles of a run do not depend on the clock frequency", "[system]") {
    // Time is counted in whole cycles; a period that is not a whole number of
    // picoseconds (3 GHz: 333.3 ps) must not change them.
    std::vector<u64> cycles;
    for (const char* clock : {"800e6", "3e9", "333e6"}) {
        const std::string dir =
            (std::filesystem::temp_directory_path() /
             ("masr_clock_" + std::string(clock) + "_" + std::to_string(::getpid())))
                .string();
        const std::string command = std::string(MASR_SIM_BINARY) +
                                    " --platform platforms/iot.yaml --workload "
                                    "workloads/rnnoise.yaml --steps 50 --quiet --set clock_hz=" +
                                    clock + " --out " + dir + " > /dev/null";
        REQUIRE(std::system(command.c_str()) == 0);
        std::ifstream in(dir + "/stats.json");
        REQUIRE(in);
        nlohmann::json stats;
        in >> stats;
        cycles.push_back(stats["summary"]["cycles"].get<u64>());
        std::filesystem::remove_all(dir);
    }
    CHECK(cycles[0] > 0);
    CHECK(cycles[1] == cycles[0]);
    CHECK(cycles[2] == cycles[0]);
}

TEST_CASE("stats.json holds every layer's output CRC per direction, as the reference's",
          "[system]") {
    // tiny has a sum-merged and a concat-merged bidirectional layer: the
    // hashes are of each direction as written, before the merge.
    const nlohmann::json stats =
        stats_of_cli("--platform platforms/edge.yaml --workload workloads/tiny.yaml");
    const workload w = workload::load("workloads/tiny.yaml");
    const golden_result golden = run_fixed(w, stats["summary"]["steps"].get<u32>());
    const nlohmann::json& hashes = stats["output_crc32"];
    REQUIRE(hashes.size() == w.layers.size());
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        INFO("layer " << w.layers[l].name);
        CHECK(hashes[l]["layer"] == w.layers[l].name);
        CHECK(hashes[l].contains("bwd") == w.layers[l].bidirectional);
        const char* const names[] = {"fwd", "bwd"};
        for (std::size_t d = 0; d < golden.layers[l].direction_output.size(); ++d)
            CHECK(hashes[l][names[d]] ==
                  fmt::format("0x{:08x}", output_crc32(golden.layers[l].direction_output[d])));
    }
}
