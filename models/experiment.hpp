#pragma once
// Runs a scenario's replicates as an experiment (sim/experiment.hpp), in parallel.
#include "models/checkpoint.hpp"
#include "models/governance.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace govsim::models {

struct ExperimentOptions {
    std::uint64_t seed = 1;
    std::uint32_t replicates = 1;
    bool record_disputes = false;
    bool progress = false; ///< draw a progress line on stderr (when it is a terminal)
    /// If set, finished runs are loaded from it instead of being run again, and every run
    /// finished now is saved to it at once.
    const Checkpoint* checkpoint = nullptr;
};

/// All replicates of every scenario: run i is replicate i % replicates of scenario
/// i / replicates, and results come in that order. Results depend only on the scenario, seed
/// and replicate, not on the number of threads; replicate k of every scenario shares its seed,
/// its synthesised town and its random streams (common random numbers).
[[nodiscard]] std::vector<RunResult> run_experiment(const std::vector<Scenario>& scenarios,
                                                    const ExperimentOptions& options);

/// All replicates of one scenario.
[[nodiscard]] std::vector<RunResult> run_experiment(const Scenario& scenario,
                                                    const ExperimentOptions& options);

} // namespace govsim::models
