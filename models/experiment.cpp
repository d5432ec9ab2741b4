#include "models/experiment.hpp"

#include "sim/experiment.hpp"
#include "sim/progress.hpp"

#include <numeric>

namespace govsim::models {

std::vector<RunResult> run_experiment(const Scenario& scenario, const ExperimentOptions& options) {
    const std::size_t runs = options.replicates;
    std::vector<std::size_t> indices(runs);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    sim::Progress progress(scenario.run.name, runs * static_cast<std::uint64_t>(scenario.days()),
                           options.progress && sim::stderr_is_terminal());
    RunOptions run_options;
    run_options.record_disputes = options.record_disputes;
    run_options.on_day = [&progress] { progress.advance(); };
    auto results = sim::run_indices<RunResult>(indices, [&](std::size_t i) {
        const auto c = sim::coordinates(i, 1, runs);
        RunKey key;
        key.index = static_cast<std::uint32_t>(i);
        key.scenario = scenario.run.name;
        key.town = scenario.town.name;
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

} // namespace govsim::models
