#pragma once
// The experiment runner: an experiment is a set of independent runs, each addressed by its
// index alone (0 .. runs-1), so that any subset of indices can be run anywhere — another
// thread, another MPI rank, another job of a job array — and the results land in index order.
//
// The runner's interface is: a list of run indices in, each finished run's result delivered
// to a sink as soon as it is done. What a run is (a scenario x town x model x replicate, a
// design point) and where results go (a checkpoint store, memory, a results file) belong to
// the caller; models/experiment.hpp is the governance model's use of it.
//
//     sim::run_indices<RunResult>(indices,
//         [&](std::size_t i) { return run_replicate(...); },          // may run concurrently
//         [&](std::size_t i, RunResult&& r) { store.save(r); });     // thread-safe sink
//
// Failure isolation: an exception thrown by one run (or by the sink for it) never affects
// another run. It is caught at once; runs already going finish and are delivered; runs not
// yet started are skipped; and when every started run is done, the first failure is thrown
// as RunFailure. A run's result reaches the sink only if the run returned normally.
#include "sim/parallel.hpp"

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace govsim::sim {

/// The coordinates of run `index` in a grid of scenarios x towns x replicates
/// (replicates vary fastest).
struct RunCoordinates {
    std::size_t scenario = 0;
    std::size_t town = 0;
    std::size_t replicate = 0;
};

[[nodiscard]] constexpr RunCoordinates coordinates(std::size_t index, std::size_t towns,
                                                   std::size_t replicates) {
    return {index / (towns * replicates), (index / replicates) % towns, index % replicates};
}

/// Which runs of an experiment one process executes: part `part` of `parts` (an MPI rank of
/// the job, or a shard of a job array) takes the indices i with i % parts == part. Dealing the
/// runs round-robin gives every part a mix of the experiment's scenarios (replicates vary
/// fastest), so parts take similar times.
struct Share {
    std::size_t part = 0;
    std::size_t parts = 1;
};

/// The indices of `runs` runs that `share` takes, in increasing order.
[[nodiscard]] inline std::vector<std::size_t> indices_of(std::size_t runs, Share share) {
    if (share.parts == 0 || share.part >= share.parts)
        throw std::invalid_argument("share: part must be below parts");
    std::vector<std::size_t> out;
    out.reserve(runs / share.parts + 1);
    for (std::size_t i = share.part; i < runs; i += share.parts)
        out.push_back(i);
    return out;
}

/// The first run that failed: its index, what it threw (`cause()`, to rethrow and classify),
/// and how many other runs failed too. what() is the cause's message.
class RunFailure : public std::runtime_error {
public:
    RunFailure(std::size_t index, std::exception_ptr cause, std::string message,
               std::size_t other_failures)
        : std::runtime_error(std::move(message)), index_(index), cause_(std::move(cause)),
          others_(other_failures) {}
    [[nodiscard]] std::size_t index() const { return index_; }
    [[nodiscard]] const std::exception_ptr& cause() const { return cause_; }
    [[nodiscard]] std::size_t other_failures() const { return others_; }

private:
    std::size_t index_;
    std::exception_ptr cause_;
    std::size_t others_;
};

/// Runs run(i) for every index in `indices`, in parallel, and hands each result to
/// sink(i, std::move(result)) as soon as run i is done (from the worker thread that ran it:
/// the sink must be thread-safe). run(i) must depend only on i. Throws RunFailure after all
/// started runs are done if any run or sink threw (see the file comment).
template <class Result, class RunFn, class SinkFn>
void run_indices(const std::vector<std::size_t>& indices, RunFn&& run, SinkFn&& sink) {
    std::atomic<bool> stop{false};
    std::mutex failure_mutex;
    std::exception_ptr first;
    std::size_t first_index = 0, failures = 0;
    std::string first_message;
    parallel_for_each_index(indices.size(), [&](std::size_t k) {
        if (stop.load(std::memory_order_relaxed))
            return;
        const std::size_t i = indices[k];
        try {
            sink(i, run(i));
        } catch (...) {
            stop.store(true, std::memory_order_relaxed);
            const std::lock_guard lock(failure_mutex);
            if (failures++ == 0) {
                first = std::current_exception();
                first_index = i;
                try {
                    throw;
                } catch (const std::exception& e) {
                    first_message = e.what();
                } catch (...) {
                    first_message = "an unknown exception";
                }
            }
        }
    });
    if (first)
        throw RunFailure(first_index, first, first_message, failures - 1);
}

/// Runs run(i) for every index in `indices`, in parallel, and returns the results in the
/// order of `indices` (for experiments small enough to hold in memory).
template <class Result, class RunFn>
[[nodiscard]] std::vector<Result> run_indices(const std::vector<std::size_t>& indices,
                                              RunFn&& run) {
    std::vector<Result> results(indices.size());
    std::vector<std::size_t> position(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k)
        position[k] = k;
    // Positions, not indices, are what the collecting sink needs: run them as "indices".
    try {
        run_indices<Result>(
            position, [&](std::size_t k) { return run(indices[k]); },
            [&](std::size_t k, Result&& r) { results[k] = std::move(r); });
    } catch (const RunFailure& e) {
        throw RunFailure(indices[e.index()], e.cause(), e.what(), e.other_failures());
    }
    return results;
}

} // namespace govsim::sim
