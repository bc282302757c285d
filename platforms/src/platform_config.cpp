#include "platforms/src/platform_config.h"

#include <filesystem>
#include <fstream>

namespace masr {

void platform_config::load_file(const std::string& path) {
    file = path;
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        fail("cannot read platform file '{}': no such file or not readable", path);
    } catch (const YAML::Exception& e) {
        fail("{}: YAML syntax error: {}", location(path, e.mark.line + 1), e.msg);
    }
    load(root, path);
    const std::filesystem::path tech = technology.get();
    technology_path = tech.is_absolute()
                          ? tech.string()
                          : (std::filesystem::path(path).parent_path() / tech).string();
    try {
        const YAML::Node t = YAML::LoadFile(technology_path);
        if (!t.IsMap() || !t["name"])
            fail("{}: technology file '{}' must be a mapping with at least a 'name'",
                 technology.where(), technology_path);
    } catch (const YAML::BadFile&) {
        fail("{}: technology file '{}' not found (paths are relative to the platform file)",
             technology.where(), technology_path);
    } catch (const YAML::Exception& e) {
        fail("{}: YAML syntax error: {}", location(technology_path, e.mark.line + 1), e.msg);
    }
}

void platform_config::validate() const {
    if (noc.host_node >= tiles && noc.host_node.is_set())
        fail("{}: noc.host_node is {} but the platform has only {} tiles", noc.host_node.where(),
             noc.host_node.get(), tiles.get());
}

void platform_config::dump(std::ostream& out) const {
    out << "# MASR platform configuration as used by this run (defaults filled in).\n";
    if (!file.empty()) out << "# Read from " << file << ".\n";
    property_group::dump(out, 0);
}

sc_core::sc_time platform_config::clock_period() const {
    return sc_core::sc_time(1.0 / clock_hz, sc_core::SC_SEC);
}

}  // namespace masr
