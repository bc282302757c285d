#pragma once
// The address maps of the two kinds of NoC node (docs/architecture.md). A
// NoC address is (node << 32) | local (models/noc/noc.h: noc_address), node
// being a tile index or noc_host_node for the control node.
#include "models/common/types.h"

namespace masr {

// Tile-local addresses, decoded by the tile's bus (models/tile).
constexpr u64 tile_weight_sram_base = 0x0000'0000;
constexpr u64 tile_pointer_sram_base = 0x3000'0000;  // csc column pointers (EIE), when present
constexpr u64 tile_act_buffer_base = 0x4000'0000;
constexpr u64 tile_ctrl_base = 0x7000'0000;  // tile controller: setup, start, reset
// A slot message carries a block record per PE and pass (and a pointer block
// each for EIE): 64 PEs take 12 KiB, 1024 PEs about 200 KiB.
constexpr u64 tile_ctrl_size = 0x10'0000;
constexpr u64 tile_ni_base = 0x7800'0000;  // NI arrival counters, 8 bytes each

// Tile controller registers (offsets in its window).
constexpr u64 tile_ctrl_setup = 0x000;     // write: one slot message
constexpr u64 tile_ctrl_start = 0x8'0000;  // write: start_message
constexpr u64 tile_ctrl_reset = 0x8'1000;  // write: 8 bytes, the run reset

// Control-node addresses, decoded by its bus.
constexpr u64 ctrl_dram_base = 0x0000'0000;  // the accelerator's DRAM window: the model image
constexpr u64 ctrl_seq_buffer_base = 0x8000'0000;
constexpr u64 ctrl_streamer_base = 0xe000'0000;  // streamer: configure, start, reset
constexpr u64 ctrl_streamer_size = 0x1000;
constexpr u64 ctrl_ni_base = 0xf000'0000;  // NI arrival counters

constexpr u64 streamer_configure = 0x000;  // write: u64 DRAM address of the image
constexpr u64 streamer_start = 0x800;      // write: start_message
constexpr u64 streamer_reset = 0x900;      // write: 8 bytes, the run reset
constexpr u64 run_reset_bytes = 8;

// What a start write carries (24 bytes, little-endian). A job runs time
// steps [first_step, first_step + steps) of a sequence of sequence_steps; a
// job with first_step > 0 continues the previous job's sequence with the
// state it left (continuable images, unidirectional layers).
struct start_message {
    u32 steps = 0;           // time steps of this job
    u32 first_step = 0;      // its first time index
    u32 sequence_steps = 0;  // length of the whole sequence (the backward direction's reversal)
    u64 origin_cycle = 0;    // cycle the job started: the critical path's time 0 of the job
    u32 end_step() const { return first_step + steps; }
};
constexpr u64 start_message_bytes = 24;

inline void write_start_message(const start_message& m, u8* out) {
    for (u64 i = 0; i < start_message_bytes; ++i) out[i] = 0;
    for (int i = 0; i < 4; ++i) out[i] = static_cast<u8>(m.steps >> (8 * i));
    for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<u8>(m.first_step >> (8 * i));
    for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<u8>(m.sequence_steps >> (8 * i));
    for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<u8>(m.origin_cycle >> (8 * i));
}
inline start_message read_start_message(const u8* in) {
    start_message m;
    for (int i = 0; i < 4; ++i) m.steps |= u32{in[i]} << (8 * i);
    for (int i = 0; i < 4; ++i) m.first_step |= u32{in[4 + i]} << (8 * i);
    for (int i = 0; i < 4; ++i) m.sequence_steps |= u32{in[8 + i]} << (8 * i);
    for (int i = 0; i < 8; ++i) m.origin_cycle |= u64{in[16 + i]} << (8 * i);
    return m;
}

}  // namespace masr
