#include "models/dma/dma.h"

#include <algorithm>

#include "models/common/tlm_support.h"

namespace masr {

using sc_core::sc_time;

const char* to_string(dma_side side) {
    return side == dma_side::system ? "system" : "accelerator";
}

dma::dma(sc_core::sc_module_name name, const dma_params& params, sc_time clock_period)
    : sc_module(name),
      system("system"),
      accel("accel"),
      burst_(params.burst_bytes),
      setup_cycles_(params.setup_cycles),
      clock_(clock_period),
      buffer_(params.burst_bytes) {
    log_simulated_time();
    stats.counter("copies", copies, "copies programmed");
    stats.counter("bytes", bytes_moved, "bytes moved");
    stats.counter("bursts", bursts, "bursts (a read and a write each)");
    stats.counter("busy_cycles", busy_cycles, "cycles from each copy's start to its last write");
    stats.counter("errors", errors, "copies that got an error response");
}

bool dma::transfer(dma_side side, tlm::tlm_command command, u64 address, u8* data, u64 bytes,
                   sc_time& delay, std::string& error) {
    prepare(payload_, command, address, data, bytes);
    (side == dma_side::system ? system : accel)->b_transport(payload_, delay);
    if (payload_.is_response_error()) {
        error =
            fmt::format("DMA {} of {} bytes at {} address 0x{:x} failed: {}", command_name(command),
                        bytes, to_string(side), address, payload_.get_response_string());
        return false;
    }
    return true;
}

std::string dma::copy(dma_side from, u64 src, dma_side to, u64 dst, u64 bytes, sc_time& delay,
                      std::vector<u8>* tap) {
    ++copies;
    const sc_time start = delay;
    delay += time_of(setup_cycles_, clock_);
    sc_time read_done = delay, write_done = delay;
    std::string error;
    if (tap) tap->clear();
    for (u64 at = 0; at < bytes; at += burst_) {
        const u64 n = std::min<u64>(burst_, bytes - at);
        if (!transfer(from, tlm::TLM_READ_COMMAND, src + at, buffer_.data(), n, read_done, error))
            break;
        if (tap) tap->insert(tap->end(), buffer_.begin(), buffer_.begin() + n);
        sc_time write = std::max(read_done, write_done);
        if (!transfer(to, tlm::TLM_WRITE_COMMAND, dst + at, buffer_.data(), n, write, error)) break;
        write_done = write;
        ++bursts;
        bytes_moved += n;
    }
    delay = std::max(read_done, write_done);
    busy_cycles += cycles_at(delay - start, clock_);
    if (!error.empty()) {
        ++errors;
        log.warn("{}", error);
        return error;
    }
    log.debug("copy {} bytes {} 0x{:x} -> {} 0x{:x}, {} cycles (done at {:.9f} s)", bytes,
              to_string(from), src, to_string(to), dst, cycles_at(delay - start, clock_),
              (sc_core::sc_time_stamp() + delay).to_seconds());
    return "";
}

}  // namespace masr
