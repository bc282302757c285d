#pragma once
// The model compiler: a workload and a platform's mapping target in, the
// model image (contract/model_image.h) out. masr-pack writes it to a file;
// masr-sim compiles in memory or reads a file, and in both cases the image
// placed in the accelerator's memory is the only path into the hardware.
#include <string>
#include <vector>

#include "compiler/mapping.h"
#include "contract/model_image.h"
#include "workloads/src/workload.h"

namespace masr {

struct compiled_model {
    model_image image;      // the records, as parse_model_image would return them
    std::vector<u8> bytes;  // the image itself
    // For reports and capacity messages.
    u64 weight_partition_max = 0;  // fullest PE partition, bytes
    u64 weight_bytes_total = 0;
    u64 pointer_partition_max = 0;  // csc
    u64 pointer_bytes_total = 0;
    u64 nonzero_weights = 0;
    u64 padding_entries = 0;  // csc
};

// Throws input_error when the workload does not fit (naming the memory, the
// bytes needed and available and what to change) or steps is out of range.
// steps == 0 compiles for the whole sequence.
compiled_model compile_model(const workload& w, const mapping_target& target, u32 steps = 0);

// Where masr-sim preloads the network input: one encoded vector per time
// index at base + t * step_bytes of the input sequence (slice 0).
struct input_placement {
    u64 address;
    std::vector<u8> bytes;
};
std::vector<input_placement> place_input(const model_image& image, const workload& w, u32 steps);

}  // namespace masr
