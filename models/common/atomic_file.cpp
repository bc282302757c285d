#include "models/common/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/common/error.h"

namespace masr {

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
    const std::string temporary = fmt::format("{}.tmp.{}", path, ::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) fail("cannot write '{}': {}", path, std::strerror(errno));
        try {
            write(out);
        } catch (...) {
            out.close();
            std::remove(temporary.c_str());
            throw;
        }
        out.flush();
        if (!out) {
            std::remove(temporary.c_str());
            fail("writing '{}' failed (disk full?)", path);
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const int err = errno;
        std::remove(temporary.c_str());
        fail("cannot publish '{}': {}", path, std::strerror(err));
    }
}

void make_directories(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) fail("cannot create directory '{}': {}", path, ec.message());
}

}  // namespace masr
