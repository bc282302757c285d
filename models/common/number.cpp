#include "models/common/number.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace masr {
namespace {

bool is_digit(char c, unsigned base) {
    if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    return c >= '0' && c < static_cast<char>('0' + base);
}

unsigned digit_value(char c) {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    return static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

// NaN and infinity spelled as YAML (.nan, .inf) or as C and Python print them.
// Returns the reason, or "" when text is no such word.
std::string special_value(const std::string& text) {
    std::string word;
    for (char c : text) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!word.empty() && (word[0] == '+' || word[0] == '-')) word.erase(0, 1);
    if (!word.empty() && word[0] == '.') word.erase(0, 1);
    if (word == "nan") return "not a number";
    if (word == "inf" || word == "infinity") return "infinite";
    return "";
}

// [+-](digits[.digits] | .digits)[(e|E)[+-]digits], the whole text.
bool is_decimal_real(const std::string& text, bool& integer_form) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t digits = 0;
    while (i < n && is_digit(text[i], 10)) ++i, ++digits;
    integer_form = true;
    if (i < n && text[i] == '.') {
        integer_form = false;
        ++i;
        while (i < n && is_digit(text[i], 10)) ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        integer_form = false;
        ++i;
        if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
        std::size_t exponent = 0;
        while (i < n && is_digit(text[i], 10)) ++i, ++exponent;
        if (exponent == 0) return false;
    }
    return i == n;
}

constexpr const char* leading_zero =
    "a leading 0 is ambiguous, octal in YAML 1.1 and decimal in YAML 1.2; write it without the 0, "
    "or 0o... for octal";

bool has_leading_zero(const std::string& text) {
    const std::size_t i = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
    return text.size() > i + 1 && text[i] == '0' && is_digit(text[i + 1], 10);
}

}  // namespace

bool parse_integer_text(const std::string& text, bool& negative, u64& magnitude,
                        std::string& problem) {
    problem.clear();
    negative = false;
    magnitude = 0;
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    unsigned base = 10;
    if (text.size() > i + 1 && text[i] == '0' &&
        (text[i + 1] == 'x' || text[i + 1] == 'X' || text[i + 1] == 'o')) {
        base = text[i + 1] == 'o' ? 8 : 16;
        i += 2;
    }
    const std::size_t first = i;
    while (i < text.size() && is_digit(text[i], base)) {
        const unsigned d = digit_value(text[i]);
        if (magnitude > (std::numeric_limits<u64>::max() - d) / base) {
            problem = "too large for 64 bits";
            return false;
        }
        magnitude = magnitude * base + d;
        ++i;
    }
    if (i == first || i != text.size()) {
        // Say why when the text is a number, only not an integer (1.5, 1e3,
        // .inf); text that is no number at all needs no more than the range.
        double real = 0.0;
        std::string why;
        problem = parse_real_text(text, real, why) ? "not an integer" : why;
        return false;
    }
    if (base == 10 && has_leading_zero(text)) {
        problem = leading_zero;
        return false;
    }
    return true;
}

bool parse_real_text(const std::string& text, double& value, std::string& problem) {
    problem = special_value(text);
    if (!problem.empty()) return false;
    bool integer_form = true;
    if (!is_decimal_real(text, integer_form)) return false;
    if (integer_form && has_leading_zero(text)) {
        problem = leading_zero;
        return false;
    }
    // from_chars takes no '+' and, unlike strtod, ignores the locale.
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    const char* end = text.data() + text.size();
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ec == std::errc::result_out_of_range) {
        // Tell overflow from underflow; strtod returns +-HUGE_VAL for the first.
        errno = 0;
        const double approx = std::strtod(text.c_str(), nullptr);
        problem = std::isinf(approx) ? "beyond the range of a 64-bit float"
                                     : "too close to 0 for a 64-bit float";
        return false;
    }
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) return false;
    value = v;
    return true;
}

std::string integer_range_text(i64 lo, i64 hi) {
    return fmt::format("an integer from {} to {}", lo, hi);
}

std::string integer_range_text(u64 lo, u64 hi) {
    return fmt::format("an integer from {} to {}", lo, hi);
}

std::string real_range_text(double lo, double hi, bool default_lo, bool default_hi) {
    if (default_lo && default_hi) return "a finite number";
    if (default_lo) return fmt::format("a number of at most {}", hi);
    if (default_hi) return fmt::format("a number of at least {}", lo);
    return fmt::format("a number from {} to {}", lo, hi);
}

std::string rejected_value(const std::string& what, const std::string& text,
                           const std::string& problem, const std::string& expected) {
    return fmt::format("{} is '{}'{}, expected {}", what, text,
                       problem.empty() ? "" : " (" + problem + ")", expected);
}

std::string byte_size_text(u64 bytes) {
    static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return fmt::format("{} bytes", bytes);
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.2f} {}", value, units[unit]);
}

}  // namespace masr
