#pragma once
// A property_group shaped like platform_config (platforms/src): the same
// keys, types, ranges and nesting (tile.pe, tile.weight_sram, noc, ctrl, ...),
// without the SystemC models behind them, so that the platform-style loader
// can be fuzzed and its regressions tested in plain C++. When a model gains a
// parameter, the loader code exercised here does not change: only this
// mirror would grow.
#include <utility>

#include "models/common/property.h"
#include "models/common/types.h"

namespace masr::fuzz {

enum class topology { mesh, ring };
enum class balance { static_contiguous, static_interleaved, dynamic };
enum class placement { automatic, separate, shared };

}  // namespace masr::fuzz

namespace masr {

template <>
struct enum_names<fuzz::topology> {
    static constexpr std::pair<fuzz::topology, const char*> table[] = {
        {fuzz::topology::mesh, "mesh"}, {fuzz::topology::ring, "ring"}};
};
template <>
struct enum_names<fuzz::balance> {
    static constexpr std::pair<fuzz::balance, const char*> table[] = {
        {fuzz::balance::static_contiguous, "static_contiguous"},
        {fuzz::balance::static_interleaved, "static_interleaved"},
        {fuzz::balance::dynamic, "dynamic"}};
};
template <>
struct enum_names<fuzz::placement> {
    static constexpr std::pair<fuzz::placement, const char*> table[] = {
        {fuzz::placement::automatic, "auto"},
        {fuzz::placement::separate, "separate"},
        {fuzz::placement::shared, "shared"}};
};

namespace fuzz {

struct pe_group : property_group {
    using property_group::property_group;
    property<u32> pes{this, "pes", 4, "PEs per tile", 1, 1024};
    property<u32> lanes{this, "lanes", 4, "MAC lanes per PE", 1, 256};
    property<u32> fifo_depth{this, "fifo_depth", 16, "FIFO entries", 1, 65536};
    property<u32> frontend_pairs{this, "frontend_pairs", 8, "pairs per cycle", 1, 64};
    property<u32> fifo_latency{this, "fifo_latency", 1, "push to pop cycles", 1, 64};
    property<u32> mac_latency{this, "mac_latency", 2, "MAC stages", 0, 64};
    property<u32> nlu_throughput{this, "nlu_throughput", 1, "NLU operations per cycle", 1, 1024};
    property<u32> nlu_latency{this, "nlu_latency", 4, "NLU cycles", 0, 1024};
    property<balance> balance_mode{this, "balance", balance::dynamic, "row assignment"};
    property<u32> steal_cycles{this, "steal_cycles", 8, "cycles per steal", 0, 1 << 20};
    property<u32> max_slots{this, "max_slots", 256, "slot table entries", 1, 65536};
};

struct sram_group : property_group {
    using property_group::property_group;
    property<u64> size{this, "size", 65536, "capacity in bytes", 1};
    property<u32> word_bytes{this, "word_bytes", 8, "bytes per word", 1, 4096};
    property<u32> banks{this, "banks", 4, "banks", 1, 4096};
    property<u32> ports{this, "ports", 1, "ports per bank", 1, 64};
    property<u32> read_cycles{this, "read_cycles", 1, "read access cycles", 0, 1024};
    property<u32> write_cycles{this, "write_cycles", 1, "write cycles", 0, 1024};

    // As sram_params: a whole number of rows of words across the banks.
    void validate() const override {
        const u64 row = u64{word_bytes.get()} * banks.get();
        if (size.get() % row != 0)
            fail("{}: size is {}, expected a multiple of word_bytes x banks ({})", size.where(),
                 size.get(), row);
    }
};

struct compressor_group : property_group {
    using property_group::property_group;
    property<u32> elements_per_cycle{this, "elements_per_cycle", 4, "elements per cycle", 1, 4096};
    property<u32> latency_cycles{this, "latency_cycles", 2, "pipeline cycles", 0, 1024};
};

struct bus_group : property_group {
    using property_group::property_group;
    property<u32> latency_cycles{this, "latency_cycles", 1, "decode cycles", 0, 1024};
};

struct tile_group : property_group {
    using property_group::property_group;
    pe_group pe{this, "pe", "PE array"};
    sram_group weight_sram{this, "weight_sram", "weight SRAM"};
    sram_group act_buffer{this, "act_buffer", "activation buffer"};
    compressor_group compressor{this, "compressor", "activation compressor"};
    bus_group bus{this, "bus", "address decoder"};
};

struct noc_group : property_group {
    using property_group::property_group;
    property<topology> shape{this, "topology", topology::mesh, "mesh or ring"};
    property<u32> columns{this, "columns", 0, "mesh columns"};
    property<u32> rows{this, "rows", 0, "mesh rows"};
    property<u32> hop_cycles{this, "hop_cycles", 1, "cycles per hop"};
    property<u32> link_bytes{this, "link_bytes", 16, "link width", 1};
    property<u32> header_bytes{this, "header_bytes", 8, "header bytes"};
    property<u32> host_node{this, "host_node", 0, "host router"};
    property<bool> host_port_contention{this, "host_port_contention", true, "host port limits"};
};

struct ctrl_group : property_group {
    using property_group::property_group;
    property<placement> directions{this, "directions", placement::automatic, "direction placement"};
    property<u32> merge_elements_per_cycle{this, "merge_elements_per_cycle", 16, "merge rate", 1,
                                           4096};
    property<u32> command_bytes{this, "command_bytes", 32, "command size", 1, 4096};
};

struct platform_like : property_group {
    platform_like() : property_group(nullptr, "", "") {}
    property<std::string> name{this, "name", "custom", "platform name"};
    property<double> clock_hz{this, "clock_hz", 800e6, "clock (Hz)", 1e3, 1e11};
    property<u32> tiles{this, "tiles", 1, "number of tiles", 1, 4096};
    property<std::string> technology{this, "technology", "technology/cmos45.yaml", "technology"};
    tile_group tile{this, "tile", "one tile"};
    noc_group noc{this, "noc", "network on chip"};
    ctrl_group ctrl{this, "ctrl", "controller"};

    void validate() const override {
        if (noc.host_node.is_set() && noc.host_node >= tiles)
            fail("{}: noc.host_node is {} but the platform has only {} tiles",
                 noc.host_node.where(), noc.host_node.get(), tiles.get());
    }
};

}  // namespace fuzz
}  // namespace masr
