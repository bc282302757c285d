// masr-cosim: runs firmware against the MASR model in one SystemC kernel: an
// RV32 ELF on the Unicorn-based core, or host-compiled firmware linked into
// the tool (docs/firmware.md).
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <systemc>

#include "models/common/command_line.h"
#include "models/common/error.h"
#include "models/common/exit_codes.h"
#include "models/common/file_check.h"
#include "models/common/log.h"
#include "models/common/number.h"
#include "models/common/output_folder.h"
#include "models/common/stats.h"
#include "models/common/tlm_support.h"
#include "platforms/src/cosim_platform.h"
#include "platforms/src/run_report.h"
#include "platforms/src/simulation.h"
#include "platforms/src/systemc_tool.h"
#include "workloads/golden/golden_reference.h"
#include "workloads/src/npy_file.h"

namespace po = boost::program_options;
using namespace masr;

namespace {

const char* usage = R"(masr-cosim: run firmware against the MASR accelerator model.

Usage: masr-cosim --platform P.yaml --workload W.yaml --firmware FW [options]

Elaborates the platform's accelerator as a component of a small system: a
CPU, system memory, a system bus, a console device. The loader places the
model image (compiled from the workload, or --image), the input frames and
the boot arguments in system memory; the firmware then drives the
accelerator through its registers (models/csr/registers.md): the DMA engine
brings the image and the input in, the sequencer runs it, the DMA engine
stores the last layer's output, and the interrupt wakes the firmware. The
output is compared bit for bit with the golden reference.

FW is either the path of an RV32 ELF (built by the project in
build/firmware/, or your own: docs/firmware.md) or native:NAME for the same
firmware compiled for the host and linked into this tool.

Examples:
  masr-cosim --platform platforms/iot.yaml --workload workloads/tiny.yaml --firmware build/firmware/run_network.elf
  masr-cosim --platform platforms/iot.yaml --workload workloads/tiny.yaml --firmware native:run_network --log masr.csr=debug

Exit status: 0 firmware exit code 0 and the output bit-exact, 1 a non-zero
firmware exit code or an output mismatch, 2 bad input (a message names the
file, line, field or option), 3 internal error or a run that ended without the
firmware exiting, 130 or 143 stopped by SIGINT or SIGTERM (outputs as before
the run, or whole).

Options)";

int run(int argc, char** argv) {
    std::string platform_path, workload_path, image_path, input_path, out_dir, firmware;
    u32 steps = 0, test = 0;
    // Numbers go through the one number rule (models/common/number.h), not
    // boost's conversion, which wraps -1 into 4294967295.
    std::string steps_text, test_text;
    std::vector<std::string> log_levels;
    po::options_description options(usage);
    options.add_options()("help,h", "print this help")(
        "platform,p", po::value(&platform_path)->value_name("P.yaml"),
        "platform file (platforms/*.yaml); its cosim group has the memory map, the CPU, the "
        "register block and the DMA")(
        "workload,w", po::value(&workload_path)->value_name("W.yaml"),
        "workload file: the network, its input and the golden reference")(
        "image", po::value(&image_path)->value_name("model.img"),
        "place this model image (masr-pack) instead of compiling the workload")(
        "firmware,f", po::value(&firmware)->value_name("ELF|native:NAME"),
        "the firmware: an RV32 ELF, or native:NAME (linked in: native:run_network)")(
        "input", po::value(&input_path)->value_name("X.npy"),
        "replace the workload's input sequence: float32 (T, input_size)")(
        "steps", po::value(&steps_text)->value_name("N"), "run only the first N time steps")(
        "test", po::value(&test_text)->value_name("N"),
        "boot word TEST (0 to 4294967295) for firmware/examples/run_network.c: a "
        "misprogramming case to run instead of the network (1 reserved bits, 2 read-only, 3 "
        "corrupt image, 4 bad buffer, 5 start while busy, 6 DMA to an unmapped address, 7 abort "
        "in the middle of a run then a restart, 8 two jobs in a row, 9 a job that skips a step, "
        "10 the sequence in two jobs, the second continuing the first)")(
        "out", po::value(&out_dir)->value_name("DIR"),
        "write DIR/stats.json (every counter, the run's summary, the CPU's figures, the check) "
        "and DIR/summary.csv when the firmware ran the network and exited 0. DIR holds one run: "
        "it is checked before the run and replaced whole when the run ends (never a mix of two "
        "runs), so it must be new, empty or an earlier run's")(
        "log", po::value(&log_levels)->value_name("[NAME=]LEVEL")->composing(),
        "log level (error, warning, info, debug) for all models or a hierarchy prefix, e.g. "
        "--log masr.csr=debug (every register access) or --log masr.dma=debug; repeatable");
    po::variables_map vm;
    std::string stray;
    try {
        stray = store_command_line(argc, argv, options, vm);
    } catch (const po::error& e) {
        std::cerr << "masr-cosim: " << e.what() << "\nTry 'masr-cosim --help'.\n";
        return exit_bad_input;
    }
    if (!stray.empty()) {
        std::cerr << "masr-cosim: '" << stray
                  << "' is not an option; options start with --\nTry 'masr-cosim --help'.\n";
        return exit_bad_input;
    }
    if (vm.count("help")) {
        std::cout << options << "\n";
        return exit_ok;
    }
    if (platform_path.empty() || workload_path.empty() || firmware.empty()) {
        std::cerr << "masr-cosim: --platform, --workload and --firmware are required\nTry "
                     "'masr-cosim --help'.\n";
        return exit_bad_input;
    }
    if (!steps_text.empty())
        steps = parse_cli_number<u32>("--steps", steps_text, 0, std::numeric_limits<u32>::max());
    if (!test_text.empty())
        test = parse_cli_number<u32>("--test", test_text, 0, std::numeric_limits<u32>::max());
    for (const std::string& spec : log_levels) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos)
            set_log_level("", parse_log_level(spec));
        else
            set_log_level(spec.substr(0, eq), parse_log_level(spec.substr(eq + 1)));
    }
    log_simulated_time();

    // Input files and the output folder are checked now, before anything is
    // loaded or a second of simulation is spent; each error names its option
    // (the firmware's ELF path: by cosim_platform, at elaboration).
    check_readable_file(platform_path, "a platform file (--platform)");
    check_readable_file(workload_path, "a workload YAML file (--workload)");
    if (!image_path.empty()) check_readable_file(image_path, "a model image (--image)");
    if (!input_path.empty()) check_readable_file(input_path, "a .npy file (--input)");
    std::optional<output_folder> out_folder;
    if (!out_dir.empty()) out_folder.emplace(out_dir, "--out");

    const auto host_start = std::chrono::steady_clock::now();
    platform_config config;
    config.load_file(platform_path);
    config.validate();
    workload w = workload::load(workload_path);
    if (!input_path.empty()) w.set_input(read_npy_matrix(input_path, w.input_size), input_path);
    const std::string adapted = adapt_workload(config, w);
    if (!adapted.empty()) std::cerr << "masr-cosim: " << adapted << "\n";
    std::vector<u8> image;
    if (!image_path.empty()) image = read_binary_file(image_path, "a model image (--image)");

    cosim_platform p(config, w, steps, std::move(image), image_path, firmware, test);
    const auto sim_start = std::chrono::steady_clock::now();
    p.run();
    const auto sim_end = std::chrono::steady_clock::now();
    const double host_seconds = std::chrono::duration<double>(sim_end - host_start).count();
    const double sim_seconds = std::chrono::duration<double>(sim_end - sim_start).count();
    if (!p.exited()) {
        std::cerr << "masr-cosim: " << p.problem() << "\n";
        return exit_internal_error;
    }

    // The CPU's figures beside the accelerator's counters in stats.json.
    const double cpu_seconds = sc_core::sc_time_stamp().to_seconds();
    const u64 instructions = p.instructions();
    const u64 mmio = p.mmio_accesses(), irqs = p.interrupts();
    // The emulator's own speed: instructions per host second spent in it
    // (the rest of the simulation is the accelerator's).
    const double emu_seconds = p.rv32 ? p.rv32->emulator_seconds : 0;
    const double mips = emu_seconds > 0 ? instructions / emu_seconds / 1e6 : 0;
    stats_scope cosim_stats("cosim");
    cosim_stats.value(
        "instructions", [&] { return double(instructions); },
        "instructions the RV32 core executed (0 for host-compiled firmware)");
    cosim_stats.value(
        "cpu_seconds", [&] { return cpu_seconds; }, "simulated time at the firmware's exit");
    cosim_stats.value(
        "mmio_accesses", [&] { return double(mmio); },
        "device-register and console accesses of the firmware");
    cosim_stats.value(
        "interrupts", [&] { return double(irqs); }, "interrupts taken");
    cosim_stats.value(
        "host_seconds", [&] { return sim_seconds; }, "host seconds of the simulation (sc_start)");
    cosim_stats.value(
        "emulated_mips", [&] { return mips; },
        "instructions per host microsecond of the simulation");
    cosim_stats.value(
        "exit_code", [&] { return double(p.exit_code()); }, "firmware exit code");

    std::cout << fmt::format(
        "firmware          {} exit code {}\n"
        "cpu               {} instructions, {:.6f} ms simulated, {} MMIO accesses, {} interrupts\n"
        "host              {:.3f} s ({:.3f} s simulating, {:.3f} s of it emulating: {:.1f} "
        "MIPS)\n",
        firmware, p.exit_code(), instructions, cpu_seconds * 1e3, mmio, irqs, host_seconds,
        sim_seconds, emu_seconds, mips);

    check_result check;
    bool checked = false;
    if (test == 0 && p.exit_code() == 0) {
        run_summary summary = summarize(p.accel, w.name, w.frame_period, host_seconds);
        summary.print(std::cout);
        const golden_result golden = run_fixed(w, p.steps());
        const matrix<i16> got = p.output();
        const matrix<i16>& want = golden.layers.back().output;
        checked = true;
        for (u32 t = 0; t < got.rows && check.bit_exact; ++t)
            for (u32 u = 0; u < got.cols; ++u)
                if (got.at(t, u) != want.at(t, u)) {
                    check.bit_exact = false;
                    check.first_mismatch =
                        fmt::format("layer '{}' step {} unit {}: model {}, reference {}",
                                    w.layers.back().name, t, u, got.at(t, u), want.at(t, u));
                    break;
                }
        std::cout << (check.bit_exact
                          ? "check             output bit-exact with the golden reference\n"
                          : "check             MISMATCH: " + check.first_mismatch + "\n");
        if (out_folder) {
            write_run_outputs(out_folder->path(""), summary, &check);
            out_folder->publish();
        }
    }
    if (p.exit_code() != 0) return exit_mismatch;
    return checked && !check.bit_exact ? exit_mismatch : exit_ok;
}

}  // namespace

int sc_main(int argc, char** argv) {
    return run_systemc_tool("masr-cosim", [&] { return run(argc, argv); });
}

int main(int argc, char** argv) {
    return systemc_main(argc, argv);
}
