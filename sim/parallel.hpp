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
//
// Two backends with one contract: `tbb_threads` (TBB; the build's default) and `std_threads`
// (std::thread, always compiled, so the tests check it in every build). The build's loops are
// `tbb_threads`' unless GOVSIM_STD_THREADS is set (the CMake option of that name; on in the
// thread-sanitizer build): ThreadSanitizer sees the synchronisation of std::thread (thread
// creation and joining, atomics, mutexes) but not that inside Debian's TBB, which is not built
// with it, and under TBB it reports every hand-off of a loop body between threads as a race.
// With `std_threads` a TSan run checks the simulation's own code for races. That backend starts
// threads for each loop: it is for checking, not for runs.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#if !GOVSIM_STD_THREADS
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#endif

namespace govsim::sim {

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

// Each backend has: default_threads() (a run's default thread count), ThreadLimit (limits the
// whole process to `threads` threads while alive, 0 = no limit; the smallest of those alive
// applies), available_threads() (the threads loops may use now), and the ranged loop; the plain
// loop is built on the build's backend's, below:
//
// parallel_for_each_index_in_range(n, body) calls body(i, end) for every i in [0, n): the units
// [i, end) are run by the same thread, one after another, so body(i) may read (never write) the
// state of units i + 1 to end - 1, which no other thread touches meanwhile (e.g. to prefetch it).
//
// parallel_for_each_index(n, body) calls body(i) for every i in [0, n), in parallel (serially
// inside a SerialScope); the order of calls is unspecified, so body(i) must touch only unit i's
// state. Either every body(i) returns, or the loop throws (the first exception a body threw; the
// remaining bodies may not have been called). Cancellation of an enclosing loop never skips
// iterations of this one (see above).

namespace std_threads {

/// The machine's threads: std::thread's hardware_concurrency, at least 1.
[[nodiscard]] inline std::size_t default_threads() {
    return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

namespace detail {
/// The limits of the ThreadLimit objects alive.
struct Limits {
    std::mutex mutex;
    std::vector<std::size_t> active;
};
inline Limits& limits() {
    static Limits l;
    return l;
}
/// Threads started by loops and still running (the threads that called a loop not counted).
inline std::atomic<std::size_t> helpers_running{0};
} // namespace detail

class ThreadLimit {
public:
    explicit ThreadLimit(std::size_t threads) : threads_(threads) {
        if (threads_ > 0) {
            const std::lock_guard lock(detail::limits().mutex);
            detail::limits().active.push_back(threads_);
        }
    }
    ~ThreadLimit() {
        if (threads_ > 0) {
            auto& l = detail::limits();
            const std::lock_guard lock(l.mutex);
            l.active.erase(std::find(l.active.begin(), l.active.end(), threads_));
        }
    }
    ThreadLimit(const ThreadLimit&) = delete;
    ThreadLimit& operator=(const ThreadLimit&) = delete;

private:
    std::size_t threads_;
};

[[nodiscard]] inline std::size_t available_threads() {
    auto& l = detail::limits();
    const std::lock_guard lock(l.mutex);
    std::size_t n = default_threads();
    for (const std::size_t limit : l.active)
        n = std::min(n, limit);
    return n;
}

template <class Body>
void parallel_for_each_index_in_range(std::size_t n, Body&& body) {
    // Helper threads, as many as the limit leaves beside the helpers other loops are running
    // (the calling thread works too): none for a loop nested in a helper while every thread is
    // busy, as TBB would then run it on that thread alone.
    std::size_t helpers = 0;
    if (!serial_here()) {
        const std::size_t limit = available_threads();
        const std::size_t wanted = n > 1 ? std::min(n, limit) - 1 : 0;
        for (std::size_t running = detail::helpers_running.load(); wanted > 0;) {
            const std::size_t take =
                std::min(wanted, limit - 1 > running ? limit - 1 - running : 0);
            if (take == 0)
                break;
            if (detail::helpers_running.compare_exchange_weak(running, running + take)) {
                helpers = take;
                break;
            }
        }
    }
    if (helpers == 0) {
        for (std::size_t i = 0; i < n; ++i)
            body(i, n);
        return;
    }
    // Chunks of indices taken from a shared counter, so a slower thread takes fewer; after an
    // exception no body is begun.
    const std::size_t grain = std::max<std::size_t>(1, n / (8 * (helpers + 1)));
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first; // written only by the thread that sets `failed`; read after joins
    const auto work = [&] {
        try {
            for (;;) {
                const std::size_t b = next.fetch_add(grain);
                if (b >= n)
                    break;
                const std::size_t e = std::min(n, b + grain);
                for (std::size_t i = b; i < e; ++i) {
                    if (failed.load())
                        return;
                    body(i, e);
                }
            }
        } catch (...) {
            if (!failed.exchange(true))
                first = std::current_exception();
        }
    };
    {
        // A helper counts as running until its work is done, so that a loop nested in the
        // calling thread's last bodies may use it.
        std::vector<std::jthread> threads;
        try {
            threads.reserve(helpers);
            while (threads.size() < helpers)
                threads.emplace_back([&] {
                    work();
                    detail::helpers_running.fetch_sub(1);
                });
        } catch (const std::exception&) {
            // no more threads to be had (std::system_error): those started and this one work
            detail::helpers_running.fetch_sub(helpers - threads.size());
        }
        work();
    } // the helpers are joined here
    if (first)
        std::rethrow_exception(first);
}

} // namespace std_threads

#if !GOVSIM_STD_THREADS
namespace tbb_threads {

/// TBB's default concurrency (the machine's threads, within the process's affinity mask).
[[nodiscard]] inline std::size_t default_threads() {
    return static_cast<std::size_t>(std::max(1, tbb::info::default_concurrency()));
}

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

/// TBB's arena concurrency within the process's ThreadLimit.
[[nodiscard]] inline std::size_t available_threads() {
    const auto limit =
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    const auto arena = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    return std::max<std::size_t>(1, std::min<std::size_t>(limit, arena));
}

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

} // namespace tbb_threads
#endif

// The build's backend.
#if GOVSIM_STD_THREADS
namespace backend = std_threads;
#else
namespace backend = tbb_threads;
#endif
using backend::available_threads;
using backend::default_threads;
using backend::parallel_for_each_index_in_range;
using backend::ThreadLimit;

/// The build's parallel_for_each_index (see above), on its backend's ranges.
template <class Body>
void parallel_for_each_index(std::size_t n, Body&& body) {
    parallel_for_each_index_in_range(n, [&](std::size_t i, std::size_t) { body(i); });
}

} // namespace govsim::sim
