#pragma once
// The packed weight image of one slot (one tile's slice of one layer
// direction), as the controller writes it into the tile's weight SRAM and the
// PE tile streams it. Layout (all little-endian; see models/pe/README.md and
// docs/encoding.md):
//
//   header   (weight_image_header_bytes)
//   bias     rows x i32, zero-padded to a multiple of 8 bytes
//   block A  rows in gate-major order (local row = gate * units + unit); each
//            row is its input part (encoded, length inputs) followed, for
//            recurrent layers, by its recurrent part (encoded, length
//            units_total) -- except GRU candidate rows, whose recurrent part
//            is in block B
//   block B  GRU only: the candidate rows' recurrent parts (U_c), in unit order
//
// Each part is a mask-encoded vector (models/encoding: mask words, packed
// values of value_bytes each, padded to 8 bytes). Rows stream sequentially:
// the size of a part follows from its mask, so there are no row pointers and
// the metadata does not depend on the number of PEs. A GRU gates round reads
// bias + block A, a candidate round block B.
#include <string>
#include <vector>

#include "models/common/types.h"
#include "workloads/src/fixed_point.h"
#include "workloads/src/workload.h"

namespace masr {

constexpr u32 weight_image_magic = 0x5253414d;  // "MASR"
constexpr u8 weight_image_version = 1;
constexpr u64 weight_image_header_bytes = 40;

struct weight_image_header {
    u8 version = weight_image_version;
    layer_kind kind = layer_kind::rnn;
    u8 value_bytes = 1;  // bytes per packed weight (1 if weight_bits <= 8, else 2)
    u8 gates = 1;        // gate_count(kind)
    u32 inputs = 0;      // M: length of each row's input part
    u32 recurrent = 0;   // N: length of each row's recurrent part (0 for dense)
    u32 first_unit = 0;  // the slice [first_unit, first_unit + units)
    u32 units = 0;
    u32 rows_offset = 0;       // byte offset of block A
    u32 candidate_offset = 0;  // byte offset of block B (GRU), else = total_bytes
    u64 total_bytes = 0;

    u32 rows() const { return u32{gates} * units; }
    u64 bias_offset() const { return weight_image_header_bytes; }

    void write(u8* out) const;
    // Parses the first weight_image_header_bytes of an image; on failure
    // returns false and says why.
    static bool read(const u8* in, weight_image_header& h, std::string& why);
};

struct weight_image {
    weight_image_header header;
    std::vector<u8> bytes;  // the whole image, header included
    u64 nonzero_weights = 0;
    u64 mask_words = 0;  // over all row parts
};

// Packs rows [gate * units_total + first_unit, + units) of every gate of one
// direction. Throws input_error when the slice is out of range, a weight does
// not fit the value bytes, or the matrices do not have the layer's shape.
weight_image pack_weight_image(const layer_desc& layer, const direction_weights& weights,
                               u32 first_unit, u32 units, const fixed_format& format);

// The inverse (for tests and tools): the slice's dense rows and biases.
struct unpacked_weights {
    matrix<i16> input;      // (gates * units) x inputs
    matrix<i16> recurrent;  // (gates * units) x recurrent, empty for dense
    std::vector<i32> bias;
};
unpacked_weights unpack_weight_image(const std::vector<u8>& bytes);

}  // namespace masr
