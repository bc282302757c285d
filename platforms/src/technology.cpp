#include "platforms/src/technology.h"

#include <cmath>

namespace masr {

double technology_params::sram_read_pj(double bank_bytes, double width_bits) const {
    const double width_ratio = width_bits / sram.ref_width_bits;
    const double depth_ratio =
        (bank_bytes * 8 / width_bits) / (sram.ref_bytes * 8 / sram.ref_width_bits);
    return sram.read_pj * (sram.width_weight * width_ratio + 1 - sram.width_weight) *
           std::pow(depth_ratio, sram.depth_exponent);
}

double technology_params::sram_write_pj(double bank_bytes, double width_bits) const {
    return sram_read_pj(bank_bytes, width_bits) * sram.write_to_read;
}

double technology_params::mac_pj(double weight_bits, double activation_bits) const {
    return mac.mult_8x8_pj * weight_bits * activation_bits / 64 + mac.add_32_pj;
}

double technology_params::mac_area_um2(double weight_bits, double activation_bits) const {
    return mac.mult_8x8_area_um2 * weight_bits * activation_bits / 64 + mac.add_32_area_um2;
}

}  // namespace masr
