#pragma once
// The golden reference: the network exactly as the hardware computes it, in
// plain C++ (fixed_point.h arithmetic on dense vectors), plus a double-
// precision float model of the same network. Every SystemC model is tested
// bit-exact against run_fixed().
#include <functional>
#include <vector>

#include "workloads/src/workload.h"

namespace masr {

struct direction_stats {
    u64 dense_macs = 0;      // rows x columns x steps, every matrix product
    u64 effectual_macs = 0;  // non-zero weight x non-zero activation
    double weight_sparsity = 0.0;
    // Fraction of zeros in the activations this direction consumed at each
    // step (its input vector and recurrent state together), indexed by the
    // time step t whose output it produced (a backward direction consumes
    // h_(t+1) there).
    std::vector<double> activation_sparsity;
};

struct layer_result {
    matrix<i16> output;  // (T, output_width), merged directions, activation format
    std::vector<matrix<i16>> direction_output;  // per direction, (T, units)
    std::vector<direction_stats> stats;         // per direction
};

struct golden_result {
    u32 steps = 0;
    std::vector<layer_result> layers;
};

struct float_layer_result {
    matrix<double> output;  // (T, output_width)
};

struct float_result {
    u32 steps = 0;
    std::vector<float_layer_result> layers;
};

// Where a run is, reported after every time step of every layer direction
// (masr-ref prints it when a run takes long).
struct run_progress {
    u32 layer = 0;  // index into workload::layers
    u32 layers = 0;
    u32 direction = 0;  // 0 forward, 1 backward
    u32 step = 0;       // steps of this direction done so far
    u32 steps = 0;
};
using progress_fn = std::function<void(const run_progress&)>;

// steps == 0 means the whole input sequence; more steps than the sequence
// holds, or a workload whose shapes do not fit together, throw input_error.
golden_result run_fixed(const workload& w, u32 steps = 0, const progress_fn& progress = {});
float_result run_float(const workload& w, u32 steps = 0, const progress_fn& progress = {});

}  // namespace masr
