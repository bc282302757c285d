#pragma once
// Where a workload goes on a platform: which tiles compute which units of
// which layer direction, where every buffer region, sequence and arrival
// counter lives, and whether it all fits (errors give the bytes needed and
// available). Plain C++ (no SystemC): masr-pack and masr-sim both call it
// through compile_model (compiler/model_compiler.h).
//
// Rules (compiler/README.md explains why):
//   * A layer's units are cut into K contiguous slices whose sizes differ by
//     at most one; both directions of a layer use the same cut, so that the
//     directions' slices can be summed slice by slice.
//   * Unidirectional layers, and bidirectional layers with `shared`
//     directions, use tiles [0, K) with K = min(units, tiles); a tile then
//     runs both directions, forward first. `separate` directions put the
//     forward group on tiles [0, K) and the backward group on
//     [floor(T/2), floor(T/2) + K) with K = min(units, floor(T/2)); `auto`
//     separates when the tile count is even and at least 2.
//   * Activation-buffer regions have the same address on every tile of the
//     group that uses them (the NoC multicasts to one address); regions of
//     tile sets that do not meet may share addresses, and so may regions
//     whose layers' lifetimes do not overlap: a layer's h_(t-1) and r*h
//     regions live over [l, l + 1], because a tile may already receive layer
//     l + 1's slices while its neighbours finish layer l, but not layer
//     l + 2's (compiler/README.md).
//   * Sequences live in the sequence buffer from the layer that writes them
//     to the last layer that reads them; later sequences reuse the space.
#include <string>
#include <vector>

#include "contract/csc_format.h"
#include "contract/model_image.h"
#include "models/common/property.h"
#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

enum class direction_placement { automatic, separate, shared };
template <>
struct enum_names<direction_placement> {
    static constexpr std::pair<direction_placement, const char*> table[] = {
        {direction_placement::automatic, "auto"},
        {direction_placement::separate, "separate"},
        {direction_placement::shared, "shared"}};
};

// What the mapping needs to know of the platform.
struct mapping_target {
    std::string name = "platform";  // for messages
    u32 tiles = 1;
    u32 pes = 1;
    u64 weight_sram_bytes = 0;  // per tile, split into `pes` equal partitions
    u64 act_buffer_bytes = 0;   // per tile
    u64 seq_buffer_bytes = 0;
    u32 tile_counters = 0;  // arrival counters of a tile's NI
    u32 ctrl_counters = 0;  // of the control node's NI
    direction_placement directions = direction_placement::automatic;
    // Storage formats (the architecture: MASR, dense or EIE).
    weight_format weights = weight_format::masked;
    csc_layout csc;              // csc weights
    u64 pointer_sram_bytes = 0;  // per tile, split like the weight SRAM (csc)
    vector_format activations = vector_format::masked;
    // Every activation region and sequence lives for the whole run, so that a
    // job may continue the previous job's time steps with the recurrent state
    // it left (firmware running a job per frame). Unidirectional workloads only.
    bool continuable = false;
};

struct unit_slice {
    u32 first = 0;
    u32 units = 0;
};

// K slices of n units, sizes differing by at most one, larger ones first.
std::vector<unit_slice> cut_units(u32 units, u32 slices);

// Tiles of each direction of a layer.
struct layer_groups {
    u32 slices = 0;
    std::vector<u32> tiles[2];  // [direction], slice order
};
layer_groups place_layer(u32 units, bool bidirectional, u32 tiles, direction_placement mode);

// First-fit placement of regions that must have the same address on every
// tile of their set; two regions may overlap when their sets do not meet or
// their lifetimes (layers [first, last]) do not.
class region_allocator {
public:
    explicit region_allocator(u64 alignment) : alignment_(alignment) {}
    // Returns the address.
    u64 allocate(u64 bytes, const std::vector<u32>& tiles, int first = 0, int last = 1 << 30);
    u64 end() const { return end_; }  // bytes the most loaded tile needs

private:
    struct placed {
        u64 address, bytes;
        std::vector<u32> tiles;  // sorted
        int first, last;
    };
    u64 alignment_;
    u64 end_ = 0;
    std::vector<placed> placed_;
};

// First-fit placement of blocks live over an interval of layers [first, last].
class lifetime_allocator {
public:
    explicit lifetime_allocator(u64 alignment) : alignment_(alignment) {}
    u64 allocate(u64 bytes, int first, int last);
    u64 end() const { return end_; }

private:
    struct placed {
        u64 address, bytes;
        int first, last;
    };
    u64 alignment_;
    u64 end_ = 0;
    std::vector<placed> placed_;
};

}  // namespace masr
