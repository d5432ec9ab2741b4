#include "models/experiment.hpp"

#include "sim/experiment.hpp"
#include "sim/progress.hpp"

#include <numeric>

namespace govsim::models {

std::vector<RunResult> run_experiment(const std::vector<Scenario>& scenarios,
                                      const ExperimentOptions& options) {
    // Run i is replicate i % R of scenario i / R. Replicate k of every scenario uses the same
    // seed, hence the same synthesised town and the same keyed streams (common random numbers).
    const std::size_t replicates = options.replicates;
    std::vector<std::size_t> indices(scenarios.size() * replicates);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    std::uint64_t total_days = 0;
    for (const Scenario& s : scenarios)
        total_days += replicates * static_cast<std::uint64_t>(s.days());
    sim::Progress progress(scenarios.empty() ? std::string() : scenarios.front().run.name,
                           total_days, options.progress && sim::stderr_is_terminal());
    RunOptions run_options;
    run_options.record_disputes = options.record_disputes;
    run_options.on_day = [&progress] { progress.advance(); };
    auto results = sim::run_indices<RunResult>(indices, [&](std::size_t i) {
        const auto c = sim::coordinates(i, 1, replicates);
        const Scenario& scenario = scenarios[c.scenario];
        RunKey key;
        key.index = static_cast<std::uint32_t>(i);
        key.scenario = scenario.run.name;
        key.town = scenario.town.name;
        key.model = scenario.model.name;
        key.replicate = static_cast<std::uint32_t>(c.replicate);
        if (options.checkpoint)
            if (auto done = options.checkpoint->load(i)) {
                progress.advance(static_cast<std::uint64_t>(scenario.days()));
                return std::move(*done);
            }
        auto result = run_replicate(scenario, options.seed, key, run_options);
        if (options.checkpoint)
            options.checkpoint->save(result);
        return result;
    });
    progress.finish();
    return results;
}

std::vector<RunResult> run_experiment(const Scenario& scenario, const ExperimentOptions& options) {
    return run_experiment(std::vector<Scenario>{scenario}, options);
}

} // namespace govsim::models
