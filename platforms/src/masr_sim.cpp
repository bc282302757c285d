// masr-sim: elaborates a MASR platform, runs a model image on it and reports
// cycles, latency, real-time factor, utilization, the critical path and every
// counter.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <systemc>
#include <vector>

#include "models/common/address_map.h"
#include "models/common/atomic_file.h"
#include "models/common/command_line.h"
#include "models/common/error.h"
#include "models/common/exit_codes.h"
#include "models/common/file_check.h"
#include "models/common/host_threads.h"
#include "models/common/log.h"
#include "models/common/number.h"
#include "models/common/output_folder.h"
#include "models/common/tlm_support.h"
#include "platforms/src/masr_system.h"
#include "platforms/src/output_hashes.h"
#include "platforms/src/run_report.h"
#include "platforms/src/simulation.h"
#include "platforms/src/systemc_tool.h"
#include "workloads/src/npy_file.h"

namespace po = boost::program_options;
using namespace masr;

namespace {

const char* usage = R"(masr-sim: run a workload on a MASR platform model.

Usage: masr-sim --platform P.yaml --workload W.yaml [--image model.img] [options]

Compiles the workload for the platform into a model image (or takes one
written by masr-pack with --image), places it in the accelerator's DRAM and
lets the on-chip sequencer run it: it loads the tiles' weights, starts the
tiles, which then run every layer self-timed, exchanging their output slices
over the NoC. Prints cycles, latency at the platform clock, real-time factor,
effectual MACs, MAC utilization, load imbalance across tiles and PEs, and
where the critical path went (compute, NoC, synchronisation, merge, sequence
buffer).

Examples:
  masr-sim --platform platforms/edge.yaml --workload workloads/ds2_birnn.yaml --steps 20
  masr-sim --platform platforms/iot.yaml --workload workloads/rnnoise.yaml --check --out out/run
  masr-sim --platform platforms/edge.yaml --workload workloads/tiny.yaml --tiles 48 --trace perfetto --out out/tiles48
  masr-sim --platform platforms/edge.yaml --workload workloads/ds2_birnn.yaml --set overlap.prefetch_x=false

Exit status: 0 done (and bit-exact with --check), 1 check mismatch, 2 bad input
(a message names the file, line, field or option), 3 internal error or a run
that stopped early, 130 or 143 stopped by SIGINT or SIGTERM (outputs as before
the run, or whole).

Options)";

struct progress_printer {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last = start;
    const workload* w = nullptr;
    bool enabled = true;
    bool printed = false;

    void operator()(u32 layer) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - start).count();
        if (!enabled || elapsed < 2.0 || std::chrono::duration<double>(now - last).count() < 1.0)
            return;
        last = now;
        printed = true;
        std::cerr << fmt::format("\rmasr-sim: layer {}/{} '{}' done, {:.1f} s", layer + 1,
                                 w->layers.size(), w->layers[layer].name, elapsed)
                  << std::flush;
    }
    void finish() {
        if (printed) std::cerr << "\n";
    }
};

// --set a.b.c=value: the value parsed as YAML, loaded like a platform file.
void apply_setting(platform_config& config, const std::string& spec) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
        fail(
            "--set '{}': expected KEY=VALUE with a dotted platform key, e.g. "
            "--set overlap.prefetch_x=false",
            spec);
    const std::string key = spec.substr(0, eq);
    YAML::Node value;
    try {
        value = YAML::Load(spec.substr(eq + 1));
    } catch (const YAML::Exception& e) {
        fail("--set '{}': the value is not valid YAML: {}", spec, e.msg);
    }
    YAML::Node root(YAML::NodeType::Map);
    YAML::Node node;
    node.reset(root);
    std::size_t begin = 0;
    for (;;) {
        const std::size_t dot = key.find('.', begin);
        const std::string part = key.substr(begin, dot == std::string::npos ? dot : dot - begin);
        if (part.empty()) fail("--set '{}': empty part in the key '{}'", spec, key);
        if (dot == std::string::npos) {
            node[part] = value;
            break;
        }
        node[part] = YAML::Node(YAML::NodeType::Map);
        // Node::operator= copies content into the node; reset rebinds it.
        node.reset(node[part]);
        begin = dot + 1;
    }
    config.load(root, "--set " + spec);
}

int run(int argc, char** argv) {
    std::string platform_path, workload_path, image_path, input_path, out_dir, dump_dir, trace_kind,
        balance, config_out, tech_path, arch;
    u32 tiles = 0, steps = 0;
    // Numbers go through the one number rule (models/common/number.h), not
    // boost's conversion, which wraps -1 into 4294967295.
    std::string tiles_text, steps_text, seed_text, threads_text;
    std::vector<std::string> log_levels, settings;
    po::options_description options(usage);
    options.add_options()("help,h", "print this help")(
        "platform,p", po::value(&platform_path)->value_name("P.yaml"),
        "platform file (platforms/*.yaml)")(
        "workload,w", po::value(&workload_path)->value_name("W.yaml"),
        "workload file (workloads/*.yaml): the network, its input and the golden reference")(
        "image", po::value(&image_path)->value_name("model.img"),
        "run this model image (masr-pack) instead of compiling the workload")(
        "arch", po::value(&arch)->value_name("masr|eie|dense"),
        "the machine: masr, eie (EIE's compressed columns; use platforms/eie.yaml) or dense (no "
        "sparsity exploited); overrides the platform's arch")(
        "tiles", po::value(&tiles_text)->value_name("N"),
        "override the platform's tile count (the NoC size is re-derived unless it still fits)")(
        "tech", po::value(&tech_path)->value_name("FILE"),
        "technology file for energy and area instead of the platform's (the platform's own "
        "tech keys still apply on top)")(
        "set", po::value(&settings)->value_name("KEY=VALUE")->composing(),
        "override any platform key by its dotted path, e.g. overlap.stream_nlu=false or "
        "tile.pe.lanes=8; repeatable")(
        "input", po::value(&input_path)->value_name("X.npy"),
        "replace the workload's input sequence: float32 (T, input_size)")(
        "steps", po::value(&steps_text)->value_name("N"), "run only the first N time steps")(
        "balance", po::value(&balance)->value_name("static|dynamic"),
        "override the PE work assignment: static (as the platform's static mode, contiguous by "
        "default) or dynamic (idle PEs take work at run time)")(
        "out", po::value(&out_dir)->value_name("DIR"),
        "write DIR/stats.json (every counter, summary, check) and DIR/summary.csv; traces go here "
        "too. DIR holds one run: it is replaced whole when the run ends (never a mix of two runs), "
        "so it must be new, empty or an earlier run's")(
        "dump", po::value(&dump_dir)->value_name("DIR"),
        "write every layer's output sequence as DIR/<layer>.npy (float32, dequantized, (T, "
        "units))")(
        "check",
        "also run the golden reference and compare every layer bit for bit; exit 1 on a mismatch")(
        "trace", po::value(&trace_kind)->value_name("vcd|perfetto"),
        "write tile activity as trace.vcd or trace.json (open in ui.perfetto.dev) into --out (or "
        ".)")("seed", po::value(&seed_text)->value_name("S"),
              "override the seeds of generated weights and inputs")(
        "threads", po::value(&threads_text)->value_name("N"),
        "host threads for generating the workload's weights (default: the machine's cores); "
        "outputs, cycles and counters are the same for every N")(
        "dump-config", po::value(&config_out)->value_name("FILE"),
        "write the platform configuration actually used, with every default, as commented YAML")(
        "config-only",
        "with --dump-config: write the configuration and exit without compiling or running "
        "(masr-sweep keys its points by it)")(
        "log", po::value(&log_levels)->value_name("[NAME=]LEVEL")->composing(),
        "log level (error, warning, info, debug) for all models or for a hierarchy prefix, e.g. "
        "--log masr.tile_0=debug; repeatable")("quiet,q", "no progress line");
    po::variables_map vm;
    std::string stray;
    try {
        stray = store_command_line(argc, argv, options, vm);
    } catch (const po::error& e) {
        std::cerr << "masr-sim: " << e.what() << "\nTry 'masr-sim --help'.\n";
        return exit_bad_input;
    }
    if (!stray.empty()) {
        std::cerr << "masr-sim: '" << stray
                  << "' is not an option; options start with --\nTry 'masr-sim --help'.\n";
        return exit_bad_input;
    }
    if (vm.count("help")) {
        std::cout << options << "\n";
        return exit_ok;
    }
    if (platform_path.empty() || workload_path.empty()) {
        std::cerr << "masr-sim: --platform and --workload are required\nTry 'masr-sim --help'.\n";
        return exit_bad_input;
    }
    if (!trace_kind.empty() && trace_kind != "vcd" && trace_kind != "perfetto")
        fail("--trace is '{}', expected vcd or perfetto", trace_kind);
    if (!balance.empty() && balance != "static" && balance != "dynamic")
        fail("--balance is '{}', expected static or dynamic", balance);
    for (const std::string& spec : log_levels) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos)
            set_log_level("", parse_log_level(spec));
        else
            set_log_level(spec.substr(0, eq), parse_log_level(spec.substr(eq + 1)));
    }
    log_simulated_time();

    // Output folders are checked now, before a second of simulation is spent.
    // --dump and --dump-config inside the --out folder belong to its set.
    std::optional<output_folder> out_folder, dump_folder;
    std::string dump_in_out, config_in_out;
    if (!out_dir.empty()) out_folder.emplace(out_dir, "--out");
    if (!dump_dir.empty() && !(out_folder && out_folder->contains(dump_dir, dump_in_out)))
        dump_folder.emplace(dump_dir, "--dump");
    const bool config_with_outputs =
        !config_out.empty() && out_folder && out_folder->contains(config_out, config_in_out);
    if (config_with_outputs && config_in_out.empty())
        fail("--dump-config '{}' is the --out folder itself; name a file, e.g. {}/config.yaml",
             config_out, out_dir);

    const auto host_start = std::chrono::steady_clock::now();
    platform_config config;
    config.load_file(platform_path);
    if (!tech_path.empty()) config.load_technology(tech_path, "--tech");
    for (const std::string& spec : settings) apply_setting(config, spec);
    if (!steps_text.empty())
        steps = parse_cli_number<u32>("--steps", steps_text, 0, std::numeric_limits<u32>::max());
    if (vm.count("tiles")) {
        tiles = parse_cli_number<u32>("--tiles", tiles_text, config.tiles.lo(), config.tiles.hi());
        config.tiles = tiles;
        if (u64{config.noc.columns} * config.noc.rows < tiles) {
            config.noc.columns = 0;
            config.noc.rows = 0;
        }
    }
    if (!arch.empty()) {
        accelerator_arch a;
        if (!enum_from_string(arch, a)) fail("--arch is '{}', expected masr, eie or dense", arch);
        config.arch = a;
    }
    config.resolve_arch();
    config.validate();
    if (vm.count("config-only")) {  // the workload does not change the configuration
        if (config_out.empty()) fail("--config-only needs --dump-config FILE");
        write_file_atomically(config_out, [&](std::ostream& out) { config.dump(out); });
        return exit_ok;
    }
    if (vm.count("threads"))
        set_host_threads(parse_cli_number<u32>("--threads", threads_text, 1, 1024));
    std::optional<u64> seed;
    if (vm.count("seed"))
        seed = parse_cli_number<u64>("--seed", seed_text, 0, std::numeric_limits<u64>::max());
    workload w = workload::load(workload_path, seed);
    if (!input_path.empty()) w.set_input(read_npy_matrix(input_path, w.input_size), input_path);
    const std::string adapted = adapt_workload(config, w);
    if (!adapted.empty() && !vm.count("quiet")) std::cerr << "masr-sim: " << adapted << "\n";
    if (!config_out.empty() && !config_with_outputs)
        write_file_atomically(config_out, [&](std::ostream& out) { config.dump(out); });

    // The image: compiled here or read from a file (and checked) by the simulation.
    std::vector<u8> image;
    if (!image_path.empty()) image = read_binary_file(image_path, "a model image (--image)");
    simulation sim(config, w, steps, std::move(image), image_path);
    masr_system& system = sim.system();
    if (!balance.empty()) {
        // "static" keeps the platform's static flavour (interleaved or contiguous).
        const balance_mode configured = config.tile.pe.balance;
        const balance_mode mode = balance == "dynamic" ? balance_mode::dynamic
                                  : configured == balance_mode::static_interleaved
                                      ? balance_mode::static_interleaved
                                      : balance_mode::static_contiguous;
        for (auto& t : system.tiles) t.pe.set_balance(mode);
    }
    sim.read_outputs = vm.count("check") || !dump_dir.empty();
    progress_printer progress;
    progress.w = &w;
    progress.enabled = !vm.count("quiet");
    output_hasher hasher;  // per-layer output CRCs for stats.json (regression benches)
    sim.on_layer = [&](u32 layer) {
        if (!out_dir.empty()) hasher.layer_done(sim, w, layer);
        progress(layer);
    };
    try {
        sim.run();
    } catch (...) {
        progress.finish();
        throw;
    }
    progress.finish();
    steps = sim.steps();
    const std::vector<matrix<i16>>& outputs = sim.outputs();
    const double host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
    run_summary summary = summarize(system, w.name, w.frame_period, host_seconds);
    account_energy(summary, sim);
    summary.print(std::cout);

    check_result check;
    if (vm.count("check")) {
        const golden_result golden = run_fixed(w, steps);
        check = compare_with_golden(w, golden, outputs);
        std::cout << (check.bit_exact
                          ? "check             bit-exact with the golden reference\n"
                          : "check             MISMATCH: " + check.first_mismatch + "\n");
    }
    if (out_folder) {
        const nlohmann::json output_crc32 = hasher.to_json();
        write_run_outputs(out_folder->path(""), summary, vm.count("check") ? &check : nullptr,
                          &output_crc32);
        if (config_with_outputs)
            write_file_atomically(out_folder->path(config_in_out),
                                  [&](std::ostream& out) { config.dump(out); });
    }
    if (!dump_dir.empty())
        dump_layer_outputs(dump_folder ? dump_folder->path("") : out_folder->path(dump_in_out), w,
                           outputs);
    if (!trace_kind.empty()) {
        const std::string trace_file = trace_kind == "perfetto" ? "trace.json" : "trace.vcd";
        const std::string path = out_folder ? out_folder->path(trace_file) : trace_file;
        if (trace_kind == "perfetto")
            write_perfetto_trace(path, system);
        else
            write_vcd_trace(path, system);
    }
    if (out_folder) out_folder->publish();
    if (dump_folder) dump_folder->publish();
    return check.bit_exact ? exit_ok : exit_mismatch;
}

}  // namespace

int sc_main(int argc, char** argv) {
    return run_systemc_tool("masr-sim", [&] { return run(argc, argv); });
}

int main(int argc, char** argv) {
    return systemc_main(argc, argv);
}
