#pragma once
// What both references need to walk a network: each layer's sources
// resolved to earlier layers (or the network input), a check that every
// shape fits together, so that a hand-built or inconsistent workload gives an
// input_error naming the layer instead of an out-of-bounds read, and the walk
// itself.
#include <algorithm>
#include <string>
#include <vector>

#include "workloads/src/workload.h"

namespace masr::golden {

constexpr int network_input = -1;

struct layer_source {
    int layer = network_input;  // index into workload::layers, or network_input
    u32 width = 0;
};

// Per layer, its sources in concatenation order. Throws input_error.
std::vector<std::vector<layer_source>> resolve_network(const workload& w);

// The number of time steps a run covers (steps == 0: the whole input).
// Throws input_error when steps exceeds the input sequence.
u32 resolve_steps(const workload& w, u32 steps);

// "file:line: layer 'name'" for messages.
std::string describe_layer(const workload& w, const layer_desc& layer);

// The walk the fixed-point and the float models share: a layer's input is its
// sources' outputs side by side; each direction runs over it (the runner
// reverses time for the backward one); a bidirectional layer's directions are
// merged by sum(forward, backward) or concatenated.
//   run_direction(l, d, x) -> const matrix<V>&   direction d of layer l over x
//   output(l) -> matrix<V>&                      where layer l's output goes
template <typename V, typename RunDirection, typename Sum, typename Output>
void walk_network(const workload& w, const std::vector<std::vector<layer_source>>& sources,
                  u32 steps, const matrix<V>& input, RunDirection&& run_direction, Sum&& sum,
                  Output&& output) {
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const layer_desc& layer = w.layers[l];
        matrix<V> x(steps, layer.inputs);
        u32 offset = 0;
        for (const layer_source& s : sources[l]) {
            const matrix<V>& from =
                s.layer == network_input ? input : output(static_cast<std::size_t>(s.layer));
            for (u32 t = 0; t < steps; ++t)
                std::copy(from.row(t), from.row(t) + s.width, x.row(t) + offset);
            offset += s.width;
        }
        const matrix<V>& forward = run_direction(l, 0u, x);
        matrix<V>& out = output(l);
        if (!layer.bidirectional) {
            out = forward;
            continue;
        }
        const matrix<V>& backward = run_direction(l, 1u, x);
        out = matrix<V>(steps, layer.output_width());
        for (u32 t = 0; t < steps; ++t) {
            V* to = out.row(t);
            if (layer.merge == merge_mode::sum) {
                for (u32 i = 0; i < layer.units; ++i)
                    to[i] = sum(forward.at(t, i), backward.at(t, i));
            } else {
                std::copy(forward.row(t), forward.row(t) + layer.units, to);
                std::copy(backward.row(t), backward.row(t) + layer.units, to + layer.units);
            }
        }
    }
}

}  // namespace masr::golden
