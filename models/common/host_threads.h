#pragma once
// Host threads for work whose result does not depend on how it is split:
// independent jobs, each writing only its own output. The count is one
// process-wide setting (masr-sim --threads, masr-ref --threads), by default
// the machine's cores. Plain C++.
#include <cstddef>
#include <functional>

#include "models/common/types.h"

namespace masr {

// The machine's hardware threads (at least 1).
u32 machine_threads();
// Threads that parallel_for may use; 0 resets to machine_threads().
void set_host_threads(u32 threads);
u32 host_threads();

// Runs job(i) for i in [0, count) on up to host_threads() threads and waits
// for all of them. Jobs must not share mutable state. The first exception
// thrown (by job index) is rethrown here after every job has ended.
void parallel_for(std::size_t count, const std::function<void(std::size_t)>& job);

}  // namespace masr
