#include "platforms/src/simulation.h"

#include "compiler/model_compiler.h"
#include "models/common/address_map.h"
#include "models/common/error.h"
#include "models/common/log.h"
#include "models/common/stats.h"
#include "models/protocol_checker/protocol_checker.h"
#include "platforms/src/run_report.h"
#include "workloads/src/weight_sharing.h"

namespace masr {

std::string adapt_workload(const platform_config& config, workload& w) {
    const u32 levels = config.shared_weight_levels();
    if (levels == 0) return "";
    const weight_sharing_report r = share_weights(w, levels);
    return fmt::format(
        "weights shared into {} values per layer direction for EIE's {}-bit codebook ({:.1f} % "
        "of the non-zero weights moved; the golden reference uses the shared weights)",
        levels - 1, config.eie.code_bits.get(),
        r.nonzero_weights ? 100.0 * r.weights_changed / r.nonzero_weights : 0.0);
}

void check_image_matches(const model_image& m, const workload& w, const std::string& source) {
    if (m.header.input_size != w.input_size || m.layers.size() != w.layers.size())
        fail(
            "model image '{}' was compiled for {} layers on {} inputs, workload '{}' has {} on "
            "{}; re-run masr-pack with this workload",
            source, m.layers.size(), m.header.input_size, w.name, w.layers.size(), w.input_size);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const layer_record& r = m.layers[l];
        const layer_desc& d = w.layers[l];
        if (r.kind != static_cast<u64>(d.kind) || r.units != d.units || r.inputs != d.inputs ||
            (r.bidirectional != 0) != d.bidirectional)
            fail(
                "model image '{}' layer {} is a {} of {} units on {} inputs, workload '{}' layer "
                "'{}' a {} of {} on {}; re-run masr-pack with this workload",
                source, l, enum_to_string(static_cast<layer_kind>(r.kind)), r.units, r.inputs,
                w.name, d.name, enum_to_string(d.kind), d.units, d.inputs);
    }
}

simulation::simulation(const platform_config& config, const workload& w, u32 steps,
                       std::vector<u8> image, const std::string& image_source)
    : workload_(w), bytes_(std::move(image)) {
    if (bytes_.empty()) {
        compiled_model compiled = compile_model(w, config.target(), steps);
        bytes_ = std::move(compiled.bytes);
        image_ = std::move(compiled.image);
    } else {
        image_ = parse_model_image(bytes_.data(), bytes_.size(), image_source);
        check_image_matches(image_, w, image_source);
    }
    steps_ = steps ? steps : static_cast<u32>(image_.header.max_steps);
    if (steps_ > w.sequence_length)
        fail("{} time steps requested but workload '{}' ({}) has sequence_length {}", steps_,
             w.name, w.file, w.sequence_length);
    // A model that stops the run reports why itself; SystemC's own note of
    // sc_stop() would only repeat it.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                            sc_core::SC_DO_NOTHING);
    set_protocol_checks(config.protocol_checks);
    system_ = std::make_unique<masr_system>("masr", config);
    system_->load_image(bytes_, 0, steps_);
    for (const input_placement& p : place_input(image_, w, steps_))
        system_->debug_write(ctrl_seq_buffer_base + p.address, p.bytes.data(), p.bytes.size());
    outputs_.resize(w.layers.size());
    // Outputs are read as each layer completes, before the sequence buffer
    // reuses their space.
    system_->seq.on_layer_done = [this](u32 layer, const model_image& m) {
        if (read_outputs) outputs_[layer] = read_layer_output(*system_, m, layer, steps_);
        if (on_layer) on_layer(layer);
    };
    system_->seq.on_start = [this] { at_start_ = stats_registry::instance().snapshot(); };
}

void simulation::run() {
    sc_core::sc_start();
    at_end_ = stats_registry::instance().snapshot();
    if (protocol_violations() > 0) {
        std::string first;
        for (const protocol_checker* c : protocol_checkers())
            if (!c->messages().empty()) {
                first = c->messages().front();
                break;
            }
        throw std::runtime_error(
            fmt::format("{} TLM protocol violations; the first: {}", protocol_violations(), first));
    }
    if (system_->seq.finished()) return;
    if (!first_fault().empty()) throw std::runtime_error("the run stopped: " + first_fault());
    throw std::runtime_error(
        "the run ran out of events before the last layer completed: a tile or the streamer "
        "waits for data that never arrives; rerun with --log debug to see the last transfers");
}

}  // namespace masr
