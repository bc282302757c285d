// The float model: the network of run_fixed() in double precision, with the
// dequantized weights, exact nonlinearities and no rounding of activations,
// inputs or states. The distance between the two is the quantization error.
#include <algorithm>
#include <cmath>
#include <utility>

#include "workloads/golden/golden_reference.h"
#include "workloads/golden/network_shape.h"

namespace masr {
namespace {

double nonlinearity(activation_fn fn, double x) {
    switch (fn) {
        case activation_fn::relu:
            return x > 0.0 ? x : 0.0;
        case activation_fn::tanh:
            return std::tanh(x);
        case activation_fn::sigmoid:
            return 1.0 / (1.0 + std::exp(-x));
        case activation_fn::linear:
            break;
    }
    return x;
}

matrix<double> dequantize(const matrix<i16>& q, double scale) {
    matrix<double> m(q.rows, q.cols);
    for (std::size_t k = 0; k < q.data.size(); ++k) m.data[k] = q.data[k] * scale;
    return m;
}

inline double dot(const double* w, const double* a, u32 n) {
    double sum = 0.0;
    for (u32 j = 0; j < n; ++j) sum += w[j] * a[j];
    return sum;
}

class float_direction {
public:
    float_direction(const layer_desc& layer, const direction_weights& weights,
                    const fixed_format& f)
        : layer_(layer), units_(layer.units), inputs_(layer.inputs) {
        const double scale = std::ldexp(1.0, -static_cast<int>(f.weight_frac_bits));
        input_ = dequantize(weights.input, scale);
        if (layer.recurrent()) recurrent_ = dequantize(weights.recurrent, scale);
        for (const i32 b : weights.bias) bias_.push_back(b * scale);
        h_.assign(units_, 0.0);
        h_next_.assign(units_, 0.0);
        cell_.assign(units_, 0.0);
        gate_.assign(bias_.size(), 0.0);
        reset_state_.assign(units_, 0.0);
    }

    void run(const matrix<double>& x, bool backward, matrix<double>& out,
             const progress_fn& progress, run_progress where) {
        const u32 steps = x.rows;
        out = matrix<double>(steps, units_);
        std::fill(h_.begin(), h_.end(), 0.0);
        std::fill(cell_.begin(), cell_.end(), 0.0);
        where.steps = steps;
        for (u32 s = 0; s < steps; ++s) {
            const u32 t = backward ? steps - 1 - s : s;
            step(x.row(t));
            std::copy(h_next_.begin(), h_next_.end(), out.row(t));
            std::swap(h_, h_next_);
            if (progress) {
                where.step = s + 1;
                progress(where);
            }
        }
    }

private:
    double pre_activation(u32 row, const double* x, const double* state) const {
        double sum = bias_[row] + dot(input_.row(row), x, inputs_);
        if (state) sum += dot(recurrent_.row(row), state, units_);
        return sum;
    }

    void step(const double* x) {
        const u32 n = units_;
        const activation_fn act = layer_.activation;
        switch (layer_.kind) {
            case layer_kind::dense:
                for (u32 i = 0; i < n; ++i)
                    h_next_[i] = nonlinearity(act, pre_activation(i, x, nullptr));
                break;
            case layer_kind::rnn:
                for (u32 i = 0; i < n; ++i)
                    h_next_[i] = nonlinearity(act, pre_activation(i, x, h_.data()));
                break;
            case layer_kind::gru:
                for (u32 row = 0; row < 2 * n; ++row)
                    gate_[row] =
                        nonlinearity(activation_fn::sigmoid, pre_activation(row, x, h_.data()));
                for (u32 i = 0; i < n; ++i) reset_state_[i] = gate_[n + i] * h_[i];
                for (u32 i = 0; i < n; ++i) {
                    const double c =
                        nonlinearity(act, pre_activation(2 * n + i, x, reset_state_.data()));
                    const double z = gate_[i];
                    h_next_[i] = z * h_[i] + (1.0 - z) * c;
                }
                break;
            case layer_kind::lstm:
                for (u32 row = 0; row < 4 * n; ++row) {
                    const bool candidate = row >= 2 * n && row < 3 * n;
                    gate_[row] = nonlinearity(candidate ? act : activation_fn::sigmoid,
                                              pre_activation(row, x, h_.data()));
                }
                for (u32 i = 0; i < n; ++i) {
                    cell_[i] = gate_[n + i] * cell_[i] + gate_[i] * gate_[2 * n + i];
                    h_next_[i] = gate_[3 * n + i] * nonlinearity(act, cell_[i]);
                }
                break;
        }
    }

    const layer_desc& layer_;
    const u32 units_;
    const u32 inputs_;
    matrix<double> input_;
    matrix<double> recurrent_;
    std::vector<double> bias_;
    std::vector<double> h_;
    std::vector<double> h_next_;
    std::vector<double> cell_;
    std::vector<double> gate_;
    std::vector<double> reset_state_;
};

}  // namespace

float_result run_float(const workload& w, u32 steps, const progress_fn& progress) {
    const auto sources = golden::resolve_network(w);
    const u32 T = golden::resolve_steps(w, steps);

    float_result result;
    result.steps = T;
    result.layers.resize(w.layers.size());
    matrix<double> network_input(T, w.input_size);
    std::copy(w.input.data.begin(), w.input.data.begin() + network_input.data.size(),
              network_input.data.begin());
    std::vector<matrix<double>> directions(2);
    golden::walk_network(
        w, sources, T, network_input,
        [&](std::size_t l, u32 d, const matrix<double>& x) -> const matrix<double>& {
            float_direction runner(w.layers[l], w.weights[l].directions[d], w.format);
            run_progress where;
            where.layer = static_cast<u32>(l);
            where.layers = static_cast<u32>(w.layers.size());
            where.direction = d;
            runner.run(x, d == 1, directions[d], progress, where);
            return directions[d];
        },
        [](double forward, double backward) { return forward + backward; },
        [&](std::size_t l) -> matrix<double>& { return result.layers[l].output; });
    return result;
}

}  // namespace masr
