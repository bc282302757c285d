#pragma once
// Outputs are written whole or not at all: the content goes to a temporary file
// in the same directory, which is renamed over the target only once complete.
// An interrupted run therefore never leaves a partial stats.json or .npy.
#include <functional>
#include <ostream>
#include <string>

namespace masr {

// Calls write(stream) and publishes the file atomically. Throws input_error
// naming the path when the directory is not writable or the write fails.
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

// Creates a directory (and parents); throws input_error naming it on failure.
void make_directories(const std::string& path);

}  // namespace masr
