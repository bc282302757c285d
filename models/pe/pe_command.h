#pragma once
// The command interface of the PE tile (models/pe/pe_tile.h): how the
// controller configures a tile and runs one round of one time step on it.
//
// A command is a TLM WRITE to the tile's `control` socket (the PE control
// window, docs/architecture.md) carrying a pe_command extension; the data
// pointer and length of the payload are not used (send any buffer, e.g. 8
// bytes). The response status is TLM_OK_RESPONSE when the command ran, and
// TLM_COMMAND_ERROR_RESPONSE / TLM_GENERIC_ERROR_RESPONSE (with a warning in
// the tile's log naming what was wrong) otherwise. The annotated delay of
// b_transport is the time until the tile has finished the command (its
// output slice written into the activation buffer); the tile keeps a "busy
// until" time, so commands sent while it is busy queue behind it.
//
//   pe_command cmd(pe_layer_setup{...});            // at load time, per slot
//   payload.set_extension(&cmd); ... b_transport ...; payload.clear_extension(&cmd);
//   pe_command cmd(pe_step{...});                   // every round of every step
//   ... after b_transport: cmd.step().out_length / out_nnz / out_bytes
#include <tlm>
#include <variant>

#include "models/common/types.h"
#include "workloads/src/fixed_point.h"
#include "workloads/src/workload.h"

namespace masr {

// Once per (layer, direction) placed on this tile, at load time. The tile
// reads and checks the image header at image_addr (written before, e.g. with
// debug transport, by pack_weight_image in models/pe/weight_image.h).
struct pe_layer_setup {
    u32 slot = 0;  // index of this (layer, direction) in the tile's table
    layer_kind kind = layer_kind::rnn;
    activation_fn activation = activation_fn::relu;
    fixed_format format;
    u32 inputs = 0;       // M: length of x_t
    u32 units_total = 0;  // N: length of the recurrent vector h
    u32 first_unit = 0;   // this tile's slice of neurons [first_unit, first_unit + units)
    u32 units = 0;
    u64 image_addr = 0;  // weight-SRAM address of this slot's packed weight image
};

// rnn, lstm and dense layers take one `full` round per step; a GRU step is a
// `gru_gates` round (z, r over [x; h], the candidate's input part W_c x + b_c;
// outputs the slice r*h of the tile's units) followed by a `gru_candidate`
// round (adds U_c (r*h) read from h_addr, c = act, h' = gru_update; outputs
// the slice h').
enum class pe_round { full, gru_gates, gru_candidate };

// One round of one time step.
struct pe_step {
    u32 slot = 0;
    pe_round round = pe_round::full;
    // Resets the slot's recurrent state (h_(t-1) = 0, LSTM cell = 0) at the
    // first step of a sequence; h_addr is then not read (it is all zeros).
    // For gru_candidate pass the same value as for the gates round.
    bool first_step = false;
    u64 x_addr = 0;  // activation-buffer address of encoded x_t (length inputs)
    // Encoded h_(t-1) (length units_total); for gru_candidate the encoded
    // r*h (length units_total); unused for dense layers.
    u64 h_addr = 0;
    // Activation-buffer address where the compressor writes this tile's
    // encoded output slice (length units).
    u64 out_addr = 0;
    // Filled in by the tile from the compressor's response.
    u32 out_length = 0;  // dense length of the output slice (= units)
    u32 out_nnz = 0;     // its non-zeros
    u64 out_bytes = 0;   // its encoded size in the activation buffer
};

const char* to_string(pe_round round);

// The setup of slot `slot`: units [first_unit, first_unit + units) of one
// direction of `layer`, its image at image_addr.
inline pe_layer_setup make_layer_setup(const layer_desc& layer, const fixed_format& format,
                                       u32 slot, u32 first_unit, u32 units, u64 image_addr) {
    pe_layer_setup s;
    s.slot = slot;
    s.kind = layer.kind;
    s.activation = layer.activation;
    s.format = format;
    s.inputs = layer.inputs;
    s.units_total = layer.units;
    s.first_unit = first_unit;
    s.units = units;
    s.image_addr = image_addr;
    return s;
}

// The extension: holds either a pe_layer_setup or a pe_step.
struct pe_command : tlm::tlm_extension<pe_command> {
    std::variant<pe_layer_setup, pe_step> body;

    pe_command() = default;
    explicit pe_command(const pe_layer_setup& s) : body(s) {}
    explicit pe_command(const pe_step& s) : body(s) {}

    bool is_setup() const { return std::holds_alternative<pe_layer_setup>(body); }
    bool is_step() const { return std::holds_alternative<pe_step>(body); }
    pe_layer_setup& setup() { return std::get<pe_layer_setup>(body); }
    const pe_layer_setup& setup() const { return std::get<pe_layer_setup>(body); }
    pe_step& step() { return std::get<pe_step>(body); }
    const pe_step& step() const { return std::get<pe_step>(body); }

    tlm::tlm_extension_base* clone() const override { return new pe_command(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        body = static_cast<const pe_command&>(other).body;
    }
};

}  // namespace masr
