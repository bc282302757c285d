#pragma once
// The technology file (platforms/technology/*.yaml): energy per operation,
// per memory access, per bit moved, and area per unit, each with its source
// in the file. Read by the energy and area model only; nothing here changes
// timing. Every value can be overridden by the platform file (group `tech`)
// or the command line (--tech FILE, --set tech.KEY=VALUE).
#include "models/common/property.h"

namespace masr {

struct tech_mac_params : property_group {
    using property_group::property_group;
    property<double> mult_8x8_pj{this, "mult_8x8_pj", 0.2, "8 x 8-bit multiply (pJ)", 0, 1e6};
    property<double> add_32_pj{this, "add_32_pj", 0.1, "32-bit add (pJ)", 0, 1e6};
    property<double> mult_8x8_area_um2{
        this, "mult_8x8_area_um2", 282, "8 x 8-bit multiplier area (um^2)", 0, 1e9};
    property<double> add_32_area_um2{this, "add_32_area_um2", 137, "32-bit adder area (um^2)", 0,
                                     1e9};
};

struct tech_register_params : property_group {
    using property_group::property_group;
    property<double> pj_per_bit{this, "pj_per_bit", 0.009, "register write or read, per bit (pJ)",
                                0,    1e6};
    property<double> area_um2_per_bit{
        this, "area_um2_per_bit", 5.98, "register area per bit (um^2)", 0, 1e9};
};

struct tech_sram_params : property_group {
    using property_group::property_group;
    property<double> read_pj{this, "read_pj", 10, "read of the reference array (pJ)", 0, 1e6};
    property<double> ref_bytes{this, "ref_bytes", 8192, "reference array capacity (bytes)",
                               1,    1e15};
    property<double> ref_width_bits{this, "ref_width_bits", 64, "reference access width (bits)", 1,
                                    1e6};
    property<double> width_weight{
        this, "width_weight", 0.7, "energy ~ (w x width_ratio + 1 - w) x depth_ratio^e: w", 0, 1};
    property<double> depth_exponent{this, "depth_exponent", 0.78, "the exponent e", 0, 4};
    property<double> write_to_read{this, "write_to_read", 1.0, "write energy / read energy", 0,
                                   100};
    property<double> area_um2_per_byte{
        this, "area_um2_per_byte", 3.58, "SRAM area per byte, periphery included (um^2)", 0, 1e6};
};

struct tech_dram_params : property_group {
    using property_group::property_group;
    property<double> pj_per_bit{this, "pj_per_bit", 8, "off-chip memory energy per bit (pJ)",
                                0,    1e6};
};

struct tech_noc_params : property_group {
    using property_group::property_group;
    property<double> pj_per_bit_hop{
        this, "pj_per_bit_hop", 0.15, "router traversal and link, per bit (pJ)", 0, 1e6};
    property<double> router_area_um2{
        this, "router_area_um2", 30600, "one router at router_link_bytes (um^2)", 0, 1e12};
    property<double> router_link_bytes{
        this, "router_link_bytes", 16, "link width router_area_um2 is for (bytes)", 1, 4096};
};

struct tech_unit_params : property_group {
    using property_group::property_group;
    property<double> nlu_op_pj{this, "nlu_op_pj", 1.0, "one NLU operation (pJ)", 0, 1e6};
    property<double> nlu_area_um2{this, "nlu_area_um2", 10000, "one NLU (um^2)", 0, 1e12};
    property<double> compress_pj_per_element{
        this, "compress_pj_per_element", 0.05, "compressor, per element (pJ)", 0, 1e6};
    property<double> compressor_area_um2{
        this, "compressor_area_um2", 2000, "one compressor (um^2)", 0, 1e12};
    property<double> frontend_pj_per_word{
        this, "frontend_pj_per_word", 1.15, "MASR front end, per mask-word pair (pJ)", 0, 1e6};
    property<double> frontend_area_um2{
        this, "frontend_area_um2", 3000, "one MASR front end (um^2)", 0, 1e12};
    property<double> assemble_pj_per_element{
        this, "assemble_pj_per_element", 0.05, "streamer assembler, per element (pJ)", 0, 1e6};
    property<double> lnzd_pj_per_node{
        this,  "lnzd_pj_per_node",
        0.029, "EIE leading-non-zero detector, per tree node and broadcast (pJ)",
        0,     1e6};
    property<double> lnzd_area_um2_per_node{
        this, "lnzd_area_um2_per_node", 189, "EIE LNZD node (um^2)", 0, 1e12};
    property<double> lnzd_fan_in{this, "lnzd_fan_in", 4, "LNZD tree fan-in per node", 2, 64};
    property<double> codebook_pj_per_read{
        this, "codebook_pj_per_read", 0.15, "EIE codebook read (pJ)", 0, 1e6};
    property<double> queue_entry_bits{
        this, "queue_entry_bits",
        32,   "EIE activation-queue entry: value and column index (bits)",
        1,    1024};
};

struct tech_control_params : property_group {
    using property_group::property_group;
    property<double> tile_area_um2{
        this, "tile_area_um2", 10000, "tile controller, NI and bus logic (um^2)", 0, 1e12};
    property<double> node_area_um2{
        this, "node_area_um2", 50000, "control node logic: sequencer, streamer (um^2)", 0, 1e12};
    property<double> counter_bits{this, "counter_bits", 16, "bits of an arrival counter", 1, 64};
};

struct tech_leakage_params : property_group {
    using property_group::property_group;
    property<double> mw_per_mm2{this, "mw_per_mm2", 1.0, "leakage power density (mW/mm^2)", 0, 1e6};
};

struct technology_params : property_group {
    using property_group::property_group;
    property<std::string> name{this, "name", "cmos45", "technology name"};
    property<double> node_nm{this, "node_nm", 45, "process node (nm)", 1, 1e4};
    property<double> supply_v{this, "supply_v", 0.9, "supply voltage (V)", 0, 100};
    tech_mac_params mac{this, "mac", "multiply-accumulate"};
    tech_register_params reg{this, "register", "registers, FIFOs, queues"};
    tech_sram_params sram{this, "sram", "on-chip SRAM, scaled from a reference array"};
    tech_dram_params dram{this, "dram", "off-chip memory"};
    tech_noc_params noc{this, "noc", "network on chip"};
    tech_unit_params units{this, "units", "the datapath's other units"};
    tech_control_params control{this, "control", "control logic"};
    tech_leakage_params leakage{this, "leakage", "leakage"};

    // Energy of one access of `width_bits` to an SRAM bank of `bank_bytes`.
    double sram_read_pj(double bank_bytes, double width_bits) const;
    double sram_write_pj(double bank_bytes, double width_bits) const;
    // An MAC of a `weight_bits` x `activation_bits` multiply and a 32-bit add.
    double mac_pj(double weight_bits, double activation_bits) const;
    double mac_area_um2(double weight_bits, double activation_bits) const;
};

}  // namespace masr
