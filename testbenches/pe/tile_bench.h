#pragma once
// One PE tile with its weight SRAM (a partition per PE), activation buffer and
// compressor, and the sockets a testbench (tb_pe, tb_pe_tile) or the
// micro-benchmark (bench_pe) drives it through, playing the tile controller.
// No Catch2 here, so that the benchmark can use it too; pe_bench.h adds the
// scoreboard helpers.
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>

#include "compiler/weight_packer.h"
#include "models/common/overlap.h"
#include "models/common/sparsity.h"
#include "models/common/tlm_support.h"
#include "models/compressor/compressor.h"
#include "models/pe/pe_command.h"
#include "models/pe/pe_tile.h"
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
constexpr u64 rh_addr = 0x4000;
constexpr u64 out_base = 0x6000;
constexpr u64 out_stride = 0x800;

// One tile and the sockets the testbench drives it through.
class tile_bench : public sc_core::sc_module {
public:
    pe_params pe_p;
    sram_params weight_p;
    sram_params act_p;
    compressor_params comp_p;
    overlap_params overlap;
    sparsity_params sparsity;
    std::unique_ptr<pe_tile> pe;
    std::unique_ptr<sram> weight_sram;
    std::unique_ptr<sram> act_buffer;
    std::unique_ptr<compressor> comp;
    tlm_utils::simple_initiator_socket<tile_bench> to_weights{"to_weights"};
    tlm_utils::simple_initiator_socket<tile_bench> to_act{"to_act"};
    tlm_utils::simple_initiator_socket<tile_bench> to_pe{"to_pe"};
    std::vector<u64> partition_used;  // per PE

    tile_bench(sc_core::sc_module_name name, const std::function<void(tile_bench&)>& configure = {})
        : sc_module(name) {
        weight_p.size = u64{1} << 20;
        weight_p.banks = 8;
        act_p.size = u64{1} << 16;
        if (configure) configure(*this);
        pe = std::make_unique<pe_tile>("pe", pe_p, overlap, sparsity, clock_period);
        weight_sram = std::make_unique<sram>("weight_sram", weight_p, clock_period, pe_p.pes);
        act_buffer = std::make_unique<sram>("act_buffer", act_p, clock_period);
        comp = std::make_unique<compressor>("compressor", comp_p, clock_period);
        pe->weights.bind(weight_sram->in);
        pe->activations.bind(act_buffer->in);
        pe->results.bind(comp->in);
        comp->out.bind(act_buffer->in);
        to_weights.bind(weight_sram->in);
        to_act.bind(act_buffer->in);
        to_pe.bind(pe->control);
        partition_used.assign(pe_p.pes, 0);
    }

    u64 partition_bytes() const { return weight_p.size / pe_p.pes; }

    void debug(tlm_utils::simple_initiator_socket<tile_bench>& s, tlm::tlm_command cmd, u64 addr,
               u8* data, u64 length) {
        tlm::tlm_generic_payload p;
        prepare(p, cmd, addr, data, length);
        if (s->transport_dbg(p) != length)
            throw std::runtime_error("tile_bench: debug access of " + std::to_string(length) +
                                     " bytes at " + std::to_string(addr) + " failed");
    }
    void write_vector(u64 addr, const sparse_vector& v, u32 value_bytes) {
        std::vector<u8> bytes(encoded_bytes(v.length, v.nnz(), value_bytes));
        serialize(v, value_bytes, bytes.data());
        debug(to_act, tlm::TLM_WRITE_COMMAND, addr, bytes.data(), bytes.size());
    }
    // A vector as segments (each its own encoded vector) at their offsets.
    void write_segments(u64 addr, const std::vector<i16>& dense,
                        const std::vector<pe_segment>& segments, u32 value_bytes) {
        for (const pe_segment& s : segments)
            write_vector(addr + s.offset, sparse_vector::encode(dense.data() + s.first, s.length),
                         value_bytes);
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
    // Places a packed slot's blocks in their PEs' partitions.
    std::vector<pe_block> load_blocks(const packed_slot& packed) {
        std::vector<pe_block> blocks;
        for (const packed_block& b : packed.blocks) {
            u64& used = partition_used.at(b.pe);
            const u64 at = b.pe * partition_bytes() + used;
            std::vector<u8> bytes = b.bytes;
            if (!bytes.empty())
                debug(to_weights, tlm::TLM_WRITE_COMMAND, at, bytes.data(), bytes.size());
            used = (used + bytes.size() + 63) / 64 * 64;
            blocks.push_back({b.pass, b.pe, b.first_row, b.rows, b.bias, at, bytes.size()});
        }
        return blocks;
    }
    // The slot's setup, for units [first, first + units) of one direction, h
    // read as the given segments.
    pe_slot_setup make_setup(const layer_desc& layer, const direction_weights& weights,
                             const fixed_format& f, u32 slot, u32 first, u32 units,
                             const std::vector<pe_segment>& segments) {
        pe_slot_setup s;
        s.slot = slot;
        s.kind = layer.kind;
        s.activation = layer.activation;
        s.format = f;
        s.inputs = layer.inputs;
        s.units_total = layer.units;
        s.first_unit = first;
        s.units = units;
        s.blocks = load_blocks(pack_slot_weights(layer, weights, first, units, pe_p.pes, f));
        if (layer.recurrent()) s.segments = segments;
        return s;
    }
    // Sends a command; the calling thread waits for its delay (the pass's
    // last result). Returns the response status.
    tlm::tlm_response_status send(pe_command& command, sc_time* took = nullptr,
                                  tlm::tlm_command cmd = tlm::TLM_WRITE_COMMAND,
                                  bool attach = true) {
        tlm::tlm_generic_payload p;
        u8 data[8] = {};
        prepare(p, cmd, 0, data, 8);
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
