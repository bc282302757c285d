#include "models/common/stats.h"

#include "models/common/error.h"

namespace masr {

stats_registry& stats_registry::instance() {
    static stats_registry registry;
    return registry;
}

void stats_registry::add(const std::string& scope, entry e) {
    scopes_[scope].push_back(std::move(e));
}

void stats_registry::remove_scope(const std::string& scope) {
    scopes_.erase(scope);
}

double stats_registry::read(const std::string& scope, const std::string& name) const {
    auto s = scopes_.find(scope);
    if (s != scopes_.end())
        for (const auto& e : s->second)
            if (e.name == name) return e.counter ? static_cast<double>(*e.counter) : e.value();
    fail("no statistic '{}' in '{}'", name, scope);
}

std::map<std::string, u64> stats_registry::snapshot() const {
    std::map<std::string, u64> values;
    for (const auto& [scope, entries] : scopes_)
        for (const auto& e : entries)
            if (e.counter) values[scope + "." + e.name] = *e.counter;
    return values;
}

nlohmann::json stats_registry::to_json() const {
    nlohmann::json root = nlohmann::json::object();
    for (const auto& [scope, entries] : scopes_) {
        nlohmann::json* node = &root;
        std::size_t start = 0;
        while (start <= scope.size() && !scope.empty()) {
            const std::size_t dot = scope.find('.', start);
            const std::string part =
                scope.substr(start, dot == std::string::npos ? dot : dot - start);
            node = &(*node)[part];
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        for (const auto& e : entries) {
            if (e.counter)
                (*node)[e.name] = *e.counter;
            else
                (*node)[e.name] = e.value();
        }
    }
    return root;
}

}  // namespace masr
