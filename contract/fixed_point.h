#pragma once
// The fixed-point arithmetic of the MASR datapath: the contract between the
// golden reference (workloads/golden/golden_reference) and the PE tile's MAC back
// end and nonlinear unit (models/pe). Both call these functions and nothing
// else, so they are bit-exact by construction of one definition, and the
// tests check that each computes the network through its own data path.
//
// Formats (see docs/quantization.md):
//   weight      w = q_w * 2^-weight_frac_bits,      -2^(weight_bits-1) <= q_w < 2^(weight_bits-1)
//   bias        same format as the weights, stored as i32
//   activation  a = q_a * 2^-activation_frac_bits,  -2^(activation_bits-1) <= q_a <
//   2^(activation_bits-1) accumulator q_w * q_a products and the bias shifted by
//   activation_frac_bits,
//               summed exactly and then saturated to accumulator_bits; an exact
//               sum does not depend on the order in which lanes, PEs and the
//               load balancer add partial sums, so every work assignment gives
//               the same result.
// Rounding: round half up (add half an LSB, then arithmetic shift right).
// Saturation: to the signed range of the destination width.
#include <algorithm>
#include <cmath>

#include "contract/layer_types.h"
#include "models/common/types.h"

namespace masr {

struct fixed_format {
    unsigned weight_bits = 8;
    unsigned weight_frac_bits = 8;
    unsigned activation_bits = 16;
    unsigned activation_frac_bits = 10;
    unsigned accumulator_bits = 32;
};

namespace fixed {

inline i64 max_of(unsigned bits) {
    return (i64{1} << (bits - 1)) - 1;
}
inline i64 min_of(unsigned bits) {
    return -(i64{1} << (bits - 1));
}

inline i64 saturate(i64 x, unsigned bits) {
    return std::clamp(x, min_of(bits), max_of(bits));
}

// x * 2^-shift rounded half up.
inline i64 round_shift(i64 x, unsigned shift) {
    if (shift == 0) return x;
    return (x + (i64{1} << (shift - 1))) >> shift;
}

// Real value to activation format (network inputs).
inline i16 quantize_activation(double x, const fixed_format& f) {
    const double scaled =
        std::floor(x * std::ldexp(1.0, static_cast<int>(f.activation_frac_bits)) + 0.5);
    const double lo = static_cast<double>(min_of(f.activation_bits));
    const double hi = static_cast<double>(max_of(f.activation_bits));
    return static_cast<i16>(std::clamp(scaled, lo, hi));
}

inline double dequantize_activation(i64 q, const fixed_format& f) {
    return std::ldexp(static_cast<double>(q), -static_cast<int>(f.activation_frac_bits));
}

// Bias term as it enters the accumulator.
inline i64 bias_to_accumulator(i32 bias, const fixed_format& f) {
    return static_cast<i64>(bias) * (i64{1} << f.activation_frac_bits);
}

inline i64 saturate_accumulator(i64 exact_sum, const fixed_format& f) {
    return saturate(exact_sum, f.accumulator_bits);
}

// Nonlinear unit: a value with frac_bits fractional bits to activation format.
// ReLU and linear are a rounding shift; sigmoid and tanh are evaluated exactly
// (double) and rounded, i.e. a table dense enough to be exact to the output LSB.
inline i16 activate(activation_fn fn, i64 value, unsigned frac_bits, const fixed_format& f) {
    const unsigned a = f.activation_frac_bits;
    i64 q = 0;
    switch (fn) {
        case activation_fn::relu:
            q = value > 0 ? (frac_bits >= a ? round_shift(value, frac_bits - a)
                                            : value << (a - frac_bits))
                          : 0;
            break;
        case activation_fn::linear:
            q = frac_bits >= a ? round_shift(value, frac_bits - a) : value << (a - frac_bits);
            break;
        case activation_fn::sigmoid:
        case activation_fn::tanh: {
            const double x = std::ldexp(static_cast<double>(value), -static_cast<int>(frac_bits));
            const double y =
                fn == activation_fn::sigmoid ? 1.0 / (1.0 + std::exp(-x)) : std::tanh(x);
            q = static_cast<i64>(std::floor(std::ldexp(y, static_cast<int>(a)) + 0.5));
            break;
        }
    }
    return static_cast<i16>(saturate(q, f.activation_bits));
}

// Accumulator (weight_frac + activation_frac fractional bits) to activation.
inline i16 activate_accumulator(activation_fn fn, i64 acc, const fixed_format& f) {
    return activate(fn, acc, f.weight_frac_bits + f.activation_frac_bits, f);
}

// a * b for two activations, back in activation format.
inline i16 multiply(i64 a, i64 b, const fixed_format& f) {
    return static_cast<i16>(
        saturate(round_shift(a * b, f.activation_frac_bits), f.activation_bits));
}

// GRU state update h' = z*h + (1-z)*c, one rounding at the end.
inline i16 gru_update(i64 z, i64 h, i64 c, const fixed_format& f) {
    const i64 one = i64{1} << f.activation_frac_bits;
    return static_cast<i16>(
        saturate(round_shift(z * h + (one - z) * c, f.activation_frac_bits), f.activation_bits));
}

// LSTM cell c' = f*c + i*g, one rounding at the end.
inline i16 lstm_cell(i64 forget, i64 c, i64 input, i64 g, const fixed_format& f) {
    return static_cast<i16>(
        saturate(round_shift(forget * c + input * g, f.activation_frac_bits), f.activation_bits));
}

// Direction merge for sum-merged bidirectional layers.
inline i16 merge_sum(i64 forward, i64 backward, const fixed_format& f) {
    return static_cast<i16>(saturate(forward + backward, f.activation_bits));
}

}  // namespace fixed
}  // namespace masr
