#include "models/common/property.h"

#include <algorithm>

#include "models/common/yaml_file.h"

namespace masr {

property_base::property_base(property_group* owner, std::string name, std::string description)
    : name_(std::move(name)), description_(std::move(description)) {
    if (owner) owner->properties_.push_back(this);
}

void property_base::load(const YAML::Node& node, const std::string& file, const std::string& path) {
    load(node, file, path, node);
}

void property_base::load(const YAML::Node& node, const std::string& file, const std::string& path,
                         const YAML::Node& key) {
    const std::string at = location(file, node.IsNull() ? key : node);
    std::string problem;
    if (!parse(node, problem)) {
        if (node.IsScalar())
            throw input_error(at + ": " + rejected_value(path, node.Scalar(), problem, expected()));
        const char* shape = node.IsNull() ? "empty" : node.IsSequence() ? "a list" : "a mapping";
        fail("{}: {} is {}, expected {}", at, path, shape, expected());
    }
    where_ = at;
    set_ = true;
}

property_group::property_group(property_group* parent, std::string key, std::string description)
    : key_(std::move(key)), description_(std::move(description)) {
    if (parent) parent->groups_.push_back(this);
}

void property_group::load(const YAML::Node& node, const std::string& file,
                          const std::string& path) {
    if (!node.IsMap())
        fail_at(file, node, "{} must be a mapping of keys to values",
                path.empty() ? "the file" : path);
    check_mapping_keys(node, file);
    for (const auto& entry : node) {
        const std::string key = entry.first.Scalar();
        const std::string full = path.empty() ? key : path + "." + key;
        auto p = std::find_if(properties_.begin(), properties_.end(),
                              [&](const property_base* q) { return q->name() == key; });
        if (p != properties_.end()) {
            (*p)->load(entry.second, file, full, entry.first);
            continue;
        }
        auto g = std::find_if(groups_.begin(), groups_.end(),
                              [&](const property_group* q) { return q->key() == key; });
        if (g != groups_.end()) {
            (*g)->load(entry.second, file, full);
            continue;
        }
        std::string known;
        for (const auto* q : properties_) known += (known.empty() ? "" : ", ") + q->name();
        for (const auto* q : groups_) known += (known.empty() ? "" : ", ") + q->key();
        fail_at(file, entry.first, "unknown key '{}'{}; expected one of: {}", full,
                path.empty() ? "" : " in " + path, known);
    }
    validate();
}

void property_group::dump(std::ostream& out, int indent) const {
    const std::string pad(indent, ' ');
    for (const auto* p : properties_) {
        out << pad << p->name() << ": " << p->to_yaml();
        out << "  # " << p->description();
        if (!p->is_set()) out << " (default)";
        out << "\n";
    }
    for (const auto* g : groups_) {
        if (!g->description().empty()) out << pad << "# " << g->description() << "\n";
        out << pad << g->key() << ":\n";
        g->dump(out, indent + 2);
    }
}

}  // namespace masr
