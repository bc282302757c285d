// A small .npy reader and writer. Debian packages no C++ .npy library, and
// xtensor's reader needs the dtype at compile time, whereas a workload's
// weights arrive as int8 (RNNoise), int16/int32 or float and the reader must
// say which dtype it found when it is not one it accepts. The format is a
// magic string, a version, a Python-literal header dictionary and raw data.
#include "workloads/src/npy_file.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "models/common/atomic_file.h"
#include "models/common/error.h"
#include "models/common/file_check.h"
#include "models/common/number.h"

namespace masr {
namespace {

constexpr char magic[] = "\x93NUMPY";
constexpr std::size_t magic_size = 6;

// Most elements an array may have: 2^27 (134 M) is 1 GiB once converted to
// doubles, and ten times the weights of the largest preset; a larger header
// is a corrupt or hostile file, rejected before anything is allocated.
constexpr u64 max_elements = u64{1} << 27;
// numpy writes headers of a few hundred bytes (and reads at most 10000 by
// default); format 2.0's 32-bit length field could announce 4 GiB.
constexpr u64 max_header_bytes = 65536;

u64 little_endian(const unsigned char* p, unsigned bytes) {
    u64 v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= u64{p[i]} << (8 * i);
    return v;
}

unsigned item_size(const std::string& dtype) {
    if (dtype == "i1") return 1;
    if (dtype == "i2") return 2;
    if (dtype == "i4" || dtype == "f4") return 4;
    if (dtype == "f8") return 8;
    return 0;
}

double element_value(const std::string& dtype, const unsigned char* p) {
    const unsigned size = item_size(dtype);
    const u64 bits = little_endian(p, size);
    if (dtype == "i1") return static_cast<i8>(bits);
    if (dtype == "i2") return static_cast<i16>(bits);
    if (dtype == "i4") return static_cast<i32>(bits);
    if (dtype == "f4") {
        float f;
        const u32 b = static_cast<u32>(bits);
        std::memcpy(&f, &b, sizeof f);
        return f;
    }
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

// The value following 'key': in the header dictionary, up to the next
// top-level comma or the closing brace (tuples keep their commas).
std::string header_value(const std::string& header, const std::string& key,
                         const std::string& path) {
    std::size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) at = header.find("\"" + key + "\"");
    if (at == std::string::npos) fail("{}: .npy header has no '{}' entry: {}", path, key, header);
    at = header.find(':', at + key.size() + 2);
    if (at == std::string::npos) fail("{}: malformed .npy header: {}", path, header);
    ++at;
    while (at < header.size() && header[at] == ' ') ++at;
    std::size_t end = at;
    int depth = 0;
    while (end < header.size()) {
        const char c = header[end];
        if (c == '(') ++depth;
        if (c == ')') --depth;
        if (depth == 0 && (c == ',' || c == '}')) break;
        ++end;
    }
    if (depth != 0 || end == header.size()) fail("{}: malformed .npy header: {}", path, header);
    std::string value = header.substr(at, end - at);
    while (!value.empty() && value.back() == ' ') value.pop_back();
    return value;
}

// "(3, 4)", "(24,)", "()"; numpy may write Python 2 longs ("1000L").
std::vector<u64> parse_shape(const std::string& text, const std::string& path) {
    const auto malformed = [&]() { fail("{}: malformed shape '{}' in .npy header", path, text); };
    if (text.size() < 2 || text.front() != '(' || text.back() != ')') malformed();
    std::vector<std::string> parts;
    std::size_t start = 1;
    while (true) {
        const std::size_t comma = std::min(text.find(',', start), text.size() - 1);
        std::string part = text.substr(start, comma - start);
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        parts.push_back(part);
        if (comma == text.size() - 1) break;
        start = comma + 1;
    }
    // "()" is a scalar; a tuple may end in a comma ("(24,)"), but not be one ("(,)").
    if (parts.size() == 1 && parts[0].empty()) return {};
    if (parts.back().empty()) parts.pop_back();
    std::vector<u64> shape;
    for (std::string part : parts) {
        if (!part.empty() && part.back() == 'L') part.pop_back();
        bool negative = false;
        u64 dimension = 0;
        std::string problem;
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) malformed();
        if (!parse_integer_text(part, negative, dimension, problem)) {
            if (problem == "too large for 64 bits")
                fail("{}: shape {} in .npy header: dimension {} does not fit 64 bits", path, text,
                     part);
            malformed();
        }
        shape.push_back(dimension);
    }
    return shape;
}

// Elements of shape, or fails when their count or their bytes pass 2^64.
u64 element_count(const std::vector<u64>& shape, unsigned item, const std::string& dtype,
                  const std::string& path) {
    u64 count = 1;
    for (const u64 d : shape)
        if (!checked_multiply(count, d, count))
            fail("{}: shape {} in .npy header has more than 2^64 elements", path,
                 shape_string(shape));
    u64 bytes = 0;
    if (!checked_multiply(count, item, bytes))
        fail("{}: shape {} of {} in .npy header needs more than 2^64 bytes", path,
             shape_string(shape), dtype);
    return count;
}

// The whole file, or fails once it passes limit bytes.
std::string read_at_most(std::ifstream& in, u64 limit, const std::string& path) {
    std::string data;
    char buffer[1 << 16];
    while (in) {
        in.read(buffer, sizeof buffer);
        data.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (data.size() > limit)
            fail(
                "{}: is larger than {}, more than a .npy input may hold ({} elements of at most "
                "8 bytes; workloads/README.md)",
                path, byte_size_text(limit), max_elements);
    }
    if (in.bad()) fail("{}: read error ({})", path, std::strerror(errno));
    return data;
}

}  // namespace

std::string shape_string(const std::vector<u64>& shape) {
    if (shape.size() == 1) return fmt::format("({},)", shape[0]);
    return fmt::format("({})", fmt::join(shape, ", "));
}

npy_array read_npy(const std::string& path) {
    check_readable_file(path, "a .npy file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open ({}), expected a .npy file", path, std::strerror(errno));
    const std::string file = read_at_most(in, 12 + max_header_bytes + max_elements * 8, path);
    const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
    if (file.size() < magic_size + 4 || std::memcmp(bytes, magic, magic_size) != 0)
        fail("{}: not a .npy file (it does not start with the NumPy magic string \\x93NUMPY)",
             path);
    const unsigned major = bytes[6];
    const unsigned minor = bytes[7];
    std::size_t header_start = 0;
    u64 header_size = 0;
    if (major == 1 && minor == 0) {
        header_start = 10;
        header_size = little_endian(&bytes[8], 2);
    } else if ((major == 2 || major == 3) && minor == 0 && file.size() >= 12) {
        // 3.0 differs from 2.0 only in allowing UTF-8 in the header.
        header_start = 12;
        header_size = little_endian(&bytes[8], 4);
    } else {
        fail("{}: .npy format version {}.{} is not supported; expected 1.0 or 2.0", path, major,
             minor);
    }
    if (header_size > file.size() - header_start)
        fail("{}: truncated .npy header ({} bytes announced, {} in the file)", path, header_size,
             file.size() - header_start);
    if (header_size > max_header_bytes)
        fail("{}: .npy header of {} bytes, expected at most {}", path, header_size,
             max_header_bytes);
    const std::string header = file.substr(header_start, header_size);

    std::string descr = header_value(header, "descr", path);
    if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"') ||
        descr.back() != descr.front())
        fail("{}: malformed dtype {} in .npy header", path, descr);
    descr = descr.substr(1, descr.size() - 2);
    const std::string supported = "i1, i2, i4, f4, f8 (little-endian)";
    if (descr.empty()) fail("{}: empty dtype in .npy header; expected one of {}", path, supported);
    const char order = descr.front();
    npy_array a;
    a.dtype =
        (order == '<' || order == '|' || order == '>' || order == '=') ? descr.substr(1) : descr;
    const unsigned size = item_size(a.dtype);
    if (size == 0)
        fail("{}: dtype '{}' is not supported; expected one of {}", path, descr, supported);
    if (order == '>' && size > 1)
        fail("{}: dtype '{}' is big-endian; expected little-endian ('<{}')", path, descr, a.dtype);

    const std::string fortran = header_value(header, "fortran_order", path);
    if (fortran == "True")
        fail("{}: array is in Fortran order; expected C order (numpy.ascontiguousarray)", path);
    if (fortran != "False") fail("{}: malformed fortran_order '{}' in .npy header", path, fortran);

    a.shape = parse_shape(header_value(header, "shape", path), path);
    const u64 count = element_count(a.shape, size, a.dtype, path);
    const std::size_t data_start = header_start + header_size;
    const u64 data_bytes = file.size() - data_start;
    if (data_bytes != count * size)
        fail("{}: holds {} bytes of data, expected {} for shape {} of {}", path, data_bytes,
             count * size, shape_string(a.shape), a.dtype);
    if (count > max_elements)
        fail(
            "{}: shape {} has {} elements, more than the {} a .npy input may hold "
            "(workloads/README.md)",
            path, shape_string(a.shape), count, max_elements);
    a.values.resize(count);
    const unsigned char* p = bytes + data_start;
    for (u64 i = 0; i < count; ++i, p += size) a.values[i] = element_value(a.dtype, p);
    return a;
}

matrix<float> read_npy_matrix(const std::string& path, u32 expected_cols) {
    const npy_array a = read_npy(path);
    const std::string want =
        expected_cols ? fmt::format("(rows, {})", expected_cols) : std::string("(rows, cols)");
    if (a.dtype != "f4" && a.dtype != "f8")
        fail("{}: dtype is {}, expected f4 (float32) or f8 (float64)", path, a.dtype);
    if (a.shape.size() != 2)
        fail("{}: shape is {}, expected a 2-D array {}", path, shape_string(a.shape), want);
    if (expected_cols && a.shape[1] != expected_cols)
        fail("{}: shape is {}, expected {}", path, shape_string(a.shape), want);
    if (a.shape[0] > 0xFFFFFFFFu || a.shape[1] > 0xFFFFFFFFu)
        fail("{}: shape {} is too large", path, shape_string(a.shape));
    matrix<float> m(static_cast<u32>(a.shape[0]), static_cast<u32>(a.shape[1]));
    for (std::size_t i = 0; i < a.values.size(); ++i) {
        // A finite double beyond float's range has no float value (the
        // conversion is undefined); NaN and infinity stay for the caller.
        const double v = a.values[i];
        if (std::isfinite(v) && std::abs(v) > std::numeric_limits<float>::max())
            fail("{}: element ({}, {}) is {}, outside the float32 range", path, i / m.cols,
                 i % m.cols, v);
        m.data[i] = static_cast<float>(v);
    }
    return m;
}

void write_npy(const std::string& path, const matrix<float>& m) {
    std::string header = fmt::format(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", m.rows, m.cols);
    // numpy pads the header with spaces and a newline so that the data starts
    // on a 64-byte boundary.
    const std::size_t unpadded = magic_size + 4 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    write_file_atomically(path, [&](std::ostream& out) {
        out.write(magic, magic_size);
        const unsigned char version[4] = {1, 0, static_cast<unsigned char>(header.size() & 0xFF),
                                          static_cast<unsigned char>(header.size() >> 8)};
        out.write(reinterpret_cast<const char*>(version), 4);
        out << header;
        std::vector<char> data(m.data.size() * 4);
        for (std::size_t i = 0; i < m.data.size(); ++i) {
            u32 b;
            std::memcpy(&b, &m.data[i], 4);
            for (unsigned k = 0; k < 4; ++k) data[i * 4 + k] = static_cast<char>(b >> (8 * k));
        }
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
    });
}

}  // namespace masr
