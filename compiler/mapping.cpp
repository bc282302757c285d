#include "compiler/mapping.h"

#include <algorithm>

#include "models/common/error.h"

namespace masr {

namespace {

u64 align_up(u64 value, u64 alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

bool meet(const std::vector<u32>& a, const std::vector<u32>& b) {
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (*i == *j) return true;
        if (*i < *j)
            ++i;
        else
            ++j;
    }
    return false;
}

}  // namespace

std::vector<unit_slice> cut_units(u32 units, u32 slices) {
    if (slices == 0 || slices > units)
        fail("cannot cut {} units into {} slices: expected 1 to {} slices", units, slices, units);
    std::vector<unit_slice> cut(slices);
    u32 next = 0;
    for (u32 k = 0; k < slices; ++k) {
        cut[k].first = next;
        cut[k].units = units / slices + (k < units % slices ? 1 : 0);
        next += cut[k].units;
    }
    return cut;
}

layer_groups place_layer(u32 units, bool bidirectional, u32 tiles, direction_placement mode) {
    if (tiles == 0) fail("cannot place a layer on 0 tiles");
    const bool separate = bidirectional && tiles >= 2 &&
                          (mode == direction_placement::separate ||
                           (mode == direction_placement::automatic && tiles % 2 == 0));
    layer_groups g;
    const u32 per_direction = separate ? tiles / 2 : tiles;
    g.slices = std::min(units, per_direction);
    for (u32 k = 0; k < g.slices; ++k) g.tiles[0].push_back(k);
    if (bidirectional)
        for (u32 k = 0; k < g.slices; ++k) g.tiles[1].push_back(separate ? tiles / 2 + k : k);
    return g;
}

u64 region_allocator::allocate(u64 bytes, const std::vector<u32>& tiles_in, int first, int last) {
    std::vector<u32> tiles = tiles_in;
    std::sort(tiles.begin(), tiles.end());
    bytes = align_up(std::max<u64>(bytes, 1), alignment_);
    auto conflicts = [&](const placed& p) {
        return p.first <= last && first <= p.last && meet(p.tiles, tiles);
    };
    // Candidate addresses: 0 and the end of every region it may not overlap.
    std::vector<u64> candidates{0};
    for (const placed& p : placed_)
        if (conflicts(p)) candidates.push_back(p.address + p.bytes);
    std::sort(candidates.begin(), candidates.end());
    for (u64 at : candidates) {
        const bool free = std::none_of(placed_.begin(), placed_.end(), [&](const placed& p) {
            return conflicts(p) && at < p.address + p.bytes && p.address < at + bytes;
        });
        if (!free) continue;
        placed_.push_back({at, bytes, tiles, first, last});
        end_ = std::max(end_, at + bytes);
        return at;
    }
    return 0;  // not reached: the last candidate is past every conflicting region
}

u64 lifetime_allocator::allocate(u64 bytes, int first, int last) {
    bytes = align_up(std::max<u64>(bytes, 1), alignment_);
    std::vector<u64> candidates{0};
    auto overlaps = [&](const placed& p) { return p.first <= last && first <= p.last; };
    for (const placed& p : placed_)
        if (overlaps(p)) candidates.push_back(p.address + p.bytes);
    std::sort(candidates.begin(), candidates.end());
    for (u64 at : candidates) {
        const bool free = std::none_of(placed_.begin(), placed_.end(), [&](const placed& p) {
            return overlaps(p) && at < p.address + p.bytes && p.address < at + bytes;
        });
        if (!free) continue;
        placed_.push_back({at, bytes, first, last});
        end_ = std::max(end_, at + bytes);
        return at;
    }
    return 0;
}

}  // namespace masr
