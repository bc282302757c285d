#pragma once
// The MAC arithmetic of one masked weight row against an activation vector:
// sum over the row's set positions i of w_i * a_i, with the weights packed in
// mask order (docs/encoding.md) and the activation given dense (zeros where
// its mask is clear, so that a pair the front end skips adds nothing).
//
// The PE model needs the sum, not the order in which the hardware forms it:
// integer addition is exact and commutative, so a kernel that expands the
// packed weights of a mask word into 64 lanes and multiplies them with the
// dense activation word gives the same bits as the front end's pair-by-pair
// walk, without its data-dependent branches. The portable kernel is the
// reference; the AVX-512 one is used when the host has it.
//
// Plain C++.
#include "models/common/types.h"

namespace masr {

// 8-bit weights. `dense` holds 64 * words activations (pad with zeros past
// the vector's length); `packed` holds popcount(weight_mask) bytes.
i64 masked_dot_i8(const u64* weight_mask, const u8* packed, const i16* dense, unsigned words);

// The same sum, pair by pair: the reference for the vector kernel.
i64 masked_dot_i8_portable(const u64* weight_mask, const u8* packed, const i16* dense,
                           unsigned words);

// Whether masked_dot_i8 runs the AVX-512 kernel on this host.
bool masked_dot_vectorised();

}  // namespace masr
