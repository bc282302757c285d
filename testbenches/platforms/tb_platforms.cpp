// Platform files: presets load, the dumped configuration is complete and
// reloads to the same values, malformed files are rejected with file:line,
// any tile count elaborates with hierarchical names, and masr-sim's own
// command-line errors and outputs.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include "models/common/error.h"
#include "platforms/src/masr_system.h"
#include "platforms/src/output_hashes.h"

using namespace masr;

namespace {

std::filesystem::path scratch_dir() {
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() /
                 ("masr_tb_platforms_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

std::string write_file(const std::string& name, const std::string& text) {
    const auto path = scratch_dir() / name;
    std::ofstream(path) << text;
    return path.string();
}

std::string load_error(const std::string& path) {
    platform_config config;
    try {
        config.load_file(path);
    } catch (const input_error& e) {
        return e.what();
    }
    return "no error";
}

int run_sim(const std::string& arguments, std::string* output = nullptr) {
    const auto log = scratch_dir() / "sim.log";
    const std::string command =
        std::string(MASR_SIM_BINARY) + " " + arguments + " > " + log.string() + " 2>&1";
    const int status = std::system(command.c_str());
    if (output) {
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        *output = text.str();
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("every preset loads with its documented tile count and topology", "[unit][platforms]") {
    const std::vector<std::tuple<std::string, u32, noc_topology>> presets = {
        {"iot", 1, noc_topology::mesh},
        {"mobile", 4, noc_topology::ring},
        {"edge", 16, noc_topology::mesh},
        {"datacenter", 64, noc_topology::mesh}};
    for (const auto& [name, tiles, topology] : presets) {
        platform_config config;
        config.load_file("platforms/" + name + ".yaml");
        CHECK(config.name.get() == name);
        CHECK(config.tiles == tiles);
        CHECK(config.noc.topology == topology);
        CHECK(config.clock_period() == sc_core::sc_time(1.25, sc_core::SC_NS));
    }
}

TEST_CASE("the dumped configuration reloads to the same values and lists every default",
          "[unit][platforms]") {
    platform_config original;
    original.load_file("platforms/edge.yaml");
    std::ostringstream dump;
    original.dump(dump);
    const std::string text = dump.str();
    // Defaults the preset does not set are written out, marked as defaults.
    CHECK(text.find("steal_cycles:") != std::string::npos);
    CHECK(text.find("(default)") != std::string::npos);
    CHECK(text.find("elements_per_cycle:") != std::string::npos);
    CHECK(text.find("prefetch_x:") != std::string::npos);
    // The dump sits beside the platform file so that the technology path resolves.
    const std::string path = "platforms/.tb_platforms_dump.yaml";
    std::ofstream(path) << text;
    platform_config reloaded;
    reloaded.load_file(path);
    std::remove(path.c_str());
    std::ostringstream again;
    reloaded.dump(again);
    // Same values; only the "(default)" markers and the source line may differ.
    auto strip = [](std::string s) {
        std::string out;
        std::istringstream in(s);
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("# Read from", 0) == 0) continue;
            const auto mark = line.find(" (default)");
            if (mark != std::string::npos) line.erase(mark, 10);
            out += line + "\n";
        }
        return out;
    };
    CHECK(strip(text) == strip(again.str()));
}

TEST_CASE("malformed platform files name the file, line and what was expected",
          "[unit][platforms]") {
    const std::string tech = std::filesystem::absolute("platforms/technology/cmos45.yaml").string();
    const std::string head = "name: bad\ntechnology: " + tech + "\n";
    CHECK(
        load_error(write_file("typo.yaml", head + "tile:\n  pe:\n    lanse: 4\n")) ==
        (scratch_dir() / "typo.yaml").string() +
            ":5: unknown key 'tile.pe.lanse' in tile.pe; expected one of: pes, lanes, fifo_depth, "
            "frontend_pairs, frontend_words_per_cycle, fifo_latency, mac_latency, nlu_throughput, "
            "nlu_latency, balance, "
            "steal_cycles, "
            "max_slots, eie");
    CHECK(load_error(write_file("type.yaml", head + "tiles: four\n")) ==
          (scratch_dir() / "type.yaml").string() +
              ":3: tiles is 'four', expected an integer from 1 to 4096");
    CHECK(load_error(write_file("zero.yaml", head + "tiles: 0\n")) ==
          (scratch_dir() / "zero.yaml").string() +
              ":3: tiles is '0', expected an integer from 1 to 4096");
    CHECK(load_error(write_file("enum.yaml", head + "noc:\n  topology: torus\n")) ==
          (scratch_dir() / "enum.yaml").string() +
              ":4: noc.topology is 'torus', expected one of mesh, ring");
    CHECK(load_error(write_file("syntax.yaml", head + "tiles: [4\n")).find("syntax.yaml:") !=
          std::string::npos);
    const std::string missing_tech =
        load_error(write_file("tech.yaml", "technology: nowhere.yaml\n"));
    CHECK(missing_tech.find("tech.yaml:1: the technology file: ") != std::string::npos);
    CHECK(missing_tech.find("nowhere.yaml: cannot open") != std::string::npos);
    CHECK(load_error((scratch_dir() / "absent.yaml").string())
              .find("absent.yaml: cannot open (No such file or directory), expected a platform "
                    "file") != std::string::npos);
}

TEST_CASE("48 tiles elaborate from the command line with hierarchical names", "[unit][platforms]") {
    platform_config config;
    config.load_file("platforms/edge.yaml");
    config.tiles = 48;
    config.noc.columns = 0;
    config.noc.rows = 0;
    masr_system system("masr", config);
    REQUIRE(system.tiles.size() == 48);
    CHECK(std::string(system.tiles[47].pe.name()) == "masr.tile_47.pe");
    CHECK(std::string(system.tiles[3].weight_sram.name()) == "masr.tile_3.weight_sram");
    CHECK(std::string(system.seq.name()) == "masr.sequencer");
    CHECK(std::string(system.tiles[5].controller.name()) == "masr.tile_5.ctrl");
    CHECK(system.network.geometry().columns * system.network.geometry().rows >= 48);
}

TEST_CASE("masr-sim explains its options and rejects bad ones", "[unit][platforms]") {
    std::string out;
    CHECK(run_sim("--help", &out) == 0);
    CHECK(out.find("--platform") != std::string::npos);
    CHECK(out.find("Examples:") != std::string::npos);
    CHECK(run_sim("--platform platforms/edge.yaml", &out) == 2);
    CHECK(out.find("--platform and --workload are required") != std::string::npos);
    CHECK(run_sim("--platform platforms/edge.yaml --workload workloads/tiny.yaml --trace gif",
                  &out) == 2);
    CHECK(out.find("--trace is 'gif', expected vcd or perfetto") != std::string::npos);
    CHECK(run_sim("--platform platforms/iot.yaml --workload workloads/ds2_birnn.yaml --steps 1",
                  &out) == 2);
    CHECK(out.find("does not fit") != std::string::npos);
    // A folder given as the image used to fail in the read, as an internal error.
    const std::string folder = scratch_dir().string();
    CHECK(run_sim("--platform platforms/iot.yaml --workload workloads/tiny.yaml --image " + folder,
                  &out) == 2);
    CHECK(out.find(folder + ": is a directory, expected a model image (--image)") !=
          std::string::npos);
}

TEST_CASE("masr-sim writes stats.json, summary.csv, traces and the used configuration",
          "[unit][platforms]") {
    const auto dir = scratch_dir() / "run";
    const auto config_file = scratch_dir() / "used.yaml";
    std::string out;
    REQUIRE(run_sim("--platform platforms/mobile.yaml --workload workloads/tiny.yaml --check "
                    "--quiet --out " +
                        dir.string() + " --trace perfetto --dump " + (dir / "dump").string() +
                        " --dump-config " + config_file.string(),
                    &out) == 0);
    nlohmann::json stats;
    std::ifstream(dir / "stats.json") >> stats;
    CHECK(stats["check"]["bit_exact"] == true);
    for (const char* key :
         {"cycles", "seconds", "effectual_macs", "dense_macs", "mac_utilization", "host_seconds"})
        CHECK(stats["summary"].contains(key));
    CHECK(stats["summary"]["effectual_macs"].get<u64>() > 0);
    CHECK(stats["masr"]["tile_0"]["pe"]["effectual_macs"].get<u64>() > 0);
    std::ifstream csv(dir / "summary.csv");
    std::string header;
    std::getline(csv, header);
    CHECK(header.find("cycles") != std::string::npos);
    nlohmann::json trace;
    std::ifstream(dir / "trace.json") >> trace;
    CHECK(trace["traceEvents"].size() > 4);
    CHECK(std::filesystem::exists(dir / "dump" / "l1.npy"));
    CHECK(std::filesystem::exists(config_file));
    // No temporary file is left behind by the atomic writes.
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        CHECK(entry.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("platform files: NaN, infinities, negative and overflowing numbers, duplicate keys",
          "[unit][platforms]") {
    const std::string tech = std::filesystem::absolute("platforms/technology/cmos45.yaml").string();
    const std::string head = "name: bad\ntechnology: " + tech + "\n";
    const auto error = [&](const std::string& body) {
        const std::string path = write_file("numbers.yaml", head + body);
        const std::string e = load_error(path);
        return e.rfind(path, 0) == 0 ? e.substr(path.size()) : e;
    };
    // Issue 11's example: clock_hz: .nan ran and reported 9.2e6 s.
    CHECK(error("clock_hz: .nan\n") ==
          ":3: clock_hz is '.nan' (not a number), expected a number from 1000 to 100000000000");
    CHECK(error("clock_hz: .inf\n") ==
          ":3: clock_hz is '.inf' (infinite), expected a number from 1000 to 100000000000");
    CHECK(error("clock_hz: -.inf\n") ==
          ":3: clock_hz is '-.inf' (infinite), expected a number from 1000 to 100000000000");
    CHECK(error("tiles: -1\n") ==
          ":3: tiles is '-1' (negative), expected an integer from 1 to 4096");
    CHECK(error("tile:\n  weight_sram:\n    size: 18446744073709551616\n") ==
          ":5: tile.weight_sram.size is '18446744073709551616' (too large for 64 bits), expected "
          "an integer from 0 to 18446744073709551615");
    CHECK(error("noc:\n  link_bytes: -16\n") ==
          ":4: noc.link_bytes is '-16' (negative), expected an integer from 1 to 4294967295");
    CHECK(error("tiles: 4\ntiles: 16\n") == ":4: duplicate key 'tiles' (first given at line 3)");
    CHECK(error("tile:\n  pe:\n    lanes: 4\n    lanes: 8\n") ==
          ":6: duplicate key 'lanes' (first given at line 5)");
    CHECK(error("noc: {rows: 2, rows: 4}\n") == ":3: duplicate key 'rows' (first given at line 3)");
}

TEST_CASE("arch: what each architecture implies, and what contradicts it", "[unit][platforms]") {
    {
        platform_config c;
        c.load_file("platforms/edge.yaml");
        c.arch = accelerator_arch::dense;
        c.resolve_arch();
        CHECK_FALSE(c.sparsity.compact_weights);
        CHECK_FALSE(c.sparsity.skip_zero_activations);
        CHECK(c.target().weights == weight_format::dense);
        CHECK(c.target().activations == vector_format::dense);
        // Back to MASR: the derived values are derived again.
        c.arch = accelerator_arch::masr;
        c.resolve_arch();
        CHECK(c.sparsity.compact_weights);
        CHECK(c.target().weights == weight_format::masked);
    }
    {
        platform_config c;
        c.load_file("platforms/eie.yaml");
        CHECK(c.tile.pe.balance == balance_mode::static_interleaved);
        CHECK(c.target().weights == weight_format::csc);
        CHECK(c.target().csc.code_bits == 4);
        CHECK(c.shared_weight_levels() == 16);
        c.eie.codebook = false;
        CHECK(c.target().csc.code_bits == 0);
        CHECK(c.shared_weight_levels() == 0);
    }
    auto error = [](const std::string& platform, const std::function<void(platform_config&)>& f) {
        platform_config c;
        c.load_file(platform);
        c.arch = accelerator_arch::eie;
        f(c);
        try {
            c.resolve_arch();
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    // EIE on a MASR platform: the first contradiction is named, with where it was set.
    CHECK_THAT(error("platforms/edge.yaml", [](platform_config&) {}),
               Catch::Contains("platforms/edge.yaml:") &&
                   Catch::Contains("tile.pe.balance is dynamic, but EIE interleaves rows") &&
                   Catch::Contains("platforms/eie.yaml"));
    CHECK_THAT(error("platforms/eie.yaml", [](platform_config& c) { c.tile.pe.lanes = 4; }),
               Catch::Contains("tile.pe.lanes is 4, but an EIE PE has one MAC"));
    CHECK_THAT(
        error("platforms/eie.yaml", [](platform_config& c) { c.tile.pointer_sram.size = 0; }),
        Catch::Contains("arch eie needs a pointer SRAM"));
    CHECK_THAT(error("platforms/eie.yaml",
                     [](platform_config& c) { c.sparsity.compact_activations = false; }),
               Catch::Contains("sparsity.compact_activations is set, but arch eie"));
    CHECK_THAT(error("platforms/eie.yaml",
                     [](platform_config& c) { c.tile.pe.balance = balance_mode::dynamic; }),
               Catch::Contains("EIE interleaves rows over its PEs statically"));
}

namespace {

// Starts masr-sim with `arguments`, sends `signal_number` after `delay`, and
// returns its exit status; its stderr goes to *log_text.
int interrupted_sim(const std::vector<std::string>& arguments, int signal_number,
                    std::chrono::milliseconds delay, std::string* log_text) {
    const auto log = scratch_dir() / "interrupted.log";
    const pid_t child = ::fork();
    if (child == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        std::vector<char*> argv{const_cast<char*>(MASR_SIM_BINARY)};
        for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(MASR_SIM_BINARY, argv.data());
        ::_exit(127);
    }
    std::this_thread::sleep_for(delay);
    ::kill(child, signal_number);
    int status = 0;
    ::waitpid(child, &status, 0);
    std::ifstream in(log);
    *log_text = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("SIGINT and SIGTERM stop masr-sim with one line, 130 or 143, and the previous outputs",
          "[system][platforms]") {
    const auto parent = scratch_dir() / "interrupt";
    std::filesystem::remove_all(parent);
    const auto dir = parent / "run";
    REQUIRE(run_sim("--platform platforms/mobile.yaml --workload workloads/tiny.yaml --quiet "
                    "--trace perfetto --out " +
                    dir.string()) == 0);
    const std::string stats = file_text(dir / "stats.json");
    const std::string trace = file_text(dir / "trace.json");
    REQUIRE(stats.size() > 100);
    // ds2_birnn on datacenter takes seconds of host time: the signal lands
    // while it generates weights or simulates, long before outputs exist.
    const std::vector<std::string> long_run{"--platform", "platforms/datacenter.yaml",
                                            "--workload", "workloads/ds2_birnn.yaml",
                                            "--quiet",    "--trace",
                                            "perfetto",   "--out",
                                            dir.string()};
    for (const auto& [signal_number, status, name] :
         {std::tuple{SIGINT, 130, "SIGINT"}, std::tuple{SIGTERM, 143, "SIGTERM"}}) {
        std::string log;
        CHECK(interrupted_sim(long_run, signal_number, std::chrono::milliseconds(300), &log) ==
              status);
        CHECK(log == std::string("masr-sim: stopped by ") + name +
                         "; outputs are as they were before this run, or complete from it\n");
        CHECK(file_text(dir / "stats.json") == stats);
        CHECK(file_text(dir / "trace.json") == trace);
        // Nothing but the previous set: no staging folder, no temporary file.
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::recursive_directory_iterator(parent))
            names.push_back(e.path().lexically_relative(parent).string());
        std::sort(names.begin(), names.end());
        CHECK(names == std::vector<std::string>{"run", "run/.masr-output", "run/stats.json",
                                                "run/summary.csv", "run/trace.json"});
    }
}

TEST_CASE("masr-sim checks its output folders before it simulates", "[unit][platforms]") {
    const auto mine = scratch_dir() / "my_notes";
    std::filesystem::create_directories(mine);
    std::ofstream(mine / "notes.txt") << "keep";
    std::string out;
    CHECK(run_sim("--platform platforms/datacenter.yaml --workload workloads/ds2_birnn.yaml "
                  "--quiet --out " +
                      mine.string(),
                  &out) == 2);
    // Refused before the run: no summary was printed.
    CHECK(out.find("cycles") == std::string::npos);
    CHECK(out.find("--out '" + mine.string() + "' holds 'notes.txt', which no masr tool wrote") !=
          std::string::npos);
    CHECK(file_text(mine / "notes.txt") == "keep");
    CHECK(run_sim("--platform platforms/iot.yaml --workload workloads/tiny.yaml --quiet --dump " +
                      (mine / "notes.txt").string(),
                  &out) == 2);
    CHECK(out.find("--dump '" + (mine / "notes.txt").string() + "' is a file, expected a folder") !=
          std::string::npos);
    // A place access() lets root write in but that takes no new folder: refused
    // before the run too, not when the outputs are written seconds later.
    const std::string proc = "/proc/masr_tb_platforms_" + std::to_string(::getpid());
    CHECK(run_sim("--platform platforms/datacenter.yaml --workload workloads/ds2_birnn.yaml "
                  "--quiet --out " +
                      proc,
                  &out) == 2);
    CHECK(out.find("cycles") == std::string::npos);
    CHECK(out.find("masr-sim: --out") != std::string::npos);
    CHECK(out.find("'/proc'") != std::string::npos);
}

TEST_CASE("output CRC-32: the standard check value, and one changed value changes it",
          "[unit][platforms]") {
    // 0x3231, 0x3433, ... as little-endian words are the bytes "12345678",
    // whose CRC-32 (zlib, IEEE 802.3) is 0x9ae0daaf.
    matrix<i16> values(2, 2);
    values.data = {0x3231, 0x3433, 0x3635, 0x3837};
    CHECK(output_crc32(values) == 0x9ae0daafu);
    values.at(1, 0) = static_cast<i16>(values.at(1, 0) + 1);
    CHECK(output_crc32(values) != 0x9ae0daafu);
    matrix<i16> negative(1, 1);
    negative.data = {-1};  // 0xffff: two 0xff bytes
    CHECK(output_crc32(negative) == 0xffff0000u);
}

TEST_CASE("masr-sim: command-line numbers follow the YAML's rule, and stray words are refused",
          "[unit][platforms]") {
    const std::string base =
        "--platform platforms/iot.yaml --workload workloads/tiny.yaml --quiet ";
    const std::pair<const char*, const char*> cases[] = {
        {"--tiles 4097", "--tiles is '4097', expected an integer from 1 to 4096"},
        {"--tiles 0", "--tiles is '0', expected an integer from 1 to 4096"},
        {"--tiles -1", "--tiles is '-1' (negative), expected an integer from 1 to 4096"},
        {"--tiles 100000", "--tiles is '100000', expected an integer from 1 to 4096"},
        {"--seed -1", "--seed is '-1' (negative)"},
        {"--steps -1", "--steps is '-1' (negative)"},
        {"--steps 99999999999", "--steps is '99999999999'"},
        {"stray", "'stray' is not an option; options start with --"},
        {"--check extra", "'extra' is not an option"},
    };
    for (const auto& [arguments, message] : cases) {
        std::string out;
        INFO(arguments);
        CHECK(run_sim(base + arguments, &out) == 2);
        CHECK(out.find(message) != std::string::npos);
        CHECK(out.find("cycles") == std::string::npos);
    }
}
