#include "models/common/file_check.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

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

}  // namespace masr
