#pragma once
// Which kinds of sparsity the machine exploits (platform YAML group
// `sparsity`): the storage of weights and activations (mask plus packed
// values, or every value) and whether the PEs skip the products with a zero
// operand. MASR has all four; the dense baseline (arch: dense) none. Each can
// be switched off alone, for the ablation of what it buys; results do not
// change, only the work, the bytes and the time.
#include "models/common/property.h"

namespace masr {

struct sparsity_params : property_group {
    using property_group::property_group;
    property<bool> compact_weights{this, "compact_weights", true,
                                   "weight rows stored as mask + packed non-zeros; off: every "
                                   "weight stored"};
    property<bool> skip_zero_weights{this, "skip_zero_weights", true,
                                     "the front end skips zero weights; off: every weight is "
                                     "multiplied"};
    property<bool> compact_activations{this, "compact_activations", true,
                                       "activations stored and sent as mask + packed non-zeros; "
                                       "off: every value"};
    property<bool> skip_zero_activations{this, "skip_zero_activations", true,
                                         "the front end skips zero activations (null "
                                         "operations); off: they are multiplied"};
};

}  // namespace masr
