#pragma once
// Which phases of the machine overlap (platform YAML group `overlap`). Each
// is a hardware feature an architect can switch off to measure what it buys;
// with all of them off every round runs strictly phase after phase, as the
// first version of this model did.
#include "models/common/property.h"

namespace masr {

struct overlap_params : property_group {
    using property_group::property_group;
    property<bool> stream_activations{
        this, "stream_activations", true,
        "the front end starts on the first activation segment instead of after the whole read"};
    property<bool> stream_nlu{this, "stream_nlu", true,
                              "NLU and compressor take units as the MAC back end finishes their "
                              "rows, instead of after the last row"};
    property<bool> prefetch_x{this, "prefetch_x", true,
                              "x_t is double-buffered and sent ahead by the streamer; off: one "
                              "slot, refilled after the tiles finish the step"};
    property<bool> early_input{this, "early_input", true,
                               "W_x x_t runs while h_(t-1) is still arriving; off: a round starts "
                               "once both are in"};
    property<bool> pipeline_rounds{this, "pipeline_rounds", true,
                                   "a PE starts its next pass when its front end is free; off: "
                                   "when the previous round's output is written"};
};

}  // namespace masr
