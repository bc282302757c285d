#pragma once
// Input files are checked before they are opened: a directory opens as a
// stream on Linux and only fails on the first read, which yaml-cpp and
// istreambuf_iterator report as "basic_filebuf::underflow" without a path.
#include <string>
#include <vector>

#include "models/common/types.h"

namespace masr {

// Throws input_error naming path when it does not exist, is a directory or
// cannot be opened for reading, with what is expected there ("a workload
// YAML file", "a .npy file"):
//   x.npy: cannot open (No such file or directory), expected a .npy file
//   out: is a directory, expected a .npy file
void check_readable_file(const std::string& path, const std::string& what);

// The whole file's bytes, checked first as above (a model image, a firmware
// ELF); a read that fails part-way throws input_error naming path too.
std::vector<u8> read_binary_file(const std::string& path, const std::string& what);

}  // namespace masr
