#include "workloads/golden/network_shape.h"

#include "models/common/error.h"

namespace masr::golden {

std::string describe_layer(const workload& w, const layer_desc& layer) {
    const std::string where =
        w.file.empty() ? fmt::format("workload '{}'", w.name) : location(w.file, layer.line);
    return fmt::format("{}: layer '{}'", where, layer.name);
}

namespace {

void check_matrix(const workload& w, const layer_desc& layer, const char* what,
                  const matrix<i16>& m, u32 rows, u32 cols) {
    if (m.rows != rows || m.cols != cols || m.data.size() != std::size_t{rows} * cols)
        fail("{}: {} weights are {}x{}, expected {}x{} (gates x units by columns)",
             describe_layer(w, layer), what, m.rows, m.cols, rows, cols);
}

void check_format(const workload& w) {
    const fixed_format& f = w.format;
    const std::string where = w.file.empty() ? fmt::format("workload '{}'", w.name) : w.file;
    if (f.weight_bits < 2 || f.weight_bits > 16)
        fail("{}: weight_bits {} is outside 2..16", where, f.weight_bits);
    if (f.activation_bits < 2 || f.activation_bits > 16)
        fail("{}: activation_bits {} is outside 2..16", where, f.activation_bits);
    if (f.activation_frac_bits >= f.activation_bits)
        fail("{}: activation_frac_bits {} must be below activation_bits {}", where,
             f.activation_frac_bits, f.activation_bits);
    if (f.weight_frac_bits > 24)
        fail("{}: weight_frac_bits {} is above 24", where, f.weight_frac_bits);
    if (f.accumulator_bits < 2 || f.accumulator_bits > 63)
        fail("{}: accumulator_bits {} is outside 2..63", where, f.accumulator_bits);
}

}  // namespace

std::vector<std::vector<layer_source>> resolve_network(const workload& w) {
    check_format(w);
    const std::string where = w.file.empty() ? fmt::format("workload '{}'", w.name) : w.file;
    if (w.input.cols != w.input_size ||
        w.input.data.size() != std::size_t{w.input.rows} * w.input.cols)
        fail("{}: the input sequence is {} wide, expected input_size {}", where, w.input.cols,
             w.input_size);
    if (w.weights.size() != w.layers.size())
        fail("{}: weights for {} layers, but {} layers are described", where, w.weights.size(),
             w.layers.size());

    std::vector<std::vector<layer_source>> sources(w.layers.size());
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const layer_desc& layer = w.layers[l];
        if (layer.units == 0) fail("{}: units must be at least 1", describe_layer(w, layer));
        std::vector<std::string> names = layer.sources;
        if (names.empty()) names.push_back(l == 0 ? "input" : w.layers[l - 1].name);
        u32 width = 0;
        for (const std::string& name : names) {
            layer_source s;
            if (name == "input") {
                s.width = w.input_size;
            } else {
                int found = network_input;
                for (std::size_t k = 0; k < l; ++k)
                    if (w.layers[k].name == name) found = static_cast<int>(k);
                if (found == network_input)
                    fail("{}: source '{}' is neither 'input' nor an earlier layer",
                         describe_layer(w, layer), name);
                s.layer = found;
                s.width = w.layers[static_cast<std::size_t>(found)].output_width();
            }
            width += s.width;
            sources[l].push_back(s);
        }
        if (width != layer.inputs)
            fail("{}: its sources are {} wide together, but inputs is {}", describe_layer(w, layer),
                 width, layer.inputs);

        const layer_weights& lw = w.weights[l];
        if (lw.directions.size() != layer.directions())
            fail("{}: weights for {} directions, expected {}", describe_layer(w, layer),
                 lw.directions.size(), layer.directions());
        const u32 rows = layer.gates() * layer.units;
        for (const direction_weights& d : lw.directions) {
            check_matrix(w, layer, "input", d.input, rows, layer.inputs);
            if (layer.recurrent())
                check_matrix(w, layer, "recurrent", d.recurrent, rows, layer.units);
            else if (!d.recurrent.empty())
                fail("{}: a dense layer has no recurrent weights", describe_layer(w, layer));
            if (d.bias.size() != rows)
                fail("{}: {} biases, expected {} (gates x units)", describe_layer(w, layer),
                     d.bias.size(), rows);
        }
    }
    return sources;
}

u32 resolve_steps(const workload& w, u32 steps) {
    if (steps > w.input.rows)
        fail("{} steps requested, but the input sequence of '{}' has {} steps", steps,
             w.file.empty() ? w.name : w.file, w.input.rows);
    return steps == 0 ? w.input.rows : steps;
}

}  // namespace masr::golden
