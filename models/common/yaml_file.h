#pragma once
// Reading YAML the same way in every loader. yaml-cpp keeps one of two equal
// keys without a word, and a repeated key is almost always an editing
// mistake (a parameter set twice, the first setting silently lost), so every
// mapping is checked: each key a plain scalar, none given twice, the message
// naming both lines.
#include <yaml-cpp/yaml.h>

#include <string>

namespace masr {

// The keys of one mapping (nested mappings are not visited).
void check_mapping_keys(const YAML::Node& mapping, const std::string& file);

// Every mapping in the tree. A node reached through several aliases is
// checked once, so an alias bomb costs the size of the text, not of the tree.
void check_all_keys(const YAML::Node& root, const std::string& file);

// Checks that path is a readable file (what: "a workload YAML file"), parses
// it and checks every mapping's keys. Syntax errors name file:line.
YAML::Node load_yaml_file(const std::string& path, const std::string& what);

// The same for text in memory; name stands for the file in messages.
YAML::Node parse_yaml_text(const std::string& text, const std::string& name);

}  // namespace masr
