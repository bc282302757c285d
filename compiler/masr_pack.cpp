// masr-pack: compiles a workload for a platform into a model image, the
// binary the accelerator's sequencer runs (docs/model-image.md).
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <limits>
#include <systemc>
#include <vector>

#include "compiler/model_compiler.h"
#include "models/common/atomic_file.h"
#include "models/common/command_line.h"
#include "models/common/error.h"
#include "models/common/number.h"
#include "platforms/src/platform_config.h"
#include "platforms/src/simulation.h"

namespace po = boost::program_options;
using namespace masr;

namespace {

const char* usage = R"(masr-pack: compile a workload for a MASR platform into a model image.

Usage: masr-pack --workload W.yaml --platform P.yaml [--tiles N] [--steps N] -o model.img
       masr-pack --print-layout

The image holds a checksummed header, the layer, sequence, slot and weight-block
tables, and every tile's packed weights, in the layout of docs/model-image.md.
It places each layer direction's units on tiles and each tile's rows on PEs,
lays out the activation buffers and the sequence buffer, and fails with the
bytes needed and available when something does not fit. Run it with
  masr-sim --platform P.yaml --workload W.yaml --image model.img

Exit status: 0 written, 2 bad input (the message names the file, line, field
or option), 3 internal error.

Options)";

void describe(const model_image& m, const workload& w, std::ostream& out) {
    for (std::size_t l = 0; l < m.layers.size(); ++l) {
        const layer_record& r = m.layers[l];
        out << fmt::format("layer {} '{}': {} x {} {} in {} slices\n", l, w.layers[l].name, r.units,
                           r.inputs, r.bidirectional ? "bidirectional" : "", r.slices);
        for (u32 d = 0; d < r.directions(); ++d) {
            std::string tiles;
            for (u32 t : m.group(static_cast<u32>(l), d)) tiles += fmt::format(" {}", t);
            out << fmt::format("  {} group tiles:{}; x slots 0x{:x} 0x{:x}; output sequence {}\n",
                               d ? "backward" : "forward", tiles, r.x_region(d, 0),
                               r.x_region(d, 1), r.sequence(d));
        }
    }
    for (std::size_t q = 0; q < m.sequences.size(); ++q) {
        const sequence_record& s = m.sequences[q];
        out << fmt::format(
            "sequence {}: producer {} direction {}: {} elements in {} slices at 0x{:x}, {} bytes "
            "per step, counters {}..\n",
            q, s.producer == no_index ? std::string("input") : std::to_string(s.producer),
            s.direction, s.length, s.slices, s.base, s.step_bytes, s.counter_base);
    }
    for (const slot_record& s : m.slots)
        out << fmt::format(
            "slot {} on tile {}: layer {} direction {} units [{}, +{}); h 0x{:x} 0x{:x}, rh "
            "0x{:x}, "
            "out 0x{:x}\n",
            s.slot, s.tile, s.layer, s.direction, s.first_unit, s.units, s.h_region0, s.h_region1,
            s.rh_region, s.out_region);
}

int run(int argc, char** argv) {
    std::string workload_path, platform_path, out_path, arch;
    u32 tiles = 0, steps = 0;
    // Numbers go through the one number rule (models/common/number.h), not
    // boost's conversion, which wraps -1 into 4294967295.
    std::string tiles_text, steps_text, seed_text;
    po::options_description options(usage);
    options.add_options()("help,h", "print this help")(
        "workload,w", po::value(&workload_path)->value_name("W.yaml"), "workload file")(
        "platform,p", po::value(&platform_path)->value_name("P.yaml"), "platform file")(
        "tiles", po::value(&tiles_text)->value_name("N"), "override the platform's tile count")(
        "arch", po::value(&arch)->value_name("masr|eie|dense"),
        "override the platform's architecture (the weight and activation formats follow)")(
        "steps", po::value(&steps_text)->value_name("N"),
        "time steps the sequence buffer is laid out for (default: the workload's sequence)")(
        "seed", po::value(&seed_text)->value_name("S"), "override the seeds of generated weights")(
        "output,o", po::value(&out_path)->value_name("model.img"), "the image to write")(
        "print-layout", "print the record tables of the image format (Markdown) and exit")(
        "describe", "also print where every layer, sequence and buffer region went")(
        "continuable",
        "keep every region for the whole run, so that firmware may run the sequence a few "
        "steps per job with the recurrent state carried over (registers FIRST_STEP; "
        "unidirectional layers only; needs more activation and sequence buffer)");
    po::variables_map vm;
    std::string stray;
    try {
        stray = store_command_line(argc, argv, options, vm);
    } catch (const po::error& e) {
        std::cerr << "masr-pack: " << e.what() << "\nTry 'masr-pack --help'.\n";
        return 2;
    }
    if (!stray.empty()) {
        std::cerr << "masr-pack: '" << stray
                  << "' is not an option; options start with --\nTry 'masr-pack --help'.\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    if (vm.count("print-layout")) {
        std::cout << model_image_layout_markdown();
        return 0;
    }
    if (workload_path.empty() || platform_path.empty() || out_path.empty()) {
        std::cerr << "masr-pack: --workload, --platform and -o are required\n"
                     "Try 'masr-pack --help'.\n";
        return 2;
    }
    platform_config config;
    config.load_file(platform_path);
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
    std::optional<u64> seed;
    if (vm.count("seed"))
        seed = parse_cli_number<u64>("--seed", seed_text, 0, std::numeric_limits<u64>::max());
    workload w = workload::load(workload_path, seed);
    const std::string adapted = adapt_workload(config, w);
    if (!adapted.empty()) std::cerr << "masr-pack: " << adapted << "\n";
    mapping_target target = config.target();
    target.continuable = vm.count("continuable") > 0;
    const compiled_model m = compile_model(w, target, steps);
    write_file_atomically(out_path, [&](std::ostream& out) {
        out.write(reinterpret_cast<const char*>(m.bytes.data()),
                  static_cast<std::streamsize>(m.bytes.size()));
    });
    const image_header& h = m.image.header;
    if (vm.count("describe")) describe(m.image, w, std::cout);
    std::cout << fmt::format(
        "wrote {}: {} ({} layers, {} slots on {} tiles, {} weight blocks, {} of weights; "
        "fullest PE partition {} of {}; activation buffer {}; sequence buffer {} for {} steps; "
        "CRC-32 0x{:08x})\n",
        out_path, bytes_text(h.total_bytes), h.layer_count, h.slot_count, h.tiles, h.block_count,
        bytes_text(m.weight_bytes_total), bytes_text(m.weight_partition_max),
        bytes_text(h.weight_partition_bytes), bytes_text(h.act_buffer_bytes),
        bytes_text(h.seq_buffer_bytes), h.max_steps, h.crc32);
    return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const input_error& e) {
        std::cerr << "masr-pack: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "masr-pack: internal error: " << e.what() << "\n";
        return 3;
    }
}

int main(int argc, char** argv) {
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
