// Fuzzes the .npy reader: read_npy (any dtype and rank) and read_npy_matrix
// (2-D float). A clean input_error is the expected answer to a bad file;
// anything else is a finding.
#include <cstddef>
#include <cstdint>

#include "models/common/error.h"
#include "testbenches/fuzz/fuzz_support.h"
#include "workloads/src/npy_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = masr::fuzz::write_input("x.npy", data, size);
    try {
        const masr::npy_array a = masr::read_npy(path);
        (void)a;
    } catch (const masr::input_error&) {
    }
    try {
        const masr::matrix<float> m = masr::read_npy_matrix(path);
        (void)m;
    } catch (const masr::input_error&) {
    }
    return 0;
}
