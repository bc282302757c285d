#pragma once
// Optional extension of a write to the compressor: the value width of the
// encoded vector (request) and the size of what was written (response), so
// that the PE tile can report its output slice to the controller.
#include <tlm>

#include "models/common/types.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

struct compress_extension : tlm::tlm_extension<compress_extension> {
    // Request: bytes per packed value, 1 or 2, and the stored format (masked;
    // dense for the dense and EIE baselines, which keep every value).
    u32 value_bytes = 2;
    vector_format format = vector_format::masked;
    // Request: the write's annotated delay is when the first element reaches
    // the compressor; the last one arrives this many cycles later (the NLU
    // streams units in as they are done). 0: all at once.
    u64 last_offset_cycles = 0;
    // Response, valid when the write returns TLM_OK_RESPONSE: non-zero
    // elements, and bytes written at the destination (mask words, packed
    // values, zero padding to a multiple of 8).
    u32 nnz = 0;
    u64 encoded_bytes = 0;

    tlm::tlm_extension_base* clone() const override { return new compress_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const compress_extension&>(other);
    }
};

}  // namespace masr
