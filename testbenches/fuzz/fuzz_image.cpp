// Fuzzes the model-image parser (what masr-sim --image and the sequencer
// read) and the slot-message parser (what a tile controller reads from the
// sequencer). The CRC is skipped in one pass, so that mutations reach the
// record checks behind it; a clean input_error is the expected answer to a
// bad image, anything else is a finding. Seeds: the tables of images that
// masr-pack wrote for tiny on iot and on mobile (the weight area cut off).
#include <cstddef>
#include <cstdint>

#include "contract/model_image.h"
#include "models/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    for (const bool check_crc : {false, true}) {
        try {
            const masr::model_image m = masr::parse_model_image(data, size, "x.img", check_crc);
            (void)m;
        } catch (const masr::input_error&) {
        }
    }
    try {
        const masr::slot_message s = masr::parse_slot_message(data, size);
        (void)s;
    } catch (const masr::input_error&) {
    }
    return 0;
}
