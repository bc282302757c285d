#include "models/common/host_threads.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace masr {

namespace {
std::atomic<u32> configured_threads{0};
}

u32 machine_threads() {
    return std::max(1u, std::thread::hardware_concurrency());
}

void set_host_threads(u32 threads) {
    configured_threads = threads;
}

u32 host_threads() {
    const u32 n = configured_threads;
    return n == 0 ? machine_threads() : n;
}

void parallel_for(std::size_t count, const std::function<void(std::size_t)>& job) {
    const std::size_t workers = std::min<std::size_t>(host_threads(), count);
    std::vector<std::exception_ptr> errors(count);
    if (workers <= 1) {
        for (std::size_t i = 0; i < count; ++i) {
            try {
                job(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    } else {
        // Jobs are taken in index order from a shared counter: which thread
        // runs a job varies, what it computes does not.
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i = next++; i < count; i = next++) {
                try {
                    job(i);
                } catch (...) {
                    errors[i] = std::current_exception();
                }
            }
        };
        std::vector<std::thread> threads;
        threads.reserve(workers - 1);
        for (std::size_t t = 1; t < workers; ++t) threads.emplace_back(work);
        work();
        for (std::thread& t : threads) t.join();
    }
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace masr
