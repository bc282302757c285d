#include "workloads/src/workload.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>

#include "models/common/host_threads.h"
#include "models/common/number.h"
#include "models/common/yaml_file.h"
#include "workloads/src/npy_file.h"
#include "workloads/src/weight_generator.h"

namespace masr {

// How a loaded weight file is laid out: rows as the model stores them
// (gates * units, inputs), or columns (inputs, gates * units) as Keras and
// RNNoise store them.
enum class weight_layout { rows, columns };

template <>
struct enum_names<weight_layout> {
    static constexpr std::pair<weight_layout, const char*> table[] = {
        {weight_layout::rows, "rows"}, {weight_layout::columns, "columns"}};
};

namespace {

// Workload and layer names become file names (--dump's <layer>.npy, sweep
// folders): one that could leave its folder is refused where it is written.
void check_file_name_part(const std::string& name, const std::string& where,
                          const std::string& field) {
    const bool bad = name == "." || name == ".." ||
                     name.find_first_of(std::string("/\\\0", 3)) != std::string::npos;
    if (bad)
        fail(
            "{}: {} is '{}', expected a name without '/', '\\' or NUL that is not '.' or "
            "'..' (names become file names)",
            where, field, name);
}

constexpr u32 u32_max = std::numeric_limits<u32>::max();
// Largest matrix the model accepts: the tile-local address space is 32 bits
// and a weight takes at least one byte of it.
constexpr u64 max_matrix_elements = u64{1} << 31;

// Host memory a workload may take for its weights, biases and input, checked
// before any of it is generated or read. 1 GiB is 14 times the largest preset
// (ds2_bigru, 72 MiB); the golden reference, the weight images and the PE
// tiles each hold about as much again, so every run stays within a few GiB
// of a 24 GiB machine, and a workload that would not fails at once with the
// bytes it needs, instead of after minutes of generation and gigabytes of
// memory. The fuzzing build lowers it so that each input loads in
// milliseconds; the check is the same code.
#ifndef MASR_WORKLOAD_MEMORY_LIMIT
#define MASR_WORKLOAD_MEMORY_LIMIT (u64{1} << 30)
#endif
constexpr u64 memory_limit = MASR_WORKLOAD_MEMORY_LIMIT;

// Products and sums of sizes from the file, pinned at 2^64 - 1 rather than
// wrapped, so that no overflow can make a huge workload look small.
u64 saturating_multiply(u64 a, u64 b) {
    u64 product = 0;
    return checked_multiply(a, b, product) ? product : std::numeric_limits<u64>::max();
}
u64 saturating_add(u64 a, u64 b) {
    u64 sum = 0;
    return checked_add(a, b, sum) ? sum : std::numeric_limits<u64>::max();
}

// Largest value of generate.scale for the input: beyond 2^16 every generated
// activation saturates whatever activation_frac_bits is, and float holds it.
constexpr double max_input_scale = 65536.0;

struct quantization_params : property_group {
    explicit quantization_params(property_group* parent)
        : property_group(parent, "quantization", "fixed-point formats (fixed_point.h)") {}
    property<unsigned> weight_bits{this, "weight_bits", 8, "bits of a weight, sign included", 2,
                                   16};
    property<unsigned> weight_frac_bits{
        this, "weight_frac_bits", 8, "fractional bits of a weight and of a bias", 0, 16};
    property<unsigned> activation_bits{
        this, "activation_bits", 16, "bits of an activation, sign included", 2, 16};
    property<unsigned> activation_frac_bits{
        this, "activation_frac_bits", 10, "fractional bits of an activation", 0, 16};
    // At most 63: fixed::min_of / max_of (fixed_point.h) compute +-2^(bits-1)
    // in i64, which overflows at 64 bits (found by fuzzing).
    property<unsigned> accumulator_bits{
        this, "accumulator_bits", 32, "bits the exact dot product saturates to", 2, 63};
};

struct workload_params : property_group {
    property<std::string> name{this, "name", "", "name of the network"};
    property<u32> sequence_length{this, "sequence_length", 1, "time steps T", 1, u32_max};
    property<double> frame_period{this, "frame_period", 0.0, "seconds of audio per time step"};
    property<u32> input_size{this, "input_size", 1, "width of the network input", 1, u32_max};
    quantization_params quantization{this};
};

struct generate_weights_params : property_group {
    explicit generate_weights_params(property_group* parent)
        : property_group(parent, "generate", "synthetic weights") {}
    property<u64> seed{this, "seed", 1, "seed of the generator"};
    property<double> sparsity{this, "sparsity", 0.0, "target fraction of zero weights, [0, 1)"};
    property<double> row_variation{
        this, "row_variation", 0.0, "spread of the per-row non-zero counts", 0.0, 1.0};
    property<double> input_gain{this, "input_gain", 1.0,
                                "RMS of the row L2 norms of the input matrix"};
    property<double> recurrent_gain{this, "recurrent_gain", 0.4,
                                    "RMS of the row L2 norms of the recurrent matrix"};
    property<double> bias_range{this, "bias_range", 0.0,
                                "bias uniform in [-bias_range, bias_range]"};
};

struct load_weights_params : property_group {
    explicit load_weights_params(property_group* parent)
        : property_group(parent, "load", "weights from .npy files") {}
    property<std::string> input{this, "input", "", "input weights (forward direction)"};
    property<std::string> recurrent{this, "recurrent", "", "recurrent weights (forward)"};
    property<std::string> bias{this, "bias", "", "bias (forward); zero when omitted"};
    property<std::string> backward_input{this, "backward_input", "", "input weights (backward)"};
    property<std::string> backward_recurrent{this, "backward_recurrent", "",
                                             "recurrent weights (backward)"};
    property<std::string> backward_bias{this, "backward_bias", "", "bias (backward)"};
    property<double> scale{this, "scale", 1.0, "real value = stored value * scale"};
    property<weight_layout> layout{this, "layout", weight_layout::rows,
                                   "rows: (gates*units, inputs); columns: transposed"};
};

struct weights_params : property_group {
    explicit weights_params(property_group* parent)
        : property_group(parent, "weights", "generated or loaded weights") {}
    generate_weights_params generate{this};
    load_weights_params from_files{this};  // key "load"
};

struct layer_params : property_group {
    property<std::string> name{this, "name", "", "layer name"};
    property<layer_kind> kind{this, "kind", layer_kind::rnn, "cell type"};
    property<bool> bidirectional{this, "bidirectional", false, "forward and backward direction"};
    property<merge_mode> merge{this, "merge", merge_mode::sum, "how directions combine"};
    property<std::vector<std::string>> sources{this, "sources", {}, "concatenated layer inputs"};
    property<u32> inputs{this, "inputs", 1, "width of the layer input", 1, u32_max};
    property<u32> units{this, "units", 1, "neurons per direction", 1, u32_max};
    property<activation_fn> activation{this, "activation", activation_fn::relu, "nonlinearity"};
    weights_params weights{this};
};

struct generate_input_params : property_group {
    explicit generate_input_params(property_group* parent)
        : property_group(parent, "generate", "synthetic input") {}
    property<u64> seed{this, "seed", 1, "seed of the generator"};
    property<double> sparsity{this, "sparsity", 0.0, "fraction of zeros per step, [0, 1)"};
    property<double> scale{this, "scale", 1.0, "standard deviation before the absolute value"};
};

struct load_input_params : property_group {
    explicit load_input_params(property_group* parent)
        : property_group(parent, "load", "input from a .npy file") {}
    property<std::string> file{this, "file", "", "(T, input_size) float32 .npy"};
};

struct input_params : property_group {
    input_params() : property_group(nullptr, "input", "network input") {}
    generate_input_params generate{this};
    load_input_params from_file{this};  // key "load"
};

// Everything a loader needs to place a message.
struct context {
    std::string file;
    std::filesystem::path directory;
    std::optional<u64> seed_override;

    // A run-wide --seed replaces every generator seed, keeping the seeds of
    // different layers and of the input distinct.
    u64 seed(u64 from_file) const {
        return seed_override ? mix_seed(*seed_override ^ mix_seed(from_file)) : from_file;
    }

    std::string resolve(const std::string& relative) const {
        const std::filesystem::path p(relative);
        return p.is_absolute() ? relative : (directory / p).lexically_normal().string();
    }
};

// A required key: "<prefix>missing <group><name> (expected ...)" at the
// mapping that should hold it.
void require(const property_base& p, const context& ctx, const YAML::Node& owner,
             const std::string& prefix, const std::string& group = "") {
    if (!p.is_set())
        fail_at(ctx.file, owner, "{}missing {}{} (expected {})", prefix, group, p.name(),
                p.expected());
}

// sparsity in [0, 1): the range check of property<> is inclusive.
void check_fraction(const property<double>& p, const std::string& prefix, const std::string& path) {
    if (!(p.get() >= 0.0 && p.get() < 1.0))
        fail("{}: {}{} is {}, expected a number from 0 (inclusive) to 1 (exclusive)", p.where(),
             prefix, path, p.get());
}

void check_positive(const property<double>& p, const std::string& prefix, const std::string& path) {
    if (!(p.get() > 0.0) || !std::isfinite(p.get()))
        fail("{}: {}{} is {}, expected a number greater than 0", p.where(), prefix, path, p.get());
}

// Exactly one of the sub-mappings `generate` and `load`.
std::string generate_or_load(const YAML::Node& node, const context& ctx, const std::string& what) {
    if (!node.IsMap())
        fail_at(ctx.file, node, "{} must be a mapping with 'generate' or 'load'", what);
    const bool generate = static_cast<bool>(node["generate"]);
    const bool load = static_cast<bool>(node["load"]);
    if (generate == load)
        fail_at(ctx.file, node, "{} needs exactly one of 'generate' and 'load', found {}", what,
                generate ? "both" : "neither");
    return generate ? "generate" : "load";
}

std::string pairs(u64 a, u64 b) {
    return fmt::format("({}, {})", a, b);
}

// Reads one weight matrix of a layer and quantizes it. rows x cols is the
// model's layout; the file holds it transposed when layout is columns.
matrix<i16> load_matrix(const property<std::string>& file_property, const load_weights_params& p,
                        u32 rows, u32 cols, const fixed_format& format, const context& ctx,
                        const std::string& prefix) {
    const std::string field = prefix + "weights.load." + file_property.name();
    const std::string path = ctx.resolve(file_property.get());
    npy_array a;
    try {
        a = read_npy(path);
    } catch (const input_error& e) {
        fail("{}: {}: {}", file_property.where(), field, e.what());
    }
    const bool transposed = p.layout.get() == weight_layout::columns;
    const std::vector<u64> expected =
        transposed ? std::vector<u64>{cols, rows} : std::vector<u64>{rows, cols};
    if (a.shape != expected)
        fail("{}: {}: {}: shape is {}, expected {} ({} layout)", file_property.where(), field, path,
             shape_string(a.shape), shape_string(expected), enum_to_string(p.layout.get()));
    matrix<i16> m(rows, cols);
    const i64 lo = fixed::min_of(format.weight_bits);
    const i64 hi = fixed::max_of(format.weight_bits);
    const double unit = std::ldexp(p.scale.get(), static_cast<int>(format.weight_frac_bits));
    for (u32 r = 0; r < rows; ++r) {
        for (u32 c = 0; c < cols; ++c) {
            const std::size_t index =
                transposed ? std::size_t{c} * rows + r : std::size_t{r} * cols + c;
            const double stored = a.values[index];
            const double scaled = stored * unit;
            const double q = std::floor(scaled + 0.5);
            if (!std::isfinite(q) || q < lo || q > hi)
                fail(
                    "{}: {}: {}: element {} = {} is {} * 2^-{} after scale {}, outside weight_bits "
                    "{} (expected {} to {})",
                    file_property.where(), field, path, transposed ? pairs(c, r) : pairs(r, c),
                    stored, q, format.weight_frac_bits, p.scale.get(), format.weight_bits, lo, hi);
            m.at(r, c) = static_cast<i16>(q);
        }
    }
    return m;
}

// Largest bias (in weight LSBs) whose accumulator term, shifted by the
// activation fraction bits, fits the accumulator and an i32.
i64 bias_limit(const fixed_format& f) {
    return std::min<i64>(std::numeric_limits<i32>::max(),
                         fixed::max_of(f.accumulator_bits) >> f.activation_frac_bits);
}

std::vector<i32> load_bias(const property<std::string>& file_property, const load_weights_params& p,
                           u32 rows, const fixed_format& format, const context& ctx,
                           const std::string& prefix) {
    if (!file_property.is_set()) return std::vector<i32>(rows, 0);
    const std::string field = prefix + "weights.load." + file_property.name();
    const std::string path = ctx.resolve(file_property.get());
    npy_array a;
    try {
        a = read_npy(path);
    } catch (const input_error& e) {
        fail("{}: {}: {}", file_property.where(), field, e.what());
    }
    if (a.shape != std::vector<u64>{rows})
        fail("{}: {}: {}: shape is {}, expected ({},)", file_property.where(), field, path,
             shape_string(a.shape), rows);
    const i64 limit = bias_limit(format);
    const double unit = std::ldexp(p.scale.get(), static_cast<int>(format.weight_frac_bits));
    std::vector<i32> bias(rows);
    for (u32 r = 0; r < rows; ++r) {
        const double scaled = a.values[r] * unit;
        const double q = std::floor(scaled + 0.5);
        if (!std::isfinite(q) || q < -limit || q > limit)
            fail(
                "{}: {}: {}: element ({},) = {} is {} * 2^-{} after scale {}, expected -{} to {} "
                "(the bias shifted by activation_frac_bits must fit accumulator_bits)",
                file_property.where(), field, path, r, a.values[r], q, format.weight_frac_bits,
                p.scale.get(), limit, limit);
        bias[r] = static_cast<i32>(q);
    }
    return bias;
}

double zero_fraction(const layer_weights& w) {
    u64 zeros = 0;
    u64 total = 0;
    for (const auto& d : w.directions) {
        for (const auto* m : {&d.input, &d.recurrent}) {
            for (i16 v : m->data) zeros += v == 0;
            total += m->data.size();
        }
    }
    return total ? static_cast<double>(zeros) / static_cast<double>(total) : 0.0;
}

class loader {
public:
    loader(workload& w, context ctx) : w_(w), ctx_(std::move(ctx)) {}

    void run(const YAML::Node& root) {
        if (!root.IsMap())
            fail_at(ctx_.file, root, "the workload file must be a mapping of keys to values");
        if (root["layers"] && root["layers"].IsSequence())
            for (const auto& layer : root["layers"])
                if (layer.IsMap() && layer["name"] && layer["name"].IsScalar())
                    defined_at_.emplace(layer["name"].Scalar(), layer.Mark().line + 1);
        workload_params top;
        YAML::Node scalars(YAML::NodeType::Map);
        for (const auto& entry : root) {
            const std::string key = entry.first.Scalar();
            if (key == "layers" || key == "input") continue;
            const bool known =
                key == top.quantization.key() ||
                std::any_of(top.properties().begin(), top.properties().end(),
                            [&](const property_base* p) { return p->name() == key; });
            if (!known)
                fail_at(ctx_.file, entry.first,
                        "unknown key '{}'; expected one of: name, sequence_length, frame_period, "
                        "input_size, quantization, input, layers",
                        key);
            scalars[entry.first] = entry.second;
        }
        top.load(scalars, ctx_.file);
        for (const auto* p : top.properties()) require(*p, ctx_, root, "");
        if (!root["quantization"])
            fail_at(ctx_.file, root, "missing quantization (expected a mapping of {})",
                    "weight_bits, weight_frac_bits, activation_bits, activation_frac_bits, "
                    "accumulator_bits");
        for (const auto* p : top.quantization.properties())
            require(*p, ctx_, root["quantization"], "", "quantization.");
        check_positive(top.frame_period, "", "frame_period");
        const auto& q = top.quantization;
        if (q.weight_frac_bits.get() > q.weight_bits.get())
            fail("{}: quantization.weight_frac_bits is {}, expected at most weight_bits ({})",
                 q.weight_frac_bits.where(), q.weight_frac_bits.get(), q.weight_bits.get());
        if (q.activation_frac_bits.get() > q.activation_bits.get())
            fail(
                "{}: quantization.activation_frac_bits is {}, expected at most activation_bits "
                "({})",
                q.activation_frac_bits.where(), q.activation_frac_bits.get(),
                q.activation_bits.get());
        if (q.accumulator_bits.get() < q.weight_bits.get() + q.activation_bits.get())
            fail(
                "{}: quantization.accumulator_bits is {}, expected at least weight_bits + "
                "activation_bits ({}) so that one product fits",
                q.accumulator_bits.where(), q.accumulator_bits.get(),
                q.weight_bits.get() + q.activation_bits.get());

        w_.name = top.name.get();
        check_file_name_part(w_.name, top.name.where(), "name");
        w_.sequence_length = top.sequence_length;
        w_.frame_period = top.frame_period;
        w_.input_size = top.input_size;
        w_.format.weight_bits = q.weight_bits;
        w_.format.weight_frac_bits = q.weight_frac_bits;
        w_.format.activation_bits = q.activation_bits;
        w_.format.activation_frac_bits = q.activation_frac_bits;
        w_.format.accumulator_bits = q.accumulator_bits;
        if (u64{w_.sequence_length} * w_.input_size > max_matrix_elements)
            fail("{}: sequence_length {} x input_size {} exceeds 2^31 values",
                 top.sequence_length.where(), w_.sequence_length, w_.input_size);

        const YAML::Node layers = root["layers"];
        if (!layers) fail_at(ctx_.file, root, "missing layers (expected a list of layers)");
        if (!layers.IsSequence() || layers.size() == 0)
            fail_at(ctx_.file, layers, "layers must be a non-empty list of layers");
        check_memory(layers, top);
        for (std::size_t i = 0; i < layers.size(); ++i) load_layer(layers[i], i);
        generate_all();

        const YAML::Node input = root["input"];
        if (!input) fail_at(ctx_.file, root, "missing input (expected 'generate' or 'load')");
        load_input(input);
    }

private:
    struct generation_job {
        u32 layer;
        u32 direction;
        weight_generator_params params;
    };
    std::vector<generation_job> generation_;

    void generate_all() {
        parallel_for(generation_.size(), [this](std::size_t i) {
            const generation_job& job = generation_[i];
            w_.weights[job.layer].directions[job.direction] =
                generate_direction(w_.layers[job.layer], job.params, job.direction, w_.format);
        });
    }

    // Adds up what the weights, biases and input will take, from the shapes
    // alone, and fails naming the field at which the total passes the limit.
    // Layers whose shape keys are missing or wrong are left to load_layer.
    void check_memory(const YAML::Node& layers, const workload_params& top) const {
        const u64 input_bytes = saturating_multiply(
            saturating_multiply(top.sequence_length, top.input_size), sizeof(float));
        if (input_bytes > memory_limit)
            fail(
                "{}: sequence_length {} x input_size {} need {} ({} bytes) for the input, more "
                "than the {} a workload may take for its weights, biases and input "
                "(workloads/README.md, Memory)",
                top.sequence_length.where(), top.sequence_length.get(), top.input_size.get(),
                byte_size_text(input_bytes), input_bytes, byte_size_text(memory_limit));
        u64 total = input_bytes;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const YAML::Node node = layers[i];
            if (!node.IsMap()) continue;
            layer_params p;
            p.load(node, ctx_.file, fmt::format("layers[{}]", i));
            if (!p.units.is_set() || !p.inputs.is_set() || !p.kind.is_set()) continue;
            const std::string label = p.name.is_set() ? fmt::format("layer '{}'", p.name.get())
                                                      : fmt::format("layers[{}]", i);
            const u64 directions = p.bidirectional.get() ? 2 : 1;
            const u64 rows = saturating_multiply(gate_count(p.kind), p.units);
            const u64 columns =
                saturating_add(p.inputs, p.kind.get() == layer_kind::dense ? 0 : p.units.get());
            const u64 weights = saturating_multiply(rows, columns);
            const u64 bytes = saturating_multiply(
                directions, saturating_add(saturating_multiply(weights, sizeof(i16)),
                                           saturating_multiply(rows, sizeof(i32))));
            total = saturating_add(total, bytes);
            if (total > memory_limit)
                fail(
                    "{}: {}: units {} with inputs {} need {} ({} bytes) for weights and "
                    "biases ({} direction{} x {} rows x {} columns x 2 bytes, plus 4 bytes a "
                    "row), and the workload {} in all, more than the {} a workload may take for "
                    "its weights, biases and input (workloads/README.md, Memory)",
                    p.units.where(), label, p.units.get(), p.inputs.get(), byte_size_text(bytes),
                    bytes, directions, directions > 1 ? "s" : "", rows, columns,
                    byte_size_text(total), byte_size_text(memory_limit));
        }
    }

    void load_layer(const YAML::Node& node, std::size_t index) {
        const std::string path = fmt::format("layers[{}]", index);
        layer_params p;
        p.load(node, ctx_.file, path);
        require(p.name, ctx_, node, path + ": ");
        const std::string prefix = fmt::format("layer '{}': ", p.name.get());
        for (const property_base* r : std::initializer_list<const property_base*>{
                 &p.kind, &p.inputs, &p.units, &p.activation})
            require(*r, ctx_, node, prefix);
        if (!node["weights"])
            fail_at(ctx_.file, node, "{}missing weights (expected 'generate' or 'load')", prefix);

        layer_desc d;
        d.name = p.name;
        d.line = node.Mark().line + 1;
        if (d.name.empty() || d.name == "input")
            fail(
                "{}: {}name is '{}', expected a non-empty name other than 'input' (the network "
                "input)",
                p.name.where(), path + ": ", d.name);
        check_file_name_part(d.name, p.name.where(), path + ": name");
        const int existing = w_.find_layer(d.name);
        if (existing >= 0)
            fail("{}: layer name '{}' is already used by the layer at line {}", p.name.where(),
                 d.name, w_.layers[existing].line);
        d.kind = p.kind;
        d.bidirectional = p.bidirectional;
        d.merge = p.merge;
        d.inputs = p.inputs;
        d.units = p.units;
        d.activation = p.activation;
        if (d.kind == layer_kind::dense && d.bidirectional)
            fail(
                "{}: {}bidirectional is true, expected false for a dense layer (it has no "
                "recurrence)",
                p.bidirectional.where(), prefix);
        if (p.merge.is_set() && !d.bidirectional)
            fail("{}: {}merge is set, but the layer is not bidirectional", p.merge.where(), prefix);
        const u64 rows = u64{d.gates()} * d.units;
        if (rows > u32_max ||
            rows * (u64{d.inputs} + (d.recurrent() ? d.units : 0)) > max_matrix_elements)
            fail("{}: {}{} units with {} inputs need more than 2^31 weights per direction",
                 p.units.where(), prefix, d.units, d.inputs);

        check_sources(node, p, d, prefix);

        const YAML::Node weights = node["weights"];
        const std::string mode = generate_or_load(weights, ctx_, prefix + "weights");
        layer_weights lw;
        if (mode == "generate") {
            const auto& g = p.weights.generate;
            const std::string gp = "weights.generate.";
            require(g.seed, ctx_, weights["generate"], prefix, gp);
            require(g.sparsity, ctx_, weights["generate"], prefix, gp);
            check_fraction(g.sparsity, prefix, gp + "sparsity");
            check_positive(g.input_gain, prefix, gp + "input_gain");
            check_positive(g.recurrent_gain, prefix, gp + "recurrent_gain");
            if (!(g.bias_range.get() >= 0.0) ||
                std::ldexp(g.bias_range.get(), static_cast<int>(w_.format.weight_frac_bits)) >
                    static_cast<double>(bias_limit(w_.format)))
                fail(
                    "{}: {}{}bias_range is {}, expected 0 to {} (the bias shifted by "
                    "activation_frac_bits must fit accumulator_bits)",
                    g.bias_range.where(), prefix, gp, g.bias_range.get(),
                    std::ldexp(static_cast<double>(bias_limit(w_.format)),
                               -static_cast<int>(w_.format.weight_frac_bits)));
            weight_generator_params gen;
            gen.seed = ctx_.seed(g.seed);
            gen.sparsity = g.sparsity;
            gen.row_variation = g.row_variation;
            gen.input_gain = g.input_gain;
            gen.recurrent_gain = g.recurrent_gain;
            gen.bias_range = g.bias_range;
            // Generated after every layer is read (generate_all), in parallel:
            // each direction's matrices depend on its own seeds alone.
            lw.directions.resize(d.directions());
            for (u32 dir = 0; dir < d.directions(); ++dir)
                generation_.push_back({static_cast<u32>(w_.layers.size()), dir, gen});
            d.weight_sparsity = gen.sparsity;
            d.row_variation = gen.row_variation;
        } else {
            lw = load_weights(weights["load"], p.weights.from_files, d, prefix);
            d.weight_sparsity = zero_fraction(lw);
        }
        w_.layers.push_back(std::move(d));
        w_.weights.push_back(std::move(lw));
    }

    void check_sources(const YAML::Node& node, const layer_params& p, layer_desc& d,
                       const std::string& prefix) {
        if (p.sources.is_set()) {
            d.sources = p.sources.get();
            if (d.sources.empty())
                fail("{}: {}sources is empty, expected 'input' or names of earlier layers",
                     p.sources.where(), prefix);
        } else {
            d.sources = {w_.layers.empty() ? std::string("input") : w_.layers.back().name};
        }
        const YAML::Node list = node["sources"];
        u64 width = 0;
        std::vector<std::string> parts;
        for (std::size_t i = 0; i < d.sources.size(); ++i) {
            const std::string& s = d.sources[i];
            const YAML::Node at = list ? list[i] : node;
            if (s == "input") {
                width += w_.input_size;
                parts.push_back(fmt::format("the network input {}", w_.input_size));
                continue;
            }
            const int k = w_.find_layer(s);
            if (k < 0) {
                if (s == d.name)
                    fail_at(ctx_.file, at,
                            "{}source '{}' is the layer itself; expected 'input' or an "
                            "earlier layer",
                            prefix, s);
                fail_at(ctx_.file, at, "{}source '{}' is not 'input' or an earlier layer{}", prefix,
                        s, later_layer_hint(s));
            }
            width += w_.layers[k].output_width();
            parts.push_back(fmt::format("layer '{}' {}", s, w_.layers[k].output_width()));
        }
        if (width == d.inputs) return;
        if (d.sources.size() == 1) {
            if (d.sources[0] == "input")
                fail("{}: {}inputs is {} but the network input has {} (input_size)",
                     p.inputs.where(), prefix, d.inputs, w_.input_size);
            fail("{}: {}inputs is {} but layer '{}' produces {}", p.inputs.where(), prefix,
                 d.inputs, d.sources[0], width);
        }
        fail("{}: {}inputs is {} but its sources produce {} ({})", p.inputs.where(), prefix,
             d.inputs, width, fmt::join(parts, " + "));
    }

    // A name defined further down the file gets a precise message.
    std::string later_layer_hint(const std::string& name) const {
        const auto it = defined_at_.find(name);
        if (it == defined_at_.end()) return "";
        return fmt::format(" (it is defined at line {}; a layer can only use layers above it)",
                           it->second);
    }

    layer_weights load_weights(const YAML::Node& node, const load_weights_params& p,
                               const layer_desc& d, const std::string& prefix) {
        const std::string lp = "weights.load.";
        require(p.input, ctx_, node, prefix, lp);
        check_positive(p.scale, prefix, "weights.load.scale");
        if (!std::isfinite(std::ldexp(p.scale.get(), static_cast<int>(w_.format.weight_frac_bits))))
            fail(
                "{}: {}weights.load.scale is {}, too large: times 2^weight_frac_bits ({}) it "
                "overflows a double",
                p.scale.where(), prefix, p.scale.get(), w_.format.weight_frac_bits);
        const auto forbid = [&](const property<std::string>& f, const char* why) {
            if (f.is_set()) fail("{}: {}{}{} is set, but {}", f.where(), prefix, lp, f.name(), why);
        };
        const auto need = [&](const property<std::string>& f, const char* why) {
            if (!f.is_set())
                fail_at(ctx_.file, node, "{}missing {}{} (expected a .npy file; {})", prefix, lp,
                        f.name(), why);
        };
        if (d.recurrent())
            need(p.recurrent, "the layer is recurrent");
        else
            forbid(p.recurrent, "a dense layer has no recurrent weights");
        if (d.bidirectional) {
            need(p.backward_input, "the layer is bidirectional");
            if (d.recurrent()) need(p.backward_recurrent, "the layer is bidirectional");
        } else {
            forbid(p.backward_input, "the layer is not bidirectional");
            forbid(p.backward_recurrent, "the layer is not bidirectional");
            forbid(p.backward_bias, "the layer is not bidirectional");
        }
        const u32 rows = d.gates() * d.units;
        layer_weights lw;
        for (u32 dir = 0; dir < d.directions(); ++dir) {
            const bool fw = dir == 0;
            direction_weights w;
            w.input = load_matrix(fw ? p.input : p.backward_input, p, rows, d.inputs, w_.format,
                                  ctx_, prefix);
            if (d.recurrent())
                w.recurrent = load_matrix(fw ? p.recurrent : p.backward_recurrent, p, rows, d.units,
                                          w_.format, ctx_, prefix);
            w.bias = load_bias(fw ? p.bias : p.backward_bias, p, rows, w_.format, ctx_, prefix);
            lw.directions.push_back(std::move(w));
        }
        return lw;
    }

    void load_input(const YAML::Node& node) {
        input_params p;
        p.load(node, ctx_.file, "input");
        const std::string mode = generate_or_load(node, ctx_, "input");
        if (mode == "generate") {
            const auto& g = p.generate;
            require(g.seed, ctx_, node["generate"], "", "input.generate.");
            require(g.sparsity, ctx_, node["generate"], "", "input.generate.");
            check_fraction(g.sparsity, "", "input.generate.sparsity");
            check_positive(g.scale, "", "input.generate.scale");
            if (g.scale.get() > max_input_scale)
                fail(
                    "{}: input.generate.scale is {}, expected at most {} (beyond it every "
                    "generated activation saturates)",
                    g.scale.where(), g.scale.get(), max_input_scale);
            input_generator_params gen;
            gen.seed = ctx_.seed(g.seed);
            gen.sparsity = g.sparsity;
            gen.scale = g.scale;
            w_.input = generate_input(w_.sequence_length, w_.input_size, gen, w_.format);
            return;
        }
        const auto& f = p.from_file.file;
        require(f, ctx_, node["load"], "", "input.load.");
        const std::string path = ctx_.resolve(f.get());
        matrix<float> m;
        try {
            m = read_npy_matrix(path, w_.input_size);
        } catch (const input_error& e) {
            fail("{}: input.load.file: {}", f.where(), e.what());
        }
        if (m.rows < w_.sequence_length)
            fail(
                "{}: input.load.file: {}: shape is {}, expected at least sequence_length ({}) rows",
                f.where(), path, pairs(m.rows, m.cols), w_.sequence_length);
        for (std::size_t i = 0; i < std::size_t{w_.sequence_length} * m.cols; ++i)
            if (!std::isfinite(m.data[i]))
                fail("{}: input.load.file: {}: element ({}, {}) is {}, expected a finite number",
                     f.where(), path, i / m.cols, i % m.cols, m.data[i]);
        m.rows = w_.sequence_length;
        m.data.resize(std::size_t{m.rows} * m.cols);
        w_.input = std::move(m);
    }

    workload& w_;
    context ctx_;
    std::map<std::string, int> defined_at_;  // layer name -> line
};

}  // namespace

workload workload::load(const std::string& path, std::optional<u64> seed) {
    workload w;
    w.file = path;
    const YAML::Node root = load_yaml_file(path, "a workload YAML file");
    context ctx{path, std::filesystem::path(path).parent_path(), seed};
    loader l(w, ctx);
    try {
        l.run(root);
    } catch (const YAML::Exception& e) {
        // A conversion yaml-cpp rejects outside a property (e.g. a non-scalar key).
        fail("{}: {}", location(path, e.mark.line + 1), e.msg);
    }
    return w;
}

int workload::find_layer(const std::string& name) const {
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (layers[i].name == name) return static_cast<int>(i);
    return -1;
}

void workload::set_input(matrix<float> sequence, const std::string& source) {
    if (sequence.cols != input_size)
        fail("{}: input has {} columns, expected input_size {} of workload '{}' ({})", source,
             sequence.cols, input_size, name, file);
    if (sequence.rows == 0) fail("{}: input has no rows, expected at least one time step", source);
    for (std::size_t i = 0; i < sequence.data.size(); ++i)
        if (!std::isfinite(sequence.data[i]))
            fail("{}: element ({}, {}) is {}, expected a finite number", source, i / sequence.cols,
                 i % sequence.cols, sequence.data[i]);
    sequence_length = sequence.rows;
    input = std::move(sequence);
}

}  // namespace masr
