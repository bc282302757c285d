#pragma once
// Packs one slot's weights (units [first_unit, first_unit + units) of one
// layer direction) into the PE blocks of contract/weight_layout.h: per pass
// and PE, [biases (input pass)] then each row's part as an encoded vector
// (mask words, packed values, padding; docs/encoding.md). Rows stream
// sequentially: a part's size follows from its mask, so there are no row
// pointers and the metadata does not depend on the number of PEs.
#include <string>
#include <vector>

#include "contract/csc_format.h"
#include "contract/fixed_point.h"
#include "contract/model_image.h"
#include "models/common/types.h"
#include "workloads/src/workload.h"

namespace masr {

struct packed_block {
    weight_pass pass = weight_pass::input;
    block_memory memory = block_memory::weight_sram;
    u32 pe = 0;
    u32 first_row = 0;  // in the pass's row list
    u32 rows = 0;
    bool bias = false;
    std::vector<u8> bytes;
};

struct packed_slot {
    std::vector<packed_block> blocks;  // pass-major, then PE (csc: entries, then pointers)
    u64 nonzero_weights = 0;
    u64 mask_words = 0;
    u64 padding_entries = 0;  // csc
    u64 bytes() const;
};

// How the rows are stored: MASR's masked rows, dense rows, or EIE's columns
// (with the direction's codebook when csc.code_bits > 0).
struct weight_storage {
    weight_format format = weight_format::masked;
    csc_layout csc;
    std::vector<i16> codebook;
};

// Throws input_error when the slice is out of range, a weight does not fit
// its packed value bytes, or the matrices do not have the layer's shape.
packed_slot pack_slot_weights(const layer_desc& layer, const direction_weights& weights,
                              u32 first_unit, u32 units, u32 pes, const fixed_format& format,
                              const weight_storage& storage = {});

// The inverse (for tests and tools): the slice's dense rows and biases.
struct unpacked_weights {
    matrix<i16> input;      // (gates * units) x inputs
    matrix<i16> recurrent;  // (gates * units) x units_total, empty for dense
    std::vector<i32> bias;
};
unpacked_weights unpack_slot_weights(layer_kind kind, u32 inputs, u32 units_total, u32 units,
                                     u32 value_bytes, const std::vector<packed_block>& blocks,
                                     const weight_storage& storage = {}, u32 pes = 1);

}  // namespace masr
