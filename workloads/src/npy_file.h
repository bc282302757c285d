#pragma once
// NumPy .npy (format 1.0/2.0, little-endian, C order) reading and writing.
// Errors name the file and what was expected (dtype, shape).
#include <string>
#include <vector>

#include "models/common/types.h"
#include "workloads/src/workload.h"

namespace masr {

struct npy_array {
    std::string dtype;           // numpy descr without byte order: "i1", "i2", "i4", "f4", "f8"
    std::vector<u64> shape;      // empty for a scalar
    std::vector<double> values;  // converted, in C order
};

// Reads any of i1, i2, i4, f4, f8.
npy_array read_npy(const std::string& path);

// Reads a 2-D float array (f4 or f8) as float; throws naming the file when the
// dtype, the rank or the expected width (cols, when non-zero) does not match.
matrix<float> read_npy_matrix(const std::string& path, u32 expected_cols = 0);

// Writes float32 (T, cols), atomically.
void write_npy(const std::string& path, const matrix<float>& m);

// A shape as numpy prints it: "(1000, 42)", "(24,)", "()".
std::string shape_string(const std::vector<u64>& shape);

}  // namespace masr
