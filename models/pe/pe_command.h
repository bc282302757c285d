#pragma once
// The command interface of the PE tile (models/pe/pe_tile.h): how the tile
// controller configures a slot and runs one pass of one round on it.
//
// A command is a TLM WRITE to the tile's `control` socket carrying a
// pe_command extension; the data pointer and length of the payload are not
// used (send any buffer, e.g. 8 bytes). The response status is
// TLM_OK_RESPONSE when the command ran, and TLM_COMMAND_ERROR_RESPONSE /
// TLM_GENERIC_ERROR_RESPONSE (with a warning in the tile's log naming what
// was wrong) otherwise. A pass is computed at once; its results give, in
// cycles from the command's start, when its inputs were read, when the PEs'
// front ends are free and when its output slice is in the activation buffer.
//
//   pe_command cmd(pe_slot_setup{...});   // once per slot, before the run
//   payload.set_extension(&cmd); ... b_transport ...; payload.clear_extension(&cmd);
//   pe_command cmd(pe_pass{...});         // every pass of every round
//   ... after b_transport: cmd.pass().inputs_read / frontend_free / output_ready
#include <tlm>
#include <variant>
#include <vector>

#include "contract/csc_format.h"
#include "contract/fixed_point.h"
#include "contract/layer_types.h"
#include "contract/model_image.h"
#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

// One PE's weights for one pass (a block_record of the model image).
struct pe_block {
    weight_pass pass = weight_pass::input;
    u32 pe = 0;
    u32 first_row = 0;  // in the pass's row list (csc: the PE, rows interleaved)
    u32 rows = 0;
    bool bias = false;  // starts with the rows' biases (input pass)
    u64 sram_address = 0;
    u64 bytes = 0;
    block_memory memory = block_memory::weight_sram;  // csc column pointers: pointer SRAM
};

// One slice of a vector stored as K encoded segments (h_(t-1), r*h).
struct pe_segment {
    u32 first = 0;
    u32 length = 0;
    u64 offset = 0;  // from the region's base
};

// A slot: units [first_unit, first_unit + units) of one layer direction.
struct pe_slot_setup {
    u32 slot = 0;
    layer_kind kind = layer_kind::rnn;
    activation_fn activation = activation_fn::relu;
    fixed_format format;
    u32 inputs = 0;       // M: length of x_t
    u32 units_total = 0;  // N: length of h
    u32 first_unit = 0;
    u32 units = 0;
    std::vector<pe_block> blocks;      // every PE of every pass the kind has
    std::vector<pe_segment> segments;  // the cut of h into the group's slices
    // How the image stores them (contract/model_image.h, csc_format.h).
    weight_format weights = weight_format::masked;
    csc_layout csc;  // csc weights
    vector_format activations = vector_format::masked;
};

// One pass of a round (contract/weight_layout.h for what each pass holds).
//   input:      reads x_t (one encoded vector at act_addr); rnn, lstm and GRU
//               rows start their sums (bias + W_x x); dense layers finish here.
//   recurrent:  reads h_(t-1) (the K segments at act_addr + segment offsets;
//               not read on the first step, where it is 0) and adds W_h h;
//               finishing it applies the NLU: the slice h_t (rnn, lstm) or
//               the GRU's r * h.
//   candidate:  GRU: reads r * h the same way and adds U_c (r * h); finishing
//               gives h_t.
struct pe_pass {
    u32 slot = 0;
    weight_pass pass = weight_pass::input;
    bool finish = false;      // apply the NLU and write the slice to out_addr
    bool first_step = false;  // h_(t-1) = 0, LSTM cell = 0 (first step of a sequence)
    u64 act_addr = 0;
    u64 out_addr = 0;
    // Results, in cycles from the command's start:
    u64 inputs_read = 0;    // its activations are read (the x slot may be refilled)
    u64 frontend_free = 0;  // every PE's front end has finished this pass
    u64 output_ready = 0;   // finish: the encoded slice is in the activation buffer
    u32 out_nnz = 0;
    u64 out_bytes = 0;  // encoded size of the slice
};

const char* to_string(weight_pass pass);

struct pe_command : tlm::tlm_extension<pe_command> {
    std::variant<pe_slot_setup, pe_pass> body;

    pe_command() = default;
    explicit pe_command(const pe_slot_setup& s) : body(s) {}
    explicit pe_command(const pe_pass& s) : body(s) {}

    bool is_setup() const { return std::holds_alternative<pe_slot_setup>(body); }
    bool is_pass() const { return std::holds_alternative<pe_pass>(body); }
    pe_slot_setup& setup() { return std::get<pe_slot_setup>(body); }
    const pe_slot_setup& setup() const { return std::get<pe_slot_setup>(body); }
    pe_pass& pass() { return std::get<pe_pass>(body); }
    const pe_pass& pass() const { return std::get<pe_pass>(body); }

    tlm::tlm_extension_base* clone() const override { return new pe_command(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        body = static_cast<const pe_command&>(other).body;
    }
};

}  // namespace masr
