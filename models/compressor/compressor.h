#pragma once
// Activation compressor: turns a dense activation vector written by the PE
// tile into MASR's binary-mask encoding (models/encoding/sparse_vector.h) and
// writes mask + packed values to the destination address through `out`
// (the activation buffer). Loosely timed: a pipelined zero detector and
// packer taking elements_per_cycle elements per cycle, then latency_cycles of
// pipeline, then the downstream write. See models/compressor/README.md.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>
#include <vector>

#include "models/common/log.h"
#include "models/common/property.h"
#include "models/common/stats.h"
#include "models/common/types.h"
#include "models/compressor/compress_extension.h"

namespace masr {

struct compressor_params : property_group {
    using property_group::property_group;
    property<u32> elements_per_cycle{
        this, "elements_per_cycle", 4, "dense elements the zero detector takes per cycle", 1, 4096};
    property<u32> latency_cycles{this, "latency_cycles",
                                 2,    "pipeline cycles from the last element in to the write out",
                                 0,    1024};
};

class compressor : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<compressor> in;
    tlm_utils::simple_initiator_socket<compressor> out;

    compressor(sc_core::sc_module_name name, const compressor_params& params,
               sc_core::sc_time clock_period);

    logger log{name()};

    u64 vectors = 0;        // vectors encoded and written
    u64 elements = 0;       // dense elements of those vectors
    u64 zeros = 0;          // of which zero
    u64 bytes_written = 0;  // encoded bytes written downstream
    u64 dense_bytes = 0;    // bytes the same vectors take uncompressed
    u64 stall_cycles = 0;   // cycles vectors waited for the previous one
    stats_scope stats{name()};

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    // Returns false (response status set, warning logged) for a request the
    // compressor cannot serve.
    bool check(tlm::tlm_generic_payload& trans, u32 value_bytes);

    u32 elements_per_cycle_;
    u32 latency_cycles_;
    sc_core::sc_time clock_period_;
    u64 busy_until_ = 0;  // first cycle the zero detector takes a new vector
    // Reused for every vector.
    std::vector<i16> dense_;
    std::vector<u8> encoded_;
    tlm::tlm_generic_payload write_;
};

}  // namespace masr
