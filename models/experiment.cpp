#include "models/experiment.hpp"

#include "sim/calendar.hpp"
#include "sim/experiment.hpp"
#include "sim/parallel.hpp"

#include <fmt/format.h>

#include "models/world.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <tuple>

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

/// Values that several runs start from — a synthesised town, or a history — built by the first
/// run that needs one and kept only until every run that needs it has taken it.
template <class T>
class SharedStarts {
public:
    using Key = std::pair<std::size_t, std::uint32_t>; ///< (group, replicate)

    void need(const Key& k) {
        ++total_[k];
        ++left_[k];
    }
    [[nodiscard]] std::size_t needed(const Key& k) const {
        const auto it = total_.find(k);
        return it == total_.end() ? 0 : it->second;
    }

    /// The value for k: the one kept, else make()'s (and *made is set). Built without holding
    /// the lock (building runs parallel loops, and a waiting thread may take up other runs):
    /// two runs starting together may both build it, and both get the same value.
    template <class Make>
    [[nodiscard]] std::shared_ptr<const T> take(const Key& k, Make&& make, bool* made) {
        std::shared_ptr<const T> value;
        {
            const std::lock_guard lock(mutex_);
            if (const auto it = kept_.find(k); it != kept_.end())
                value = it->second;
        }
        *made = !value;
        if (!value)
            value = make();
        const std::lock_guard lock(mutex_);
        if (--left_.at(k) == 0)
            kept_.erase(k); // the last run that needs it has it
        else
            kept_.emplace(k, value);
        return value;
    }

private:
    std::mutex mutex_;
    std::map<Key, std::size_t> total_; ///< runs that need the value
    std::map<Key, std::size_t> left_;  ///< runs yet to take it
    std::map<Key, std::shared_ptr<const T>> kept_;
};

/// A shared history, and where its dispute records are while runs continue from it: in a file
/// of the store (`records`, when the runs keep theirs there), else in the history itself.
struct HistoryStart {
    std::shared_ptr<const RunHistory> history;
    std::unique_ptr<RecordSpill> records;
};

/// What the runs of an experiment share. The governance models on a town run identical days
/// until the first of their levers acts (same_history; with the pilot models, until the policy
/// start): those days are simulated once per replicate and each model's run goes on from a copy
/// of that history. Runs of scenarios that share no history but the same_synthesis share the
/// synthesised town. Either way each run's results are bit-identical to a run on its own.
class RunStarts {
public:
    /// `spills`: the store whose files hold the records of runs that keep records (null: they
    /// are kept in memory); a shared history's records then go to a file of it too.
    RunStarts(const ExperimentPlan& plan, const std::vector<std::size_t>& indices,
              const Checkpoint* spills)
        : plan_(plan), spills_(spills), history_group_(plan.scenarios().size()),
          town_group_(plan.scenarios().size()), fork_day_(plan.scenarios().size(), 0) {
        const auto& scenarios = plan.scenarios();
        for (std::size_t s = 0; s < scenarios.size(); ++s) {
            history_group_[s] = town_group_[s] = s;
            for (std::size_t t = 0; t < s; ++t)
                if (history_group_[t] == t && same_history(scenarios[t], scenarios[s])) {
                    history_group_[s] = t;
                    break;
                }
            for (std::size_t t = 0; t < s; ++t)
                if (town_group_[t] == t && same_synthesis(scenarios[t], scenarios[s])) {
                    town_group_[s] = t;
                    break;
                }
        }
        // A group's history ends the day before the first of its levers acts.
        for (std::size_t s = 0; s < scenarios.size(); ++s)
            fork_day_[s] = first_lever_day(scenarios[s]);
        for (std::size_t s = 0; s < scenarios.size(); ++s) {
            const std::size_t g = history_group_[s];
            fork_day_[g] = std::min(fork_day_[g], fork_day_[s]);
        }
        for (const std::size_t i : indices)
            histories_.need(history_key(i));
        for (const std::size_t i : indices)
            if (!shares_history(i))
                towns_.need(town_key(i));
    }

    /// The order to run `indices` in so that runs sharing a start are adjacent (results do not
    /// depend on the order: each run's depend only on its index).
    /// Runs sharing a town are adjacent, and among them those sharing a history: a shared start
    /// is then kept only while its runs are going, not until a run far down the list needs it
    /// (with a design whose parameters change the town, such runs are scattered over the
    /// design's points, and keeping every town until its last run held thousands at once).
    [[nodiscard]] std::vector<std::size_t> order(std::vector<std::size_t> indices) const {
        const auto rank = [&](std::size_t i) {
            const auto h = history_key(i);
            return std::make_tuple(town_key(i).first, h.second, h.first);
        };
        std::stable_sort(indices.begin(), indices.end(),
                         [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
        return indices;
    }

    /// Sets options.history or options.world for run i if it shares one with other runs (in
    /// *start, the history, whose records in a file the run must be handed first). Returns the
    /// days of history it was given but did not simulate itself (for progress).
    int prepare(std::size_t i, RunOptions& options, std::shared_ptr<const HistoryStart>* start) {
        bool made = false;
        if (shares_history(i)) {
            const auto k = history_key(i);
            const int day = fork_day_[k.first];
            *start = histories_.take(
                k,
                [&] {
                    auto out = std::make_shared<HistoryStart>();
                    RunOptions own = options;
                    if (spills_ && own.record_disputes) {
                        out->records = spills_->history_spill(next_spill_++);
                        own.on_records =
                            [to = out->records.get()](std::span<const DisputeRecord> records) {
                                to->append(records);
                            };
                    }
                    out->history = run_history(plan_.scenario(i), plan_.seed(), k.second, day, own);
                    if (out->records)
                        out->records->finish_writing();
                    return std::shared_ptr<const HistoryStart>(std::move(out));
                },
                &made);
            options.history = (*start)->history;
            return made ? 0 : day;
        }
        const auto k = town_key(i);
        if (towns_.needed(k) >= 2)
            options.world = towns_.take(
                k,
                [&] {
                    return std::make_shared<const World>(
                        synthesise_world(plan_.scenario(i), plan_.seed(), k.second));
                },
                &made);
        return 0;
    }

private:
    using Key = SharedStarts<World>::Key;
    [[nodiscard]] Key history_key(std::size_t i) const {
        const auto c = sim::coordinates(i, 1, plan_.replicates());
        return {history_group_[c.scenario], static_cast<std::uint32_t>(c.replicate)};
    }
    [[nodiscard]] Key town_key(std::size_t i) const {
        const auto c = sim::coordinates(i, 1, plan_.replicates());
        return {town_group_[c.scenario], static_cast<std::uint32_t>(c.replicate)};
    }
    /// Whether run i continues from a shared history: another run needs the same one, and it
    /// is at least a day long.
    [[nodiscard]] bool shares_history(std::size_t i) const {
        const auto k = history_key(i);
        return fork_day_[k.first] >= 1 && histories_.needed(k) >= 2;
    }

    const ExperimentPlan& plan_;
    const Checkpoint* spills_;
    std::atomic<std::uint64_t> next_spill_{0};
    std::vector<std::size_t> history_group_; ///< per scenario: the first of its history group
    std::vector<std::size_t> town_group_;    ///< per scenario: the first of its town group
    std::vector<int> fork_day_;              ///< per history group (its first scenario)
    SharedStarts<HistoryStart> histories_;
    SharedStarts<World> towns_;
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
    // Runs saved to a store and not handed on keep no dispute records in memory: they go to a
    // file in the store as disputes are counted, which becomes the run's checkpoint (a shared
    // history's go to a file of their own, handed to each run continuing from it first).
    const bool spill_records = options.checkpoint && plan.record_disputes() && !sink;
    RunStarts starts(plan, indices, spill_records ? options.checkpoint : nullptr);
    // While enough runs are waiting to keep every thread busy, a run steps its communities
    // serially: the parallelism is across runs, and the per-day loops cost nothing to schedule
    // (with 2 threads on the pilot comparison they cost about a third of the CPU time). The
    // last runs, with threads to spare, step their communities in parallel.
    const std::size_t threads = sim::available_threads();
    std::atomic<std::size_t> unstarted{indices.size()};
    try {
        sim::run_indices<RunResult>(
            starts.order(indices),
            [&](std::size_t i) {
                const std::size_t others_waiting = unstarted.fetch_sub(1) - 1;
                const sim::SerialScope serial(others_waiting + 1 >= threads);
                RunOptions own = run_options;
                std::shared_ptr<const HistoryStart> start;
                if (const int given = starts.prepare(i, own, &start); given > 0 && own.on_day)
                    progress.advance(static_cast<std::uint64_t>(given));
                std::unique_ptr<RecordSpill> spill;
                if (spill_records) {
                    spill = options.checkpoint->spill(i);
                    const auto to_spill = [&to = *spill](std::span<const DisputeRecord> records) {
                        to.append(records);
                    };
                    if (start && start->records) // the history's records come first
                        start->records->replay(to_spill);
                    own.on_records = to_spill;
                }
                start.reset(); // its records are in the run's spill: the file may go
                RunResult result = run_replicate(plan.scenario(i), plan.seed(), plan.key(i), own);
                // Saved only when complete, and delivered only once saved.
                check_complete(result, plan.shape(i), spill.get());
                if (options.checkpoint)
                    options.checkpoint->save(result, spill.get());
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
        sound[k] = checkpoint.sound(plan.shape(candidates[k]), &problems[k]) ? 1 : 0;
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

namespace {
/// What is said of the saved run `index` that cannot be read back, because of `problem`.
std::string unreadable(const ExperimentPlan& plan, const Checkpoint& checkpoint, std::size_t index,
                       const std::string& problem) {
    return fmt::format("the finished {} cannot be read back from '{}': {}; run the same command "
                       "again to compute it anew",
                       describe_run(plan.key(index)), checkpoint.folder().string(), problem);
}

/// The run of `index` from `load` (a Checkpoint's load or load_streamed), or sim::OutputError
/// naming the run, the store and what is wrong.
template <class Load>
auto stored_run(const ExperimentPlan& plan, const Checkpoint& checkpoint, std::size_t index,
                Load load) {
    std::string problem;
    auto run = load(plan.shape(index), &problem);
    if (!run)
        throw sim::OutputError(unreadable(
            plan, checkpoint, index, problem.empty() ? std::string("it is missing") : problem));
    return std::move(*run);
}
} // namespace

RunResult StoredRuns::load(std::size_t index) const {
    return stored_run(plan_, checkpoint_, index, [this](const RunShape& shape, std::string* p) {
        return checkpoint_.load(shape, p);
    });
}

StreamedRun StoredRuns::load_streamed(std::size_t index) const {
    StreamedRun run =
        stored_run(plan_, checkpoint_, index, [this](const RunShape& shape, std::string* p) {
            return checkpoint_.load_streamed(shape, p);
        });
    explain_damage(run.records, [index, this](const std::string& problem) {
        return unreadable(plan_, checkpoint_, index, problem);
    });
    return run;
}

std::vector<RunResult> run_experiment(const Scenario& scenario, const ExperimentOptions& options) {
    return run_experiment(std::vector<Scenario>{scenario}, options);
}

} // namespace govsim::models
