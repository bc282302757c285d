// masr-ref: runs a workload through the golden (fixed-point) reference or the
// float model, prints per-layer statistics and optionally dumps every layer's
// output sequence as .npy.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "models/common/atomic_file.h"
#include "models/common/command_line.h"
#include "models/common/error.h"
#include "models/common/exit_codes.h"
#include "models/common/host_threads.h"
#include "models/common/number.h"
#include "models/common/output_folder.h"
#include "workloads/golden/golden_reference.h"
#include "workloads/src/npy_file.h"
#include "workloads/src/workload.h"

namespace po = boost::program_options;
using namespace masr;

namespace {

using clock_type = std::chrono::steady_clock;

const char* const usage_text = R"(Usage: masr-ref --workload FILE.yaml [options]

Runs a workload through the golden reference (the bit-exact fixed-point model
of the MASR datapath that every SystemC model is checked against) or the float
model, prints a table per layer and direction, and the host time.

Fixed-point table columns:
  dense MACs      weight rows x columns x steps of every matrix product
  effectual MACs  products of a non-zero weight and a non-zero activation
  weight sp.      fraction of zero weights (input and recurrent matrices)
  act. sp.        fraction of zero activations the direction consumed
                  (input vector and recurrent state), mean over the steps

Examples:
  masr-ref --workload workloads/rnnoise.yaml
  masr-ref --workload workloads/ds2_birnn.yaml --steps 20
  masr-ref --workload workloads/rnnoise.yaml --input features.npy --dump out/
  masr-ref --workload workloads/tiny.yaml --float --dump out_float/

Options)";

// Prints "layer 3/7 'name' backward step 120/400" on stderr once a run has
// taken more than two seconds, then at most twice a second.
class progress_line {
public:
    progress_line(const workload& w, clock_type::time_point start)
        : w_(w), start_(start), next_(start + std::chrono::seconds(2)) {}
    ~progress_line() { finish(); }

    // Ends the line, if one was shown, before the results are printed.
    void finish() {
        if (shown_) std::fputc('\n', stderr);
        shown_ = false;
    }

    void operator()(const run_progress& p) {
        const auto now = clock_type::now();
        if (now < next_) return;
        next_ = now + std::chrono::milliseconds(500);
        shown_ = true;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        std::fprintf(stderr, "\rmasr-ref: layer %u/%u '%s' %s step %u/%u, %.1f s   ", p.layer + 1,
                     p.layers, w_.layers[p.layer].name.c_str(),
                     p.direction ? "backward" : "forward", p.step, p.steps, elapsed);
        std::fflush(stderr);
    }

private:
    const workload& w_;
    clock_type::time_point start_;
    clock_type::time_point next_;
    bool shown_ = false;
};

std::string dump_path(const std::string& dir, const std::string& layer) {
    if (layer.find('/') != std::string::npos)
        fail("--dump: layer name '{}' contains '/', it cannot name a file", layer);
    return dir + "/" + layer + ".npy";
}

void print_fixed(const workload& w, const golden_result& r) {
    fmt::print("{:<20} {:<8} {:<5} {:>6} {:>16} {:>16} {:>7} {:>10} {:>9}\n", "layer", "dir",
               "kind", "units", "dense MACs", "effectual MACs", "eff. %", "weight sp.", "act. sp.");
    u64 dense = 0;
    u64 effectual = 0;
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const layer_desc& layer = w.layers[l];
        for (std::size_t d = 0; d < r.layers[l].stats.size(); ++d) {
            const direction_stats& s = r.layers[l].stats[d];
            double mean = 0.0;
            for (const double a : s.activation_sparsity) mean += a;
            if (!s.activation_sparsity.empty())
                mean /= static_cast<double>(s.activation_sparsity.size());
            const double percent = s.dense_macs ? 100.0 * static_cast<double>(s.effectual_macs) /
                                                      static_cast<double>(s.dense_macs)
                                                : 0.0;
            fmt::print("{:<20} {:<8} {:<5} {:>6} {:>16} {:>16} {:>7.2f} {:>10.4f} {:>9.4f}\n",
                       layer.name, d ? "backward" : "forward", enum_to_string(layer.kind),
                       layer.units, s.dense_macs, s.effectual_macs, percent, s.weight_sparsity,
                       mean);
            dense += s.dense_macs;
            effectual += s.effectual_macs;
        }
    }
    fmt::print("{:<20} {:<8} {:<5} {:>6} {:>16} {:>16} {:>7.2f}\n", "total", "", "", "", dense,
               effectual,
               dense ? 100.0 * static_cast<double>(effectual) / static_cast<double>(dense) : 0.0);
}

void print_float(const workload& w, const float_result& r) {
    fmt::print("{:<20} {:<5} {:>6} {:>12} {:>12} {:>10}\n", "layer", "kind", "width", "max |y|",
               "mean |y|", "zeros");
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const matrix<double>& y = r.layers[l].output;
        double largest = 0.0;
        double sum = 0.0;
        u64 zeros = 0;
        for (const double v : y.data) {
            largest = std::max(largest, std::abs(v));
            sum += std::abs(v);
            zeros += v == 0.0;
        }
        const double n = y.data.empty() ? 1.0 : static_cast<double>(y.data.size());
        fmt::print("{:<20} {:<5} {:>6} {:>12.6f} {:>12.6f} {:>10.4f}\n", w.layers[l].name,
                   enum_to_string(w.layers[l].kind), y.cols, largest, sum / n,
                   static_cast<double>(zeros) / n);
    }
}

template <typename Value, typename Convert>
void dump(const std::string& dir, const workload& w,
          const std::vector<const matrix<Value>*>& outputs, Convert convert) {
    make_directories(dir);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const matrix<Value>& y = *outputs[l];
        matrix<float> m(y.rows, y.cols);
        for (std::size_t k = 0; k < y.data.size(); ++k)
            m.data[k] = static_cast<float>(convert(y.data[k]));
        write_npy(dump_path(dir, w.layers[l].name), m);
    }
}

int run(int argc, char** argv) {
    po::options_description options(usage_text);
    std::string steps_option, threads_option;
    options.add_options()("help,h", "print this help and exit")(
        "workload,w", po::value<std::string>()->value_name("FILE"),
        "workload YAML (layers, quantization, weights, input), e.g. workloads/rnnoise.yaml; "
        "required")(
        "input,i", po::value<std::string>()->value_name("FILE"),
        "replace the workload's input sequence by a float .npy of shape (T, input_size), e.g. "
        "workloads/rnnoise/sequences/speech_pink_noise.features.npy")(
        "steps,n", po::value<std::string>(&steps_option)->value_name("N")->default_value("0"),
        "run only the first N time steps (0: all); the backward direction of a bidirectional layer "
        "then runs over these N steps, e.g. --steps 20")(
        "dump,d", po::value<std::string>()->value_name("DIR"),
        "write every layer's output sequence as DIR/<layer>.npy (float32, dequantized, shape (T, "
        "width)); "
        "DIR is created, e.g. --dump out/")(
        "threads", po::value<std::string>(&threads_option)->value_name("N"),
        "host threads for generating the workload's weights (default: the machine's cores); the "
        "weights are the same for every N")(
        "float,f", po::bool_switch(),
        "run, print and dump the double-precision float model (dequantized weights, exact "
        "nonlinearities, "
        "no activation rounding) instead of the fixed-point reference");

    po::variables_map vm;
    std::string stray;
    try {
        stray = store_command_line(argc, argv, options, vm);
    } catch (const po::error& e) {
        fail("{} (see --help)", e.what());
    }
    if (!stray.empty())
        fail(
            "unexpected argument '{}': masr-ref takes only options (a file is given as "
            "--workload FILE or --input FILE; see --help)",
            stray);
    if (vm.count("help")) {
        std::cout << options << "\n" << exit_status_help() << "\n";
        return exit_ok;
    }
    if (!vm.count("workload")) fail("--workload FILE.yaml is required (see --help)");
    // Checked now, not after the run: a bad folder fails in a second.
    std::optional<output_folder> dump_folder;
    if (vm.count("dump")) dump_folder.emplace(vm["dump"].as<std::string>(), "--dump");
    const u32 steps =
        parse_cli_number<u32>("--steps", steps_option, 0, std::numeric_limits<u32>::max());
    const bool use_float = vm["float"].as<bool>();
    if (vm.count("threads"))
        set_host_threads(parse_cli_number<u32>("--threads", threads_option, 1, 1024));

    workload w = workload::load(vm["workload"].as<std::string>());
    if (vm.count("input")) {
        const std::string path = vm["input"].as<std::string>();
        w.set_input(read_npy_matrix(path, w.input_size), path);
    }

    const auto start = clock_type::now();
    progress_line progress(w, start);
    const progress_fn report = [&progress](const run_progress& p) { progress(p); };
    std::optional<golden_result> fixed_run;
    std::optional<float_result> float_run;
    if (use_float)
        float_run = run_float(w, steps, report);
    else
        fixed_run = run_fixed(w, steps, report);
    const double host_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    progress.finish();
    const u32 ran = use_float ? float_run->steps : fixed_run->steps;

    fmt::print("workload {} ({}), {} steps, {} model\n", w.name, w.file, ran,
               use_float ? "float" : "fixed-point");
    if (use_float)
        print_float(w, *float_run);
    else
        print_fixed(w, *fixed_run);
    fmt::print("host time {:.3f} s ({:.3f} ms per step)\n", host_seconds,
               ran ? 1e3 * host_seconds / ran : 0.0);

    if (dump_folder) {
        const std::string dir = dump_folder->path("");
        if (use_float) {
            std::vector<const matrix<double>*> outputs;
            for (const auto& l : float_run->layers) outputs.push_back(&l.output);
            dump(dir, w, outputs, [](double v) { return v; });
        } else {
            std::vector<const matrix<i16>*> outputs;
            for (const auto& l : fixed_run->layers) outputs.push_back(&l.output);
            dump(dir, w, outputs,
                 [&w](i16 q) { return fixed::dequantize_activation(q, w.format); });
        }
        dump_folder->publish();
        fmt::print("dumped {} layer outputs to {}/\n", w.layers.size(), dump_folder->target());
    }
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    return run_tool("masr-ref", [&] { return run(argc, argv); });
}
