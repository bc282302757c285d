#include "workloads/src/weight_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <numeric>

namespace masr {

u64 seeded_random::below(u64 n) {
    // The largest multiple of n that fits in 2^64: draws at or above it
    // would make the low residues more likely.
    const u64 limit = n * ((~u64{0}) / n);
    for (;;) {
        const u64 r = next();
        if (r < limit) return r % n;
    }
}

i32 seeded_random::normal_int() {
    const u64 r = next();
    const i32 sum = static_cast<i32>(r & 0xFFFF) + static_cast<i32>((r >> 16) & 0xFFFF) +
                    static_cast<i32>((r >> 32) & 0xFFFF) + static_cast<i32>(r >> 48);
    return sum - 2 * 65535;
}

double seeded_random::normal_sigma() {
    return std::sqrt((65536.0 * 65536.0 - 1.0) / 3.0);
}

u64 mix_seed(u64 x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

u64 stream_seed(u64 seed, u32 direction, weight_stream stream) {
    return mix_seed(mix_seed(mix_seed(seed) ^ direction) ^ static_cast<u64>(stream));
}

std::vector<double> row_densities(u32 rows, double sparsity, double row_variation, u64 seed) {
    std::vector<double> d(rows);
    const double mean = 1.0 - sparsity;
    for (u32 i = 0; i < rows; ++i) {
        // Position of stratum i in [-1, 1]: (2i + 1) / rows - 1.
        const double position = static_cast<double>(2 * u64{i} + 1) / rows - 1.0;
        const double spread = row_variation * position;
        d[i] = std::min(1.0, mean * (1.0 + spread));
    }
    seeded_random rng(seed);
    for (u32 i = rows; i > 1; --i) std::swap(d[i - 1], d[rng.below(i)]);
    return d;
}

u32 kept_in_row(double density, u32 cols) {
    const double scaled = density * cols;
    const double k = std::floor(scaled + 0.5);
    return static_cast<u32>(std::clamp(k, 0.0, static_cast<double>(cols)));
}

namespace {

// Draws a rows x cols matrix, keeps the round(d_r * cols) largest magnitudes
// of each row r, scales the kept values so that the root mean square of the
// row L2 norms is `gain` and quantizes them; a kept weight never becomes 0.
matrix<i16> pruned_matrix(u32 rows, u32 cols, const std::vector<double>& densities, double gain,
                          u64 seed, const fixed_format& format) {
    matrix<i16> out(rows, cols);
    if (rows == 0 || cols == 0) return out;
    seeded_random rng(seed);
    std::vector<i32> draws(std::size_t{rows} * cols);
    // The kept set is defined by unique keys (magnitude, then the lower
    // column first), so it does not depend on how a selection algorithm
    // orders ties. It is found with a histogram of the magnitude's top bits
    // and an exact selection inside the one bucket that straddles the cut.
    const auto key = [](i32 v, u32 c) {
        return (static_cast<u64>(std::abs(v)) << 32) | (0xFFFFFFFFu - c);
    };
    constexpr unsigned bucket_shift = 8;  // |v| <= 131070 < 2^17: 512 buckets
    std::vector<u32> histogram(std::size_t{1} << (17 - bucket_shift));
    std::vector<u64> straddling;
    straddling.reserve(cols);
    u64 sum_of_squares = 0;
    for (u32 r = 0; r < rows; ++r) {
        i32* row = draws.data() + std::size_t{r} * cols;
        for (u32 c = 0; c < cols; ++c) {
            const i32 v = rng.normal_int();
            row[c] = v == 0 ? 1 : v;  // 0 is reserved for pruned weights
        }
        const u32 kept = kept_in_row(densities[r], cols);
        if (kept == 0) {
            std::fill(row, row + cols, 0);
        } else if (kept < cols) {
            std::fill(histogram.begin(), histogram.end(), 0u);
            for (u32 c = 0; c < cols; ++c) ++histogram[std::abs(row[c]) >> bucket_shift];
            std::size_t bucket = histogram.size();
            u32 above = 0;
            while (above + histogram[bucket - 1] < kept) above += histogram[--bucket];
            --bucket;  // the bucket holding the kept-th largest magnitude
            straddling.clear();
            for (u32 c = 0; c < cols; ++c)
                if (static_cast<std::size_t>(std::abs(row[c]) >> bucket_shift) == bucket)
                    straddling.push_back(key(row[c], c));
            const u32 need = kept - above;  // >= 1
            std::nth_element(straddling.begin(), straddling.begin() + (need - 1), straddling.end(),
                             std::greater<u64>());
            const u64 threshold = straddling[need - 1];
            for (u32 c = 0; c < cols; ++c) {
                const std::size_t b = static_cast<std::size_t>(std::abs(row[c]) >> bucket_shift);
                if (b < bucket || (b == bucket && key(row[c], c) < threshold)) row[c] = 0;
            }
        }
        for (u32 c = 0; c < cols; ++c) {
            const u64 v = static_cast<u64>(std::abs(row[c]));
            sum_of_squares += v * v;
        }
    }
    if (sum_of_squares == 0) return out;
    const double mean_square = static_cast<double>(sum_of_squares) / rows;
    const double rms = std::sqrt(mean_square);
    const double real_per_unit = gain / rms;
    const double lsb_per_unit =
        std::ldexp(real_per_unit, static_cast<int>(format.weight_frac_bits));
    const i64 lo = fixed::min_of(format.weight_bits);
    const i64 hi = fixed::max_of(format.weight_bits);
    for (std::size_t i = 0; i < draws.size(); ++i) {
        const i32 v = draws[i];
        if (v == 0) continue;
        // Separate statements: no fused multiply-add may change the rounding.
        const double scaled = v * lsb_per_unit;
        const double rounded = std::floor(scaled + 0.5);
        i64 q =
            static_cast<i64>(std::clamp(rounded, static_cast<double>(lo), static_cast<double>(hi)));
        if (q == 0) q = v > 0 ? 1 : -1;
        out.data[i] = static_cast<i16>(q);
    }
    return out;
}

}  // namespace

direction_weights generate_direction(const layer_desc& layer, const weight_generator_params& p,
                                     u32 direction, const fixed_format& format) {
    const u32 rows = layer.gates() * layer.units;
    const std::vector<double> densities =
        row_densities(rows, p.sparsity, p.row_variation,
                      stream_seed(p.seed, direction, weight_stream::row_density));
    direction_weights w;
    w.input = pruned_matrix(rows, layer.inputs, densities, p.input_gain,
                            stream_seed(p.seed, direction, weight_stream::input), format);
    if (layer.recurrent())
        w.recurrent =
            pruned_matrix(rows, layer.units, densities, p.recurrent_gain,
                          stream_seed(p.seed, direction, weight_stream::recurrent), format);
    w.bias.assign(rows, 0);
    if (p.bias_range > 0.0) {
        seeded_random rng(stream_seed(p.seed, direction, weight_stream::bias));
        const double lsb_range =
            std::ldexp(p.bias_range, static_cast<int>(format.weight_frac_bits));
        for (auto& b : w.bias) {
            const double centred = 2.0 * rng.uniform() - 1.0;
            const double scaled = centred * lsb_range;
            b = static_cast<i32>(std::floor(scaled + 0.5));
        }
    }
    return w;
}

matrix<float> generate_input(u32 steps, u32 width, const input_generator_params& p,
                             const fixed_format& format) {
    matrix<float> m(steps, width);
    seeded_random rng(p.seed);
    const u32 zeros = kept_in_row(p.sparsity, width);
    const double per_unit = p.scale / seeded_random::normal_sigma();
    const double lsb = std::ldexp(1.0, -static_cast<int>(format.activation_frac_bits));
    std::vector<u32> order(width);
    for (u32 t = 0; t < steps; ++t) {
        std::iota(order.begin(), order.end(), 0u);
        // Partial Fisher-Yates: the first `zeros` entries are a uniform random subset.
        for (u32 i = 0; i < zeros; ++i) std::swap(order[i], order[i + rng.below(width - i)]);
        float* row = m.row(t);
        for (u32 c = 0; c < width; ++c) {
            const double magnitude = std::abs(rng.normal_int()) * per_unit;
            row[c] = static_cast<float>(std::max(magnitude, lsb));
        }
        for (u32 i = 0; i < zeros; ++i) row[order[i]] = 0.0f;
    }
    return m;
}

}  // namespace masr
