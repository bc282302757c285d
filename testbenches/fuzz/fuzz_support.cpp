#include "testbenches/fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace masr::fuzz {

const std::string& scratch_directory() {
    static const std::string dir = [] {
        std::error_code ec;
        std::filesystem::path base = "/dev/shm";
        if (!std::filesystem::is_directory(base, ec)) base = std::filesystem::temp_directory_path();
        const auto d = base / ("masr_fuzz_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d.string();
    }();
    static const bool cleaned_at_exit = [] {
        // libFuzzer ends a run with exit(); a crash leaves the directory for a look.
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch_directory(), ec);
        });
        return true;
    }();
    (void)cleaned_at_exit;
    return dir;
}

std::string write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const std::string path = scratch_directory() + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();  // the harness itself is broken: stop, do not report a parser bug
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

}  // namespace masr::fuzz
