#include "platforms/src/run_report.h"

#include <cmath>
#include <map>
#include <ostream>
#include <sstream>

#include "models/common/atomic_file.h"
#include "models/common/stats.h"
#include "workloads/src/npy_file.h"

namespace masr {

nlohmann::json run_summary::to_json() const {
    return {{"platform", platform},
            {"workload", workload},
            {"tiles", tiles},
            {"steps", steps},
            {"clock_hz", clock_hz},
            {"cycles", cycles},
            {"seconds", seconds},
            {"audio_seconds", audio_seconds},
            {"real_time_factor", real_time_factor},
            {"effectual_macs", effectual_macs},
            {"dense_macs", dense_macs},
            {"mac_utilization", mac_utilization},
            {"load_imbalance", load_imbalance},
            {"noc_share", noc_share},
            {"host_seconds", host_seconds},
            {"effectual_macs_per_host_second", macs_per_host_second}};
}

std::string run_summary::csv() const {
    const nlohmann::json j = to_json();
    std::string header, values;
    for (const auto& [key, value] : j.items()) {
        header += (header.empty() ? "" : ",") + key;
        values += (values.empty() ? "" : ",") +
                  (value.is_string() ? value.get<std::string>() : value.dump());
    }
    return header + "\n" + values + "\n";
}

void run_summary::print(std::ostream& out) const {
    out << fmt::format(
        "platform          {} ({} tiles, {:.0f} MHz)\n"
        "workload          {} ({} time steps, {:.2f} s of audio)\n"
        "cycles            {}\n"
        "latency           {:.6f} s\n"
        "real-time factor  {:.1f}x (audio seconds per accelerator second)\n"
        "effectual MACs    {} of {} dense ({:.1f} %)\n"
        "MAC utilization   {:.1f} %\n"
        "load imbalance    {:.1f} %\n"
        "NoC share         {:.1f} %\n"
        "host time         {:.2f} s ({:.1f} M effectual MACs per host second)\n",
        platform, tiles, clock_hz / 1e6, workload, steps, audio_seconds, cycles, seconds,
        real_time_factor, effectual_macs, dense_macs,
        dense_macs ? 100.0 * effectual_macs / dense_macs : 0.0, 100 * mac_utilization,
        100 * load_imbalance, 100 * noc_share, host_seconds, macs_per_host_second / 1e6);
}

run_summary summarize(const masr_system& system, const workload& w, double host_seconds) {
    const platform_config& cfg = system.config;
    const ctrl_summary& c = system.ctrl.summary();
    run_summary s;
    s.platform = cfg.name;
    s.workload = w.name;
    s.tiles = cfg.tiles;
    s.steps = c.steps;
    s.clock_hz = cfg.clock_hz;
    s.seconds = c.run_seconds;
    s.cycles = static_cast<u64>(std::llround(c.run_seconds * cfg.clock_hz));
    s.audio_seconds = c.steps * w.frame_period;
    s.real_time_factor = s.seconds > 0 ? s.audio_seconds / s.seconds : 0;
    const auto& registry = stats_registry::instance();
    for (const auto& t : system.tiles) {
        const std::string scope = t.pe.name();
        s.effectual_macs += static_cast<u64>(registry.read(scope, "effectual_macs"));
        s.dense_macs += static_cast<u64>(registry.read(scope, "dense_macs"));
    }
    const double lanes = double(cfg.tiles) * cfg.tile.pe.pes * cfg.tile.pe.lanes;
    s.mac_utilization = s.cycles ? s.effectual_macs / (lanes * s.cycles) : 0;
    s.load_imbalance = c.load_imbalance();
    const double critical = c.noc_seconds + c.compute_seconds;
    s.noc_share = critical > 0 ? c.noc_seconds / critical : 0;
    s.host_seconds = host_seconds;
    s.macs_per_host_second = host_seconds > 0 ? s.effectual_macs / host_seconds : 0;
    return s;
}

check_result compare_with_golden(const workload& w, const golden_result& golden,
                                 const std::vector<matrix<i16>>& outputs) {
    check_result r;
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const matrix<i16>& expected = golden.layers[l].output;
        const matrix<i16>& got = outputs[l];
        if (got.rows != expected.rows || got.cols != expected.cols) {
            r.bit_exact = false;
            r.first_mismatch =
                fmt::format("layer '{}': model output is {}x{}, reference {}x{}", w.layers[l].name,
                            got.rows, got.cols, expected.rows, expected.cols);
            return r;
        }
        for (u32 t = 0; t < got.rows; ++t)
            for (u32 u = 0; u < got.cols; ++u)
                if (got.at(t, u) != expected.at(t, u)) {
                    r.bit_exact = false;
                    r.first_mismatch =
                        fmt::format("layer '{}' step {} unit {}: model {}, reference {}",
                                    w.layers[l].name, t, u, got.at(t, u), expected.at(t, u));
                    return r;
                }
    }
    return r;
}

void write_run_outputs(const std::string& dir, const run_summary& summary,
                       const check_result* check) {
    make_directories(dir);
    nlohmann::json stats = stats_registry::instance().to_json();
    stats["summary"] = summary.to_json();
    if (check) {
        stats["check"] = {{"bit_exact", check->bit_exact}};
        if (!check->bit_exact) stats["check"]["first_mismatch"] = check->first_mismatch;
    }
    write_file_atomically(dir + "/stats.json",
                          [&](std::ostream& out) { out << stats.dump(2) << "\n"; });
    write_file_atomically(dir + "/summary.csv", [&](std::ostream& out) { out << summary.csv(); });
}

void dump_layer_outputs(const std::string& dir, const workload& w,
                        const std::vector<matrix<i16>>& outputs) {
    make_directories(dir);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        matrix<float> real(outputs[l].rows, outputs[l].cols);
        for (std::size_t i = 0; i < real.data.size(); ++i)
            real.data[i] =
                static_cast<float>(fixed::dequantize_activation(outputs[l].data[i], w.format));
        write_npy(dir + "/" + w.layers[l].name + ".npy", real);
    }
}

void write_perfetto_trace(const std::string& path, const masr_system& system) {
    // Chrome trace-event JSON: opens in ui.perfetto.dev and chrome://tracing.
    nlohmann::json events = nlohmann::json::array();
    for (u32 t = 0; t < system.tiles.size(); ++t)
        events.push_back({{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", 1},
                          {"tid", t},
                          {"args", {{"name", system.tiles[t].name()}}}});
    const auto& layers = system.ctrl.activity();
    for (const tile_activity& a : layers) {
        events.push_back(
            {{"name", fmt::format("L{} {} r{}", a.layer, a.direction ? "bwd" : "fwd", a.round)},
             {"cat", "tile"},
             {"ph", "X"},
             {"pid", 1},
             {"tid", a.tile},
             {"ts", a.start_s * 1e6},
             {"dur", (a.end_s - a.start_s) * 1e6},
             {"args", {{"layer", a.layer}, {"direction", a.direction}, {"step", a.step}}}});
    }
    nlohmann::json trace = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
    write_file_atomically(path, [&](std::ostream& out) { out << trace.dump() << "\n"; });
}

void write_vcd_trace(const std::string& path, const masr_system& system) {
    // One busy wire per tile, time in picoseconds.
    std::map<u64, std::vector<std::pair<u32, int>>> changes;
    for (const tile_activity& a : system.ctrl.activity()) {
        changes[static_cast<u64>(std::llround(a.start_s * 1e12))].push_back({a.tile, 1});
        changes[static_cast<u64>(std::llround(a.end_s * 1e12))].push_back({a.tile, 0});
    }
    auto id = [](u32 tile) {
        std::string s;
        do {
            s += static_cast<char>('!' + tile % 94);
            tile /= 94;
        } while (tile);
        return s;
    };
    write_file_atomically(path, [&](std::ostream& out) {
        out << "$timescale 1ps $end\n$scope module masr $end\n";
        for (u32 t = 0; t < system.tiles.size(); ++t)
            out << "$var wire 1 " << id(t) << " tile_" << t << "_busy $end\n";
        out << "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n";
        for (u32 t = 0; t < system.tiles.size(); ++t) out << "0" << id(t) << "\n";
        out << "$end\n";
        std::vector<int> busy(system.tiles.size(), 0);
        for (const auto& [time, list] : changes) {
            out << "#" << time << "\n";
            // Ends before starts at the same instant, so back-to-back rounds stay busy.
            for (const auto& [tile, level] : list)
                if (level == 0) busy[tile]--;
            for (const auto& [tile, level] : list)
                if (level == 1) busy[tile]++;
            for (const auto& [tile, level] : list)
                out << (busy[tile] > 0 ? "1" : "0") << id(tile) << "\n";
        }
    });
}

}  // namespace masr
