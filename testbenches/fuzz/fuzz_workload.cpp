// Fuzzes workload::load, the YAML loader with its checks, weight generation
// and .npy loading. A clean input_error is the expected answer to a bad
// input; anything else (another exception, a sanitizer report, a leak, a
// hang) is a finding. Small .npy files sit beside the input, so that
// weights.load and input.load paths in the corpus resolve.
#include <cstddef>
#include <cstdint>

#include "models/common/error.h"
#include "testbenches/fuzz/fuzz_support.h"
#include "workloads/src/npy_file.h"
#include "workloads/src/workload.h"

namespace {

void write_matrix(const std::string& name, masr::u32 rows, masr::u32 cols, float value) {
    masr::matrix<float> m(rows, cols);
    for (auto& v : m.data) v = value;
    masr::write_npy(masr::fuzz::scratch_directory() + "/" + name, m);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // The shapes of the seed corpus's loaded layers: rnn of 4 units on 3 inputs.
    write_matrix("w.npy", 4, 3, 0.25f);
    write_matrix("r.npy", 4, 4, -0.125f);
    write_matrix("wt.npy", 3, 4, 0.5f);
    write_matrix("in.npy", 6, 3, 1.0f);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = masr::fuzz::write_input("w.yaml", data, size);
    try {
        const masr::workload w = masr::workload::load(path);
        (void)w;
    } catch (const masr::input_error&) {
    }
    return 0;
}
