#pragma once
// One run of a workload on a platform, as masr-sim and the system tests do it:
// the image (compiled from the workload, or given), placed in the
// accelerator's DRAM with the network input in the sequence buffer, the
// sequencer started, and each layer's output read back from the sequence
// buffer as it completes (for the check against the golden reference). The
// platform configuration must outlive the simulation (the models keep
// references to their parameters).
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "contract/model_image.h"
#include "platforms/src/masr_system.h"
#include "workloads/src/workload.h"

namespace masr {

class simulation {
public:
    // steps == 0: all the image holds (the workload's sequence when compiling).
    simulation(const platform_config& config, const workload& w, u32 steps,
               std::vector<u8> image = {}, const std::string& image_source = "");

    masr_system& system() { return *system_; }
    const masr_system& system() const { return *system_; }
    const model_image& image() const { return image_; }
    u32 steps() const { return steps_; }

    bool read_outputs = true;
    std::function<void(u32 layer)> on_layer;  // after each layer (progress)

    // sc_start() to the end; throws std::runtime_error naming the first fault
    // when the run stopped before the last layer completed.
    void run();
    const std::vector<matrix<i16>>& outputs() const { return outputs_; }
    // Counters at the run's start (after the load) and end, for figures of
    // the run alone (energy).
    const std::map<std::string, u64>& counters_at_start() const { return at_start_; }
    const std::map<std::string, u64>& counters_at_end() const { return at_end_; }

private:
    const workload& workload_;
    std::vector<u8> bytes_;
    model_image image_;
    u32 steps_ = 0;
    std::unique_ptr<masr_system> system_;
    std::vector<matrix<i16>> outputs_;
    std::map<std::string, u64> at_start_;
    std::map<std::string, u64> at_end_;
};

// What the platform's architecture needs of the workload before it is
// compiled and checked: arch eie with a codebook shares its weights
// (workloads/src/weight_sharing.h), so that the golden reference computes the
// network EIE computes. Returns a line for the user, or "" when nothing changed.
std::string adapt_workload(const platform_config& config, workload& w);

// The image must describe the network the workload gives inputs and a
// reference for; throws input_error otherwise.
void check_image_matches(const model_image& m, const workload& w, const std::string& source);

}  // namespace masr
