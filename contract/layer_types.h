#pragma once
// Kinds of layers, activations and direction merges: the vocabulary that the
// workload loader, the model compiler and the hardware models share. Their
// numeric values are part of the model-image format (docs/model-image.md).
#include <utility>

#include "models/common/property.h"
#include "models/common/types.h"

namespace masr {

enum class layer_kind : u8 { rnn = 0, gru = 1, lstm = 2, dense = 3 };
enum class merge_mode : u8 { sum = 0, concat = 1 };
enum class activation_fn : u8 { relu = 0, tanh = 1, sigmoid = 2, linear = 3 };

template <>
struct enum_names<layer_kind> {
    static constexpr std::pair<layer_kind, const char*> table[] = {{layer_kind::rnn, "rnn"},
                                                                   {layer_kind::gru, "gru"},
                                                                   {layer_kind::lstm, "lstm"},
                                                                   {layer_kind::dense, "dense"}};
};
template <>
struct enum_names<merge_mode> {
    static constexpr std::pair<merge_mode, const char*> table[] = {{merge_mode::sum, "sum"},
                                                                   {merge_mode::concat, "concat"}};
};
template <>
struct enum_names<activation_fn> {
    static constexpr std::pair<activation_fn, const char*> table[] = {
        {activation_fn::relu, "relu"},
        {activation_fn::tanh, "tanh"},
        {activation_fn::sigmoid, "sigmoid"},
        {activation_fn::linear, "linear"}};
};

// Gate order of the rows (row = gate * units + unit):
//   rnn, dense: one gate; gru: z (update), r (reset), c (candidate);
//   lstm: i (input), f (forget), g (cell candidate), o (output).
constexpr u32 gate_count(layer_kind kind) {
    return kind == layer_kind::gru ? 3 : kind == layer_kind::lstm ? 4 : 1;
}

constexpr bool valid(layer_kind k) {
    return static_cast<unsigned>(k) <= static_cast<unsigned>(layer_kind::dense);
}
constexpr bool valid(activation_fn a) {
    return static_cast<unsigned>(a) <= static_cast<unsigned>(activation_fn::linear);
}
constexpr bool valid(merge_mode m) {
    return static_cast<unsigned>(m) <= static_cast<unsigned>(merge_mode::concat);
}

}  // namespace masr
