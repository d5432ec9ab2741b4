#pragma once
// The experiment runner: an experiment is a set of independent runs (scenario x town x
// replicate), each addressed by its index alone, so that any subset of indices can be run
// anywhere (another thread, later another MPI rank) and the results land in index order.
#include "sim/parallel.hpp"

#include <cstddef>
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

/// Runs run(i) for every index in `indices`, in parallel, and returns the results in the
/// order of `indices`. run(i) must depend only on i.
template <class Result, class RunFn>
[[nodiscard]] std::vector<Result> run_indices(const std::vector<std::size_t>& indices,
                                              RunFn&& run) {
    std::vector<Result> results(indices.size());
    parallel_for_each_index(indices.size(), [&](std::size_t k) { results[k] = run(indices[k]); });
    return results;
}

} // namespace govsim::sim
