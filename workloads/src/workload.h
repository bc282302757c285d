#pragma once
// A network the accelerator runs, as read from workloads/*.yaml: layers,
// quantization, weights (generated or loaded from .npy) and the input
// sequence. Everything downstream (golden reference, controller, PE tiles)
// reads this one structure. The YAML format is documented in
// workloads/README.md.
#include <optional>
#include <string>
#include <vector>

#include "contract/fixed_point.h"
#include "contract/layer_types.h"
#include "models/common/property.h"
#include "models/common/types.h"

namespace masr {

// Row-major dense matrix.
template <typename T>
struct matrix {
    u32 rows = 0;
    u32 cols = 0;
    std::vector<T> data;

    matrix() = default;
    matrix(u32 r, u32 c) : rows(r), cols(c), data(std::size_t{r} * c) {}
    T* row(u32 r) { return data.data() + std::size_t{r} * cols; }
    const T* row(u32 r) const { return data.data() + std::size_t{r} * cols; }
    T& at(u32 r, u32 c) { return data[std::size_t{r} * cols + c]; }
    const T& at(u32 r, u32 c) const { return data[std::size_t{r} * cols + c]; }
    bool empty() const { return data.empty(); }
};

struct layer_desc {
    std::string name;
    int line = 0;  // where the layer starts in the workload file, for messages
    layer_kind kind = layer_kind::rnn;
    bool bidirectional = false;
    merge_mode merge = merge_mode::sum;
    // Concatenated, in order, to form the layer input: "input" (the network
    // input) or names of earlier layers. Defaults to the previous layer (the
    // network input for the first layer).
    std::vector<std::string> sources;
    u32 inputs = 0;  // M, the width of the concatenated sources
    u32 units = 0;   // N, per direction
    // rnn/dense: output nonlinearity; gru: candidate; lstm: cell candidate and
    // the nonlinearity applied to the cell before the output gate.
    activation_fn activation = activation_fn::relu;
    double weight_sparsity = 0.0;  // target fraction of zero weights (generated)
    double row_variation = 0.0;    // spread of non-zeros per row (generated), see README

    u32 gates() const { return gate_count(kind); }
    u32 directions() const { return bidirectional ? 2 : 1; }
    bool recurrent() const { return kind != layer_kind::dense; }
    u32 output_width() const {
        return bidirectional && merge == merge_mode::concat ? 2 * units : units;
    }
};

// One direction's quantized parameters.
struct direction_weights {
    matrix<i16> input;      // (gates * units) x inputs
    matrix<i16> recurrent;  // (gates * units) x units; empty for dense layers
    std::vector<i32> bias;  // gates * units, weight format
};

struct layer_weights {
    std::vector<direction_weights> directions;  // [0] forward, [1] backward
};

struct workload {
    std::string name;
    std::string file;           // the YAML it came from
    fixed_format format;        // quantization
    u32 input_size = 0;         // width of the network input
    u32 sequence_length = 0;    // time steps T
    double frame_period = 0.0;  // seconds of audio per time step
    std::vector<layer_desc> layers;
    std::vector<layer_weights> weights;  // one per layer
    matrix<float> input;                 // (T, input_size), real values

    // Reads, validates and materialises (generates or loads weights and
    // input). Throws input_error naming file:line and field on bad input.
    // seed, when given, replaces the seeds of every generated weight matrix
    // and input (masr-sim --seed).
    static workload load(const std::string& path, std::optional<u64> seed = std::nullopt);

    // Index of a layer by name, or -1.
    int find_layer(const std::string& name) const;
    // Replaces the input sequence (from --input); checks its width.
    void set_input(matrix<float> sequence, const std::string& source);
};

}  // namespace masr
