// Testbench of the golden reference (run_fixed), the float model (run_float)
// and the masr-ref tool. The fixed-point results are checked against
// hand-worked integers and a naive per-product reference; the float model
// against a propagated quantization-error bound; RNNoise against the recorded
// run of the original C implementation.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "models/common/error.h"
#include "models/common/exit_codes.h"
#include "workloads/golden/golden_reference.h"
#include "workloads/src/npy_file.h"
#include "workloads/src/workload.h"

using namespace masr;

namespace {

std::string source_dir() {
    const char* env = std::getenv("MASR_SOURCE_DIR");
    return env ? env : MASR_SOURCE_DIR_DEFAULT;
}

std::string scratch_dir(const std::string& what) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("tb_golden_" + what + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

// ---------------------------------------------------------------- building
// The hand-worked cases use a format small enough to follow on paper:
// weights q/2 (weight_frac_bits 1), activations q/4 (activation_frac_bits 2,
// 8 bits: -128..127), so an accumulator has 3 fractional bits and a ReLU or
// linear output is round_shift(acc, 1) = (acc + 1) >> 1.
fixed_format hand_format(unsigned accumulator_bits) {
    fixed_format f;
    f.weight_bits = 8;
    f.weight_frac_bits = 1;
    f.activation_bits = 8;
    f.activation_frac_bits = 2;
    f.accumulator_bits = accumulator_bits;
    return f;
}

matrix<i16> int_matrix(u32 rows, u32 cols, std::vector<int> values) {
    REQUIRE(values.size() == std::size_t{rows} * cols);
    matrix<i16> m(rows, cols);
    for (std::size_t k = 0; k < values.size(); ++k) m.data[k] = static_cast<i16>(values[k]);
    return m;
}

matrix<float> real_matrix(u32 rows, u32 cols, std::vector<double> values) {
    REQUIRE(values.size() == std::size_t{rows} * cols);
    matrix<float> m(rows, cols);
    for (std::size_t k = 0; k < values.size(); ++k) m.data[k] = static_cast<float>(values[k]);
    return m;
}

workload make_workload(const fixed_format& f, matrix<float> input) {
    workload w;
    w.name = "hand";
    w.format = f;
    w.input_size = input.cols;
    w.sequence_length = input.rows;
    w.input = std::move(input);
    return w;
}

layer_desc& add_layer(workload& w, const std::string& name, layer_kind kind, u32 units, u32 inputs,
                      activation_fn act, std::vector<direction_weights> directions,
                      std::vector<std::string> sources = {}, merge_mode merge = merge_mode::sum) {
    layer_desc l;
    l.name = name;
    l.kind = kind;
    l.units = units;
    l.inputs = inputs;
    l.activation = act;
    l.bidirectional = directions.size() == 2;
    l.merge = merge;
    l.sources = std::move(sources);
    w.layers.push_back(l);
    w.weights.push_back(layer_weights{std::move(directions)});
    return w.layers.back();
}

std::vector<int> row_of(const matrix<i16>& m, u32 r) {
    return {m.row(r), m.row(r) + m.cols};
}

// Deterministic weights: a fraction `zeros` of exact zeros, the rest uniform
// in [-largest, largest] without 0.
direction_weights random_direction(std::mt19937& rng, layer_kind kind, u32 units, u32 inputs,
                                   int largest, double zeros, int largest_bias) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<int> value(-largest, largest);
    std::uniform_int_distribution<int> bias(-largest_bias, largest_bias);
    const auto draw = [&]() -> i16 {
        if (unit(rng) < zeros) return 0;
        int v = 0;
        while (v == 0) v = value(rng);
        return static_cast<i16>(v);
    };
    const u32 rows = gate_count(kind) * units;
    direction_weights d;
    d.input = matrix<i16>(rows, inputs);
    for (auto& v : d.input.data) v = draw();
    if (kind != layer_kind::dense) {
        d.recurrent = matrix<i16>(rows, units);
        for (auto& v : d.recurrent.data) v = draw();
    }
    for (u32 r = 0; r < rows; ++r) d.bias.push_back(bias(rng));
    return d;
}

matrix<float> random_input(std::mt19937& rng, u32 steps, u32 width, double largest, double zeros) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_real_distribution<double> value(-largest, largest);
    matrix<float> m(steps, width);
    for (auto& v : m.data) v = unit(rng) < zeros ? 0.0f : static_cast<float>(value(rng));
    return m;
}

// A network with every layer kind, both merges and a layer with two sources.
workload random_network(u32 seed, u32 steps) {
    std::mt19937 rng(seed);
    fixed_format f;  // 8-bit weights with 8 fractional bits, 16-bit activations with 10
    workload w = make_workload(f, random_input(rng, steps, 6, 2.0, 0.3));
    // |q_w| <= 40 (0.16) keeps the recurrences contractive, as trained networks are.
    const int q = 40;
    const int b = 64;
    add_layer(w, "rnn", layer_kind::rnn, 5, 6, activation_fn::relu,
              {random_direction(rng, layer_kind::rnn, 5, 6, q, 0.4, b),
               random_direction(rng, layer_kind::rnn, 5, 6, q, 0.4, b)},
              {}, merge_mode::sum);
    add_layer(w, "gru", layer_kind::gru, 4, 11, activation_fn::relu,
              {random_direction(rng, layer_kind::gru, 4, 11, q, 0.3, b),
               random_direction(rng, layer_kind::gru, 4, 11, q, 0.3, b)},
              {"rnn", "input"}, merge_mode::concat);
    add_layer(w, "lstm", layer_kind::lstm, 3, 8, activation_fn::tanh,
              {random_direction(rng, layer_kind::lstm, 3, 8, q, 0.2, b)});
    add_layer(w, "dense", layer_kind::dense, 3, 3, activation_fn::sigmoid,
              {random_direction(rng, layer_kind::dense, 3, 3, q, 0.2, b)});
    add_layer(w, "rnn_tanh", layer_kind::rnn, 4, 8, activation_fn::tanh,
              {random_direction(rng, layer_kind::rnn, 4, 8, q, 0.5, b)}, {"gru"});
    add_layer(w, "out", layer_kind::dense, 2, 7, activation_fn::linear,
              {random_direction(rng, layer_kind::dense, 2, 7, q, 0.0, b)}, {"rnn_tanh", "dense"});
    return w;
}

// ------------------------------------------------------------ naive model
// One product at a time, exact i64 sums, every effectual product counted as
// it happens: the brute-force count the statistics are checked against.
struct naive_layer {
    matrix<i16> output;
    std::vector<matrix<i16>> directions;
    std::vector<u64> effectual;
};

std::vector<naive_layer> naive_run(const workload& w, u32 steps) {
    const fixed_format& f = w.format;
    std::vector<naive_layer> result;
    matrix<i16> input(steps, w.input_size);
    for (u32 t = 0; t < steps; ++t)
        for (u32 j = 0; j < w.input_size; ++j)
            input.at(t, j) = fixed::quantize_activation(w.input.at(t, j), f);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const layer_desc& L = w.layers[l];
        std::vector<std::string> names = L.sources;
        if (names.empty()) names.push_back(l == 0 ? "input" : w.layers[l - 1].name);
        std::vector<std::vector<i16>> x(steps);
        for (u32 t = 0; t < steps; ++t)
            for (const auto& name : names) {
                const matrix<i16>& from =
                    name == "input" ? input
                                    : result[static_cast<std::size_t>(w.find_layer(name))].output;
                x[t].insert(x[t].end(), from.row(t), from.row(t) + from.cols);
            }
        naive_layer out;
        const u32 n = L.units;
        for (u32 d = 0; d < L.directions(); ++d) {
            const direction_weights& dw = w.weights[l].directions[d];
            u64 effectual = 0;
            const auto product = [&](i16 wt, i16 a) {
                if (wt != 0 && a != 0) ++effectual;
                return i64{wt} * a;
            };
            const auto acc = [&](u32 row, const std::vector<i16>& in,
                                 const std::vector<i16>* state) {
                i64 s = fixed::bias_to_accumulator(dw.bias[row], f);
                for (u32 j = 0; j < L.inputs; ++j) s += product(dw.input.at(row, j), in[j]);
                if (state)
                    for (u32 j = 0; j < n; ++j) s += product(dw.recurrent.at(row, j), (*state)[j]);
                return fixed::saturate_accumulator(s, f);
            };
            const auto act = [&](activation_fn fn, i64 a) {
                return fixed::activate_accumulator(fn, a, f);
            };
            matrix<i16> y(steps, n);
            std::vector<i16> h(n, 0), c(n, 0);
            for (u32 s = 0; s < steps; ++s) {
                const u32 t = d == 0 ? s : steps - 1 - s;
                std::vector<i16> next(n);
                if (L.kind == layer_kind::dense || L.kind == layer_kind::rnn) {
                    for (u32 i = 0; i < n; ++i)
                        next[i] = act(L.activation,
                                      acc(i, x[t], L.kind == layer_kind::rnn ? &h : nullptr));
                } else if (L.kind == layer_kind::gru) {
                    std::vector<i16> z(n), r(n), rh(n);
                    for (u32 i = 0; i < n; ++i)
                        z[i] = act(activation_fn::sigmoid, acc(i, x[t], &h));
                    for (u32 i = 0; i < n; ++i)
                        r[i] = act(activation_fn::sigmoid, acc(n + i, x[t], &h));
                    for (u32 i = 0; i < n; ++i) rh[i] = fixed::multiply(r[i], h[i], f);
                    for (u32 i = 0; i < n; ++i) {
                        const i16 cand = act(L.activation, acc(2 * n + i, x[t], &rh));
                        next[i] = fixed::gru_update(z[i], h[i], cand, f);
                    }
                } else {
                    for (u32 i = 0; i < n; ++i) {
                        const i16 in = act(activation_fn::sigmoid, acc(i, x[t], &h));
                        const i16 fg = act(activation_fn::sigmoid, acc(n + i, x[t], &h));
                        const i16 g = act(L.activation, acc(2 * n + i, x[t], &h));
                        const i16 o = act(activation_fn::sigmoid, acc(3 * n + i, x[t], &h));
                        c[i] = fixed::lstm_cell(fg, c[i], in, g, f);
                        next[i] = fixed::multiply(
                            o, fixed::activate(L.activation, c[i], f.activation_frac_bits, f), f);
                    }
                }
                h = next;
                std::copy(h.begin(), h.end(), y.row(t));
            }
            out.directions.push_back(y);
            out.effectual.push_back(effectual);
        }
        out.output = matrix<i16>(steps, L.output_width());
        for (u32 t = 0; t < steps; ++t)
            for (u32 i = 0; i < n; ++i) {
                if (!L.bidirectional) {
                    out.output.at(t, i) = out.directions[0].at(t, i);
                } else if (L.merge == merge_mode::sum) {
                    out.output.at(t, i) =
                        fixed::merge_sum(out.directions[0].at(t, i), out.directions[1].at(t, i), f);
                } else {
                    out.output.at(t, i) = out.directions[0].at(t, i);
                    out.output.at(t, n + i) = out.directions[1].at(t, i);
                }
            }
        result.push_back(std::move(out));
    }
    return result;
}

// ---------------------------------------------------- quantization bound
// The float model recomputed alongside a componentwise bound e on
// |fixed - float| for every value, propagated through the network:
//   input        e = |quantize(x) - x|, known exactly;
//   accumulator  the fixed sum is exact, so |acc~ - acc| <= sum_j |w_j| e_j
//                (real weights; x and h parts alike); call it r;
//   nonlinearity |act(acc~) - act(acc)| <= L r, with L the largest slope of
//                act on [acc - r, acc + r] (1 for relu/linear, sigma(1-sigma)
//                <= 1/4 for sigmoid, 1 - tanh^2 for tanh, at the point of the
//                interval nearest 0), plus half an output LSB for the
//                rounding; a relu whose whole interval is <= 0 is exactly 0
//                in both models (error 0);
//   r*h (GRU)    r~h~ - rh = (r~ - r) h~ + r (h~ - h), so
//                |.| <= e_r (|h| + e_h) + |r| e_h + LSB/2;
//   GRU update   h~' - h' = z~ e_h + (1 - z~) e_c + (z~ - z)(h - c) + rounding:
//                <= max over z~ in [z - e_z, z + e_z] & [0,1] of
//                   (z~ e_h + (1 - z~) e_c) + e_z |h - c| + LSB/2
//                (linear in z~, so the maximum is at an end of the interval);
//   LSTM cell    c~' - c' = f~(c~ - c) + (f~ - f) c + i~(g~ - g) + (i~ - i) g:
//                <= min(1, f + e_f) e_c + e_f |c| + min(1, i + e_i) e_g + e_i |g| + LSB/2;
//   LSTM output  h = o act(c'): <= min(1, o + e_o) e_a + e_o |a| + LSB/2;
//   merge        sum: e_f + e_b (merge_sum adds exactly); concat: both.
// Saturation clamps to a range; while the float value lies inside that range,
// clamping the fixed value can only bring it closer (a projection onto a
// convex set), so the argument holds as long as every float accumulator and
// activation is representable, which is checked.
//
// The bound is worst case (every rounding error with the sign that hurts), so
// it grows by about ||W_h||_inf per step; it stays informative for networks
// whose recurrences are contractive in that norm (random_network), while for
// wider random layers (tiny.yaml: ~30 non-zeros of random sign per row) it
// exceeds the value range after a few steps. The one-step mode closes that
// gap: it takes each step's inputs and previous state from the fixed-point
// run itself (error 0), so the bound is the rounding of a single step, a few
// LSB, for every layer and step of any network.
struct bound_layer {
    matrix<double> value;  // the float model's output
    matrix<double> bound;  // componentwise bound on |fixed - float|
};

struct bound_model {
    const workload& w;
    double half_lsb;
    double activation_limit;   // largest representable activation
    double accumulator_limit;  // largest representable accumulator value
    std::vector<std::string> range_violations;
    // One-step mode: every layer input and every previous state is taken from
    // this fixed-point run (dequantized, error 0), so a bound covers the
    // rounding of one step only (the LSTM cell still carries its own error).
    const golden_result* forced = nullptr;

    explicit bound_model(const workload& wl)
        : w(wl),
          half_lsb(std::ldexp(0.5, -static_cast<int>(wl.format.activation_frac_bits))),
          activation_limit(std::ldexp(static_cast<double>(fixed::max_of(wl.format.activation_bits)),
                                      -static_cast<int>(wl.format.activation_frac_bits))),
          accumulator_limit(std::ldexp(
              static_cast<double>(fixed::max_of(wl.format.accumulator_bits)),
              -static_cast<int>(wl.format.activation_frac_bits + wl.format.weight_frac_bits))) {}

    static double function(activation_fn fn, double x) {
        switch (fn) {
            case activation_fn::relu:
                return std::max(x, 0.0);
            case activation_fn::tanh:
                return std::tanh(x);
            case activation_fn::sigmoid:
                return 1.0 / (1.0 + std::exp(-x));
            case activation_fn::linear:
                return x;
        }
        return x;
    }

    static double slope_bound(activation_fn fn, double a, double r) {
        const double nearest =
            (a - r <= 0.0 && a + r >= 0.0) ? 0.0 : std::min(std::abs(a - r), std::abs(a + r));
        switch (fn) {
            case activation_fn::relu:
            case activation_fn::linear:
                return 1.0;
            case activation_fn::sigmoid: {
                const double s = function(activation_fn::sigmoid, nearest);
                return s * (1.0 - s);
            }
            case activation_fn::tanh: {
                const double t = std::tanh(nearest);
                return 1.0 - t * t;
            }
        }
        return 1.0;
    }

    void check_range(double value, double limit, const std::string& what) {
        if (std::abs(value) >= limit) range_violations.push_back(what);
    }

    // value and error bound of act(acc) for an accumulator known within r.
    std::pair<double, double> activation(activation_fn fn, double a, double r,
                                         const std::string& where) {
        check_range(a, accumulator_limit, where + " accumulator");
        const double y = function(fn, a);
        if (fn == activation_fn::relu && a + r <= 0.0) return {y, 0.0};
        const double e = slope_bound(fn, a, r) * r + half_lsb;
        check_range(y, activation_limit, where + " activation");
        return {y, e};
    }

    std::vector<bound_layer> run(u32 steps) {
        const fixed_format& f = w.format;
        const double scale = std::ldexp(1.0, -static_cast<int>(f.weight_frac_bits));
        bound_layer input{matrix<double>(steps, w.input_size), matrix<double>(steps, w.input_size)};
        for (u32 t = 0; t < steps; ++t)
            for (u32 j = 0; j < w.input_size; ++j) {
                const double x = w.input.at(t, j);
                input.value.at(t, j) = x;
                input.bound.at(t, j) =
                    std::abs(fixed::dequantize_activation(fixed::quantize_activation(x, f), f) - x);
            }
        std::vector<bound_layer> layers;
        for (std::size_t l = 0; l < w.layers.size(); ++l) {
            const layer_desc& L = w.layers[l];
            std::vector<std::string> names = L.sources;
            if (names.empty()) names.push_back(l == 0 ? "input" : w.layers[l - 1].name);
            std::vector<std::vector<double>> x(steps), ex(steps);
            for (u32 t = 0; t < steps; ++t)
                for (const auto& name : names) {
                    const bound_layer& from =
                        name == "input" ? input
                                        : layers[static_cast<std::size_t>(w.find_layer(name))];
                    if (forced) {
                        for (u32 j = 0; j < from.value.cols; ++j) {
                            const i16 q =
                                name == "input"
                                    ? fixed::quantize_activation(w.input.at(t, j), f)
                                    : forced->layers[static_cast<std::size_t>(w.find_layer(name))]
                                          .output.at(t, j);
                            x[t].push_back(fixed::dequantize_activation(q, f));
                            ex[t].push_back(0.0);
                        }
                        continue;
                    }
                    x[t].insert(x[t].end(), from.value.row(t), from.value.row(t) + from.value.cols);
                    ex[t].insert(ex[t].end(), from.bound.row(t),
                                 from.bound.row(t) + from.bound.cols);
                }
            const u32 n = L.units;
            std::vector<bound_layer> dirs;
            for (u32 d = 0; d < L.directions(); ++d) {
                const direction_weights& dw = w.weights[l].directions[d];
                // pre-activation and its error radius for one row
                const auto acc = [&](u32 row, const std::vector<double>& in,
                                     const std::vector<double>& ein, const std::vector<double>* h,
                                     const std::vector<double>* eh) {
                    double a = dw.bias[row] * scale;
                    double r = 0.0;
                    for (u32 j = 0; j < L.inputs; ++j) {
                        a += dw.input.at(row, j) * scale * in[j];
                        r += std::abs(dw.input.at(row, j) * scale) * ein[j];
                    }
                    if (h)
                        for (u32 j = 0; j < n; ++j) {
                            a += dw.recurrent.at(row, j) * scale * (*h)[j];
                            r += std::abs(dw.recurrent.at(row, j) * scale) * (*eh)[j];
                        }
                    return std::pair<double, double>{a, r};
                };
                bound_layer out{matrix<double>(steps, n), matrix<double>(steps, n)};
                std::vector<double> h(n, 0.0), eh(n, 0.0), c(n, 0.0), ec(n, 0.0);
                for (u32 s = 0; s < steps; ++s) {
                    const u32 t = d == 0 ? s : steps - 1 - s;
                    const std::string where = L.name + " step " + std::to_string(t);
                    if (forced && s > 0) {
                        const matrix<i16>& state = forced->layers[l].direction_output[d];
                        for (u32 i = 0; i < n; ++i) {
                            h[i] = fixed::dequantize_activation(state.at(d == 0 ? t - 1 : t + 1, i),
                                                                f);
                            eh[i] = 0.0;
                        }
                    }
                    std::vector<double> nh(n), neh(n);
                    if (L.kind == layer_kind::dense || L.kind == layer_kind::rnn) {
                        for (u32 i = 0; i < n; ++i) {
                            const bool rec = L.kind == layer_kind::rnn;
                            const auto [a, r] =
                                acc(i, x[t], ex[t], rec ? &h : nullptr, rec ? &eh : nullptr);
                            std::tie(nh[i], neh[i]) = activation(L.activation, a, r, where);
                        }
                    } else if (L.kind == layer_kind::gru) {
                        std::vector<double> z(n), ez(n), rg(n), er(n), rh(n), erh(n);
                        for (u32 i = 0; i < n; ++i) {
                            const auto [a, r] = acc(i, x[t], ex[t], &h, &eh);
                            std::tie(z[i], ez[i]) = activation(activation_fn::sigmoid, a, r, where);
                            const auto [a2, r2] = acc(n + i, x[t], ex[t], &h, &eh);
                            std::tie(rg[i], er[i]) =
                                activation(activation_fn::sigmoid, a2, r2, where);
                            rh[i] = rg[i] * h[i];
                            erh[i] = er[i] * (std::abs(h[i]) + eh[i]) + rg[i] * eh[i] + half_lsb;
                        }
                        for (u32 i = 0; i < n; ++i) {
                            const auto [a, r] = acc(2 * n + i, x[t], ex[t], &rh, &erh);
                            const auto [cand, ecand] = activation(L.activation, a, r, where);
                            nh[i] = z[i] * h[i] + (1.0 - z[i]) * cand;
                            const auto mix = [&](double zz) {
                                return zz * eh[i] + (1.0 - zz) * ecand;
                            };
                            const double lo = std::max(0.0, z[i] - ez[i]);
                            const double hi = std::min(1.0, z[i] + ez[i]);
                            neh[i] = std::max(mix(lo), mix(hi)) + ez[i] * std::abs(h[i] - cand) +
                                     half_lsb;
                            check_range(nh[i], activation_limit, where + " state");
                        }
                    } else {
                        for (u32 i = 0; i < n; ++i) {
                            double g[4], eg[4];
                            for (u32 k = 0; k < 4; ++k) {
                                const auto [a, r] = acc(k * n + i, x[t], ex[t], &h, &eh);
                                std::tie(g[k], eg[k]) = activation(
                                    k == 2 ? L.activation : activation_fn::sigmoid, a, r, where);
                            }
                            const double nc = g[1] * c[i] + g[0] * g[2];
                            const double enc = std::min(1.0, g[1] + eg[1]) * ec[i] +
                                               eg[1] * std::abs(c[i]) +
                                               std::min(1.0, g[0] + eg[0]) * eg[2] +
                                               eg[0] * std::abs(g[2]) + half_lsb;
                            check_range(nc, activation_limit, where + " cell");
                            c[i] = nc;
                            ec[i] = enc;
                            double sq = function(L.activation, nc);
                            double esq = (L.activation == activation_fn::relu && nc + enc <= 0.0)
                                             ? 0.0
                                             : slope_bound(L.activation, nc, enc) * enc + half_lsb;
                            nh[i] = g[3] * sq;
                            neh[i] =
                                std::min(1.0, g[3] + eg[3]) * esq + eg[3] * std::abs(sq) + half_lsb;
                        }
                    }
                    h = nh;
                    eh = neh;
                    std::copy(h.begin(), h.end(), out.value.row(t));
                    std::copy(eh.begin(), eh.end(), out.bound.row(t));
                }
                dirs.push_back(std::move(out));
            }
            if (!L.bidirectional) {
                layers.push_back(std::move(dirs[0]));
                continue;
            }
            const u32 width = L.output_width();
            bound_layer merged{matrix<double>(steps, width), matrix<double>(steps, width)};
            for (u32 t = 0; t < steps; ++t)
                for (u32 i = 0; i < n; ++i) {
                    if (L.merge == merge_mode::sum) {
                        merged.value.at(t, i) = dirs[0].value.at(t, i) + dirs[1].value.at(t, i);
                        merged.bound.at(t, i) = dirs[0].bound.at(t, i) + dirs[1].bound.at(t, i);
                        check_range(merged.value.at(t, i), activation_limit, L.name + " merge");
                    } else {
                        for (u32 k = 0; k < 2; ++k) {
                            merged.value.at(t, k * n + i) = dirs[k].value.at(t, i);
                            merged.bound.at(t, k * n + i) = dirs[k].bound.at(t, i);
                        }
                    }
                }
            layers.push_back(std::move(merged));
        }
        return layers;
    }
};

// Counts the fixed-point values outside their bound. Propagated mode (forced
// false) also checks run_float against the bound model's own float values;
// one-step mode takes inputs and states from fixed_run itself.
u64 check_quantization_bound(const workload& w, const golden_result& fixed_run, u32 steps,
                             bool one_step, bool report) {
    bound_model model(w);
    if (one_step) model.forced = &fixed_run;
    const std::vector<bound_layer> bounds = model.run(steps);
    std::optional<float_result> float_run;
    if (!one_step) float_run = run_float(w, steps);
    u64 outside = 0;
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const matrix<double>& y = bounds[l].value;
        const matrix<i16>& q = fixed_run.layers[l].output;
        double max_error = 0.0;
        double max_bound = 0.0;
        for (std::size_t k = 0; k < y.data.size(); ++k) {
            // Two float models of one network, summing in different orders.
            if (float_run)
                REQUIRE(std::abs(float_run->layers[l].output.data[k] - y.data[k]) <=
                        1e-9 * (1.0 + std::abs(y.data[k])));
            const double error =
                std::abs(fixed::dequantize_activation(q.data[k], w.format) - y.data[k]);
            const double bound = bounds[l].bound.data[k] + 1e-9;
            outside += error > bound;
            max_error = std::max(max_error, error);
            max_bound = std::max(max_bound, bound);
        }
        if (report)
            WARN((one_step ? "one step, " : "propagated, ")
                 << "layer " << w.layers[l].name << ": max |fixed - float| " << max_error
                 << ", max bound " << max_bound);
    }
    INFO("values that may saturate: "
         << model.range_violations.size()
         << (model.range_violations.empty() ? "" : ", first: " + model.range_violations[0]));
    REQUIRE(model.range_violations.empty());
    return outside;
}

int run_command(const std::string& command) {
    const int status = std::system(command.c_str());
    REQUIRE(status != -1);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double max_difference(const matrix<float>& a, const matrix<float>& b) {
    REQUIRE(a.rows == b.rows);
    REQUIRE(a.cols == b.cols);
    double m = 0.0;
    for (std::size_t k = 0; k < a.data.size(); ++k)
        m = std::max(m, std::abs(double{a.data[k]} - b.data[k]));
    return m;
}

}  // namespace

// ------------------------------------------------------------ hand-worked

TEST_CASE("rnn layer, hand-worked: input rounding, half-up outputs, accumulator saturation",
          "[unit]") {
    // 8-bit accumulator (-128..127). Wx = [[1, 2], [3, -1]], Wh = [[1, -2], [2, 1]],
    // bias = [1, -1] (bias enters as b << 2: 4, -4). ReLU out = (acc + 1) >> 1.
    // Inputs (real -> q = floor(4x + 0.5)): 0.375 -> 2 (1.5 rounds up),
    // -0.375 -> -1 (-1.5 rounds up to -1), then [1, .5] -> [4, 2],
    // [20, 0] -> [80, 0], [-1, 0] -> [-4, 0].
    // t0 h=[0,0]: u0 = 4 + 1*2 + 2*(-1) = 4 -> 2;  u1 = -4 + 3*2 + (-1)(-1) = 3 -> 2 (1.5 up)
    // t1 h=[2,2]: u0 = 4 + 4 + 4 + 2 - 4 = 10 -> 5; u1 = -4 + 12 - 2 + 4 + 2 = 12 -> 6
    // t2 h=[5,6]: u0 = 4 + 80 + 5 - 12 = 77 -> 39;
    //             u1 = -4 + 240 + 10 + 6 = 252, saturated to 127 -> 64 (126 unsaturated)
    // t3 h=[39,64]: u0 = 4 - 4 + 39 - 128 = -89 -> relu 0; u1 = -4 - 12 + 78 + 64 = 126 -> 63
    workload w =
        make_workload(hand_format(8), real_matrix(4, 2, {0.375, -0.375, 1, 0.5, 20, 0, -1, 0}));
    add_layer(w, "rnn", layer_kind::rnn, 2, 2, activation_fn::relu,
              {{int_matrix(2, 2, {1, 2, 3, -1}), int_matrix(2, 2, {1, -2, 2, 1}), {1, -1}}});
    const golden_result r = run_fixed(w);
    REQUIRE(r.steps == 4);
    const matrix<i16>& y = r.layers[0].output;
    CHECK(row_of(y, 0) == std::vector<int>{2, 2});
    CHECK(row_of(y, 1) == std::vector<int>{5, 6});
    CHECK(row_of(y, 2) == std::vector<int>{39, 64});
    CHECK(row_of(y, 3) == std::vector<int>{0, 63});
    // 8 weights per step, all non-zero: dense = effectual on non-zero activations.
    // Effectual: t0 x=[2,-1] h=0: 4; t1 x,h all non-zero: 8; t2 x=[80,0] h non-zero: 2+4;
    // t3 x=[-4,0] h non-zero: 2+4. Total 24 of 32.
    const direction_stats& s = r.layers[0].stats[0];
    CHECK(s.dense_macs == 32);
    CHECK(s.effectual_macs == 24);
    CHECK(s.weight_sparsity == 0.0);
    CHECK(s.activation_sparsity == std::vector<double>{0.5, 0.0, 0.25, 0.25});

    SECTION("--steps truncates the sequence") {
        const golden_result first = run_fixed(w, 2);
        REQUIRE(first.steps == 2);
        CHECK(first.layers[0].output.rows == 2u);
        CHECK(row_of(first.layers[0].output, 1) == std::vector<int>{5, 6});
        CHECK(first.layers[0].stats[0].dense_macs == 16);
        CHECK_THROWS_AS(run_fixed(w, 5), input_error);
    }
}

TEST_CASE("dense layer, hand-worked: negative half rounding, activation saturation", "[unit]") {
    // Linear output = round_shift(acc, 1) = (acc + 1) >> 1, 8-bit activations
    // (-128..127), 16-bit accumulator. W = [[1, -1], [3, 2]], bias = [0, 1] (-> 0, 4).
    // x q [1, 4]:   u0 = 1 - 4 = -3 -> -1 (-1.5 rounds up); u1 = 4 + 3 + 8 = 15 -> 8
    // x q [51, 51]: u0 = 0 -> 0; u1 = 4 + 153 + 102 = 259 -> 130, saturated to 127
    // x q [-1, 0]:  u0 = -1 -> 0 (-0.5 rounds up); u1 = 4 - 3 = 1 -> 1 (0.5 rounds up)
    workload w =
        make_workload(hand_format(16), real_matrix(3, 2, {0.25, 1.0, 12.75, 12.75, -0.25, 0.0}));
    add_layer(w, "dense", layer_kind::dense, 2, 2, activation_fn::linear,
              {{int_matrix(2, 2, {1, -1, 3, 2}), {}, {0, 1}}});
    const golden_result r = run_fixed(w);
    const matrix<i16>& y = r.layers[0].output;
    CHECK(row_of(y, 0) == std::vector<int>{-1, 8});
    CHECK(row_of(y, 1) == std::vector<int>{0, 127});
    CHECK(row_of(y, 2) == std::vector<int>{0, 1});
    // 4 weights x 3 steps; effectual 4 + 4 + 2 (x = [-1, 0] uses column 0 only).
    CHECK(r.layers[0].stats[0].dense_macs == 12);
    CHECK(r.layers[0].stats[0].effectual_macs == 10);
    CHECK(r.layers[0].stats[0].activation_sparsity == std::vector<double>{0.0, 0.0, 0.5});
}

TEST_CASE("gru layer, hand-worked, with its statistics", "[unit]") {
    // 1 input, 2 units; rows z0 z1 r0 r1 c0 c1. Wx = [0, 2 | 0, 4 | 2, -1],
    // Wh = [0 0; 0 0 | 0 0; 1 0 | 1 0; 0 2], bias = [0 0 | 0 0 | 0 1].
    // Sigmoid outputs q = floor(4 sigma(acc/8) + 0.5): acc in [-4, 4] -> 2,
    // 5..15 -> 3, >= 16 -> 4. ReLU candidate (acc + 1) >> 1.
    // multiply(a, b) = (a b + 2) >> 2; gru_update = (z h + (4 - z) c + 2) >> 2.
    // t0 x=2, h=[0,0]: z = [2, 2] (acc 0, 4); r = [2, 3] (acc 0, 8: sigma(1) = .731 -> 2.92 -> 3)
    //   rh = [0, 0]; c0 = acc 4 -> 2; c1 = 4 - 2 = 2 -> 1 (1.5... (2+1)>>1 = 1)
    //   h0 = (0 + 2*2 + 2) >> 2 = 1; h1 = (0 + 2*1 + 2) >> 2 = 1 (0.5 rounds up)
    // t1 x=4, h=[1,1]: z = [2, 3] (acc 0, 8); r = [2, 4] (acc 0, 16 + 1 = 17: 2.125 -> 4)
    //   rh = [(2+2)>>2, (4+2)>>2] = [1, 1]; c0 = 8 + 1 = 9 -> 5; c1 = 4 - 4 + 2 = 2 -> 1
    //   h0 = (2*1 + 2*5 + 2) >> 2 = 3; h1 = (3*1 + 1*1 + 2) >> 2 = 1
    workload w = make_workload(hand_format(16), real_matrix(2, 1, {0.5, 1.0}));
    add_layer(w, "gru", layer_kind::gru, 2, 1, activation_fn::relu,
              {{int_matrix(6, 1, {0, 2, 0, 4, 2, -1}),
                int_matrix(6, 2, {0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2}),
                {0, 0, 0, 0, 0, 1}}});
    const golden_result r = run_fixed(w);
    const matrix<i16>& y = r.layers[0].output;
    CHECK(row_of(y, 0) == std::vector<int>{1, 1});
    CHECK(row_of(y, 1) == std::vector<int>{3, 1});
    // Dense: (6x1 + 6x2) x 2 steps = 36. Column non-zeros: x: 4 rows (z1 r1 c0 c1);
    // h in z,r rows: column 0 one (r1), column 1 none; r*h in c rows: one each.
    // t0: x 4, h = 0, rh = 0 -> 4. t1: x 4, h [1,1] -> 1, rh [1,1] -> 2 -> 7. Total 11.
    const direction_stats& s = r.layers[0].stats[0];
    CHECK(s.dense_macs == 36);
    CHECK(s.effectual_macs == 11);
    CHECK(s.weight_sparsity == Approx(11.0 / 18.0));  // 2 of 6 and 9 of 12 weights are zero
    CHECK(s.activation_sparsity == std::vector<double>{2.0 / 3.0, 0.0});
}

TEST_CASE("lstm layer, hand-worked", "[unit]") {
    // 1 input, 1 unit; rows i f g o. Wx = [0, 0, 4, 8], Wh = [0, 2, 0, 0], bias = [4, 0, 0, 0]
    // (bias 4 enters as 16 = 2.0 real). tanh cell candidate and output squash.
    // sigmoid q: acc <= 4 -> 2, 5..15 -> 3, >= 16 -> 4; tanh(0.5)*4 = 1.85 -> 2, tanh(1)*4 = 3.05
    // -> 3. t0 x=1 (0.25), h=0, c=0: i = 4, f = 2, g = tanh(4/8) -> 2, o = sigma(8/8) -> 3
    //   c' = (2*0 + 4*2 + 2) >> 2 = 2; h = multiply(3, tanh(2/4) -> 2) = (6 + 2) >> 2 = 2
    // t1 x=2, h=2, c=2: i = 4, f = acc 4 -> 2, g = tanh(8/8) -> 3, o = acc 16 -> 4
    //   c' = (2*2 + 4*3 + 2) >> 2 = 4; h = multiply(4, tanh(1) -> 3) = (12 + 2) >> 2 = 3
    workload w = make_workload(hand_format(16), real_matrix(2, 1, {0.25, 0.5}));
    add_layer(w, "lstm", layer_kind::lstm, 1, 1, activation_fn::tanh,
              {{int_matrix(4, 1, {0, 0, 4, 8}), int_matrix(4, 1, {0, 2, 0, 0}), {4, 0, 0, 0}}});
    const golden_result r = run_fixed(w);
    CHECK(row_of(r.layers[0].output, 0) == std::vector<int>{2});
    CHECK(row_of(r.layers[0].output, 1) == std::vector<int>{3});
    // Dense 8 per step. Effectual: t0 x: 2 (g, o), h = 0; t1 x: 2, h: 1 (f). Total 5.
    CHECK(r.layers[0].stats[0].dense_macs == 16);
    CHECK(r.layers[0].stats[0].effectual_macs == 5);
}

TEST_CASE("float model, hand-worked rnn and gru", "[unit]") {
    // The rnn of the first case in reals (weights q/2, no rounding, no saturation):
    // t0 x=[.375,-.375]: u0 = .5 + .5*.375 - 1*.375 = .3125; u1 = -.5 + 1.5*.375 + .5*.375 = .25
    // t1 x=[1,.5], h=[.3125,.25]: u0 = .5 + .5 + .5 + .15625 - .25 = 1.40625;
    //                             u1 = -.5 + 1.5 - .25 + .3125 + .125 = 1.1875
    workload w = make_workload(hand_format(8), real_matrix(2, 2, {0.375, -0.375, 1, 0.5}));
    add_layer(w, "rnn", layer_kind::rnn, 2, 2, activation_fn::relu,
              {{int_matrix(2, 2, {1, 2, 3, -1}), int_matrix(2, 2, {1, -2, 2, 1}), {1, -1}}});
    const float_result r = run_float(w);
    CHECK(r.layers[0].output.at(0, 0) == Approx(0.3125));
    CHECK(r.layers[0].output.at(0, 1) == Approx(0.25));
    CHECK(r.layers[0].output.at(1, 0) == Approx(1.40625));
    CHECK(r.layers[0].output.at(1, 1) == Approx(1.1875));

    // The gru case in reals, t0 (x = .5, h = 0): z1 = sigma(.5), r irrelevant (h = 0),
    // c = [relu(1*.5), relu(.5 - .5*.5)] = [.5, .25]; h = (1 - z) c.
    workload g = make_workload(hand_format(16), real_matrix(1, 1, {0.5}));
    add_layer(g, "gru", layer_kind::gru, 2, 1, activation_fn::relu,
              {{int_matrix(6, 1, {0, 2, 0, 4, 2, -1}),
                int_matrix(6, 2, {0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2}),
                {0, 0, 0, 0, 0, 1}}});
    const float_result rg = run_float(g);
    const double z1 = 1.0 / (1.0 + std::exp(-0.5));
    CHECK(rg.layers[0].output.at(0, 0) == Approx(0.5 * 0.5));
    CHECK(rg.layers[0].output.at(0, 1) == Approx((1.0 - z1) * 0.25));
}

// ---------------------------------------------------------- bidirectional

TEST_CASE(
    "bidirectional: backward direction is the forward run of the reversed sequence, and merges",
    "[unit]") {
    for (const layer_kind kind : {layer_kind::rnn, layer_kind::gru, layer_kind::lstm}) {
        for (const merge_mode merge : {merge_mode::sum, merge_mode::concat}) {
            for (const u32 steps : {0u, 7u}) {
                INFO("kind " << enum_to_string(kind) << " merge " << enum_to_string(merge)
                             << " steps " << steps);
                std::mt19937 rng(17 + static_cast<u32>(kind));
                fixed_format f;
                workload w = make_workload(f, random_input(rng, 12, 5, 3.0, 0.3));
                add_layer(w, "bi", kind, 4, 5,
                          kind == layer_kind::lstm ? activation_fn::tanh : activation_fn::relu,
                          {random_direction(rng, kind, 4, 5, 60, 0.3, 100),
                           random_direction(rng, kind, 4, 5, 60, 0.3, 100)},
                          {}, merge);
                const golden_result both = run_fixed(w, steps);
                const u32 T = steps ? steps : 12;
                REQUIRE(both.steps == T);

                // The backward weights run forward over the reversed (truncated) sequence.
                workload reversed = make_workload(f, matrix<float>(T, 5));
                for (u32 t = 0; t < T; ++t)
                    std::copy(w.input.row(T - 1 - t), w.input.row(T - 1 - t) + 5,
                              reversed.input.row(t));
                add_layer(reversed, "bwd", kind, 4, 5, w.layers[0].activation,
                          {w.weights[0].directions[1]});
                const golden_result backward = run_fixed(reversed);
                // and the forward direction equals a unidirectional layer with the forward weights
                workload forward_only = make_workload(f, w.input);
                add_layer(forward_only, "fwd", kind, 4, 5, w.layers[0].activation,
                          {w.weights[0].directions[0]});
                const golden_result forward = run_fixed(forward_only, steps);

                const layer_result& lr = both.layers[0];
                bool any_nonzero = false;
                for (u32 t = 0; t < T; ++t)
                    for (u32 i = 0; i < 4; ++i) {
                        const i16 fw = lr.direction_output[0].at(t, i);
                        const i16 bw = lr.direction_output[1].at(t, i);
                        any_nonzero |= bw != 0;
                        REQUIRE(fw == forward.layers[0].output.at(t, i));
                        REQUIRE(bw == backward.layers[0].output.at(T - 1 - t, i));
                        if (merge == merge_mode::sum) {
                            REQUIRE(lr.output.cols == 4u);
                            REQUIRE(lr.output.at(t, i) == fixed::merge_sum(fw, bw, f));
                        } else {
                            REQUIRE(lr.output.cols == 8u);
                            REQUIRE(lr.output.at(t, i) == fw);
                            REQUIRE(lr.output.at(t, 4 + i) == bw);
                        }
                    }
                REQUIRE(any_nonzero);
                // The statistics of a direction do not depend on which way it runs.
                CHECK(lr.stats[1].effectual_macs == backward.layers[0].stats[0].effectual_macs);
                CHECK(lr.stats[1].dense_macs == backward.layers[0].stats[0].dense_macs);
            }
        }
    }
}

TEST_CASE("merge_sum saturates the sum of the directions", "[unit]") {
    // Both directions output 127 (the 8-bit maximum); the sum 254 saturates to 127,
    // and -128 + -128 to -128. Dense linear, W = [2], x q = 127 -> acc 254 -> 127 (saturated);
    // x q = -128 -> -256 -> -128.
    workload w = make_workload(hand_format(16), real_matrix(2, 1, {31.75, -32.0}));
    add_layer(w, "bi", layer_kind::dense, 1, 1, activation_fn::linear,
              {{int_matrix(1, 1, {2}), {}, {0}}, {int_matrix(1, 1, {2}), {}, {0}}}, {},
              merge_mode::sum);
    const golden_result r = run_fixed(w);
    CHECK(r.layers[0].direction_output[0].at(0, 0) == 127);
    CHECK(r.layers[0].output.at(0, 0) == 127);
    CHECK(r.layers[0].output.at(1, 0) == -128);
}

// ------------------------------------------------------------- statistics

TEST_CASE("statistics and outputs equal the naive per-product reference on random networks",
          "[unit]") {
    for (const u32 seed : {1u, 2u, 3u}) {
        INFO("seed " << seed);
        const workload w = random_network(seed, 15);
        const golden_result r = run_fixed(w);
        const std::vector<naive_layer> naive = naive_run(w, 15);
        for (std::size_t l = 0; l < w.layers.size(); ++l) {
            const layer_desc& L = w.layers[l];
            INFO("layer " << L.name);
            REQUIRE(r.layers[l].output.data == naive[l].output.data);
            for (u32 d = 0; d < L.directions(); ++d) {
                const direction_stats& s = r.layers[l].stats[d];
                const direction_weights& dw = w.weights[l].directions[d];
                REQUIRE(r.layers[l].direction_output[d].data == naive[l].directions[d].data);
                // Dense MACs: gates x units x (inputs + units, recurrent only) x steps.
                const u64 per_step =
                    u64{L.gates()} * L.units * (L.inputs + (L.recurrent() ? L.units : 0));
                CHECK(s.dense_macs == per_step * 15);
                CHECK(s.effectual_macs == naive[l].effectual[d]);
                CHECK(s.effectual_macs <= s.dense_macs);
                u64 zeros = 0;
                for (const i16 v : dw.input.data) zeros += v == 0;
                for (const i16 v : dw.recurrent.data) zeros += v == 0;
                CHECK(s.weight_sparsity == Approx(static_cast<double>(zeros) / (per_step)));
                REQUIRE(s.activation_sparsity.size() == 15u);
            }
        }
        // A direction's activation sparsity at step t: zeros of x_t and h_(t-1) (dense: x_t).
        const layer_result& gru = r.layers[1];
        for (u32 t = 0; t < 15; ++t) {
            u32 zeros = 0;
            for (u32 j = 0; j < 5; ++j) zeros += r.layers[0].output.at(t, j) == 0;
            for (u32 j = 0; j < 6; ++j)
                zeros += fixed::quantize_activation(w.input.at(t, j), w.format) == 0;
            const u32 prev_forward = t;  // h_(t-1) of the forward direction, zero at t = 0
            for (u32 j = 0; j < 4; ++j)
                zeros += prev_forward == 0 ? 1 : gru.direction_output[0].at(t - 1, j) == 0;
            CHECK(gru.stats[0].activation_sparsity[t] == Approx(zeros / 15.0));
        }
    }
}

TEST_CASE("exact accumulation with wide weights: chunked sums equal the naive i64 sum", "[unit]") {
    // 16-bit weights up to 30000 and activations up to 32767: a product is close to 2^30,
    // so only two fit into an i32 and the sum is split into chunks; 48-bit accumulator.
    std::mt19937 rng(5);
    fixed_format f;
    f.weight_bits = 16;
    f.weight_frac_bits = 12;
    f.accumulator_bits = 48;
    workload w = make_workload(f, random_input(rng, 6, 300, 31.0, 0.1));
    add_layer(w, "wide", layer_kind::rnn, 8, 300, activation_fn::linear,
              {random_direction(rng, layer_kind::rnn, 8, 300, 30000, 0.1, 30000)});
    add_layer(w, "saturating", layer_kind::dense, 8, 8, activation_fn::linear,
              {random_direction(rng, layer_kind::dense, 8, 8, 30000, 0.0, 30000)});
    const golden_result r = run_fixed(w);
    const std::vector<naive_layer> naive = naive_run(w, 6);
    REQUIRE(r.layers[0].output.data == naive[0].output.data);
    REQUIRE(r.layers[1].output.data == naive[1].output.data);
    u64 saturated = 0;
    for (const i16 v : r.layers[0].output.data) saturated += v == 32767 || v == -32768;
    CHECK(saturated > 0);  // the case reaches the activation limits, not only small sums
}

// ------------------------------------------------------ fixed versus float

TEST_CASE("fixed vs float within the quantization bound: hand-built network", "[unit]") {
    const workload w = random_network(11, 40);
    const golden_result r = run_fixed(w);
    CHECK(check_quantization_bound(w, r, 40, false, true) == 0);
    CHECK(check_quantization_bound(w, r, 40, true, true) == 0);

    // Both bounds are tight enough to catch an arithmetic fault: a fixed model
    // whose first-layer biases are off by 4 weight LSB (1/64, 16 activation LSB)
    // violates them.
    workload faulty = w;
    for (auto& d : faulty.weights[0].directions)
        for (auto& b : d.bias) b += 4;
    const golden_result wrong = run_fixed(faulty);
    CHECK(check_quantization_bound(w, wrong, 40, false, false) > 0);
    CHECK(check_quantization_bound(w, wrong, 40, true, false) > 0);
}

TEST_CASE("fixed vs float within the quantization bound: tiny.yaml", "[unit]") {
    const workload w = workload::load(source_dir() + "/workloads/tiny.yaml");
    const golden_result r = run_fixed(w);
    CHECK(check_quantization_bound(w, r, r.steps, false, true) == 0);
    CHECK(check_quantization_bound(w, r, r.steps, true, true) == 0);

    // A fault of 2 weight LSB in the biases of the GRU layer l2 (the first layer
    // where the worst-case propagated bound stops being informative) is caught
    // by the one-step bound.
    const int l2 = w.find_layer("l2");
    REQUIRE(l2 >= 0);
    workload faulty = w;
    for (auto& d : faulty.weights[static_cast<std::size_t>(l2)].directions)
        for (auto& b : d.bias) b += 2;
    CHECK(check_quantization_bound(w, run_fixed(faulty), r.steps, true, false) > 0);
}

// ----------------------------------------------------------------- rnnoise

TEST_CASE("rnnoise: band gains and VAD within 0.03 of the recorded run, GRU zero fractions",
          "[unit]") {
    const std::string dir = source_dir() + "/workloads/rnnoise";
    const workload w = workload::load(source_dir() + "/workloads/rnnoise.yaml");
    const golden_result r = run_fixed(w);
    REQUIRE(r.steps == 1000u);
    for (const char* name : {"denoise_output", "vad_output"}) {
        INFO(name);
        const int l = w.find_layer(name);
        REQUIRE(l >= 0);
        const matrix<float> expected =
            read_npy_matrix(dir + "/sequences/speech_pink_noise." + name + ".npy");
        const matrix<i16>& q = r.layers[static_cast<std::size_t>(l)].output;
        REQUIRE(q.rows == expected.rows);
        REQUIRE(q.cols == expected.cols);
        double largest = 0.0;
        double sum = 0.0;
        for (std::size_t k = 0; k < q.data.size(); ++k) {
            const double e =
                std::abs(fixed::dequantize_activation(q.data[k], w.format) - expected.data[k]);
            largest = std::max(largest, e);
            sum += e;
        }
        WARN(name << ": max error " << largest << ", mean error " << sum / q.data.size());
        CHECK(largest <= 0.03);
        CHECK(sum / q.data.size() <= 0.005);  // README: about 0.002
    }
    // README: about 11-15 % of vad_gru, 41-45 % of noise_gru and 27-29 % of
    // denoise_gru hidden values are exactly zero after quantization.
    const std::vector<std::tuple<const char*, double, double>> zero_ranges{
        {"vad_gru", 0.09, 0.17}, {"noise_gru", 0.39, 0.47}, {"denoise_gru", 0.25, 0.31}};
    for (const auto& [name, lo, hi] : zero_ranges) {
        const int l = w.find_layer(name);
        REQUIRE(l >= 0);
        const auto& data = r.layers[static_cast<std::size_t>(l)].output.data;
        const double zeros =
            static_cast<double>(std::count(data.begin(), data.end(), i16{0})) / data.size();
        WARN(name << ": zero fraction " << zeros);
        CHECK(zeros >= lo);
        CHECK(zeros <= hi);
    }
}

TEST_CASE("masr-ref --dump on rnnoise reproduces the stored outputs", "[unit]") {
    const std::string out = scratch_dir("dump");
    const std::string log = out + "/log.txt";
    const int status =
        run_command(std::string(MASR_REF_PATH) + " --workload " + source_dir() +
                    "/workloads/rnnoise.yaml --dump " + out + "/layers > " + log + " 2>&1");
    INFO(read_text(log));
    REQUIRE(status == 0);
    CHECK(read_text(log).find("host time") != std::string::npos);

    const workload w = workload::load(source_dir() + "/workloads/rnnoise.yaml");
    const golden_result r = run_fixed(w);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const matrix<float> dumped = read_npy_matrix(out + "/layers/" + w.layers[l].name + ".npy");
        const matrix<i16>& q = r.layers[l].output;
        REQUIRE(dumped.rows == q.rows);
        REQUIRE(dumped.cols == q.cols);
        for (std::size_t k = 0; k < q.data.size(); ++k)
            REQUIRE(dumped.data[k] ==
                    static_cast<float>(fixed::dequantize_activation(q.data[k], w.format)));
    }
    for (const char* name : {"denoise_output", "vad_output"}) {
        const matrix<float> expected = read_npy_matrix(
            source_dir() + "/workloads/rnnoise/sequences/speech_pink_noise." + name + ".npy");
        CHECK(max_difference(read_npy_matrix(out + "/layers/" + name + ".npy"), expected) <= 0.03);
    }

    // --float --steps 10 dumps the float model over the first 10 frames.
    REQUIRE(run_command(std::string(MASR_REF_PATH) + " --workload " + source_dir() +
                        "/workloads/rnnoise.yaml --float --steps 10 --dump " + out + "/float > " +
                        log + " 2>&1") == 0);
    const float_result fr = run_float(w, 10);
    const int vad = w.find_layer("vad_output");
    const matrix<float> dumped = read_npy_matrix(out + "/float/vad_output.npy");
    REQUIRE(dumped.rows == 10u);
    for (u32 t = 0; t < 10; ++t)
        CHECK(dumped.at(t, 0) ==
              static_cast<float>(fr.layers[static_cast<std::size_t>(vad)].output.at(t, 0)));
    std::filesystem::remove_all(out);
}

// ------------------------------------------------------------------ errors

TEST_CASE("masr-ref: bad input gives one line naming the problem and exit status 2", "[unit]") {
    const std::string out = scratch_dir("errors");
    const std::string log = out + "/log.txt";
    const std::string workload_file = source_dir() + "/workloads/rnnoise.yaml";
    const std::string ref = MASR_REF_PATH;

    // An input sequence 41 wide for a network that takes 42.
    const std::string bad = out + "/narrow.npy";
    write_npy(bad, matrix<float>(5, 41));
    REQUIRE(run_command(ref + " --workload " + workload_file + " --input " + bad + " > " + log +
                        " 2>&1") == 2);
    std::string text = read_text(log);
    INFO(text);
    CHECK(text.rfind("masr-ref: ", 0) == 0);
    CHECK(text.find(bad) != std::string::npos);
    CHECK(text.find("42") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);

    REQUIRE(run_command(ref + " --workload " + out + "/missing.yaml > " + log + " 2>&1") == 2);
    text = read_text(log);
    CHECK(text.find("missing.yaml") != std::string::npos);

    REQUIRE(run_command(ref + " > " + log + " 2>&1") == 2);
    CHECK(read_text(log).find("--workload") != std::string::npos);

    REQUIRE(run_command(ref + " --workload " + workload_file + " --steps 1001 > " + log +
                        " 2>&1") == 2);
    CHECK(read_text(log).find("1000") != std::string::npos);

    REQUIRE(run_command(ref + " --workload " + workload_file + " --bogus > " + log + " 2>&1") == 2);
    CHECK(read_text(log).find("bogus") != std::string::npos);

    REQUIRE(run_command(ref + " --help > " + log + " 2>&1") == 0);
    text = read_text(log);
    for (const char* option : {"--workload", "--input", "--steps", "--dump", "--float", "Examples"})
        CHECK(text.find(option) != std::string::npos);
    std::filesystem::remove_all(out);
}

TEST_CASE("workloads whose shapes do not fit are rejected naming the layer", "[unit]") {
    workload w = make_workload(hand_format(16), real_matrix(2, 2, {0, 0, 0, 0}));
    w.file = "hand.yaml";
    add_layer(w, "first", layer_kind::rnn, 2, 2, activation_fn::relu,
              {{int_matrix(2, 2, {1, 1, 1, 1}), int_matrix(2, 2, {1, 1, 1, 1}), {0, 0}}});
    w.layers[0].line = 7;
    REQUIRE_NOTHROW(run_fixed(w));

    const auto message = [](const workload& bad) {
        try {
            run_fixed(bad);
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    workload rows = w;
    rows.weights[0].directions[0].input = int_matrix(1, 2, {1, 1});
    CHECK_THAT(message(rows),
               Catch::Contains("hand.yaml:7: layer 'first'") && Catch::Contains("expected 2x2"));

    workload source = w;
    source.layers[0].sources = {"later"};
    CHECK_THAT(message(source), Catch::Contains("'later'"));

    workload width = w;
    width.layers[0].sources = {"input", "input"};
    CHECK_THAT(message(width), Catch::Contains("4 wide") && Catch::Contains("inputs is 2"));

    workload directions = w;
    directions.layers[0].bidirectional = true;
    CHECK_THAT(message(directions), Catch::Contains("expected 2"));
    CHECK_THROWS_AS(run_float(directions), input_error);
}

// ---------------------------------------------------------------- reliability (issue 11)

namespace {

// Runs masr-ref with arguments; returns the exit status and sets text to
// everything it printed.
int run_ref(const std::string& arguments, std::string& text) {
    static const std::string out = scratch_dir("reliability");
    const std::string log = out + "/log.txt";
    const int status = run_command(std::string(MASR_REF_PATH) + " " + arguments + " > " + log +
                                   " 2>&1 < /dev/null");
    text = read_text(log);
    return status;
}

}  // namespace

TEST_CASE("masr-ref: --steps takes the one number rule (negative, NaN, overflow, non-integers)",
          "[unit]") {
    const std::string w = "--workload " + source_dir() + "/workloads/tiny.yaml";
    std::string text;
    CHECK(run_ref(w + " --steps=-1", text) == 2);
    CHECK(text ==
          "masr-ref: --steps is '-1' (negative), expected an integer from 0 to "
          "4294967295\n");
    CHECK(run_ref(w + " --steps 4294967296", text) == 2);
    CHECK(text ==
          "masr-ref: --steps is '4294967296' (too large for a 32-bit unsigned integer), "
          "expected an integer from 0 to 4294967295\n");
    CHECK(run_ref(w + " --steps 18446744073709551617", text) == 2);
    CHECK(text.find("(too large for 64 bits)") != std::string::npos);
    CHECK(run_ref(w + " --steps .nan", text) == 2);
    CHECK(text.find("--steps is '.nan' (not a number)") != std::string::npos);
    CHECK(run_ref(w + " --steps inf", text) == 2);
    CHECK(text.find("--steps is 'inf' (infinite)") != std::string::npos);
    CHECK(run_ref(w + " --steps 2.5", text) == 2);
    CHECK(text.find("--steps is '2.5' (not an integer)") != std::string::npos);
    CHECK(run_ref(w + " --steps 010", text) == 2);
    CHECK(text.find("ambiguous") != std::string::npos);
    CHECK(run_ref(w + " --steps 3", text) == 0);
    CHECK(text.find(", 3 steps,") != std::string::npos);
}

TEST_CASE("masr-ref: stray positional arguments are refused by name", "[unit]") {
    const std::string w = "--workload " + source_dir() + "/workloads/tiny.yaml";
    std::string text;
    CHECK(run_ref(source_dir() + "/workloads/tiny.yaml", text) == 2);
    CHECK(text == "masr-ref: unexpected argument '" + source_dir() +
                      "/workloads/tiny.yaml': masr-ref takes only options (a file is given as "
                      "--workload FILE or --input FILE; see --help)\n");
    CHECK(run_ref(w + " extra", text) == 2);
    CHECK(text.find("unexpected argument 'extra'") != std::string::npos);
    // --float is a switch: a value after it is a stray word, not its value.
    CHECK(run_ref(w + " --float yes", text) == 2);
    CHECK(text.find("unexpected argument 'yes'") != std::string::npos);
    CHECK(run_ref(w + " --steps 2 3", text) == 2);
    CHECK(text.find("unexpected argument '3'") != std::string::npos);
    CHECK(run_ref(w + " --steps 2", text) == 0);
}

TEST_CASE("masr-ref: the shared exit statuses, documented in --help", "[unit]") {
    std::string text;
    REQUIRE(run_ref("--help", text) == exit_ok);
    for (const char* line :
         {"Exit status:", "0  done", "1  check mismatch", "2  bad input", "3  internal error"})
        CHECK(text.find(line) != std::string::npos);
    CHECK(run_ref("--workload " + source_dir() + "/workloads/tiny.yaml", text) == exit_ok);
    CHECK(run_ref("--bogus", text) == exit_bad_input);
    CHECK(run_ref("", text) == exit_bad_input);
}

TEST_CASE("masr-ref: a directory given as a file is named, never a stream error", "[unit]") {
    const std::string dir = scratch_dir("directory");
    std::string text;
    CHECK(run_ref("--workload " + dir, text) == 2);
    CHECK(text == "masr-ref: " + dir + ": is a directory, expected a workload YAML file\n");
    CHECK(run_ref("--workload " + source_dir() + "/workloads/tiny.yaml --input " + dir, text) == 2);
    CHECK(text == "masr-ref: " + dir + ": is a directory, expected a .npy file\n");
    CHECK(run_ref("--workload " + dir + "/none.yaml", text) == 2);
    CHECK(text == "masr-ref: " + dir +
                      "/none.yaml: cannot open (No such file or directory), expected a workload "
                      "YAML file\n");
    CHECK(text.find("underflow") == std::string::npos);
    CHECK(text.find("internal error") == std::string::npos);
    std::filesystem::remove_all(dir);
}
