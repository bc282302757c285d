#include "workloads/src/weight_sharing.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "models/common/error.h"

namespace masr {

namespace {

// Centroids of the values counted in `histogram` (index = value - lo).
std::vector<i32> cluster(const std::vector<u64>& histogram, i32 lo, u64 total, u32 k) {
    std::vector<i32> values;
    for (std::size_t i = 0; i < histogram.size(); ++i)
        if (histogram[i]) values.push_back(static_cast<i32>(i) + lo);
    if (values.size() <= k) return values;
    // Start at the quantiles, so that dense regions get more centroids.
    std::vector<double> c(k);
    {
        u64 seen = 0;
        u32 next = 0;
        for (i32 v : values) {
            seen += histogram[static_cast<std::size_t>(v - lo)];
            while (next < k && seen * k >= (u64{next} * 2 + 1) * total / 2) c[next++] = v;
        }
        while (next < k) c[next++] = values.back();
    }
    for (int iteration = 0; iteration < 100; ++iteration) {
        std::vector<double> sum(k, 0.0), count(k, 0.0);
        std::size_t at = 0;
        for (i32 v : values) {
            while (at + 1 < k && std::abs(c[at + 1] - v) < std::abs(c[at] - v)) ++at;
            const double n = static_cast<double>(histogram[static_cast<std::size_t>(v - lo)]);
            sum[at] += n * v;
            count[at] += n;
        }
        bool moved = false;
        for (u32 j = 0; j < k; ++j)
            if (count[j] > 0 && sum[j] / count[j] != c[j]) {
                c[j] = sum[j] / count[j];
                moved = true;
            }
        std::sort(c.begin(), c.end());
        if (!moved) break;
    }
    std::vector<i32> out;
    for (double x : c) {
        i32 v = static_cast<i32>(std::lround(x));
        if (v == 0) v = x < 0 ? -1 : 1;  // a shared value must stay non-zero
        out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

weight_sharing_report share_weights(workload& w, u32 levels) {
    if (levels < 2)
        fail("weight sharing needs at least 2 levels (0 and one value), got {}", levels);
    const i32 lo = -(1 << (w.format.weight_bits - 1));
    const i32 hi = (1 << (w.format.weight_bits - 1)) - 1;
    weight_sharing_report report;
    for (layer_weights& layer : w.weights)
        for (direction_weights& d : layer.directions) {
            std::vector<u64> histogram(static_cast<std::size_t>(hi - lo + 1), 0);
            u64 total = 0;
            for (const matrix<i16>* m : {&d.input, &d.recurrent})
                for (i16 v : m->data)
                    if (v != 0) {
                        ++histogram[static_cast<std::size_t>(v - lo)];
                        ++total;
                    }
            if (total == 0) continue;
            const std::vector<i32> centroids = cluster(histogram, lo, total, levels - 1);
            std::vector<i16> nearest(histogram.size(), 0);
            for (i32 v = lo; v <= hi; ++v) {
                if (v == 0) continue;
                const auto at = std::lower_bound(centroids.begin(), centroids.end(), v);
                i32 best = at == centroids.end() ? centroids.back() : *at;
                if (at != centroids.begin() && (at == centroids.end() || v - *(at - 1) <= *at - v))
                    best = *(at - 1);
                nearest[static_cast<std::size_t>(v - lo)] = static_cast<i16>(best);
            }
            for (matrix<i16>* m : {&d.input, &d.recurrent})
                for (i16& v : m->data) {
                    if (v == 0) continue;
                    const i16 shared = nearest[static_cast<std::size_t>(v - lo)];
                    report.weights_changed += shared != v;
                    ++report.nonzero_weights;
                    v = shared;
                }
        }
    return report;
}

}  // namespace masr
