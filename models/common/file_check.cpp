#include "models/common/file_check.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "models/common/error.h"

namespace masr {

void check_readable_file(const std::string& path, const std::string& what) {
    if (path.empty()) fail("an empty path was given, expected {}", what);
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        fail("{}: cannot open ({}), expected {}", path, std::strerror(errno), what);
    if (S_ISDIR(info.st_mode)) fail("{}: is a directory, expected {}", path, what);
    const std::ifstream probe(path, std::ios::binary);
    if (!probe) fail("{}: cannot open ({}), expected {}", path, std::strerror(errno), what);
}

std::vector<u8> read_binary_file(const std::string& path, const std::string& what) {
    check_readable_file(path, what);
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open ({}), expected {}", path, std::strerror(errno), what);
    std::vector<u8> bytes;
    try {
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure& e) {
        // libstdc++'s filebuf throws on a read error instead of setting badbit.
        fail("{}: reading failed ({}), expected {}", path, e.what(), what);
    }
    if (in.bad()) fail("{}: reading failed, expected {}", path, what);
    return bytes;
}

}  // namespace masr
