#include "platforms/src/energy_model.h"

#include <algorithm>
#include <cmath>

#include "models/common/error.h"

namespace masr {

const char* const energy_components[] = {
    "mac",   "frontend", "fifo",         "weight_sram", "pointer_sram", "lnzd",
    "queue", "codebook", "accumulators", "act_buffer",  "seq_buffer",   "dram",
    "noc",   "nlu",      "compressor",   "control",     "leakage"};
const std::size_t energy_component_count = sizeof(energy_components) / sizeof(char*);

namespace {

// A counter's change over the run (0 when it does not exist).
struct counters {
    const counter_snapshot& start;
    const counter_snapshot& end;
    u64 operator()(const std::string& scope, const std::string& name) const {
        const std::string key = scope + "." + name;
        const auto e = end.find(key);
        if (e == end.end()) return 0;
        const auto s = start.find(key);
        return e->second - (s == start.end() ? 0 : s->second);
    }
};

void add_module(nlohmann::json& root, const std::string& scope, double pj) {
    nlohmann::json* node = &root;
    std::size_t begin = 0;
    for (;;) {
        const std::size_t dot = scope.find('.', begin);
        node = &(*node)[scope.substr(begin, dot == std::string::npos ? dot : dot - begin)];
        if (dot == std::string::npos) break;
        begin = dot + 1;
    }
    *node = node->is_number() ? node->get<double>() + pj : pj;
}

struct accumulator {
    energy_report& r;
    void energy(const std::string& component, const std::string& scope, double pj) {
        if (pj == 0) return;
        r.energy_pj_by_component[component] += pj;
        r.energy_pj += pj;
        add_module(r.energy_pj_by_module, scope, pj);
    }
    void area(const std::string& component, double um2) {
        r.area_mm2_by_component[component] += um2 * 1e-6;
        r.area_mm2 += um2 * 1e-6;
    }
};

// Reads and writes of a memory: per word by the SRAM rule, or per bit moved
// when it is off chip.
double memory_pj(const sram& m, const sram_params& p, const technology_params& t,
                 const counters& c) {
    const std::string scope = m.name();
    if (p.off_chip)
        return static_cast<double>(c(scope, "bytes_read") + c(scope, "bytes_written")) * 8 *
               t.dram.pj_per_bit;
    const double bank_bytes = static_cast<double>(p.size) / p.banks;
    const double width = 8.0 * p.word_bytes;
    return static_cast<double>(c(scope, "reads")) * t.sram_read_pj(bank_bytes, width) +
           static_cast<double>(c(scope, "writes")) * t.sram_write_pj(bank_bytes, width);
}

double memory_area_um2(const sram_params& p, const technology_params& t) {
    return p.off_chip ? 0.0 : static_cast<double>(p.size) * t.sram.area_um2_per_byte;
}

// Nodes of a leading-non-zero detector tree over `pes` PEs (EIE: 21 for 64).
double lnzd_nodes(u32 pes, const technology_params& t) {
    const u32 fan_in = static_cast<u32>(t.units.lnzd_fan_in);
    u32 nodes = 0;
    for (u32 level = pes; level > 1;) {
        level = (level + fan_in - 1) / fan_in;
        nodes += level;
    }
    return nodes;
}

// The most rows any PE accumulates in one pass of the image.
double max_rows_per_pe(const model_image& image, u32 pes) {
    u64 most = 0;
    for (const block_record& b : image.blocks) most = std::max(most, b.rows);
    (void)pes;
    return static_cast<double>(most);
}

}  // namespace

nlohmann::json energy_report::to_json() const {
    nlohmann::json energy = nlohmann::json::object(), area = nlohmann::json::object();
    for (std::size_t i = 0; i < energy_component_count; ++i) {
        const std::string c = energy_components[i];
        const auto e = energy_pj_by_component.find(c);
        energy[c] = e == energy_pj_by_component.end() ? 0.0 : e->second;
        const auto a = area_mm2_by_component.find(c);
        if (a != area_mm2_by_component.end()) area[c] = a->second;
    }
    return {{"energy_pj", energy_pj},        {"area_mm2", area_mm2},
            {"power_mw", power_mw},          {"performed_macs", performed_macs},
            {"skipped_macs", skipped_macs},  {"energy_pj_by_component", energy},
            {"area_mm2_by_component", area}, {"energy_pj_by_module", energy_pj_by_module}};
}

energy_report account_energy(const masr_system& system, const technology_params& t,
                             const counter_snapshot& start, const counter_snapshot& end,
                             u64 cycles) {
    const platform_config& cfg = system.config;
    const counters c{start, end};
    energy_report r;
    r.energy_pj_by_module = nlohmann::json::object();
    accumulator acc{r};
    r.seconds = static_cast<double>(cycles) / cfg.clock_hz;

    const pe_params& pe = cfg.tile.pe;
    const model_image& image = system.seq.image();
    const fixed_format f = image.format();
    const bool csc = image.header.weight_format == static_cast<u64>(weight_format::csc);
    // EIE expands its 4-bit codes to 16-bit weights and computes in 16 bits
    // (its section IV); every other weight meets the multiplier at its own width.
    const double wb = csc && image.header.weight_code_bits ? 16 : f.weight_bits;
    const double ab = f.activation_bits;
    // A front end (and its FIFO) exists where there is something to skip.
    const bool frontend =
        !csc && (cfg.sparsity.skip_zero_weights || cfg.sparsity.skip_zero_activations);
    const double fifo_entry_bits = wb + ab + 8;  // weight, activation and a row tag
    for (const auto& tile : system.tiles) {
        const std::string pe_scope = tile.pe.name();
        const u64 performed = c(pe_scope, "performed_macs");
        const u64 dense = c(pe_scope, "dense_macs");
        r.performed_macs += performed;
        r.skipped_macs += dense - std::min(dense, performed);
        acc.energy("mac", pe_scope, static_cast<double>(performed) * t.mac_pj(wb, ab));
        acc.energy("frontend", pe_scope,
                   static_cast<double>(c(pe_scope, "mask_words")) * t.units.frontend_pj_per_word);
        // Each pair is pushed into and popped from the FIFO.
        acc.energy("fifo", pe_scope,
                   static_cast<double>(c(pe_scope, "fifo_pairs")) * 2 * fifo_entry_bits *
                       t.reg.pj_per_bit);
        acc.energy("lnzd", pe_scope,
                   static_cast<double>(c(pe_scope, "lnzd_broadcasts")) * lnzd_nodes(pe.pes, t) *
                       t.units.lnzd_pj_per_node);
        acc.energy("queue", pe_scope,
                   static_cast<double>(c(pe_scope, "queue_pushes")) * 2 * t.units.queue_entry_bits *
                       t.reg.pj_per_bit);
        acc.energy(
            "codebook", pe_scope,
            static_cast<double>(c(pe_scope, "codebook_reads")) * t.units.codebook_pj_per_read);
        // EIE accumulates each entry into its row's register (read, add, write);
        // MASR's lanes keep a row's sum in the MAC's own register.
        if (csc)
            acc.energy("accumulators", pe_scope,
                       static_cast<double>(performed) * 2 * f.accumulator_bits * t.reg.pj_per_bit);
        acc.energy("nlu", pe_scope,
                   static_cast<double>(c(pe_scope, "nlu_ops")) * t.units.nlu_op_pj);
        acc.energy("weight_sram", tile.weight_sram.name(),
                   memory_pj(tile.weight_sram, cfg.tile.weight_sram, t, c));
        if (tile.pointer_sram)
            acc.energy("pointer_sram", tile.pointer_sram->name(),
                       memory_pj(*tile.pointer_sram, cfg.tile.pointer_sram, t, c));
        acc.energy("act_buffer", tile.act_buffer.name(),
                   memory_pj(tile.act_buffer, cfg.tile.act_buffer, t, c));
        if (cfg.sparsity.compact_activations || csc)
            acc.energy("compressor", tile.act_compressor.name(),
                       static_cast<double>(c(tile.act_compressor.name(), "elements")) *
                           t.units.compress_pj_per_element);
        acc.energy("control", tile.network_interface.name(),
                   static_cast<double>(c(tile.network_interface.name(), "arrivals")) *
                       t.control.counter_bits * t.reg.pj_per_bit);
    }
    acc.energy("seq_buffer", system.seq_buffer.name(),
               memory_pj(system.seq_buffer, cfg.seq_buffer, t, c));
    acc.energy("dram", system.dram.name(), memory_pj(system.dram, cfg.dram, t, c));
    // The streamer's assembler touches every element of every x_t it sends.
    acc.energy("control", system.x_streamer.name(),
               static_cast<double>(c(system.x_streamer.name(), "assemble_cycles")) *
                   cfg.streamer.elements_per_cycle * t.units.assemble_pj_per_element);
    acc.energy("control", system.ctrl_ni.name(),
               static_cast<double>(c(system.ctrl_ni.name(), "arrivals")) * t.control.counter_bits *
                   t.reg.pj_per_bit);
    // Every link a packet crosses is a hop: router-to-router links and the
    // ports into and out of the routers.
    const noc& net = system.network;
    double noc_bits = 0;
    for (u32 r_index = 0; r_index < net.geometry().routers; ++r_index) {
        const std::string router = net.router_at(r_index).name();
        for (const char* link :
             {"link_east", "link_west", "link_north", "link_south", "link_cw", "link_ccw",
              "link_to_tile", "link_from_tile", "link_to_host", "link_from_host"})
            noc_bits += 8.0 * static_cast<double>(c(router + "." + link, "bytes"));
    }
    acc.energy("noc", net.name(), noc_bits * t.noc.pj_per_bit_hop);

    // Area.
    const double tiles = cfg.tiles;
    acc.area("mac", tiles * pe.pes * pe.lanes * t.mac_area_um2(wb, ab));
    if (frontend) {
        acc.area("frontend", tiles * pe.pes * t.units.frontend_area_um2);
        acc.area("fifo", tiles * pe.pes * pe.fifo_depth * fifo_entry_bits * t.reg.area_um2_per_bit);
    }
    if (csc) {
        acc.area("lnzd", tiles * lnzd_nodes(pe.pes, t) * t.units.lnzd_area_um2_per_node);
        acc.area("queue", tiles * pe.pes * pe.eie.queue_depth * t.units.queue_entry_bits *
                              t.reg.area_um2_per_bit);
        if (image.header.weight_code_bits)
            acc.area("codebook", tiles * pe.pes * 16.0 * (1u << image.header.weight_code_bits) *
                                     t.reg.area_um2_per_bit);
        // One accumulator register per row a PE holds at most (a slot's rows / PEs).
        acc.area("accumulators", tiles * pe.pes * max_rows_per_pe(image, pe.pes) *
                                     f.accumulator_bits * t.reg.area_um2_per_bit);
        acc.area("pointer_sram", tiles * memory_area_um2(cfg.tile.pointer_sram, t));
    }
    acc.area("nlu", tiles * t.units.nlu_area_um2);
    if (cfg.sparsity.compact_activations || csc)
        acc.area("compressor", tiles * t.units.compressor_area_um2);
    acc.area("weight_sram", tiles * memory_area_um2(cfg.tile.weight_sram, t));
    acc.area("act_buffer", tiles * memory_area_um2(cfg.tile.act_buffer, t));
    acc.area("seq_buffer", memory_area_um2(cfg.seq_buffer, t));
    acc.area("noc", net.geometry().routers * t.noc.router_area_um2 * cfg.noc.link_bytes /
                        t.noc.router_link_bytes);
    acc.area("control",
             tiles * (t.control.tile_area_um2 +
                      cfg.tile.ni.counters * t.control.counter_bits * t.reg.area_um2_per_bit) +
                 t.control.node_area_um2 +
                 cfg.ctrl_ni.counters * t.control.counter_bits * t.reg.area_um2_per_bit);

    // Leakage over the run: mW/mm^2 x mm^2 x s = mJ.
    const double leakage_pj = t.leakage.mw_per_mm2 * r.area_mm2 * r.seconds * 1e9;
    acc.energy("leakage", std::string(system.name()), leakage_pj);
    r.power_mw = r.seconds > 0 ? r.energy_pj / r.seconds * 1e-9 : 0;
    return r;
}

}  // namespace masr
