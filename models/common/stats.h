#pragma once
// Counters for utilization reports and the energy model. A model keeps its
// counters as plain u64 members (incremented in the hot path at no cost) and
// registers them once through a stats_scope named after its SystemC
// hierarchical name; stats.json nests them by that hierarchy.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/common/types.h"

namespace masr {

class stats_registry {
public:
    struct entry {
        std::string name;
        std::string description;
        const u64* counter = nullptr;   // either a counter ...
        std::function<double()> value;  // ... or a derived value
    };

    static stats_registry& instance();

    void add(const std::string& scope, entry e);
    void remove_scope(const std::string& scope);
    const std::map<std::string, std::vector<entry>>& scopes() const { return scopes_; }

    // Reads one counter or value ("masr.tile_0.pe.effectual_macs"); throws
    // input_error when absent.
    double read(const std::string& scope, const std::string& name) const;
    // {"masr": {"tile_0": {"pe": {"effectual_macs": 123, ...}}}}
    nlohmann::json to_json() const;
    // Every counter's value, keyed "scope.name" (derived values excluded):
    // for figures over part of a run (the difference of two snapshots).
    std::map<std::string, u64> snapshot() const;

private:
    std::map<std::string, std::vector<entry>> scopes_;
};

// RAII registration: declare it after the counters it refers to.
class stats_scope {
public:
    explicit stats_scope(std::string scope) : scope_(std::move(scope)) {}
    stats_scope(const stats_scope&) = delete;
    stats_scope& operator=(const stats_scope&) = delete;
    ~stats_scope() { stats_registry::instance().remove_scope(scope_); }

    void counter(const std::string& name, const u64& value, const std::string& description) {
        stats_registry::instance().add(scope_, {name, description, &value, {}});
    }
    void value(const std::string& name, std::function<double()> fn,
               const std::string& description) {
        stats_registry::instance().add(scope_, {name, description, nullptr, std::move(fn)});
    }
    const std::string& scope() const { return scope_; }

private:
    std::string scope_;
};

}  // namespace masr
