#pragma once
// CRC-32 of every layer's output, per direction, as the tiles wrote it into
// the sequence buffer: stats.json carries them so that a regression bench
// (testbenches/regression) names the first layer whose outputs changed
// without storing the outputs themselves.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platforms/src/simulation.h"

namespace masr {

struct layer_output_hash {
    std::string layer;
    std::vector<u32> crc32;  // by direction: forward, then backward
};

// The output of one direction of a layer for the run's steps, (steps, units),
// decoded from the sequence buffer; valid while the layer's sequence is there
// (from the sequencer's layer-done callback until the space is reused).
matrix<i16> read_direction_output(masr_system& system, const model_image& image, u32 layer,
                                  u32 direction, u32 steps);

// CRC-32 (Boost.CRC's crc_32_type, as zlib) of the values as little-endian
// 16-bit words, step by step.
u32 output_crc32(const matrix<i16>& values);

// Collects the hashes layer by layer from simulation::on_layer.
class output_hasher {
public:
    void layer_done(simulation& sim, const workload& w, u32 layer);
    const std::vector<layer_output_hash>& hashes() const { return hashes_; }
    // [{"layer": "l1", "fwd": "0x1234abcd", "bwd": ...}, ...] in layer order.
    nlohmann::json to_json() const;

private:
    std::vector<layer_output_hash> hashes_;
};

}  // namespace masr
