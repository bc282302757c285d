#include "workloads/golden/golden_reference.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <utility>

#include "workloads/golden/network_shape.h"

namespace masr {
namespace {

// The accumulator sum is exact. Products are summed in i32 over chunks short
// enough that no chunk can overflow (|q_w| <= the matrix's largest weight,
// |q_a| <= 2^(activation_bits-1)), then the chunks in i64: exact, and the
// inner loop stays a plain i16 x i16 -> i32 reduction the compiler vectorises.
u32 exact_chunk(const matrix<i16>& m, const fixed_format& f) {
    i64 largest = 1;
    for (const i16 v : m.data) largest = std::max<i64>(largest, std::abs(i64{v}));
    const i64 product = largest * (i64{1} << (f.activation_bits - 1));
    const i64 chunk = i64{INT32_MAX} / product;
    return static_cast<u32>(std::clamp<i64>(chunk, 1, std::max<u32>(m.cols, 1)));
}

inline i64 dot(const i16* w, const i16* a, u32 n, u32 chunk) {
    i64 total = 0;
    for (u32 begin = 0; begin < n; begin += chunk) {
        const u32 end = std::min(n, begin + chunk);
        i32 partial = 0;
        for (u32 j = begin; j < end; ++j) partial += i32{w[j]} * i32{a[j]};
        total += partial;
    }
    return total;
}

// Non-zero weights of each column over rows [first, last): the products a
// non-zero activation in that column takes part in.
std::vector<u32> column_nonzeros(const matrix<i16>& m, u32 first, u32 last) {
    std::vector<u32> count(m.cols, 0);
    for (u32 r = first; r < last; ++r) {
        const i16* row = m.row(r);
        for (u32 c = 0; c < m.cols; ++c) count[c] += row[c] != 0;
    }
    return count;
}

inline u64 effectual(const i16* a, const u32* column_count, u32 n, u32& zeros) {
    u64 sum = 0;
    for (u32 j = 0; j < n; ++j) {
        if (a[j] != 0)
            sum += column_count[j];
        else
            ++zeros;
    }
    return sum;
}

u64 count_zeros(const std::vector<i16>& v) {
    return static_cast<u64>(std::count(v.begin(), v.end(), i16{0}));
}

class direction_runner {
public:
    direction_runner(const layer_desc& layer, const direction_weights& weights,
                     const fixed_format& format)
        : layer_(layer),
          w_(weights),
          f_(format),
          units_(layer.units),
          inputs_(layer.inputs),
          rows_(layer.gates() * layer.units),
          chunk_x_(exact_chunk(weights.input, format)),
          chunk_h_(layer.recurrent() ? exact_chunk(weights.recurrent, format) : 1),
          input_nonzeros_(column_nonzeros(weights.input, 0, rows_)),
          h_(units_, 0),
          h_next_(units_, 0),
          cell_(units_, 0),
          gate_(rows_, 0),
          reset_state_(units_, 0) {
        if (layer.recurrent()) {
            // A GRU multiplies h only in the z and r rows; its candidate rows take r*h.
            const u32 state_rows = layer.kind == layer_kind::gru ? 2 * units_ : rows_;
            state_nonzeros_ = column_nonzeros(weights.recurrent, 0, state_rows);
            if (layer.kind == layer_kind::gru)
                reset_state_nonzeros_ = column_nonzeros(weights.recurrent, state_rows, rows_);
        }
    }

    void run(const matrix<i16>& x, bool backward, matrix<i16>& out, direction_stats& stats,
             const progress_fn& progress, run_progress where) {
        const u32 steps = x.rows;
        out = matrix<i16>(steps, units_);
        const u64 weight_count =
            w_.input.data.size() + (layer_.recurrent() ? w_.recurrent.data.size() : 0);
        const u64 weight_zeros =
            count_zeros(w_.input.data) + (layer_.recurrent() ? count_zeros(w_.recurrent.data) : 0);
        stats.weight_sparsity =
            weight_count ? static_cast<double>(weight_zeros) / static_cast<double>(weight_count)
                         : 0.0;
        stats.dense_macs = u64{steps} * weight_count;
        stats.effectual_macs = 0;
        stats.activation_sparsity.assign(steps, 0.0);
        std::fill(h_.begin(), h_.end(), i16{0});
        std::fill(cell_.begin(), cell_.end(), i16{0});

        const u32 consumed = inputs_ + (layer_.recurrent() ? units_ : 0);
        where.steps = steps;
        for (u32 s = 0; s < steps; ++s) {
            const u32 t = backward ? steps - 1 - s : s;
            const i16* xt = x.row(t);
            u32 zeros = 0;
            stats.effectual_macs += effectual(xt, input_nonzeros_.data(), inputs_, zeros);
            if (layer_.recurrent())
                stats.effectual_macs += effectual(h_.data(), state_nonzeros_.data(), units_, zeros);
            stats.activation_sparsity[t] = consumed ? static_cast<double>(zeros) / consumed : 0.0;

            switch (layer_.kind) {
                case layer_kind::dense:
                case layer_kind::rnn:
                    step_single(xt);
                    break;
                case layer_kind::gru:
                    stats.effectual_macs += step_gru(xt);
                    break;
                case layer_kind::lstm:
                    step_lstm(xt);
                    break;
            }
            std::copy(h_next_.begin(), h_next_.end(), out.row(t));
            std::swap(h_, h_next_);
            if (progress) {
                where.step = s + 1;
                progress(where);
            }
        }
    }

private:
    i64 accumulate(u32 row, const i16* x, const i16* state) const {
        i64 sum = fixed::bias_to_accumulator(w_.bias[row], f_) +
                  dot(w_.input.row(row), x, inputs_, chunk_x_);
        if (state) sum += dot(w_.recurrent.row(row), state, units_, chunk_h_);
        return fixed::saturate_accumulator(sum, f_);
    }

    i16 gate(activation_fn fn, u32 row, const i16* x, const i16* state) const {
        return fixed::activate_accumulator(fn, accumulate(row, x, state), f_);
    }

    void step_single(const i16* x) {
        const i16* state = layer_.recurrent() ? h_.data() : nullptr;
        for (u32 i = 0; i < units_; ++i) h_next_[i] = gate(layer_.activation, i, x, state);
    }

    // Returns the effectual MACs of the candidate's recurrent product (r*h).
    u64 step_gru(const i16* x) {
        const u32 n = units_;
        for (u32 row = 0; row < 2 * n; ++row)
            gate_[row] = gate(activation_fn::sigmoid, row, x, h_.data());
        for (u32 i = 0; i < n; ++i) reset_state_[i] = fixed::multiply(gate_[n + i], h_[i], f_);
        u32 ignored = 0;
        const u64 candidate_macs =
            effectual(reset_state_.data(), reset_state_nonzeros_.data(), n, ignored);
        for (u32 i = 0; i < n; ++i) {
            const i16 candidate = gate(layer_.activation, 2 * n + i, x, reset_state_.data());
            h_next_[i] = fixed::gru_update(gate_[i], h_[i], candidate, f_);
        }
        return candidate_macs;
    }

    void step_lstm(const i16* x) {
        const u32 n = units_;
        for (u32 row = 0; row < 4 * n; ++row) {
            const bool candidate = row >= 2 * n && row < 3 * n;
            gate_[row] =
                gate(candidate ? layer_.activation : activation_fn::sigmoid, row, x, h_.data());
        }
        for (u32 i = 0; i < n; ++i) {
            cell_[i] = fixed::lstm_cell(gate_[n + i], cell_[i], gate_[i], gate_[2 * n + i], f_);
            const i16 squashed =
                fixed::activate(layer_.activation, cell_[i], f_.activation_frac_bits, f_);
            h_next_[i] = fixed::multiply(gate_[3 * n + i], squashed, f_);
        }
    }

    const layer_desc& layer_;
    const direction_weights& w_;
    const fixed_format& f_;
    const u32 units_;
    const u32 inputs_;
    const u32 rows_;
    const u32 chunk_x_;
    const u32 chunk_h_;
    std::vector<u32> input_nonzeros_;
    std::vector<u32> state_nonzeros_;
    std::vector<u32> reset_state_nonzeros_;
    std::vector<i16> h_;
    std::vector<i16> h_next_;
    std::vector<i16> cell_;
    std::vector<i16> gate_;
    std::vector<i16> reset_state_;
};

}  // namespace

golden_result run_fixed(const workload& w, u32 steps, const progress_fn& progress) {
    const auto sources = golden::resolve_network(w);
    const u32 T = golden::resolve_steps(w, steps);
    const fixed_format& f = w.format;

    matrix<i16> network_input(T, w.input_size);
    for (std::size_t k = 0; k < network_input.data.size(); ++k)
        network_input.data[k] = fixed::quantize_activation(w.input.data[k], f);

    golden_result result;
    result.steps = T;
    result.layers.resize(w.layers.size());
    golden::walk_network(
        w, sources, T, network_input,
        [&](std::size_t l, u32 d, const matrix<i16>& x) -> const matrix<i16>& {
            layer_result& lr = result.layers[l];
            lr.direction_output.resize(w.layers[l].directions());
            lr.stats.resize(w.layers[l].directions());
            direction_runner runner(w.layers[l], w.weights[l].directions[d], f);
            run_progress where;
            where.layer = static_cast<u32>(l);
            where.layers = static_cast<u32>(w.layers.size());
            where.direction = d;
            runner.run(x, d == 1, lr.direction_output[d], lr.stats[d], progress, where);
            return lr.direction_output[d];
        },
        [&](i16 forward, i16 backward) { return fixed::merge_sum(forward, backward, f); },
        [&](std::size_t l) -> matrix<i16>& { return result.layers[l].output; });
    return result;
}

}  // namespace masr
