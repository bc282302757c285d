#include "models/common/yaml_file.h"

#include <map>
#include <set>
#include <utility>

#include "models/common/error.h"
#include "models/common/file_check.h"

namespace masr {

namespace {

// The one rule for a key: a plain scalar, not seen before in its mapping.
void check_key(const YAML::Node& key, std::map<std::string, int>& seen, const std::string& file) {
    if (!key.IsScalar()) fail_at(file, key, "a key must be a plain name, not a list or mapping");
    const auto [it, fresh] = seen.emplace(key.Scalar(), key.Mark().line + 1);
    if (!fresh)
        fail_at(file, key, "duplicate key '{}' (first given at line {})", key.Scalar(), it->second);
}

}  // namespace

void check_mapping_keys(const YAML::Node& mapping, const std::string& file) {
    if (!mapping.IsMap()) return;
    std::map<std::string, int> seen;
    for (const auto& entry : mapping) check_key(entry.first, seen, file);
}

namespace {

// Depth first in text order, so that the first mistake in the file is the
// one reported. yaml-cpp's parser refuses nesting beyond 2000 levels, which
// bounds the recursion.
void check_tree(const YAML::Node& node, const std::string& file,
                std::set<std::pair<int, int>>& visited) {
    if (!node.IsMap() && !node.IsSequence()) return;
    // yaml-cpp gives an aliased node the mark of its anchor, so (position,
    // type) identifies a parsed node; nodes built in code have position -1.
    const int position = node.Mark().pos;
    if (position >= 0 && !visited.emplace(position, static_cast<int>(node.Type())).second) return;
    if (node.IsSequence()) {
        for (const auto& item : node) check_tree(item, file, visited);
        return;
    }
    std::map<std::string, int> seen;
    for (const auto& entry : node) {
        check_key(entry.first, seen, file);
        check_tree(entry.second, file, visited);
    }
}

}  // namespace

void check_all_keys(const YAML::Node& root, const std::string& file) {
    std::set<std::pair<int, int>> visited;
    check_tree(root, file, visited);
}

YAML::Node parse_yaml_text(const std::string& text, const std::string& name) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        fail("{}: YAML syntax error: {}", location(name, e.mark.line + 1), e.msg);
    } catch (const std::exception& e) {
        fail("{}: cannot read YAML: {}", name, e.what());
    }
    check_all_keys(root, name);
    return root;
}

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
    check_readable_file(path, what);
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::ParserException& e) {
        fail("{}: YAML syntax error: {}", location(path, e.mark.line + 1), e.msg);
    } catch (const std::exception& e) {
        fail("{}: cannot read YAML: {}", path, e.what());
    }
    check_all_keys(root, path);
    return root;
}

}  // namespace masr
