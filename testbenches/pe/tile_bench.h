#pragma once
// One PE tile with its weight SRAM, activation buffer and compressor, and the
// sockets a testbench (tb_pe, tb_pe_tile) or the micro-benchmark (bench_pe)
// drives it through, playing the controller. No Catch2 here, so that the
// benchmark can use it too; pe_bench.h adds the scoreboard helpers.
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>

#include "models/compressor/compressor.h"
#include "models/pe/pe_command.h"
#include "models/pe/pe_tile.h"
#include "models/pe/weight_image.h"
#include "models/sram/sram.h"

namespace masr::pe_bench {

using sc_core::SC_NS;
using sc_core::sc_time;

inline const sc_time clock_period(1, SC_NS);

inline std::string source_dir() {
    const char* dir = std::getenv("MASR_SOURCE_DIR");
    return dir ? dir : ".";
}

constexpr u64 x_addr = 0x0000;
constexpr u64 h_addr = 0x2000;
constexpr u64 out_base = 0x4000;
constexpr u64 out_stride = 0x800;

// One tile and the sockets the testbench drives it through.
class tile_bench : public sc_core::sc_module {
public:
    pe_params pe_p;
    sram_params weight_p;
    sram_params act_p;
    compressor_params comp_p;
    std::unique_ptr<pe_tile> pe;
    std::unique_ptr<sram> weight_sram;
    std::unique_ptr<sram> act_buffer;
    std::unique_ptr<compressor> comp;
    tlm_utils::simple_initiator_socket<tile_bench> to_weights{"to_weights"};
    tlm_utils::simple_initiator_socket<tile_bench> to_act{"to_act"};
    tlm_utils::simple_initiator_socket<tile_bench> to_pe{"to_pe"};
    u64 next_image = 0;

    tile_bench(sc_core::sc_module_name name, const std::function<void(tile_bench&)>& configure = {})
        : sc_module(name) {
        weight_p.size = u64{1} << 20;
        act_p.size = u64{1} << 16;
        if (configure) configure(*this);
        pe = std::make_unique<pe_tile>("pe", pe_p, clock_period);
        weight_sram = std::make_unique<sram>("weight_sram", weight_p, clock_period);
        act_buffer = std::make_unique<sram>("act_buffer", act_p, clock_period);
        comp = std::make_unique<compressor>("compressor", comp_p, clock_period);
        pe->weights.bind(weight_sram->in);
        pe->activations.bind(act_buffer->in);
        pe->results.bind(comp->in);
        comp->out.bind(act_buffer->in);
        to_weights.bind(weight_sram->in);
        to_act.bind(act_buffer->in);
        to_pe.bind(pe->control);
    }

    void debug(tlm_utils::simple_initiator_socket<tile_bench>& s, tlm::tlm_command cmd, u64 addr,
               u8* data, u64 length) {
        tlm::tlm_generic_payload p;
        p.set_command(cmd);
        p.set_address(addr);
        p.set_data_ptr(data);
        p.set_data_length(static_cast<unsigned>(length));
        p.set_streaming_width(static_cast<unsigned>(length));
        if (s->transport_dbg(p) != length)
            throw std::runtime_error("tile_bench: debug access of " + std::to_string(length) +
                                     " bytes at " + std::to_string(addr) + " failed");
    }
    void write_vector(u64 addr, const sparse_vector& v, u32 value_bytes) {
        std::vector<u8> bytes(encoded_bytes(v.length, v.nnz(), value_bytes));
        serialize(v, value_bytes, bytes.data());
        debug(to_act, tlm::TLM_WRITE_COMMAND, addr, bytes.data(), bytes.size());
    }
    sparse_vector read_vector(u64 addr, u32 length, u32 value_bytes, u64 bytes) {
        std::vector<u8> data(bytes);
        debug(to_act, tlm::TLM_READ_COMMAND, addr, data.data(), bytes);
        sparse_vector v;
        if (deserialize(data.data(), length, value_bytes, v) != bytes)
            throw std::runtime_error("tile_bench: encoded vector is not " + std::to_string(bytes) +
                                     " bytes long");
        return v;
    }
    u64 load_image(const weight_image& image) {
        const u64 at = next_image;
        std::vector<u8> bytes = image.bytes;
        debug(to_weights, tlm::TLM_WRITE_COMMAND, at, bytes.data(), bytes.size());
        next_image = (at + bytes.size() + 63) / 64 * 64;
        return at;
    }
    // Sends a command; the calling thread waits for its delay (as the
    // controller does). Returns the response status.
    tlm::tlm_response_status send(pe_command& command, sc_time* took = nullptr,
                                  tlm::tlm_command cmd = tlm::TLM_WRITE_COMMAND,
                                  bool attach = true) {
        tlm::tlm_generic_payload p;
        u8 data[8] = {};
        p.set_command(cmd);
        p.set_address(0);
        p.set_data_ptr(data);
        p.set_data_length(8);
        p.set_streaming_width(8);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (attach) p.set_extension(&command);
        sc_time delay = sc_core::SC_ZERO_TIME;
        to_pe->b_transport(p, delay);
        if (attach) p.clear_extension(&command);
        if (took) *took = delay;
        wait(delay);
        return p.get_response_status();
    }
};

// Runs the testbench body as the one waiting thread.
class driver : public sc_core::sc_module {
public:
    std::function<void()> body;
    bool finished = false;
    SC_HAS_PROCESS(driver);
    explicit driver(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }
    void run() {
        body();
        finished = true;
    }
};

}  // namespace masr::pe_bench
