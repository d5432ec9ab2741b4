#pragma once
// Parallel loops and thread control. The engine parallelises over independent units
// (communities within a day, runs within an experiment) with TBB; results never depend
// on the number of threads, because every unit draws from its own keyed streams and
// every cross-unit reduction is done afterwards in index order.
#include <cstddef>
#include <memory>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

namespace govsim::sim {

/// Limits the whole process to `threads` worker threads while alive (0 = TBB's default).
class ThreadLimit {
public:
    explicit ThreadLimit(std::size_t threads) {
        if (threads > 0)
            control_ = std::make_unique<tbb::global_control>(
                tbb::global_control::max_allowed_parallelism, threads);
    }

private:
    std::unique_ptr<tbb::global_control> control_;
};

/// Calls body(i) for every i in [0, n), in parallel; the order of calls is unspecified, so
/// body(i) must touch only unit i's state.
template <class Body>
void parallel_for_each_index(std::size_t n, Body&& body) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i)
                              body(i);
                      });
}

} // namespace govsim::sim
