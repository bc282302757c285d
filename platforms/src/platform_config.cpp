#include "platforms/src/platform_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "models/common/address_map.h"
#include "models/common/yaml_file.h"

namespace masr {

void platform_config::load_file(const std::string& path) {
    file = path;
    YAML::Node root = load_yaml_file(path, "a platform file");
    // The technology file is the base of `tech`; the platform's own `tech`
    // keys override it, so they are loaded after it.
    tech_overrides_ = YAML::Node();
    if (root.IsMap() && root["tech"]) {
        tech_overrides_ = YAML::Clone(root["tech"]);
        root.remove("tech");
    }
    load(root, path);
    const std::filesystem::path tech_file = technology.get();
    technology_path = tech_file.is_absolute()
                          ? tech_file.string()
                          : (std::filesystem::path(path).parent_path() / tech_file).string();
    load_technology(technology_path, technology.where());
    resolve_arch();
}

void platform_config::resolve_arch() {
    const bool dense = arch == accelerator_arch::dense;
    for (property<bool>* p : {&sparsity.compact_weights, &sparsity.skip_zero_weights,
                              &sparsity.compact_activations, &sparsity.skip_zero_activations})
        if (!p->is_set()) p->derive(!dense);
    pe_params& pe = tile.pe;
    if (arch != accelerator_arch::eie) {
        if (!pe.balance.is_set())
            pe.balance.derive(dense ? balance_mode::static_contiguous : balance_mode::dynamic);
        return;
    }
    const std::string why = "; platforms/eie.yaml is EIE's published configuration";
    for (const property<bool>* p : {&sparsity.compact_weights, &sparsity.skip_zero_weights,
                                    &sparsity.compact_activations, &sparsity.skip_zero_activations})
        if (p->is_set())
            fail(
                "{}: sparsity.{} is set, but arch eie has its own fixed format (csc weights, "
                "dense activations, zero activations skipped)",
                p->where(), p->name());
    if (pe.balance.is_set() && pe.balance != balance_mode::static_interleaved)
        fail(
            "{}: tile.pe.balance is {}, but EIE interleaves rows over its PEs statically: "
            "expected static_interleaved (or leave it out){}",
            pe.balance.where(), enum_to_string(pe.balance.get()), why);
    pe.balance.derive(balance_mode::static_interleaved);
    if (pe.lanes != 1)
        fail("{}: tile.pe.lanes is {}, but an EIE PE has one MAC: expected 1{}", pe.lanes.where(),
             pe.lanes.get(), why);
    if (tile.pointer_sram.size == 0)
        fail(
            "{}: arch eie needs a pointer SRAM for its column pointers: set "
            "tile.pointer_sram.size (EIE: 32 KB per PE){}",
            arch.where(), why);
}

u32 platform_config::shared_weight_levels() const {
    return arch == accelerator_arch::eie && eie.codebook ? 1u << eie.code_bits : 0;
}

void platform_config::load_technology(const std::string& path, const std::string& from) {
    YAML::Node t;
    try {
        t = load_yaml_file(path, "a technology file");
    } catch (const input_error& e) {
        fail("{}: the technology file: {}", from, e.what());
    }
    tech.load(t, path, "tech");
    technology_path = path;
    if (!tech_overrides_.IsNull()) tech.load(tech_overrides_, file, "tech");
}

void platform_config::validate() const {
    if (noc.host_node >= tiles && noc.host_node.is_set() && !noc.host_at_center)
        fail("{}: noc.host_node is {} but the platform has only {} tiles", noc.host_node.where(),
             noc.host_node.get(), tiles.get());
    if (tile.weight_sram.banks % tile.pe.pes != 0)
        fail(
            "{}: tile.weight_sram.banks is {}, expected a multiple of tile.pe.pes ({}): each PE "
            "streams from its own partition of banks",
            tile.weight_sram.banks.is_set() ? tile.weight_sram.banks.where() : tile.pe.pes.where(),
            tile.weight_sram.banks.get(), tile.pe.pes.get());
    if (dram.size > ctrl_seq_buffer_base - ctrl_dram_base)
        fail("{}: dram.size is {} bytes, expected at most {} (the control node's DRAM window)",
             dram.size.where(), dram.size.get(), ctrl_seq_buffer_base - ctrl_dram_base);
    if (seq_buffer.size > ctrl_streamer_base - ctrl_seq_buffer_base)
        fail("{}: seq_buffer.size is {} bytes, expected at most {} (its window)",
             seq_buffer.size.where(), seq_buffer.size.get(),
             ctrl_streamer_base - ctrl_seq_buffer_base);
    if (tile.act_buffer.size > tile_ctrl_base - tile_act_buffer_base)
        fail("{}: tile.act_buffer.size is {} bytes, expected at most {}",
             tile.act_buffer.size.where(), tile.act_buffer.size.get(),
             tile_ctrl_base - tile_act_buffer_base);
    if (tile.weight_sram.size > tile_pointer_sram_base - tile_weight_sram_base)
        fail("{}: tile.weight_sram.size is {} bytes, expected at most {}",
             tile.weight_sram.size.where(), tile.weight_sram.size.get(),
             tile_pointer_sram_base - tile_weight_sram_base);
    if (tile.pointer_sram.size > tile_act_buffer_base - tile_pointer_sram_base)
        fail("{}: tile.pointer_sram.size is {} bytes, expected at most {}",
             tile.pointer_sram.size.where(), tile.pointer_sram.size.get(),
             tile_act_buffer_base - tile_pointer_sram_base);
    if (tile.pointer_sram.size % tile.pe.pes != 0)
        fail(
            "{}: tile.pointer_sram.size is {} bytes, expected a multiple of tile.pe.pes ({}): "
            "each PE has its own partition",
            tile.pointer_sram.size.where(), tile.pointer_sram.size.get(), tile.pe.pes.get());
    (void)clock_period();
}

void platform_config::dump(std::ostream& out) const {
    out << "# MASR platform configuration as used by this run (defaults filled in).\n";
    if (!file.empty()) out << "# Read from " << file << ".\n";
    property_group::dump(out, 0);
}

sc_core::sc_time platform_config::clock_period() const {
    const double resolution = sc_core::sc_get_time_resolution().to_seconds();
    const double units = std::round(1.0 / clock_hz / resolution);
    if (!(units >= 1))
        fail("{}: clock_hz {} gives a period shorter than the simulator's time resolution of {} s",
             clock_hz.where(), clock_hz.get(), resolution);
    return sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(units));
}

mapping_target platform_config::target() const {
    mapping_target t;
    t.name = name;
    t.tiles = tiles;
    t.pes = tile.pe.pes;
    t.weight_sram_bytes = tile.weight_sram.size;
    t.act_buffer_bytes = tile.act_buffer.size;
    t.seq_buffer_bytes = seq_buffer.size;
    t.tile_counters = tile.ni.counters;
    t.ctrl_counters = ctrl_ni.counters;
    t.directions = mapping.directions;
    switch (arch.get()) {
        case accelerator_arch::eie:
            t.weights = weight_format::csc;
            t.activations = vector_format::dense;
            t.csc.code_bits = eie.codebook ? eie.code_bits.get() : 0;
            t.csc.index_bits = eie.index_bits;
            t.pointer_sram_bytes = tile.pointer_sram.size;
            break;
        default:
            t.weights = sparsity.compact_weights ? weight_format::masked : weight_format::dense;
            t.activations =
                sparsity.compact_activations ? vector_format::masked : vector_format::dense;
    }
    return t;
}

machine_limits platform_config::limits() const {
    machine_limits m;
    m.tiles = tiles;
    m.pes = tile.pe.pes;
    m.weight_sram_bytes = tile.weight_sram.size;
    m.pointer_sram_bytes = tile.pointer_sram.size;
    m.act_buffer_bytes = tile.act_buffer.size;
    m.seq_buffer_bytes = seq_buffer.size;
    m.dram_bytes = dram.size;
    m.tile_counters = tile.ni.counters;
    m.ctrl_counters = ctrl_ni.counters;
    return m;
}

}  // namespace masr
