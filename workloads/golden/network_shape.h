#pragma once
// What both references need before they walk a network: each layer's sources
// resolved to earlier layers (or the network input), and a check that every
// shape fits together, so that a hand-built or inconsistent workload gives an
// input_error naming the layer instead of an out-of-bounds read.
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

}  // namespace masr::golden
