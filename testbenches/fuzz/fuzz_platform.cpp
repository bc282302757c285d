// Fuzzes property_group::load as the platform loader uses it: YAML text
// parsed by yaml-cpp (a syntax error is the loader's clean answer), then
// loaded into a group with the platform's keys, types, ranges and nesting
// (platform_like.h), then dumped. A clean input_error is the expected answer
// to a bad input; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "models/common/error.h"
#include "testbenches/fuzz/platform_like.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception&) {
        return 0;  // platform_config::load_file reports it as a YAML syntax error
    }
    masr::fuzz::platform_like platform;
    try {
        platform.load(root, "fuzz.yaml");
    } catch (const masr::input_error&) {
        return 0;
    }
    std::ostringstream dump;
    platform.dump(dump);
    return 0;
}
