#include "models/experiment.hpp"

#include "sim/calendar.hpp"
#include "sim/experiment.hpp"
#include "sim/parallel.hpp"

#include <fmt/format.h>

#include "models/world.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>

namespace govsim::models {

// ---------------------------------------------------------------------------------------------
// ExperimentPlan

ExperimentPlan::ExperimentPlan(const std::vector<Scenario>& scenarios, std::uint64_t seed,
                               std::uint32_t replicates, bool record_disputes)
    : scenarios_(&scenarios), seed_(seed), replicates_(replicates),
      record_disputes_(record_disputes) {
    if (replicates == 0)
        throw std::invalid_argument("an experiment needs at least one replicate");
}

const Scenario& ExperimentPlan::scenario(std::size_t index) const {
    return (*scenarios_)[sim::coordinates(index, 1, replicates_).scenario];
}

RunKey ExperimentPlan::key(std::size_t index) const {
    const auto c = sim::coordinates(index, 1, replicates_);
    const Scenario& s = (*scenarios_)[c.scenario];
    RunKey key;
    key.index = static_cast<std::uint32_t>(index);
    key.scenario = s.run.name;
    key.town = s.town.name;
    key.model = s.model.name;
    key.replicate = static_cast<std::uint32_t>(c.replicate);
    return key;
}

RunShape ExperimentPlan::shape(std::size_t index) const {
    const Scenario& s = scenario(index);
    RunShape shape;
    shape.key = key(index);
    shape.days = static_cast<std::size_t>(s.days());
    shape.years = static_cast<std::size_t>(s.run.years);
    for (int d = 0; d < s.days(); ++d)
        shape.months += sim::is_month_end(d) ? 1U : 0U;
    shape.record_disputes = record_disputes_;
    return shape;
}

std::vector<std::size_t> ExperimentPlan::all() const {
    std::vector<std::size_t> indices(runs());
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    return indices;
}

// ---------------------------------------------------------------------------------------------
// Running

namespace {

/// Towns synthesised once per (group of scenarios with the same_synthesis, replicate) and shared
/// by the runs of that group's scenarios (the governance models run on one town): common random
/// numbers make their worlds identical, so each run copies the shared one instead of
/// synthesising its own. A town is kept only until every run that needs it has taken it.
class TownCache {
public:
    TownCache(const ExperimentPlan& plan, const std::vector<std::size_t>& indices)
        : plan_(plan), group_(plan.scenarios().size()) {
        const auto& scenarios = plan.scenarios();
        for (std::size_t s = 0; s < scenarios.size(); ++s) {
            group_[s] = s;
            for (std::size_t t = 0; t < s; ++t)
                if (group_[t] == t && same_synthesis(scenarios[t], scenarios[s])) {
                    group_[s] = t;
                    break;
                }
        }
        for (const std::size_t i : indices)
            ++total_[key(i)];
        left_ = total_;
    }

    /// The order to run `indices` in so that runs sharing a town are adjacent (results do not
    /// depend on the order: each run's depend only on its index).
    [[nodiscard]] std::vector<std::size_t> order(std::vector<std::size_t> indices) const {
        std::stable_sort(indices.begin(), indices.end(),
                         [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
        return indices;
    }

    /// The town of run i, if another run shares it (null: the run synthesises its own).
    [[nodiscard]] std::shared_ptr<const World> take(std::size_t i) {
        const Key k = key(i);
        std::shared_ptr<const World> world;
        {
            const std::lock_guard lock(mutex_);
            if (total_.at(k) < 2)
                return nullptr; // no other run needs this town
            if (const auto it = towns_.find(k); it != towns_.end())
                world = it->second;
        }
        // Synthesised without holding the lock (synthesis runs a parallel loop, and a waiting
        // thread may take up other runs): two runs starting together may both build it, and
        // both get the same world.
        if (!world)
            world = std::make_shared<const World>(
                synthesise_world(plan_.scenario(i), plan_.seed(), plan_.key(i).replicate));
        const std::lock_guard lock(mutex_);
        if (--left_.at(k) == 0)
            towns_.erase(k); // the last run that needs it has it
        else
            towns_.emplace(k, world);
        return world;
    }

private:
    using Key = std::pair<std::size_t, std::uint32_t>; ///< (group, replicate)
    [[nodiscard]] Key key(std::size_t i) const {
        const auto c = sim::coordinates(i, 1, plan_.replicates());
        return {group_[c.scenario], static_cast<std::uint32_t>(c.replicate)};
    }

    const ExperimentPlan& plan_;
    std::vector<std::size_t> group_; ///< per scenario: the first scenario of its group
    std::mutex mutex_;
    std::map<Key, std::size_t> total_; ///< runs that need the town
    std::map<Key, std::size_t> left_;  ///< runs yet to take it
    std::map<Key, std::shared_ptr<const World>> towns_;
};

} // namespace

void run_runs(const ExperimentPlan& plan, const std::vector<std::size_t>& indices,
              const ExperimentOptions& options, const RunSink& sink) {
    std::uint64_t total_days = 0;
    for (const std::size_t i : indices)
        total_days += static_cast<std::uint64_t>(plan.scenario(i).days());
    std::string label = options.progress_label;
    if (label.empty() && !plan.scenarios().empty())
        label = plan.scenarios().front().run.name;
    sim::Progress progress(label, total_days, indices.size(), options.progress,
                           options.progress_interval_seconds);
    RunOptions run_options;
    run_options.record_disputes = plan.record_disputes();
    if (options.progress != sim::Progress::Mode::Off)
        run_options.on_day = [&progress] { progress.advance(); };
    TownCache towns(plan, indices);
    try {
        sim::run_indices<RunResult>(
            towns.order(indices),
            [&](std::size_t i) {
                RunOptions own = run_options;
                own.world = towns.take(i);
                RunResult result = run_replicate(plan.scenario(i), plan.seed(), plan.key(i), own);
                // Saved only when complete, and delivered only once saved.
                check_complete(result, plan.shape(i));
                if (options.checkpoint)
                    options.checkpoint->save(result);
                return result;
            },
            [&](std::size_t, RunResult&& result) {
                progress.run_done();
                if (sink)
                    sink(std::move(result));
            });
    } catch (const sim::RunFailure& e) {
        progress.finish();
        std::string message =
            fmt::format("{} failed: {}", describe_run(plan.key(e.index())), e.what());
        if (e.other_failures() > 0)
            message += fmt::format(" (and {} other run{} failed too)", e.other_failures(),
                                   e.other_failures() == 1 ? "" : "s");
        throw sim::RunFailure(e.index(), e.cause(), std::move(message), e.other_failures());
    }
    progress.finish();
}

SavedRuns check_saved(const ExperimentPlan& plan, const std::vector<std::size_t>& indices,
                      const Checkpoint& checkpoint) {
    const std::vector<std::size_t> present = checkpoint.saved_indices();
    std::vector<std::size_t> candidates;
    std::set_intersection(present.begin(), present.end(), indices.begin(), indices.end(),
                          std::back_inserter(candidates));
    std::vector<std::string> problems(candidates.size());
    std::vector<char> sound(candidates.size(), 0);
    sim::parallel_for_each_index(candidates.size(), [&](std::size_t k) {
        sound[k] = checkpoint.load(plan.shape(candidates[k]), &problems[k]).has_value() ? 1 : 0;
    });
    SavedRuns out;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
        if (sound[k])
            out.sound.push_back(candidates[k]);
        else
            out.damaged.emplace_back(candidates[k], std::move(problems[k]));
    }
    return out;
}

std::vector<RunResult> run_experiment(const std::vector<Scenario>& scenarios,
                                      const ExperimentOptions& options) {
    // Run i is replicate i % R of scenario i / R. Replicate k of every scenario uses the same
    // seed, hence the same synthesised town and the same keyed streams (common random numbers).
    const ExperimentPlan plan(scenarios, options.seed, options.replicates, options.record_disputes);
    std::vector<RunResult> results(plan.runs());
    std::vector<std::size_t> to_run;
    for (std::size_t i = 0; i < plan.runs(); ++i) {
        if (options.checkpoint)
            if (auto done = options.checkpoint->load(plan.shape(i))) {
                results[i] = std::move(*done);
                continue;
            }
        to_run.push_back(i);
    }
    std::mutex mutex; // results[i] are distinct slots, but keep the sink obviously safe
    run_runs(plan, to_run, options, [&](RunResult&& r) {
        const std::size_t i = r.key.index;
        const std::lock_guard lock(mutex);
        results[i] = std::move(r);
    });
    return results;
}

RunResult StoredRuns::load(std::size_t index) const {
    std::string problem;
    auto run = checkpoint_.load(plan_.shape(index), &problem);
    if (!run)
        throw sim::OutputError(fmt::format(
            "the finished {} cannot be read back from '{}': {}; run the same command again to "
            "compute it anew",
            describe_run(plan_.key(index)), checkpoint_.folder().string(),
            problem.empty() ? std::string("it is missing") : problem));
    return std::move(*run);
}

std::vector<RunResult> run_experiment(const Scenario& scenario, const ExperimentOptions& options) {
    return run_experiment(std::vector<Scenario>{scenario}, options);
}

} // namespace govsim::models
