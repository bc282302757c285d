#include "models/common/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/common/error.h"
#include "models/common/interrupt.h"
#include "models/common/output_folder.h"

namespace masr {

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
    const std::filesystem::path target(path);
    const std::string prefix = target.filename().string() + ".tmp.";
    remove_stale_temporaries(target.parent_path().string(), prefix);
    output_critical_section deferred;
    const std::string temporary = path + ".tmp." + temporary_suffix();
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
