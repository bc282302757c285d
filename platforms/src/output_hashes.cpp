#include "platforms/src/output_hashes.h"

#include <boost/crc.hpp>

#include "models/common/address_map.h"
#include "models/common/error.h"

namespace masr {

matrix<i16> read_direction_output(masr_system& system, const model_image& image, u32 layer,
                                  u32 direction, u32 steps) {
    const layer_record& l = image.layers.at(layer);
    const fixed_format f = image.format();
    const vector_codec codec{static_cast<vector_format>(image.header.activation_format),
                             packed_value_bytes(f.activation_bits)};
    const sequence_record& q = image.sequences.at(l.sequence(direction));
    matrix<i16> out(steps, static_cast<u32>(l.units));
    std::vector<u8> bytes;
    sparse_vector slice;
    std::vector<i16> dense;
    for (u32 t = 0; t < steps; ++t) {
        i16* row = out.row(t);
        for (u64 k = 0; k < q.slices; ++k) {
            const segment_record& seg = image.segments.at(q.segment_first + k);
            bytes.resize(seg.capacity);
            system.debug_read(ctrl_seq_buffer_base + q.base + u64{t} * q.step_bytes + seg.offset,
                              bytes.data(), seg.capacity);
            codec.load(bytes.data(), static_cast<u32>(seg.length), slice);
            dense.resize(seg.length);
            slice.decode(dense.data());
            for (u64 e = 0; e < seg.length; ++e) row[seg.first + e] = dense[e];
        }
    }
    return out;
}

u32 output_crc32(const matrix<i16>& values) {
    boost::crc_32_type crc;
    for (const i16 v : values.data) {
        const u16 bits = static_cast<u16>(v);
        const u8 word[2] = {static_cast<u8>(bits & 0xff), static_cast<u8>(bits >> 8)};
        crc.process_bytes(word, sizeof word);
    }
    return crc.checksum();
}

void output_hasher::layer_done(simulation& sim, const workload& w, u32 layer) {
    const model_image& image = sim.image();
    layer_output_hash h;
    h.layer = w.layers.at(layer).name;
    for (u32 d = 0; d < image.layers.at(layer).directions(); ++d)
        h.crc32.push_back(
            output_crc32(read_direction_output(sim.system(), image, layer, d, sim.steps())));
    if (hashes_.size() <= layer) hashes_.resize(layer + 1);
    hashes_[layer] = std::move(h);
}

nlohmann::json output_hasher::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const layer_output_hash& h : hashes_) {
        nlohmann::json entry = {{"layer", h.layer}};
        static const char* const names[] = {"fwd", "bwd"};
        for (std::size_t d = 0; d < h.crc32.size() && d < 2; ++d)
            entry[names[d]] = fmt::format("0x{:08x}", h.crc32[d]);
        list.push_back(entry);
    }
    return list;
}

}  // namespace masr
