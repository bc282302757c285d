#pragma once
// Synthetic weights and inputs for workloads without trained parameters.
// Everything is a function of the seed alone and uses only integer
// arithmetic, IEEE-exact operations (+ - * / sqrt, each in its own
// statement) and std::mt19937_64's raw output, whose sequence the C++
// standard fixes; so every machine and compiler produces the same bits.
// (std::normal_distribution and friends are implementation-defined.)
// The distributions are documented in workloads/README.md.
#include <random>
#include <vector>

#include "models/common/types.h"
#include "workloads/src/workload.h"

namespace masr {

// A seeded random stream with fixed transforms of mt19937_64's output.
class seeded_random {
public:
    explicit seeded_random(u64 seed) : engine_(seed) {}
    u64 next() { return engine_(); }
    // Uniform in [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n), n > 0, without modulo bias (rejection).
    u64 below(u64 n);
    // Approximately normal integer: the sum of the four 16-bit fields of one
    // draw, centred (Irwin-Hall, n = 4). Range [-131070, 131070], standard
    // deviation normal_sigma().
    i32 normal_int();
    // sqrt(4 * (65536^2 - 1) / 12), about 37837.2.
    static double normal_sigma();

private:
    std::mt19937_64 engine_;
};

// splitmix64 finaliser: derives independent stream seeds from one seed.
u64 mix_seed(u64 x);

// The seed of one stream of one layer direction.
enum class weight_stream : u64 { row_density = 0, input = 1, recurrent = 2, bias = 3 };
u64 stream_seed(u64 seed, u32 direction, weight_stream stream);

struct weight_generator_params {
    u64 seed = 1;
    double sparsity = 0.0;        // target fraction of zero weights, [0, 1)
    double row_variation = 0.0;   // per-row density spread, [0, 1]
    double input_gain = 1.0;      // RMS row L2 norm of the input matrix (real units)
    double recurrent_gain = 0.4;  // RMS row L2 norm of the recurrent matrix
    double bias_range = 0.0;      // bias uniform in [-bias_range, bias_range]
};

// Target non-zero fraction of each of `rows` rows: evenly spaced over
// (1-s)(1-v) .. (1-s)(1+v) (mean exactly 1-s), in a seeded random order,
// capped at 1.
std::vector<double> row_densities(u32 rows, double sparsity, double row_variation, u64 seed);

// Non-zeros kept in a row of `cols` columns at density d: round(d * cols), at
// most cols.
u32 kept_in_row(double density, u32 cols);

// One direction of a layer (shapes from layer.gates(), units, inputs).
direction_weights generate_direction(const layer_desc& layer, const weight_generator_params& p,
                                     u32 direction, const fixed_format& format);

struct input_generator_params {
    u64 seed = 1;
    double sparsity = 0.5;  // fraction of zeros in every time step, [0, 1)
    double scale = 1.0;     // standard deviation of the normal before |.|
};

// (steps, width) non-negative values with exactly round(sparsity * width)
// zeros per step; non-zeros are at least one activation LSB.
matrix<float> generate_input(u32 steps, u32 width, const input_generator_params& p,
                             const fixed_format& format);

}  // namespace masr
