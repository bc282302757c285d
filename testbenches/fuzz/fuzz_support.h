#pragma once
// What the fuzz targets share: the loaders under test read files by path, so
// each input is written to a file in a scratch directory of its own (in
// /dev/shm when there is one, to keep the disk out of the loop).
#include <cstddef>
#include <cstdint>
#include <string>

namespace masr::fuzz {

// The process's scratch directory, created on first use.
const std::string& scratch_directory();

// Writes data to name in the scratch directory and returns its path.
std::string write_input(const std::string& name, const std::uint8_t* data, std::size_t size);

}  // namespace masr::fuzz
