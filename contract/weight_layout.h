#pragma once
// How a slot's weight rows are cut into passes and PE blocks: the rule the
// model compiler packs by (compiler/weight_packer) and the PE tile streams by
// (models/pe). A slot is `units` units of one layer direction; its local rows
// are gate * units + unit (contract/layer_types.h for the gate order).
//
//   pass       rows                     part of each row
//   input      gates * units, all       W_x row (length inputs)
//   recurrent  rnn/lstm: all rows;      W_h row (length units_total)
//              gru: z and r rows only
//   candidate  gru: the units c rows    U_c row (length units_total)
//
// Each pass's rows are split contiguously over the PEs (masked and dense
// weights; csc weights interleave them, see interleaved_rows) (PE p takes rows
// [p R / P, (p + 1) R / P)); PE p's block of a pass lies in its own
// weight-SRAM partition, so that every PE streams from its own banks. An
// input block starts with the biases of its rows.
#include "contract/layer_types.h"
#include "contract/model_image.h"
#include "models/common/types.h"

namespace masr {

constexpr u32 pass_rows(layer_kind kind, u32 units, weight_pass pass) {
    switch (pass) {
        case weight_pass::input:
            return gate_count(kind) * units;
        case weight_pass::recurrent:
            return kind == layer_kind::dense ? 0
                   : kind == layer_kind::gru ? 2 * units
                                             : gate_count(kind) * units;
        case weight_pass::candidate:
            return kind == layer_kind::gru ? units : 0;
    }
    return 0;
}

// Local row (gate * units + unit) of the i-th row of a pass.
constexpr u32 pass_local_row(u32 units, weight_pass pass, u32 i) {
    return pass == weight_pass::candidate ? 2 * units + i : i;
}

// First row of PE p's share of a pass of `rows` rows over `pes` PEs.
constexpr u32 pe_first_row(u32 rows, u32 pes, u32 pe) {
    return static_cast<u32>(u64{pe} * rows / pes);
}

// EIE (csc weights): PE p holds the pass's rows p, p + P, p + 2P, ...
// (interleaved, so that every PE meets every column); block.first_row is p.
constexpr u32 interleaved_rows(u32 rows, u32 pes, u32 pe) {
    return pe < rows ? (rows - pe + pes - 1) / pes : 0;
}

// Bytes of the bias prefix of an input block of `rows` rows.
constexpr u64 bias_bytes(u32 rows) {
    return (u64{rows} * 4 + 7) / 8 * 8;
}

}  // namespace masr
