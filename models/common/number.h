#pragma once
// One rule for every number a user writes, in a YAML file or on a command
// line. yaml-cpp and boost::program_options each convert with a stringstream,
// which reads "010" as octal, turns `.nan` and `.inf` into values that no
// range check catches (every comparison with NaN is false) and leaves the
// documented range to each caller; so every loader and tool parses numbers
// here instead, and every rejection reads the same:
//   platform.yaml:3: clock_hz is '.nan' (not a number), expected a number from 1000 to 1e+11
//   --steps is '-1' (negative), expected an integer from 0 to 4294967295
//
// Accepted text:
//   integers  [+-]digits, or 0x<hex> / 0o<octal>; a leading 0 before more
//             digits is rejected, because YAML 1.1 reads it as octal and
//             YAML 1.2 as decimal;
//   reals     [+-](digits[.digits] | .digits)[(e|E)[+-]digits], finite only.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "models/common/error.h"
#include "models/common/types.h"

namespace YAML {
class Node;
}

namespace masr {

// An integer as written: sign and magnitude. Returns false, with the reason in
// problem ("not an integer", "beyond 64 bits", ...), when text is not one.
bool parse_integer_text(const std::string& text, bool& negative, u64& magnitude,
                        std::string& problem);

// A finite real number. Returns false with the reason ("not a number",
// "infinite", "beyond the range of a 64-bit float", ...).
bool parse_real_text(const std::string& text, double& value, std::string& problem);

// "an integer from 1 to 64", "a number from 0 to 1", "a finite number".
std::string integer_range_text(i64 lo, i64 hi);
std::string integer_range_text(u64 lo, u64 hi);
std::string real_range_text(double lo, double hi, bool default_lo, bool default_hi);

template <typename T>
std::string range_text(T lo, T hi) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
    if constexpr (std::is_floating_point_v<T>) {
        return real_range_text(static_cast<double>(lo), static_cast<double>(hi),
                               lo == std::numeric_limits<T>::lowest(),
                               hi == std::numeric_limits<T>::max());
    } else if constexpr (std::is_signed_v<T>) {
        return integer_range_text(static_cast<i64>(lo), static_cast<i64>(hi));
    } else {
        return integer_range_text(static_cast<u64>(lo), static_cast<u64>(hi));
    }
}

// Converts text to a T in [lo, hi]. On failure returns false; problem is the
// reason when there is more to say than the range (NaN, infinite, negative
// for an unsigned field, beyond the type), else empty.
template <typename T>
bool to_number(const std::string& text, T lo, T hi, T& value, std::string& problem) {
    static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
    problem.clear();
    if constexpr (std::is_floating_point_v<T>) {
        double v = 0.0;
        if (!parse_real_text(text, v, problem)) return false;
        if (std::abs(v) > static_cast<double>(std::numeric_limits<T>::max())) {
            problem = fmt::format("beyond the range of a {}-bit float", 8 * sizeof(T));
            return false;
        }
        const T t = static_cast<T>(v);
        if (t < lo || t > hi) return false;
        value = t;
        return true;
    } else {
        bool negative = false;
        u64 magnitude = 0;
        if (!parse_integer_text(text, negative, magnitude, problem)) return false;
        T t{};
        if (negative && magnitude != 0) {
            if constexpr (std::is_unsigned_v<T>) {
                problem = "negative";
                return false;
            } else {
                // -(lowest) does not fit T, so compare magnitudes in u64.
                const u64 limit = static_cast<u64>(-(std::numeric_limits<T>::lowest() + 1)) + 1;
                if (magnitude > limit) {
                    problem = fmt::format("too small for a {}-bit integer", 8 * sizeof(T));
                    return false;
                }
                t = static_cast<T>(-static_cast<i64>(magnitude - 1) - 1);
            }
        } else {
            if (magnitude > static_cast<u64>(std::numeric_limits<T>::max())) {
                // Below the type's limit the accepted range says it all.
                if (static_cast<u64>(hi) == static_cast<u64>(std::numeric_limits<T>::max()))
                    problem = fmt::format("too large for a {}-bit {}integer", 8 * sizeof(T),
                                          std::is_unsigned_v<T> ? "unsigned " : "");
                return false;
            }
            t = static_cast<T>(magnitude);
        }
        if (t < lo || t > hi) return false;
        value = t;
        return true;
    }
}

// "<what> is '<text>' (<problem>), expected <expected>", the one wording of a
// rejected value; the parenthesis is left out when problem is empty.
std::string rejected_value(const std::string& what, const std::string& text,
                           const std::string& problem, const std::string& expected);

// A command-line option's value (option as the user typed it, "--steps").
// Throws input_error naming the option, the text and the accepted range.
template <typename T>
T parse_cli_number(const std::string& option, const std::string& text, T lo, T hi) {
    T value{};
    std::string problem;
    if (!to_number(text, lo, hi, value, problem))
        throw input_error(rejected_value(option, text, problem, range_text(lo, hi)));
    return value;
}

// Multiplication of sizes and counts that reports overflow instead of
// wrapping: returns false when a * b does not fit 64 bits.
inline bool checked_multiply(u64 a, u64 b, u64& product) {
    return !__builtin_mul_overflow(a, b, &product);
}
inline bool checked_add(u64 a, u64 b, u64& sum) {
    return !__builtin_add_overflow(a, b, &sum);
}

// "3.35 GiB", "256.0 KiB", "17 bytes": sizes in messages.
std::string byte_size_text(u64 bytes);

}  // namespace masr
