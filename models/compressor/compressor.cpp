#include "models/compressor/compressor.h"

#include <algorithm>

#include "models/common/error.h"
#include "models/common/tlm_support.h"
#include "models/encoding/sparse_vector.h"

namespace masr {

compressor::compressor(sc_core::sc_module_name name, const compressor_params& params,
                       sc_core::sc_time clock_period)
    : sc_module(name),
      in("in"),
      out("out"),
      elements_per_cycle_(params.elements_per_cycle),
      latency_cycles_(params.latency_cycles),
      clock_period_(clock_period) {
    if (clock_period_ <= sc_core::SC_ZERO_TIME)
        fail("{}: clock period must be positive, got {}", this->name(), clock_period_.to_string());
    if (elements_per_cycle_ == 0)
        fail("{}: {} elements_per_cycle is 0, expected at least 1", this->name(),
             params.elements_per_cycle.where());
    log_simulated_time();
    in.register_b_transport(this, &compressor::b_transport);

    stats.counter("vectors", vectors, "dense vectors encoded and written");
    stats.counter("elements", elements, "dense elements of the vectors written");
    stats.counter("zeros", zeros, "zero elements of the vectors written (not stored)");
    stats.counter("bytes_written", bytes_written,
                  "encoded bytes written downstream (mask, values, padding)");
    stats.counter("dense_bytes", dense_bytes,
                  "bytes the same vectors would take uncompressed (elements * value bytes)");
    stats.counter("stall_cycles", stall_cycles,
                  "cycles vectors waited for the zero detector to finish the previous one");
}

bool compressor::check(tlm::tlm_generic_payload& trans, u32 value_bytes) {
    const u64 address = trans.get_address();
    const unsigned int length = trans.get_data_length();
    if (trans.get_command() != tlm::TLM_WRITE_COMMAND) {
        log.warn("read at 0x{:x} ({} bytes): the compressor only takes writes of dense vectors",
                 address, length);
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_byte_enable_ptr() != nullptr) {
        log.warn(
            "write to 0x{:x} ({} bytes) with byte enables: expected a whole dense vector "
            "without byte enables",
            address, length);
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_streaming_width() < length) {
        log.warn(
            "write to 0x{:x} ({} bytes) with streaming width {}: expected a streaming width "
            "of at least the data length",
            address, length, trans.get_streaming_width());
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (length == 0 || trans.get_data_ptr() == nullptr) {
        log.warn(
            "write to 0x{:x} without data: expected a dense vector of at least one 16-bit "
            "element",
            address);
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return false;
    }
    if (length % 2 != 0) {
        log.warn("write to 0x{:x} of {} bytes: expected an even data length (16-bit elements)",
                 address, length);
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (value_bytes != 1 && value_bytes != 2) {
        log.warn("write to 0x{:x}: compress_extension asks for {} bytes per value, expected 1 or 2",
                 address, value_bytes);
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return false;
    }
    return true;
}

void compressor::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    auto* request = trans.get_extension<compress_extension>();
    const u32 value_bytes = request ? request->value_bytes : 2;
    if (!check(trans, value_bytes)) return;

    const u64 address = trans.get_address();
    const u32 length = trans.get_data_length() / 2;
    const u8* bytes = trans.get_data_ptr();
    dense_.resize(length);
    for (u32 i = 0; i < length; ++i)
        dense_[i] = static_cast<i16>(static_cast<u16>(bytes[2 * i] | bytes[2 * i + 1] << 8));
    if (value_bytes == 1) {
        const auto wide =
            std::find_if(dense_.begin(), dense_.end(), [](i16 x) { return x < -128 || x > 127; });
        if (wide != dense_.end()) {
            log.warn("write to 0x{:x}: element {} is {}, expected -128 to 127 for 1-byte values",
                     address, wide - dense_.begin(), *wide);
            trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
    }

    const sparse_vector encoded = sparse_vector::encode(dense_.data(), length);
    const vector_codec codec{request ? request->format : vector_format::masked, value_bytes};
    const u64 size = codec.bytes(length, encoded.nnz());
    encoded_.resize(size);
    codec.store(encoded, encoded_.data());

    // The zero detector is pipelined: it takes the next vector once the last
    // element of this one is in; the write leaves latency_cycles later.
    const sc_core::sc_time start = sc_core::sc_time_stamp() + delay;
    const u64 period = clock_period_.value();
    const u64 start_cycle = (start.value() + period - 1) / period;
    const u64 begin = std::max(start_cycle, busy_until_);
    const u64 intake = (u64{length} + elements_per_cycle_ - 1) / elements_per_cycle_;
    // Streamed input: the detector cannot finish before the last element is in.
    const u64 last_in = request ? start_cycle + request->last_offset_cycles + 1 : 0;
    const u64 intake_end = std::max(begin + intake, last_in);
    busy_until_ = intake_end;
    delay += sc_core::sc_time::from_value((intake_end + latency_cycles_) * period) - start;

    prepare(write_, tlm::TLM_WRITE_COMMAND, address, encoded_.data(), size);
    out->b_transport(write_, delay);
    if (write_.is_response_error()) {
        log.warn("write of the {}-byte encoded vector to 0x{:x} failed downstream: {}", size,
                 address, write_.get_response_string());
        trans.set_response_status(write_.get_response_status());
        return;
    }

    stall_cycles += begin - start_cycle;
    ++vectors;
    elements += length;
    zeros += length - encoded.nnz();
    bytes_written += size;
    dense_bytes += u64{length} * value_bytes;
    if (request) {
        request->nnz = encoded.nnz();
        request->encoded_bytes = size;
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace masr
