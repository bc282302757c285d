#pragma once
// A MASR platform as read from platforms/*.yaml: the one place where the
// configuration of a run is assembled. Every model's parameters are a
// property_group nested here under the model's name, so a dump of this
// structure is the complete, commented configuration a run actually used.
#include <ostream>
#include <string>

#include "compiler/mapping.h"
#include "models/bus/bus.h"
#include "models/common/overlap.h"
#include "models/common/property.h"
#include "models/common/sparsity.h"
#include "models/csr/csr.h"
#include "models/dma/dma.h"
#include "models/ni/ni.h"
#include "models/noc/noc.h"
#include "models/sequencer/sequencer.h"
#include "models/sram/sram.h"
#include "models/streamer/streamer.h"
#include "models/tile/tile.h"
#include "platforms/src/technology.h"

namespace masr {

struct mapping_params : property_group {
    using property_group::property_group;
    property<direction_placement> directions{
        this, "directions", direction_placement::automatic,
        "bidirectional layers: separate tile groups, shared (time-multiplexed) tiles, or auto "
        "(separate when the tile count is even)"};
};

// Which machine the platform is: MASR, the dense baseline (no sparsity
// exploited) or EIE (Han et al., ISCA 2016: csc weights, dense activations,
// non-zero activations broadcast to column-holding PEs).
enum class accelerator_arch { masr, dense, eie };
template <>
struct enum_names<accelerator_arch> {
    static constexpr std::pair<accelerator_arch, const char*> table[] = {
        {accelerator_arch::masr, "masr"},
        {accelerator_arch::dense, "dense"},
        {accelerator_arch::eie, "eie"}};
};

struct eie_format_params : property_group {
    using property_group::property_group;
    property<bool> codebook{this, "codebook", true,
                            "weights shared into a 2^code_bits-entry codebook per layer direction "
                            "(EIE); false: the quantized weight itself in each entry"};
    property<u32> code_bits{this, "code_bits", 4, "bits of a weight code (EIE: 4)", 1, 8};
    property<u32> index_bits{this,
                             "index_bits",
                             4,
                             "bits of an entry's relative row index (EIE: 4; longer gaps need "
                             "padding zeros)",
                             1,
                             8};
};

// Firmware co-simulation (masr-cosim, docs/firmware.md): the host side of the
// platform. Not used by masr-sim.
struct cpu_params : property_group {
    using property_group::property_group;
    property<double> clock_hz{
        this, "clock_hz", 100e6, "clock of the host CPU that runs the firmware (Hz)", 1e3, 1e11};
    property<double> cpi{this, "cpi",
                         1.0,  "cycles per instruction (a single-issue core with caches that hit)",
                         0.1,  1000};
    property<double> quantum_ns{this,
                                "quantum_ns",
                                1000,
                                "temporal-decoupling quantum: the CPU runs this far ahead of the "
                                "rest of the platform before it synchronises",
                                1,
                                1e9};
};

struct cosim_params : property_group {
    cosim_params(property_group* parent, std::string key, std::string description)
        : property_group(parent, std::move(key), std::move(description)) {
        // 16 MiB of DRAM behind an 8-byte port with 50 ns (40 cycles at 800 MHz) of latency.
        ram.size.derive(16 << 20);
        ram.banks.derive(1);
        ram.read_cycles.derive(40);
        ram.write_cycles.derive(40);
        ram.off_chip.derive(true);
    }
    property<u64> ram_base{this, "ram_base", 0x8000'0000,
                           "system-memory base: firmware code, data, stack and the buffers the "
                           "accelerator's DMA reads and writes"};
    sram_params ram{this, "ram",
                    "system memory as the DMA sees it (the CPU's accesses hit its caches): "
                    "word_bytes per cycle per bank, read_cycles of latency"};
    property<u64> csr_base{this, "csr_base", 0x4000'0000,
                           "the accelerator's register block (models/csr/registers.md)"};
    property<u64> console_base{this, "console_base", 0x4000'1000,
                               "console device: write a byte to +0, an exit code to +4"};
    cpu_params cpu{this, "cpu", "host CPU (RV32 on Unicorn, or the host-compiled firmware)"};
    csr_params csr{this, "csr", "the accelerator's register block"};
    dma_params dma{this, "dma", "the accelerator's DMA engine"};
};

struct platform_config : property_group {
    platform_config() : property_group(nullptr, "", "") {}

    property<std::string> name{this, "name", "custom", "platform name, for reports"};
    property<double> clock_hz{
        this, "clock_hz", 800e6, "clock of tiles, NoC and control node (Hz); EIE ran at 800 MHz",
        1e3,  1e11};
    property<u32> tiles{this, "tiles", 1, "number of tiles", 1, 4096};
    property<bool> protocol_checks{
        this, "protocol_checks", false,
        "put a TLM-2.0 base-protocol checker on every link (the system tests do); a violation "
        "stops the run. Slower, never changes results"};
    property<accelerator_arch> arch{
        this, "arch", accelerator_arch::masr,
        "masr, dense (no sparsity exploited: every weight and activation stored and multiplied) "
        "or eie (EIE's compressed columns, dense activations, broadcast of non-zero "
        "activations; platforms/eie.yaml)"};
    sparsity_params sparsity{this, "sparsity",
                             "which sparsity masr and dense exploit (arch dense: none, unless "
                             "set here); not used by eie"};
    eie_format_params eie{this, "eie", "EIE's weight format (arch eie)"};
    property<std::string> technology{this, "technology", "technology/cmos45.yaml",
                                     "technology file for the energy and area model, relative to "
                                     "the platform file"};
    tile_params tile{this, "tile", "one tile; every tile is the same"};
    noc_params noc{this, "noc", "inter-tile network on chip"};
    mapping_params mapping{this, "mapping", "how the model compiler places layers on tiles"};
    overlap_params overlap{this, "overlap", "which phases overlap (each can be switched off)"};
    sequencer_params sequencer{this, "sequencer", "on-chip sequencer: loads and starts the model"};
    streamer_params streamer{this, "streamer", "x_t streamer: assembles each layer's input"};
    sram_params seq_buffer{this, "seq_buffer",
                           "sequence buffer: every layer's output sequence, the next layer's "
                           "input (on-chip SRAM, or a DRAM port by its latency and width)"};
    sram_params dram{this, "dram", "the accelerator's DRAM window, where the model image lies"};
    ni_params ctrl_ni{this, "ctrl_ni", "control node's network interface: arrival counters"};
    bus_params ctrl_bus{this, "ctrl_bus", "control node's address decoder"};
    cosim_params cosim{this, "cosim",
                       "firmware co-simulation (masr-cosim): memory map, system memory, host CPU, "
                       "register block and DMA"};
    // Loaded from the technology file, then the platform file's `tech` keys.
    technology_params tech{this, "tech",
                           "technology: energy and area per operation, access and unit "
                           "(platforms/technology/*.yaml, overridable here)"};

    std::string file;             // where it was read from
    std::string technology_path;  // technology resolved against the file's directory

private:
    YAML::Node tech_overrides_;

public:
    // Reads and validates a platform file and its technology file; throws
    // input_error naming file:line.
    void load_file(const std::string& path);
    // Replaces the technology file (masr-sim --tech), keeping the platform
    // file's own `tech` overrides on top; `from` names who asked, for messages.
    void load_technology(const std::string& path, const std::string& from);
    // Commented YAML of every value, defaults included.
    void dump(std::ostream& out) const;
    // Fills what the architecture implies and the file did not set (arch
    // dense: no sparsity, static balance; eie: interleaved rows) and checks
    // the rest against it. Call after the last override (--set, --arch);
    // calling it again after another change re-derives the defaults.
    void resolve_arch();
    // arch eie with a codebook: the workload's weights must be shared first
    // (workloads/src/weight_sharing.h), into this many values (0 included).
    u32 shared_weight_levels() const;

    // The clock period, a whole number of SystemC time-resolution units (so
    // that cycles convert to time and back exactly at any clock).
    sc_core::sc_time clock_period() const;
    void validate() const override;

    // What the model compiler and the sequencer need to know of the machine.
    mapping_target target() const;
    machine_limits limits() const;
};

}  // namespace masr
