#pragma once
// Typed configuration parameters, after VCML's property<T>: a parameter is a
// member whose name is its YAML key, with a default and a one-line description.
// A property_group is a YAML mapping of properties and nested groups. Loading
// checks every key and type and names file:line on error; dumping writes the
// values a run actually used, each with its description as a comment, so the
// dump is itself a valid configuration.
//
//   struct sram_params : property_group {
//       using property_group::property_group;
//       property<u64> size{this, "size", 65536, "capacity in bytes", 1};
//   };
#include <yaml-cpp/yaml.h>

#include <limits>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/error.h"
#include "models/common/number.h"
#include "models/common/types.h"

namespace masr {

class property_group;

class property_base {
public:
    property_base(property_group* owner, std::string name, std::string description);
    property_base(const property_base&) = delete;
    property_base& operator=(const property_base&) = delete;
    virtual ~property_base() = default;

    const std::string& name() const { return name_; }
    const std::string& description() const { return description_; }
    // "file:line" of the value in the configuration, or "<default>".
    const std::string& where() const { return where_; }
    bool is_set() const { return set_; }
    void mark_set(const std::string& where) {
        if (!set_) where_ = where;
        set_ = true;
    }

    // Parses node; throws input_error naming file:line, the key and what was expected.
    // key, when given, places messages about an empty value ("tiles:"), whose
    // own mark is wherever the next token starts.
    void load(const YAML::Node& node, const std::string& file, const std::string& path);
    void load(const YAML::Node& node, const std::string& file, const std::string& path,
              const YAML::Node& key);
    // The value as YAML text.
    virtual std::string to_yaml() const = 0;
    // What a valid value looks like ("an integer from 1 to 64").
    virtual std::string expected() const = 0;

protected:
    // Returns false when the node cannot be converted or is out of range;
    // problem then says why when expected() alone does not (NaN, negative).
    virtual bool parse(const YAML::Node& node, std::string& problem) = 0;

private:
    std::string name_;
    std::string description_;
    std::string where_ = "<default>";
    bool set_ = false;
};

// Names of an enum's values for property<Enum>. Specialise for each enum:
//   template <> struct enum_names<merge_mode> {
//       static constexpr std::pair<merge_mode, const char*> table[] = {...}; };
template <typename E>
struct enum_names;

template <typename E>
const char* enum_to_string(E value) {
    for (const auto& [v, n] : enum_names<E>::table)
        if (v == value) return n;
    return "?";
}

template <typename E>
bool enum_from_string(const std::string& text, E& value) {
    for (const auto& [v, n] : enum_names<E>::table)
        if (text == n) {
            value = v;
            return true;
        }
    return false;
}

template <typename E>
std::string enum_choices() {
    std::string s;
    for (const auto& [v, n] : enum_names<E>::table) s += (s.empty() ? "" : ", ") + std::string(n);
    (void)sizeof(E);
    return s;
}

template <typename T>
class property : public property_base {
public:
    // For arithmetic T, [lo, hi] is the accepted range.
    property(property_group* owner, std::string name, T value, std::string description,
             T lo = lowest(), T hi = highest())
        : property_base(owner, std::move(name), std::move(description)),
          value_(std::move(value)),
          lo_(lo),
          hi_(hi) {}

    operator const T&() const { return value_; }
    const T& get() const { return value_; }
    // The accepted range, for a command-line option that overrides the
    // property: parse_cli_number("--tiles", text, tiles.lo(), tiles.hi()).
    const T& lo() const { return lo_; }
    const T& hi() const { return hi_; }
    // An assignment by the program (a command-line option, a test) counts as
    // set, as a value from a file does.
    property& operator=(const T& value) {
        value_ = value;
        mark_set("<set by the program>");
        return *this;
    }
    // A default derived from other settings (platform_config::resolve_arch):
    // not marked as set, so that it can be derived again.
    void derive(const T& value) { value_ = value; }

    std::string to_yaml() const override {
        if constexpr (std::is_same_v<T, bool>) {
            return value_ ? "true" : "false";
        } else if constexpr (std::is_enum_v<T>) {
            return enum_to_string(value_);
        } else if constexpr (std::is_arithmetic_v<T>) {
            YAML::Emitter e;
            e << value_;
            return e.c_str();
        } else if constexpr (std::is_same_v<T, std::string>) {
            YAML::Emitter e;
            e << YAML::DoubleQuoted << value_;
            return e.c_str();
        } else {
            YAML::Emitter e;
            e << YAML::Flow << value_;
            return e.c_str();
        }
    }

    std::string expected() const override {
        if constexpr (std::is_same_v<T, bool>) {
            return "true or false";
        } else if constexpr (std::is_enum_v<T>) {
            return "one of " + enum_choices<T>();
        } else if constexpr (std::is_arithmetic_v<T>) {
            return range_text(lo_, hi_);
        } else if constexpr (std::is_same_v<T, std::string>) {
            return "a string";
        } else {
            return "a list of strings";
        }
    }

protected:
    bool parse(const YAML::Node& node, std::string& problem) override {
        if constexpr (std::is_enum_v<T>) {
            if (!node.IsScalar()) return false;
            return enum_from_string(node.Scalar(), value_);
        } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
            // Numbers go through number.h, not yaml-cpp's stringstream
            // conversion, which lets NaN past every range check.
            if (!node.IsScalar()) return false;
            return to_number(node.Scalar(), lo_, hi_, value_, problem);
        } else {
            if constexpr (std::is_same_v<T, std::string>) {
                if (!node.IsScalar()) return false;
            } else if constexpr (!std::is_arithmetic_v<T>) {
                if (!node.IsSequence()) return false;
            }
            T parsed{};
            if (!YAML::convert<T>::decode(node, parsed)) return false;
            value_ = std::move(parsed);
            return true;
        }
    }

private:
    static T lowest() {
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
            return std::numeric_limits<T>::lowest();
        else
            return T{};
    }
    static T highest() {
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
            return std::numeric_limits<T>::max();
        else
            return T{};
    }

    T value_;
    T lo_;
    T hi_;
};

class property_group {
public:
    // A top-level group (key empty) or a nested group registered with parent.
    explicit property_group(property_group* parent = nullptr, std::string key = "",
                            std::string description = "");
    property_group(const property_group&) = delete;
    property_group& operator=(const property_group&) = delete;
    virtual ~property_group() = default;

    const std::string& key() const { return key_; }
    const std::string& description() const { return description_; }
    const std::vector<property_base*>& properties() const { return properties_; }
    const std::vector<property_group*>& groups() const { return groups_; }

    // Loads a mapping: known keys into properties and groups, unknown keys are
    // an error (a typo must not silently fall back to a default). path is the
    // dotted key of this group, for messages. Calls validate() afterwards.
    void load(const YAML::Node& node, const std::string& file, const std::string& path = "");

    // Commented YAML of every value (set or default).
    void dump(std::ostream& out, int indent = 0) const;

    // Cross-field checks; throw input_error naming the property's where().
    virtual void validate() const {}

private:
    friend class property_base;
    std::vector<property_base*> properties_;
    std::vector<property_group*> groups_;
    std::string key_;
    std::string description_;
};

}  // namespace masr
