// The shared input checks of models/common: one rule for numbers (NaN,
// infinities, negative unsigned values, wrap-around, documented ranges), for
// YAML keys (duplicates, non-scalar keys, alias bombs), for input paths; RFC
// 4180 CSV fields; the exit statuses; output folders replaced whole. Each class is tried with
// several instances, through the same entry points the loaders and tools use.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <set>
#include <stdexcept>

#include "models/common/atomic_file.h"
#include "models/common/csv.h"
#include "models/common/error.h"
#include "models/common/exit_codes.h"
#include "models/common/file_check.h"
#include "models/common/fixed_divisor.h"
#include "models/common/host_threads.h"
#include "models/common/interrupt.h"
#include "models/common/number.h"
#include "models/common/output_folder.h"
#include "models/common/property.h"
#include "models/common/yaml_file.h"
#include "testbenches/fuzz/platform_like.h"

using namespace masr;
namespace fs = std::filesystem;

namespace {

// The message of the input_error that parsing text as T in [lo, hi] gives.
template <typename T>
std::string cli_error(const std::string& text, T lo = std::numeric_limits<T>::lowest(),
                      T hi = std::numeric_limits<T>::max()) {
    try {
        parse_cli_number<T>("--x", text, lo, hi);
    } catch (const input_error& e) {
        return e.what();
    }
    return "<no error>";
}

// Loads YAML text into the platform-shaped group; returns the error or "".
std::string platform_error(const std::string& text) {
    fuzz::platform_like p;
    try {
        p.load(YAML::Load(text), "p.yaml");
    } catch (const input_error& e) {
        return e.what();
    }
    return "";
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("masr_tb_common_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream((path / name).string(), std::ios::binary) << text;
        return (path / name).string();
    }
};

std::string readable_error(const std::string& path) {
    try {
        check_readable_file(path, "a test file");
    } catch (const input_error& e) {
        return e.what();
    }
    return "";
}

// A small RFC 4180 reader, written independently of csv_field, to show that
// what csv_field writes reads back as the original fields.
std::vector<std::string> split_csv_record(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

}  // namespace

// ---------------------------------------------------------------- numbers

TEST_CASE("fixed_divisor: quotient and remainder are those of / and %, powers of two or not",
          "[unit][common]") {
    const u64 top = ~u64{0};
    for (u64 d :
         {u64{1}, u64{2}, u64{3}, u64{8}, u64{12}, u64{1250}, u64{4096}, u64{1} << 63, top}) {
        const fixed_divisor by(d);
        CHECK(by.value() == d);
        for (u64 x : {u64{0}, u64{1}, d - 1, d, d + 1, 2 * d + 1, u64{123456789}, top - 1, top}) {
            INFO("x = " << x << ", d = " << d);
            CHECK(by.quotient(x) == x / d);
            CHECK(by.remainder(x) == x % d);
        }
    }
}

TEST_CASE("numbers: decimal, signed, hex and octal integers within range are accepted",
          "[unit][common]") {
    CHECK(parse_cli_number<u32>("--x", "0", 0, 10) == 0u);
    CHECK(parse_cli_number<u32>("--x", "+7", 0, 10) == 7u);
    CHECK(parse_cli_number<u32>("--x", "-0", 0, 10) == 0u);
    CHECK(parse_cli_number<u64>("--x", "0x10", 0, 100) == 16u);
    CHECK(parse_cli_number<u64>("--x", "0XfF", 0, 1000) == 255u);
    CHECK(parse_cli_number<u64>("--x", "0o17", 0, 100) == 15u);
    CHECK(
        parse_cli_number<u64>("--x", "18446744073709551615", 0, std::numeric_limits<u64>::max()) ==
        std::numeric_limits<u64>::max());
    CHECK(parse_cli_number<i64>("--x", "-9223372036854775808", std::numeric_limits<i64>::lowest(),
                                0) == std::numeric_limits<i64>::lowest());
    CHECK(parse_cli_number<i8>("--x", "-128", -128, 127) == -128);
    CHECK(parse_cli_number<double>("--x", "800e6", 1e3, 1e11) == 800e6);
    CHECK(parse_cli_number<double>("--x", "-.5", -1, 1) == -0.5);
    CHECK(parse_cli_number<double>("--x", "1.", 0, 2) == 1.0);
    CHECK(parse_cli_number<double>("--x", "+2E-3", 0, 1) == 0.002);
    CHECK(parse_cli_number<double>("--x", "12", 0, 100) == 12.0);
}

TEST_CASE("numbers: NaN and infinities are rejected, with the reason", "[unit][common]") {
    for (const char* nan : {".nan", ".NaN", ".NAN", "nan", "NaN", "-.nan"}) {
        INFO(nan);
        CHECK(cli_error<double>(nan, 0.0, 1.0) ==
              "--x is '" + std::string(nan) + "' (not a number), expected a number from 0 to 1");
        CHECK(cli_error<u32>(nan, 1, 64) ==
              "--x is '" + std::string(nan) + "' (not a number), expected an integer from 1 to 64");
    }
    for (const char* inf : {".inf", ".Inf", "+.inf", "-.inf", "-.INF", "inf", "Infinity"}) {
        INFO(inf);
        CHECK(cli_error<double>(inf) ==
              "--x is '" + std::string(inf) + "' (infinite), expected a finite number");
        CHECK(cli_error<float>(inf, 0.0f, 1.0f).find("(infinite)") != std::string::npos);
        CHECK(cli_error<i64>(inf).find("(infinite), expected an integer") != std::string::npos);
    }
}

TEST_CASE("numbers: negative values for unsigned fields are rejected, not wrapped",
          "[unit][common]") {
    CHECK(cli_error<u32>("-1", 1, 4096) ==
          "--x is '-1' (negative), expected an integer from 1 to 4096");
    CHECK(cli_error<u64>("-1") ==
          "--x is '-1' (negative), expected an integer from 0 to 18446744073709551615");
    CHECK(cli_error<u8>("-0x1") == "--x is '-0x1' (negative), expected an integer from 0 to 255");
    CHECK(cli_error<u64>("-18446744073709551615") ==
          "--x is '-18446744073709551615' (negative), expected an integer from 0 to "
          "18446744073709551615");
    CHECK(cli_error<unsigned>("-4294967295", 0, 10).find("(negative)") != std::string::npos);
}

TEST_CASE("numbers: values beyond the type overflow into an error, never wrap", "[unit][common]") {
    CHECK(cli_error<u64>("18446744073709551616") ==
          "--x is '18446744073709551616' (too large for 64 bits), expected an integer from 0 to "
          "18446744073709551615");
    CHECK(cli_error<u64>("0x10000000000000000").find("(too large for 64 bits)") !=
          std::string::npos);
    CHECK(cli_error<u32>("4294967296") ==
          "--x is '4294967296' (too large for a 32-bit unsigned "
          "integer), expected an integer from 0 to 4294967295");
    CHECK(cli_error<i8>("128") ==
          "--x is '128' (too large for a 8-bit integer), expected an integer from -128 to 127");
    CHECK(cli_error<i8>("-129") ==
          "--x is '-129' (too small for a 8-bit integer), expected an integer from -128 to 127");
    CHECK(cli_error<i64>("-9223372036854775809").find("(too small for a 64-bit integer)") !=
          std::string::npos);
    CHECK(cli_error<double>("1e999") ==
          "--x is '1e999' (beyond the range of a 64-bit float), expected a finite number");
    CHECK(cli_error<double>("-1e400").find("(beyond the range of a 64-bit float)") !=
          std::string::npos);
    CHECK(cli_error<double>("1e-400").find("(too close to 0 for a 64-bit float)") !=
          std::string::npos);
    CHECK(cli_error<float>("1e39") ==
          "--x is '1e39' (beyond the range of a 32-bit float), "
          "expected a finite number");
}

TEST_CASE("numbers: values outside the documented range name it", "[unit][common]") {
    CHECK(cli_error<u32>("4097", 1, 4096) == "--x is '4097', expected an integer from 1 to 4096");
    CHECK(cli_error<u32>("0", 1, 4096) == "--x is '0', expected an integer from 1 to 4096");
    // Below the type's limit the range says it all, with no parenthesis.
    CHECK(cli_error<u32>("4294967296", 1, 4096) ==
          "--x is '4294967296', expected an integer from 1 to 4096");
    CHECK(cli_error<double>("1e12", 1e3, 1e11) ==
          "--x is '1e12', expected a number from 1000 to 100000000000");
    CHECK(cli_error<double>("-0.1", 0.0, std::numeric_limits<double>::max()) ==
          "--x is '-0.1', expected a number of at least 0");
    CHECK(cli_error<double>("2", std::numeric_limits<double>::lowest(), 1.0) ==
          "--x is '2', expected a number of at most 1");
}

TEST_CASE("numbers: text that is not a number of the kind asked for", "[unit][common]") {
    CHECK(cli_error<u32>("1.5", 0, 10) ==
          "--x is '1.5' (not an integer), expected an integer from 0 to 10");
    CHECK(cli_error<u32>("1e3", 0, 10000).find("(not an integer)") != std::string::npos);
    CHECK(cli_error<u32>("four", 0, 10) == "--x is 'four', expected an integer from 0 to 10");
    for (const char* bad : {"", "+", "-", "0x", "0o8", "--1", " 5", "5 ", "1_000", "0b101", "5k",
                            "1,5", "0x1p3", "e5", "1e", "1e+", ".", "1..2"}) {
        INFO("'" << bad << "'");
        CHECK(cli_error<u64>(bad) != "<no error>");
        CHECK(cli_error<double>(bad) != "<no error>");
    }
    // YAML 1.1 reads 010 as 8 and YAML 1.2 as 10: neither is guessed.
    CHECK(cli_error<u32>("010", 0, 100).find("(a leading 0 is ambiguous") != std::string::npos);
    CHECK(cli_error<double>("010").find("(a leading 0 is ambiguous") != std::string::npos);
    CHECK(parse_cli_number<double>("--x", "010.5", 0, 100) == 10.5);
}

TEST_CASE("numbers: sizes multiply and add without wrapping, and byte sizes read well",
          "[unit][common]") {
    u64 r = 0;
    CHECK(checked_multiply(u64{1} << 32, u64{1} << 31, r));
    CHECK(r == u64{1} << 63);
    CHECK_FALSE(checked_multiply(u64{1} << 32, u64{1} << 32, r));
    CHECK_FALSE(checked_add(std::numeric_limits<u64>::max(), 1, r));
    CHECK(byte_size_text(17) == "17 bytes");
    CHECK(byte_size_text(1024) == "1.00 KiB");
    CHECK(byte_size_text(u64{3} << 30) == "3.00 GiB");
    CHECK(byte_size_text(std::numeric_limits<u64>::max()) == "16.00 EiB");
}

// ---------------------------------------------------------------- property<T> numbers

TEST_CASE("property<T>: NaN, infinities, negative and overflowing values name file:line and range",
          "[unit][common]") {
    CHECK(platform_error("name: x\nclock_hz: .nan\n") ==
          "p.yaml:2: clock_hz is '.nan' (not a number), expected a number from 1000 to "
          "100000000000");
    CHECK(platform_error("clock_hz: .inf\n") ==
          "p.yaml:1: clock_hz is '.inf' (infinite), expected a number from 1000 to 100000000000");
    CHECK(platform_error("clock_hz: -.inf\n").find("(infinite)") != std::string::npos);
    CHECK(platform_error("clock_hz: 1e999\n").find("(beyond the range of a 64-bit float)") !=
          std::string::npos);
    CHECK(platform_error("tiles: -1\n") ==
          "p.yaml:1: tiles is '-1' (negative), expected an integer from 1 to 4096");
    CHECK(platform_error("tiles: 4097\n") ==
          "p.yaml:1: tiles is '4097', expected an integer from 1 to 4096");
    CHECK(platform_error("tile:\n  weight_sram:\n    size: -65536\n") ==
          "p.yaml:3: tile.weight_sram.size is '-65536' (negative), expected an integer from 1 to "
          "18446744073709551615");
    CHECK(platform_error("tile:\n  weight_sram:\n    size: 18446744073709551616\n")
              .find("(too large for 64 bits)") != std::string::npos);
    CHECK(platform_error("noc:\n  hop_cycles: 4294967296\n") ==
          "p.yaml:2: noc.hop_cycles is '4294967296' (too large for a 32-bit unsigned integer), "
          "expected an integer from 0 to 4294967295");
    CHECK(platform_error("tile:\n  pe:\n    lanes: 010\n").find("ambiguous") != std::string::npos);
    CHECK(platform_error("tiles:\n") ==
          "p.yaml:1: tiles is empty, expected an integer from 1 to 4096");
    CHECK(platform_error("tiles: [4]\n") ==
          "p.yaml:1: tiles is a list, expected an integer from 1 to 4096");
    CHECK(platform_error("clock_hz: 1e9\ntiles: 0x10\n").empty());
}

TEST_CASE("property<T>: a rejected value leaves the default in place, and ranges are readable",
          "[unit][common]") {
    fuzz::platform_like p;
    CHECK_THROWS_AS(p.load(YAML::Load("tiles: -1"), "p.yaml"), input_error);
    CHECK(p.tiles.get() == 1u);
    CHECK_FALSE(p.tiles.is_set());
    CHECK(p.tiles.lo() == 1u);
    CHECK(p.tiles.hi() == 4096u);
    CHECK(parse_cli_number<u32>("--tiles", "48", p.tiles.lo(), p.tiles.hi()) == 48u);
    CHECK(p.tile.pe.steal_cycles.expected() == "an integer from 0 to 1048576");
    CHECK(p.clock_hz.expected() == "a number from 1000 to 100000000000");
}

// ---------------------------------------------------------------- duplicate keys

TEST_CASE("duplicate keys: property_group::load rejects them at every level, naming both lines",
          "[unit][common]") {
    CHECK(platform_error("tiles: 4\nname: a\ntiles: 16\n") ==
          "p.yaml:3: duplicate key 'tiles' (first given at line 1)");
    CHECK(platform_error("tile:\n  pe:\n    lanes: 4\n    pes: 2\n    lanes: 8\n") ==
          "p.yaml:5: duplicate key 'lanes' (first given at line 3)");
    CHECK(platform_error("noc: {rows: 2, columns: 2, rows: 4}\n") ==
          "p.yaml:1: duplicate key 'rows' (first given at line 1)");
    // A repeated group: the second tile: would silently replace the first.
    CHECK(platform_error("tile:\n  bus: {latency_cycles: 1}\nname: x\ntile:\n  pe: {pes: 2}\n") ==
          "p.yaml:4: duplicate key 'tile' (first given at line 1)");
    // Quoting does not make a key different.
    CHECK(platform_error("name: a\n\"name\": b\n") ==
          "p.yaml:2: duplicate key 'name' (first given at line 1)");
}

TEST_CASE("duplicate keys: the whole-tree check finds them in lists and nested mappings",
          "[unit][common]") {
    const auto error = [](const std::string& text) {
        try {
            parse_yaml_text(text, "w.yaml");
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error("a: 1\nb: 2\n").empty());
    CHECK(error("layers:\n  - name: l1\n    units: 3\n    units: 4\n") ==
          "w.yaml:4: duplicate key 'units' (first given at line 3)");
    CHECK(error("a:\n  b:\n    c: [{x: 1, x: 2}]\n") ==
          "w.yaml:3: duplicate key 'x' (first given at line 3)");
    CHECK(error("a: 1\nb:\n  c: 1\n  c: 2\na: 2\n") ==
          "w.yaml:4: duplicate key 'c' (first given at line 3)");
    CHECK(error("[a, b]: 1\n") == "w.yaml:1: a key must be a plain name, not a list or mapping");
    CHECK(platform_error("? {a: 1}\n: 2\n") ==
          "p.yaml:1: a key must be a plain name, not a list or mapping");
    CHECK(error("a: [1\n").rfind("w.yaml:", 0) == 0);
}

TEST_CASE("duplicate keys: an alias bomb is checked in the time of its text", "[unit][common]") {
    // 10 levels of 10 aliases: a tree of 10^10 leaves in a few hundred bytes.
    std::string text = "l0: &l0 {k: v}\n";
    for (int i = 1; i <= 10; ++i) {
        text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) text += (j ? ", *l" : "*l") + std::to_string(i - 1);
        text += "]\n";
    }
    const auto start = std::chrono::steady_clock::now();
    CHECK_NOTHROW(parse_yaml_text(text, "bomb.yaml"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    // A duplicate inside the aliased mapping is still found.
    CHECK_THROWS_WITH(parse_yaml_text("a: &a {k: 1, k: 2}\nb: [*a, *a]\n", "bomb.yaml"),
                      "bomb.yaml:1: duplicate key 'k' (first given at line 1)");
}

// ---------------------------------------------------------------- paths

TEST_CASE("paths: missing, directory, not a directory, empty, unreadable", "[unit][common]") {
    temp_dir dir;
    const std::string file = dir.write("f.txt", "x");
    CHECK(readable_error(file).empty());
    CHECK(readable_error((dir.path / "none").string()) ==
          (dir.path / "none").string() +
              ": cannot open (No such file or directory), expected a test file");
    CHECK(readable_error(dir.path.string()) ==
          dir.path.string() + ": is a directory, expected a test file");
    CHECK(readable_error(file + "/below") ==
          file + "/below: cannot open (Not a directory), expected a test file");
    CHECK(readable_error("") == "an empty path was given, expected a test file");
    if (::geteuid() != 0) {  // root reads any file, whatever its mode
        ::chmod(file.c_str(), 0);
        CHECK(readable_error(file) ==
              file + ": cannot open (Permission denied), expected a test file");
    }
}

TEST_CASE("paths: load_yaml_file names a directory instead of failing inside the stream",
          "[unit][common]") {
    temp_dir dir;
    CHECK_THROWS_WITH(load_yaml_file(dir.path.string(), "a platform file"),
                      dir.path.string() + ": is a directory, expected a platform file");
    const std::string bad = dir.write("bad.yaml", "a: 1\nb: [2\n");
    CHECK_THROWS_WITH(load_yaml_file(bad, "a platform file"),
                      Catch::StartsWith(bad + ":3: YAML syntax error"));
    const std::string twice = dir.write("twice.yaml", "a: 1\na: 2\n");
    CHECK_THROWS_WITH(load_yaml_file(twice, "a platform file"),
                      twice + ":2: duplicate key 'a' (first given at line 1)");
    CHECK(load_yaml_file(dir.write("ok.yaml", "a: 1\n"), "a platform file")["a"].as<int>() == 1);
}

// ---------------------------------------------------------------- CSV

TEST_CASE("csv: fields with commas, quotes, CR or LF are quoted per RFC 4180", "[unit][common]") {
    CHECK(csv_field("edge") == "edge");
    CHECK(csv_field("") == "");
    CHECK(csv_field(" padded ") == " padded ");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("\"") == "\"\"\"\"");
    CHECK(csv_field("two\nlines") == "\"two\nlines\"");
    CHECK(csv_field("cr\rhere") == "\"cr\rhere\"");
    CHECK(csv_line({"layer", "a,b", "x\"y", ""}) == "layer,\"a,b\",\"x\"\"y\",");
}

TEST_CASE("csv: what csv_line writes reads back as the same fields", "[unit][common]") {
    const std::vector<std::vector<std::string>> records = {
        {"workload", "platform", "cycles"},
        {"ds2,birnn", "edge", "667442"},
        {"\"quoted\"", ",", "\"\""},
        {"multi\nline", "", "tail,"},
    };
    for (const auto& fields : records) {
        const std::string line = csv_line(fields);
        INFO(line);
        CHECK(split_csv_record(line) == fields);
    }
}

// ---------------------------------------------------------------- exit statuses

TEST_CASE("exit statuses: one distinct code per outcome, documented for --help", "[unit][common]") {
    const std::set<int> codes{exit_ok, exit_mismatch, exit_bad_input, exit_internal_error};
    CHECK(codes.size() == 4);
    CHECK(exit_ok == 0);
    CHECK(exit_mismatch == 1);
    CHECK(exit_bad_input == 2);
    CHECK(exit_internal_error == 3);
    const std::string help = exit_status_help();
    for (const char* line : {"0  done", "1  check mismatch", "2  bad input", "3  internal error"})
        CHECK(help.find(line) != std::string::npos);
}

TEST_CASE("exit statuses: run_tool maps what escapes a tool's body", "[unit][common]") {
    CHECK(run_tool("t", [] { return exit_ok; }) == exit_ok);
    CHECK(run_tool("t", [] { return exit_mismatch; }) == exit_mismatch);
    CHECK(run_tool("t", []() -> int { fail("bad {}", 1); }) == exit_bad_input);
    CHECK(run_tool("t", []() -> int { throw std::runtime_error("bug"); }) == exit_internal_error);
    CHECK(run_tool("t", []() -> int { throw std::bad_alloc(); }) == exit_internal_error);
    CHECK(run_tool("t", []() -> int { throw 42; }) == exit_internal_error);
}

namespace {

fs::path fresh_dir(const std::string& name) {
    const fs::path d =
        fs::temp_directory_path() / ("masr_tb_common_" + std::to_string(::getpid())) / name;
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string folder_error(const std::string& target) {
    try {
        output_folder f(target, "--out");
    } catch (const input_error& e) {
        return e.what();
    }
    return "no error";
}

// A pid that certainly belongs to no process: one that has just ended.
long ended_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    return child;
}

std::string host_part() {
    const std::string suffix = temporary_suffix();  // host.pid
    return suffix.substr(0, suffix.rfind('.'));
}

}  // namespace

TEST_CASE("output folders: a set appears whole and replaces the previous set whole",
          "[unit][common]") {
    const fs::path root = fresh_dir("replace");
    const std::string target = (root / "run").string();
    {
        output_folder f(target, "--out");
        std::ofstream(f.path("stats.json")) << "first";
        std::ofstream(f.path("dump/l1.npy")) << "first dump";
        // Nothing is visible before the publish.
        CHECK_FALSE(fs::exists(target));
        f.publish();
    }
    CHECK(read_text(root / "run" / "stats.json") == "first");
    CHECK(read_text(root / "run" / "dump" / "l1.npy") == "first dump");
    {
        output_folder f(target, "--out");
        std::ofstream(f.path("stats.json")) << "second";
        // The previous set stays complete until the publish.
        CHECK(read_text(root / "run" / "stats.json") == "first");
        f.publish();
    }
    CHECK(read_text(root / "run" / "stats.json") == "second");
    // The second set had no dump: nothing of the first run survives beside it.
    CHECK_FALSE(fs::exists(root / "run" / "dump"));
    // Only the target is left in the parent: no staging folder.
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(root)) names.insert(e.path().filename().string());
    CHECK(names == std::set<std::string>{"run"});
}

TEST_CASE("output folders: SIGTERM while two sets are written stops the tool after both publish",
          "[unit][common]") {
    const fs::path root = fresh_dir("signal");
    const std::string out = (root / "run").string(), dump = (root / "dump").string();
    const pid_t child = ::fork();
    if (child == 0) {
        install_interrupt_handlers("tb_common");
        output_folder a(out, "--out");
        output_folder b(dump, "--dump");
        std::ofstream(a.path("stats.json")) << "a";
        std::ofstream(b.path("l1.npy")) << "b";
        ::raise(SIGTERM);  // waits: both sets are being written
        a.publish();       // b still holds its deferral: the signal still waits
        b.publish();       // delivered here
        ::_exit(0);        // not reached
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 143);
    CHECK(read_text(root / "run" / "stats.json") == "a");
    CHECK(read_text(root / "dump" / "l1.npy") == "b");
    // No staging folder left beside them.
    for (const auto& e : fs::directory_iterator(root))
        CHECK(e.path().filename().string().rfind(".", 0) != 0);
}

TEST_CASE("output folders: SIGINT while a set is written leaves no staging folder",
          "[unit][common]") {
    const fs::path root = fresh_dir("signal_unpublished");
    const pid_t child = ::fork();
    if (child == 0) {
        install_interrupt_handlers("tb_common");
        {
            output_folder a((root / "run").string(), "--out");
            std::ofstream(a.path("stats.json")) << "a";
            ::raise(SIGINT);
            // A failure before the publish: the destructor removes the
            // staging folder, then the signal stops the tool.
        }
        ::_exit(0);  // not reached
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    CHECK(fs::is_empty(root));
}

TEST_CASE("output folders: a set that is not published leaves nothing", "[unit][common]") {
    const fs::path root = fresh_dir("abandon");
    {
        output_folder f((root / "run").string(), "--out");
        std::ofstream(f.path("stats.json")) << "partial";
    }
    CHECK(fs::is_empty(root));
}

TEST_CASE("output folders: a folder no tool wrote, a file, '.', '..' are refused before the run",
          "[unit][common]") {
    const fs::path root = fresh_dir("refuse");
    fs::create_directories(root / "mine");
    std::ofstream(root / "mine" / "thesis.tex") << "\\documentclass{article}";
    std::ofstream(root / "afile") << "x";
    CHECK(folder_error((root / "mine").string())
              .find("holds 'thesis.tex', which no masr tool wrote") != std::string::npos);
    CHECK(read_text(root / "mine" / "thesis.tex") == "\\documentclass{article}");
    CHECK(folder_error((root / "afile").string()).find("is a file, expected a folder") !=
          std::string::npos);
    CHECK(folder_error(".").find("cannot be '.'") != std::string::npos);
    CHECK(folder_error("..").find("cannot be '..'") != std::string::npos);
    CHECK(folder_error("").find("empty") != std::string::npos);
    // /proc takes no new folder, whatever access() tells root: tried, not asked.
    const std::string proc = "/proc/masr_tb_common_" + std::to_string(::getpid());
    CHECK(folder_error(proc).find("--out") != std::string::npos);
    CHECK(folder_error(proc).find("'/proc'") != std::string::npos);
    CHECK_FALSE(fs::exists(proc));
    // An empty folder is fine, and so is "out/" with its trailing slash.
    fs::create_directories(root / "empty");
    CHECK(folder_error((root / "empty").string() + "/") == "no error");
}

TEST_CASE("output folders: temporaries of ended processes are removed, live ones kept",
          "[unit][common]") {
    const fs::path root = fresh_dir("stale");
    const std::string host = host_part();
    const std::string dead = std::to_string(ended_pid());
    const std::string live = std::to_string(::getppid());  // ctest, alive meanwhile
    for (const std::string& name :
         {".run.staging." + host + "." + dead, ".run.staging.retired." + host + "." + dead,
          ".run.staging." + host + "." + live, ".run.staging.otherhost." + dead,
          ".runs.staging." + host + "." + dead})
        fs::create_directories(root / name / "inside");
    output_folder f((root / "run").string(), "--out");
    CHECK_FALSE(fs::exists(root / (".run.staging." + host + "." + dead)));
    CHECK_FALSE(fs::exists(root / (".run.staging.retired." + host + "." + dead)));
    // A running process, another host's process (a shared file system) and
    // another folder's staging are not ours to remove.
    CHECK(fs::exists(root / (".run.staging." + host + "." + live)));
    CHECK(fs::exists(root / (".run.staging.otherhost." + dead)));
    CHECK(fs::exists(root / (".runs.staging." + host + "." + dead)));

    // The same for single files written by write_file_atomically.
    std::ofstream(root / ("model.img.tmp." + host + "." + dead)) << "partial";
    std::ofstream(root / ("model.img.tmp." + host + "." + live)) << "in progress";
    write_file_atomically((root / "model.img").string(), [](std::ostream& out) { out << "whole"; });
    CHECK(read_text(root / "model.img") == "whole");
    CHECK_FALSE(fs::exists(root / ("model.img.tmp." + host + "." + dead)));
    CHECK(fs::exists(root / ("model.img.tmp." + host + "." + live)));
}

TEST_CASE("output folders: contains() places --dump and --dump-config inside --out",
          "[unit][common]") {
    const fs::path root = fresh_dir("contains");
    output_folder f((root / "run").string(), "--out");
    std::string rel;
    CHECK(f.contains((root / "run" / "dump").string(), rel));
    CHECK(rel == "dump");
    CHECK(f.contains((root / "run" / "a" / ".." / "cfg.yaml").string(), rel));
    CHECK(rel == "cfg.yaml");
    CHECK(f.contains((root / "run").string() + "/", rel));
    CHECK(rel.empty());
    CHECK_FALSE(f.contains((root / "runs").string(), rel));
    CHECK_FALSE(f.contains((root / "other" / "dump").string(), rel));
}

TEST_CASE("host threads: every job runs once, and the first failing job's error wins",
          "[unit][common][threads]") {
    for (const u32 threads : {1u, 2u, 3u, 7u}) {
        INFO("threads " << threads);
        set_host_threads(threads);
        CHECK(host_threads() == threads);
        std::vector<std::atomic<int>> runs(101);
        parallel_for(runs.size(), [&](std::size_t i) { ++runs[i]; });
        for (std::size_t i = 0; i < runs.size(); ++i) REQUIRE(runs[i] == 1);
        // Jobs 17 and 60 fail; 17's error is reported whichever thread ran
        // it and whichever failed first in host time, and every other job
        // still ran.
        std::vector<std::atomic<int>> ran(80);
        try {
            parallel_for(ran.size(), [&](std::size_t i) {
                ++ran[i];
                if (i == 17 || i == 60) throw input_error("job " + std::to_string(i));
            });
            FAIL("expected an input_error");
        } catch (const input_error& e) {
            CHECK(std::string(e.what()) == "job 17");
        }
        for (std::size_t i = 0; i < ran.size(); ++i) REQUIRE(ran[i] == 1);
    }
    set_host_threads(0);
    CHECK(host_threads() == machine_threads());
    CHECK(machine_threads() >= 1);
}
