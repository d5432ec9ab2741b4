#pragma once
// Parallel loops and thread control. The engine parallelises over independent units
// (communities within a day, runs within an experiment) with TBB; results never depend
// on the number of threads, because every unit draws from its own keyed streams and
// every cross-unit reduction is done afterwards in index order.
//
// Failure isolation: every loop runs in its own *isolated* TBB task group context. TBB
// cancels a context when a task in it throws, and cancellation flows down to the contexts of
// the loops nested in it; with the default (bound) contexts, an exception in one run of an
// experiment would therefore silently skip iterations of the loops nested in the *other* runs
// still going, which would then finish with missing work. An isolated context is cancelled
// only by its own loop's exceptions, which the loop rethrows to its caller, so a loop either
// does all its iterations or throws.
#include <cstddef>
#include <memory>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

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
/// body(i) must touch only unit i's state. Either every body(i) returns, or the loop throws
/// (the first exception a body threw; the remaining bodies may not have been called).
/// Cancellation of an enclosing loop never skips iterations of this one (see above).
template <class Body>
void parallel_for_each_index(std::size_t n, Body&& body) {
    tbb::task_group_context context(tbb::task_group_context::isolated);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, n, 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i)
                body(i);
        },
        context);
}

} // namespace govsim::sim
