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
#include <algorithm>
#include <cstddef>
#include <memory>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
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

/// The number of threads loops may use now: TBB's arena concurrency within the process's
/// ThreadLimit.
[[nodiscard]] inline std::size_t available_threads() {
    const auto limit =
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    const auto arena = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    return std::max<std::size_t>(1, std::min<std::size_t>(limit, arena));
}

namespace detail {
inline thread_local int serial_depth = 0;
} // namespace detail

/// While alive, parallel_for_each_index calls made *on this thread* run their bodies in order
/// on this thread. An experiment runner uses it inside each run when other runs keep every
/// thread busy: nested loops over a run's communities then cost nothing to schedule, and the
/// parallelism is across runs. Results are the same either way (bodies touch only their own
/// unit). Not movable: it must be destroyed on the thread that made it.
class SerialScope {
public:
    explicit SerialScope(bool active = true) : active_(active) {
        if (active_)
            ++detail::serial_depth;
    }
    ~SerialScope() {
        if (active_)
            --detail::serial_depth;
    }
    SerialScope(const SerialScope&) = delete;
    SerialScope& operator=(const SerialScope&) = delete;

private:
    bool active_;
};

/// Whether loops started on this thread run serially (inside a SerialScope).
[[nodiscard]] inline bool serial_here() {
    return detail::serial_depth > 0;
}

/// As parallel_for_each_index below, calling body(i, end): the units [i, end) are run by the
/// same thread, one after another, so body(i) may read (never write) the state of units i + 1
/// to end - 1, which no other thread touches meanwhile (e.g. to prefetch it).
template <class Body>
void parallel_for_each_index_in_range(std::size_t n, Body&& body) {
    if (serial_here()) {
        for (std::size_t i = 0; i < n; ++i)
            body(i, n);
        return;
    }
    tbb::task_group_context context(tbb::task_group_context::isolated);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, n, 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i)
                body(i, r.end());
        },
        context);
}

/// Calls body(i) for every i in [0, n), in parallel (serially inside a SerialScope); the order of
/// calls is unspecified, so body(i) must touch only unit i's state. Either every body(i) returns,
/// or the loop throws (the first exception a body threw; the remaining bodies may not have been
/// called). Cancellation of an enclosing loop never skips iterations of this one (see above).
template <class Body>
void parallel_for_each_index(std::size_t n, Body&& body) {
    parallel_for_each_index_in_range(n, [&](std::size_t i, std::size_t) { body(i); });
}

} // namespace govsim::sim
