#include "platforms/src/run_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <ostream>
#include <sstream>

#include "models/common/address_map.h"
#include "models/common/atomic_file.h"
#include "models/common/stats.h"
#include "workloads/src/npy_file.h"

namespace masr {

nlohmann::json run_summary::to_json() const {
    nlohmann::json critical_path = nlohmann::json::object();
    for (std::size_t i = 1; i < path_part_count; ++i)
        critical_path[std::string(path_part_names[i]) + "_cycles"] = critical[i];
    nlohmann::json j = {{"platform", platform},
                        {"workload", workload},
                        {"tiles", tiles},
                        {"arch", arch},
                        {"mac_units", mac_units},
                        {"sram_bytes", sram_bytes},
                        {"steps", steps},
                        {"clock_hz", clock_hz},
                        {"cycles", cycles},
                        {"load_cycles", load_cycles},
                        {"seconds", seconds},
                        {"audio_seconds", audio_seconds},
                        {"real_time_factor", real_time_factor},
                        {"effectual_macs", effectual_macs},
                        {"performed_macs", performed_macs},
                        {"dense_macs", dense_macs},
                        {"mac_utilization", mac_utilization},
                        {"tile_imbalance", tile_imbalance},
                        {"pe_imbalance", pe_imbalance},
                        {"critical_path", critical_path},
                        {"host_seconds", host_seconds},
                        {"effectual_macs_per_host_second", macs_per_host_second}};
    if (energy) {
        const nlohmann::json e = energy->to_json();
        for (const auto& [key, value] : e.items())
            if (key != "energy_pj_by_module") j[key] = value;
    }
    return j;
}

std::string run_summary::csv() const {
    nlohmann::json j = to_json();
    for (const auto& [key, value] : j["critical_path"].items()) j["critical_" + key] = value;
    j.erase("critical_path");
    for (const char* group : {"energy_pj_by_component", "area_mm2_by_component"}) {
        if (!j.contains(group)) continue;
        for (const auto& [key, value] : j[group].items())
            j[std::string(group).substr(0, group[0] == 'e' ? 9 : 8) + "_" + key] = value;
        j.erase(group);
    }
    std::string header, values;
    for (const auto& [key, value] : j.items()) {
        header += (header.empty() ? "" : ",") + key;
        values += (values.empty() ? "" : ",") +
                  (value.is_string() ? value.get<std::string>() : value.dump());
    }
    return header + "\n" + values + "\n";
}

void run_summary::print(std::ostream& out) const {
    print_timing(out);
    if (!energy) return;
    const energy_report& e = *energy;
    std::string parts;
    for (std::size_t i = 0; i < energy_component_count; ++i) {
        const auto it = e.energy_pj_by_component.find(energy_components[i]);
        if (it == e.energy_pj_by_component.end() || e.energy_pj <= 0) continue;
        const double share = 100 * it->second / e.energy_pj;
        if (share >= 0.5)
            parts += fmt::format("{}{} {:.0f} %", parts.empty() ? "" : ", ", it->first, share);
    }
    out << fmt::format(
        "energy            {:.3f} uJ ({:.2f} nJ per step): {}\n"
        "power             {:.1f} mW\n"
        "area              {:.2f} mm^2\n",
        e.energy_pj * 1e-6, steps ? e.energy_pj * 1e-3 / steps : 0.0, parts, e.power_mw,
        e.area_mm2);
}

void run_summary::print_timing(std::ostream& out) const {
    auto share = [&](std::size_t part) {
        return cycles ? 100.0 * static_cast<double>(critical[part]) / static_cast<double>(cycles)
                      : 0.0;
    };
    out << fmt::format(
        "platform          {} ({}: {} tiles, {} MAC units, {:.0f} MHz)\n"
        "workload          {} ({} time steps, {:.2f} s of audio)\n"
        "cycles            {} (after {} cycles of loading)\n"
        "latency           {:.6f} s\n"
        "real-time factor  {:.1f}x (audio seconds per accelerator second)\n"
        "effectual MACs    {} of {} dense ({:.1f} %), {} performed\n"
        "MAC utilization   {:.1f} %\n"
        "load imbalance    {:.1f} % across tiles, {:.1f} % across PEs\n"
        "critical path     compute {:.1f} %, NoC {:.1f} %, sync {:.1f} %, merge {:.1f} %, "
        "sequence buffer {:.1f} %\n"
        "host time         {:.2f} s ({:.1f} M effectual MACs per host second)\n",
        platform, arch, tiles, mac_units, clock_hz / 1e6, workload, steps, audio_seconds, cycles,
        load_cycles, seconds, real_time_factor, effectual_macs, dense_macs,
        dense_macs ? 100.0 * effectual_macs / dense_macs : 0.0, performed_macs,
        100 * mac_utilization, 100 * tile_imbalance, 100 * pe_imbalance, share(1), share(2),
        share(3), share(4), share(5), host_seconds, macs_per_host_second / 1e6);
}

std::vector<round_activity> all_activity(const masr_system& system) {
    std::vector<round_activity> all;
    for (const auto& t : system.tiles)
        all.insert(all.end(), t.controller.activity().begin(), t.controller.activity().end());
    return all;
}

run_summary summarize(const masr_system& system, const std::string& workload, double frame_period,
                      double host_seconds) {
    const platform_config& cfg = system.config;
    run_summary s;
    s.platform = cfg.name;
    s.workload = workload;
    s.tiles = cfg.tiles;
    s.arch = enum_to_string(cfg.arch.get());
    s.mac_units = u64{cfg.tiles} * cfg.tile.pe.pes * cfg.tile.pe.lanes;
    s.sram_bytes = u64{cfg.tiles} * (cfg.tile.weight_sram.size + cfg.tile.pointer_sram.size +
                                     cfg.tile.act_buffer.size) +
                   (cfg.seq_buffer.off_chip ? 0 : cfg.seq_buffer.size.get());
    s.steps = system.seq.steps();
    s.clock_hz = cfg.clock_hz;
    s.load_cycles = system.seq.start_cycle();
    s.cycles = system.seq.end_cycle() - system.seq.start_cycle();
    s.seconds = static_cast<double>(s.cycles) / cfg.clock_hz;
    s.audio_seconds = s.steps * frame_period;
    s.real_time_factor = s.seconds > 0 ? s.audio_seconds / s.seconds : 0;
    const path_stamp& end = system.seq.end();
    for (std::size_t i = 1; i < path_part_count; ++i) s.critical[i] = end.parts[i];
    u64 stall = 0, makespan = 0;
    for (const auto& t : system.tiles) {
        s.effectual_macs += t.pe.effectual_macs;
        s.performed_macs += t.pe.performed_macs;
        s.dense_macs += t.pe.dense_macs;
        stall += t.pe.stall_imbalance;
        makespan += t.pe.makespan_cycles;
    }
    const double lanes = double(cfg.tiles) * cfg.tile.pe.pes * cfg.tile.pe.lanes;
    s.mac_utilization = s.cycles ? s.effectual_macs / (lanes * s.cycles) : 0;
    s.pe_imbalance =
        makespan ? static_cast<double>(stall) / (double(cfg.tile.pe.pes) * makespan) : 0;
    // Tiles of one group in one round: (slowest - mean) against the slowest.
    std::map<std::array<u32, 4>, std::pair<u64, std::vector<u64>>> rounds;
    for (const round_activity& a : all_activity(system))
        rounds[{a.layer, a.direction, a.step, a.round}].second.push_back(a.end_cycle -
                                                                         a.start_cycle);
    double excess = 0, slowest_total = 0;
    for (const auto& [key, entry] : rounds) {
        const std::vector<u64>& busy = entry.second;
        const u64 slowest = *std::max_element(busy.begin(), busy.end());
        const double mean =
            std::accumulate(busy.begin(), busy.end(), 0.0) / static_cast<double>(busy.size());
        excess += static_cast<double>(slowest) - mean;
        slowest_total += static_cast<double>(slowest);
    }
    s.tile_imbalance = slowest_total > 0 ? excess / slowest_total : 0;
    s.host_seconds = host_seconds;
    s.macs_per_host_second = host_seconds > 0 ? s.effectual_macs / host_seconds : 0;
    return s;
}

void account_energy(run_summary& summary, const simulation& sim) {
    summary.energy = account_energy(sim.system(), sim.system().config.tech, sim.counters_at_start(),
                                    sim.counters_at_end(), summary.cycles);
}

matrix<i16> read_layer_output(masr_system& system, const model_image& image, u32 layer, u32 steps) {
    const layer_record& l = image.layers.at(layer);
    const fixed_format f = image.format();
    const vector_codec codec{static_cast<vector_format>(image.header.activation_format),
                             packed_value_bytes(f.activation_bits)};
    const u32 units = static_cast<u32>(l.units);
    const bool concat = l.bidirectional && l.merge == static_cast<u64>(merge_mode::concat);
    matrix<i16> out(steps, concat ? 2 * units : units);
    std::vector<u8> bytes;
    sparse_vector slice;
    std::vector<i16> dense;
    for (u32 d = 0; d < l.directions(); ++d) {
        const sequence_record& q = image.sequences.at(l.sequence(d));
        for (u32 t = 0; t < steps; ++t) {
            i16* row = out.row(t);
            for (u64 k = 0; k < q.slices; ++k) {
                const segment_record& seg = image.segments.at(q.segment_first + k);
                bytes.resize(seg.capacity);
                system.debug_read(
                    ctrl_seq_buffer_base + q.base + u64{t} * q.step_bytes + seg.offset,
                    bytes.data(), seg.capacity);
                codec.load(bytes.data(), static_cast<u32>(seg.length), slice);
                dense.resize(seg.length);
                slice.decode(dense.data());
                for (u64 e = 0; e < seg.length; ++e) {
                    const u64 at = seg.first + e;
                    if (d == 0)
                        row[at] = dense[e];
                    else if (concat)
                        row[units + at] = dense[e];
                    else
                        row[at] = fixed::merge_sum(row[at], dense[e], f);
                }
            }
        }
    }
    return out;
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
                       const check_result* check, const nlohmann::json* output_crc32) {
    make_directories(dir);
    nlohmann::json stats = stats_registry::instance().to_json();
    stats["summary"] = summary.to_json();
    if (summary.energy) stats["energy_pj"] = summary.energy->energy_pj_by_module;
    if (check) {
        stats["check"] = {{"bit_exact", check->bit_exact}};
        if (!check->bit_exact) stats["check"]["first_mismatch"] = check->first_mismatch;
    }
    if (output_crc32) stats["output_crc32"] = *output_crc32;
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
    const double us_per_cycle = 1e6 / system.config.clock_hz;
    nlohmann::json events = nlohmann::json::array();
    for (u32 t = 0; t < system.tiles.size(); ++t)
        events.push_back({{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", 1},
                          {"tid", t},
                          {"args", {{"name", system.tiles[t].name()}}}});
    for (const round_activity& a : all_activity(system)) {
        events.push_back(
            {{"name", fmt::format("L{} {} r{}", a.layer, a.direction ? "bwd" : "fwd", a.round)},
             {"cat", "tile"},
             {"ph", "X"},
             {"pid", 1},
             {"tid", a.tile},
             {"ts", a.start_cycle * us_per_cycle},
             {"dur", (a.end_cycle - a.start_cycle) * us_per_cycle},
             {"args", {{"layer", a.layer}, {"direction", a.direction}, {"step", a.step}}}});
    }
    nlohmann::json trace = {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
    write_file_atomically(path, [&](std::ostream& out) { out << trace.dump() << "\n"; });
}

void write_vcd_trace(const std::string& path, const masr_system& system) {
    // One busy wire per tile, time in clock cycles.
    std::map<u64, std::vector<std::pair<u32, int>>> changes;
    for (const round_activity& a : all_activity(system)) {
        changes[a.start_cycle].push_back({a.tile, 1});
        changes[a.end_cycle].push_back({a.tile, 0});
    }
    auto id = [](u32 tile) {
        std::string s;
        do {
            s += static_cast<char>('!' + tile % 94);
            tile /= 94;
        } while (tile);
        return s;
    };
    const u64 ps = static_cast<u64>(std::llround(1e12 / system.config.clock_hz));
    write_file_atomically(path, [&](std::ostream& out) {
        out << "$timescale " << ps << "ps $end\n$scope module masr $end\n";
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
