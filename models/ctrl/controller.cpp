#include "models/ctrl/controller.h"

#include <algorithm>
#include <queue>

#include "models/noc/noc.h"
#include "models/pe/pe_command.h"
#include "models/pe/weight_image.h"
#include "models/tile/tile.h"

namespace masr {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

// Weight images and activation-buffer regions start on 64-byte boundaries, a
// whole number of SRAM words for every word width up to 64 bytes, so that a
// region's first burst never starts mid-word.
constexpr u64 region_align = 64;

u64 align_up(u64 value, u64 alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

u64 tile_address(u32 tile, u64 local) {
    return (u64{tile} << 32) | local;
}

std::string bytes_text(u64 bytes) {
    if (bytes >= (u64{1} << 20)) return fmt::format("{:.2f} MiB", bytes / 1048576.0);
    if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
    return fmt::format("{} B", bytes);
}

}  // namespace

controller::controller(sc_core::sc_module_name name, const ctrl_params& params, u32 tiles,
                       u64 weight_sram_bytes, u64 act_buffer_bytes, sc_time clock_period)
    : sc_module(name),
      noc("noc"),
      log(this->name()),
      params_(params),
      tiles_(tiles),
      weight_sram_bytes_(weight_sram_bytes),
      act_buffer_bytes_(act_buffer_bytes),
      clock_(clock_period),
      stats_(this->name()) {
    stats_.counter("steps", steps_run, "time steps run, summed over layers");
    stats_.counter("rounds", rounds, "tile rounds (a GRU step takes two)");
    stats_.counter("multicasts", multicasts, "multicast transfers of x_t, h_t-1 or r*h");
    stats_.counter("gathers", gathers, "output slices gathered from tiles");
    stats_.counter("commands", commands, "PE commands sent");
    stats_.counter("bytes_multicast", bytes_multicast,
                   "encoded bytes multicast (once per transfer)");
    stats_.counter("bytes_gathered", bytes_gathered, "encoded bytes gathered");
    SC_THREAD(run);
    // The NoC forwards a transfer hop by hop on this thread's stack.
    set_stack_size(noc_thread_stack_bytes);
}

void controller::set_workload(const workload& w, u32 steps) {
    workload_ = &w;
    if (steps > w.sequence_length)
        fail("{} time steps requested but workload '{}' ({}) has sequence_length {}", steps, w.name,
             w.file, w.sequence_length);
    steps_ = steps == 0 ? w.sequence_length : steps;
    value_bytes_ = packed_value_bytes(w.format.activation_bits);
    map_and_check();
}

void controller::map_and_check() {
    const workload& w = *workload_;
    const bool separate = params_.directions == direction_placement::separate ||
                          (params_.directions == direction_placement::automatic && tiles_ % 2 == 0);
    placements_.assign(w.layers.size(), {});
    images_.clear();
    group_tiles_.assign(w.layers.size() * 2, {});
    slots_per_tile_.assign(tiles_, 0);
    std::vector<u64> weight_bytes(tiles_, 0);
    u64 max_x = 0, max_h = 0, max_out = 0;

    for (u32 l = 0; l < w.layers.size(); ++l) {
        const layer_desc& layer = w.layers[l];
        placements_[l].resize(layer.directions());
        for (u32 d = 0; d < layer.directions(); ++d) {
            // The tile group of this direction.
            u32 first = 0, count = tiles_;
            if (layer.bidirectional && separate && tiles_ >= 2) {
                const u32 forward = (tiles_ + 1) / 2;
                first = d == 0 ? 0 : forward;
                count = d == 0 ? forward : tiles_ - forward;
            }
            count = std::min(count, layer.units);
            auto& group = group_tiles_[l * 2 + d];
            u32 next_unit = 0;
            for (u32 i = 0; i < count; ++i) {
                const u32 tile = first + i;
                const u32 units = layer.units / count + (i < layer.units % count ? 1 : 0);
                weight_image image = pack_weight_image(layer, w.weights[l].directions[d], next_unit,
                                                       units, w.format);
                placement p{tile, slots_per_tile_[tile]++, next_unit, units, weight_bytes[tile]};
                weight_bytes[tile] =
                    align_up(weight_bytes[tile] + image.bytes.size(), region_align);
                images_.push_back(std::move(image.bytes));
                placements_[l][d].push_back(p);
                group.push_back(tile);
                next_unit += units;
                max_out = std::max(max_out, encoded_bytes(units, units, value_bytes_));
            }
            max_x = std::max(max_x, encoded_bytes(layer.inputs, layer.inputs, value_bytes_));
            if (layer.recurrent())
                max_h = std::max(max_h, encoded_bytes(layer.units, layer.units, value_bytes_));
        }
    }

    const auto worst = std::max_element(weight_bytes.begin(), weight_bytes.end());
    if (*worst > weight_sram_bytes_) {
        u64 total = 0;
        for (u64 b : weight_bytes) total += b;
        fail(
            "workload '{}' does not fit: tile {} needs {} of weight SRAM but has {} ({} in all "
            "over {} "
            "tiles); use more tiles (--tiles N) or a larger tile.weight_sram.size",
            w.name, worst - weight_bytes.begin(), bytes_text(*worst),
            bytes_text(weight_sram_bytes_), bytes_text(total), tiles_);
    }
    x_region_ = 0;
    h_region_ = align_up(max_x, region_align);
    out_region_ = h_region_ + align_up(max_h, region_align);
    const u64 needed = out_region_ + align_up(max_out, region_align);
    if (needed > act_buffer_bytes_)
        fail(
            "workload '{}' does not fit: the activation buffer needs {} (x_t {} + h_t-1 {} + "
            "output slice {}) "
            "but has {}; use a larger tile.act_buffer.size",
            w.name, bytes_text(needed), bytes_text(max_x), bytes_text(max_h), bytes_text(max_out),
            bytes_text(act_buffer_bytes_));
    log.info(
        "mapped '{}' onto {} tiles: {} of weight SRAM on the fullest tile, {} of activation buffer",
        w.name, tiles_, bytes_text(*worst), bytes_text(needed));
}

void controller::transport(tlm::tlm_command cmd, u64 address, u8* data, u64 length, sc_time& delay,
                           const char* what) {
    payload_.set_command(cmd);
    payload_.set_address(address);
    payload_.set_data_ptr(data);
    payload_.set_data_length(static_cast<unsigned>(length));
    payload_.set_streaming_width(static_cast<unsigned>(length));
    payload_.set_byte_enable_ptr(nullptr);
    payload_.set_dmi_allowed(false);
    payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    noc->b_transport(payload_, delay);
    if (payload_.is_response_error())
        fail("{}: {} at 0x{:x} ({} bytes) failed: {}", name(), what, address, length,
             payload_.get_response_string());
}

void controller::load_tiles(sc_time& local) {
    const workload& w = *workload_;
    auto image = images_.begin();  // packed by map_and_check, in placement order
    for (u32 l = 0; l < w.layers.size(); ++l) {
        const layer_desc& layer = w.layers[l];
        for (u32 d = 0; d < layer.directions(); ++d) {
            for (const placement& p : placements_[l][d]) {
                std::vector<u8>& bytes = *image++;
                // Weights are preloaded (debug transport, no simulated time);
                // loading by DMA is modelled with the firmware co-simulation.
                payload_.set_command(tlm::TLM_WRITE_COMMAND);
                payload_.set_address(tile_address(p.tile, tile_weight_sram_base + p.image_addr));
                payload_.set_data_ptr(bytes.data());
                payload_.set_data_length(static_cast<unsigned>(bytes.size()));
                payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                if (noc->transport_dbg(payload_) != bytes.size())
                    fail("{}: loading {} bytes of weights into tile {} failed", name(),
                         bytes.size(), p.tile);
                std::vector<u8>().swap(bytes);

                pe_command command(
                    make_layer_setup(layer, w.format, p.slot, p.first_unit, p.units, p.image_addr));
                payload_.set_extension(&command);
                bytes_.assign(params_.command_bytes, 0);
                transport(tlm::TLM_WRITE_COMMAND, tile_address(p.tile, tile_control_base),
                          bytes_.data(), bytes_.size(), local, "layer setup command");
                payload_.clear_extension(&command);
                ++commands;
            }
        }
    }
}

sc_time controller::multicast(const std::vector<u32>& tiles, u64 local_addr, const sparse_vector& v,
                              sc_time start) {
    const u64 length = encoded_bytes(v.length, v.nnz(), value_bytes_);
    bytes_.resize(length);
    serialize(v, value_bytes_, bytes_.data());
    multicast_extension group;
    group.tiles = tiles;
    payload_.set_extension(&group);
    sc_time delay = start;
    transport(tlm::TLM_WRITE_COMMAND,
              tile_address(tiles.front(), tile_act_buffer_base + local_addr), bytes_.data(), length,
              delay, "multicast");
    payload_.clear_extension(&group);
    ++multicasts;
    bytes_multicast += length;
    return delay;
}

void controller::run_step(std::vector<direction_task>& tasks, sc_time start) {
    // A small event list: actions (multicast, commands, one gather per tile)
    // are issued in order of their start times, so that every NoC link and
    // tile sees its transactions in time order and books them correctly. No
    // SystemC event is involved; the caller waits once, at the barrier.
    struct action {
        sc_time at;
        u64 order;  // issue order breaks ties, so runs are deterministic
        u32 task;
        enum kind_t { multicast_inputs, multicast_reset_state, commands, gather } kind;
        u32 index;
        bool operator>(const action& o) const { return at != o.at ? at > o.at : order > o.order; }
    };
    std::priority_queue<action, std::vector<action>, std::greater<action>> queue;
    u64 order = 0;
    for (u32 i = 0; i < tasks.size(); ++i)
        if (tasks[i].after < 0) queue.push({start, order++, i, action::multicast_inputs, 0});

    while (!queue.empty()) {
        const action a = queue.top();
        queue.pop();
        direction_task& task = tasks[a.task];
        const layer_desc& desc = workload_->layers[task.layer];
        const auto& group = group_tiles_[task.layer * 2 + task.direction];
        const auto& placed = placements_[task.layer][task.direction];
        switch (a.kind) {
            case action::multicast_inputs: {
                task.start = a.at;
                sc_time arrived = multicast(group, x_region_, *task.x, a.at);
                if (desc.recurrent())
                    arrived = std::max(arrived, multicast(group, h_region_, *task.state, a.at));
                queue.push({arrived, order++, a.task, action::commands, 0});
                break;
            }
            case action::multicast_reset_state: {
                // Every tile needs the whole r*h for the candidate's recurrent product.
                const sc_time arrived = multicast(group, h_region_, task.reset_state, a.at);
                queue.push({arrived, order++, a.task, action::commands, 0});
                break;
            }
            case action::commands: {
                ++rounds;
                task.round_start = a.at;
                task.pending = static_cast<u32>(placed.size());
                task.slices.resize(placed.size());
                task.out_bytes.resize(placed.size());
                sc_time busy_max = SC_ZERO_TIME, busy_sum = SC_ZERO_TIME, finish_max = a.at;
                for (u32 i = 0; i < placed.size(); ++i) {
                    const placement& p = placed[i];
                    pe_step step;
                    step.slot = p.slot;
                    step.round = desc.kind != layer_kind::gru ? pe_round::full
                                 : task.round == 0            ? pe_round::gru_gates
                                                              : pe_round::gru_candidate;
                    step.first_step = task.first_step;
                    step.x_addr = x_region_;
                    step.h_addr = h_region_;
                    step.out_addr = out_region_;
                    pe_command command(step);
                    payload_.set_extension(&command);
                    bytes_.assign(params_.command_bytes, 0);
                    sc_time finish = a.at;
                    transport(tlm::TLM_WRITE_COMMAND, tile_address(p.tile, tile_control_base),
                              bytes_.data(), bytes_.size(), finish, "step command");
                    payload_.clear_extension(&command);
                    ++commands;
                    task.out_bytes[i] = command.step().out_bytes;
                    const sc_time busy = finish - a.at;
                    busy_max = std::max(busy_max, busy);
                    busy_sum += busy;
                    finish_max = std::max(finish_max, finish);
                    if (record_activity_) {
                        // Local offsets are relative to the step's start, the current time.
                        const double now = sc_core::sc_time_stamp().to_seconds();
                        activity_.push_back({p.tile, task.layer, task.direction, task.t, task.round,
                                             now + a.at.to_seconds(), now + finish.to_seconds()});
                    }
                    queue.push({finish, order++, a.task, action::gather, i});
                }
                task.compute += finish_max - a.at;
                if (busy_max > SC_ZERO_TIME) {
                    const double mean = busy_sum.to_seconds() / static_cast<double>(placed.size());
                    summary_.imbalance_weighted += busy_max.to_seconds() - mean;
                    summary_.busy_max_total += busy_max.to_seconds();
                }
                task.round_end = a.at;
                break;
            }
            case action::gather: {
                const placement& p = placed[a.index];
                const u64 length = task.out_bytes[a.index];
                bytes_.resize(length);
                sc_time arrived = a.at;
                transport(tlm::TLM_READ_COMMAND,
                          tile_address(p.tile, tile_act_buffer_base + out_region_), bytes_.data(),
                          length, arrived, "gather");
                ++gathers;
                bytes_gathered += length;
                deserialize(bytes_.data(), p.units, value_bytes_, task.slices[a.index]);
                task.round_end = std::max(task.round_end, arrived);
                if (--task.pending > 0) break;
                sparse_vector assembled;
                for (const sparse_vector& slice : task.slices) append(assembled, slice);
                if (desc.kind == layer_kind::gru && task.round == 0) {
                    task.round = 1;
                    task.reset_state = std::move(assembled);
                    queue.push({task.round_end, order++, a.task, action::multicast_reset_state, 0});
                    break;
                }
                *task.state = std::move(assembled);
                task.end = task.round_end;
                summary_.compute_seconds += task.compute.to_seconds();
                // Everything on the critical path that is not tile compute is NoC transfer.
                summary_.noc_seconds += (task.end - task.start - task.compute).to_seconds();
                for (u32 i = 0; i < tasks.size(); ++i)
                    if (tasks[i].after == static_cast<int>(a.task))
                        queue.push({task.end, order++, i, action::multicast_inputs, 0});
                break;
            }
        }
    }
}

void controller::run() {
    if (!workload_) return;
    const workload& w = *workload_;
    sc_time local = SC_ZERO_TIME;
    load_tiles(local);
    wait(local);
    local = SC_ZERO_TIME;
    summary_.setup_seconds = sc_core::sc_time_stamp().to_seconds();
    const sc_time run_start = sc_core::sc_time_stamp();
    summary_.steps = steps_;

    // The network input, quantized once, as encoded vectors.
    std::vector<sparse_vector> input(steps_);
    std::vector<i16> dense(w.input_size);
    for (u32 t = 0; t < steps_; ++t) {
        for (u32 i = 0; i < w.input_size; ++i)
            dense[i] = fixed::quantize_activation(w.input.at(t, i), w.format);
        input[t] = sparse_vector::encode(dense);
    }
    std::vector<std::vector<sparse_vector>> layer_out(w.layers.size());
    outputs_.assign(w.layers.size(), {});

    for (u32 l = 0; l < w.layers.size(); ++l) {
        const layer_desc& layer = w.layers[l];
        // Layer input per step: the concatenation of its sources.
        std::vector<sparse_vector> x(steps_);
        for (u32 t = 0; t < steps_; ++t) {
            if (layer.sources.empty()) {
                x[t] = l == 0 ? input[t] : layer_out[l - 1][t];
                continue;
            }
            for (const std::string& source : layer.sources)
                append(x[t], source == "input" ? input[t] : layer_out[w.find_layer(source)][t]);
        }
        const u32 dirs = layer.directions();
        std::vector<std::vector<sparse_vector>> dir_out(dirs, std::vector<sparse_vector>(steps_));
        std::vector<sparse_vector> state(dirs,
                                         sparse_vector::encode(std::vector<i16>(layer.units, 0)));
        const bool shared = dirs == 2 && group_tiles_[l * 2][0] == group_tiles_[l * 2 + 1][0];
        std::vector<direction_task> tasks(dirs);
        for (u32 t = 0; t < steps_; ++t) {
            for (u32 d = 0; d < dirs; ++d) {
                direction_task& task = tasks[d];
                task = direction_task{};
                task.layer = l;
                task.direction = d;
                task.t = d == 0 ? t : steps_ - 1 - t;
                task.first_step = t == 0;
                task.x = &x[task.t];
                task.state = &state[d];
                // Time-multiplexed directions share tiles: the backward step follows the forward
                // one.
                task.after = shared && d == 1 ? 0 : -1;
            }
            run_step(tasks, local);
            sc_time step_end = local;
            for (u32 d = 0; d < dirs; ++d) {
                dir_out[d][tasks[d].t] = state[d];
                step_end = std::max(step_end, tasks[d].end);
            }
            ++steps_run;
            // The recurrence barrier: the only synchronisation of the run.
            wait(step_end);
            local = SC_ZERO_TIME;
            if (on_step) on_step(l, t, steps_);
        }
        // Merge the directions.
        matrix<i16> merged(steps_, layer.output_width());
        std::vector<i16> forward(layer.units), backward(layer.units);
        layer_out[l].resize(steps_);
        for (u32 t = 0; t < steps_; ++t) {
            dir_out[0][t].decode(forward.data());
            i16* row = merged.row(t);
            if (dirs == 1) {
                std::copy(forward.begin(), forward.end(), row);
            } else {
                dir_out[1][t].decode(backward.data());
                for (u32 u = 0; u < layer.units; ++u) {
                    if (layer.merge == merge_mode::sum) {
                        row[u] = fixed::merge_sum(forward[u], backward[u], w.format);
                    } else {
                        row[u] = forward[u];
                        row[layer.units + u] = backward[u];
                    }
                }
            }
            layer_out[l][t] = sparse_vector::encode(row, layer.output_width());
        }
        if (dirs == 2) {
            const u64 cycles =
                u64{steps_} * ((layer.output_width() + params_.merge_elements_per_cycle - 1) /
                               params_.merge_elements_per_cycle);
            const sc_time merge_time = clock_ * static_cast<double>(cycles);
            summary_.merge_seconds += merge_time.to_seconds();
            wait(merge_time);
        }
        outputs_[l] = std::move(merged);
        log.info("layer '{}' done after {} steps", layer.name, steps_);
    }
    summary_.run_seconds = (sc_core::sc_time_stamp() - run_start).to_seconds();
    finished_ = true;
}

}  // namespace masr
