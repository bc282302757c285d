#pragma once
// Weight sharing as EIE deploys it (Han et al., "Deep Compression", ICLR
// 2016; EIE section III): each layer direction's non-zero weights are
// clustered into at most `levels` - 1 shared values, so that a
// (log2 levels)-bit code and a per-layer codebook stand for them. Zeros stay
// zero and biases are not shared. Applied to a workload before both the model
// compiler and the golden reference, so that the accelerator and the
// reference compute the same (shared-weight) network bit for bit.
#include "workloads/src/workload.h"

namespace masr {

struct weight_sharing_report {
    u64 weights_changed = 0;  // non-zero weights moved to their cluster's value
    u64 nonzero_weights = 0;
};

// Deterministic 1-D k-means (Lloyd's algorithm) over the quantized values,
// started from the quantiles of the non-zero weights; every centroid is a
// non-zero integer in the weight format's range.
weight_sharing_report share_weights(workload& w, u32 levels);

}  // namespace masr
