#pragma once
// Runs the runs of an experiment (sim/experiment.hpp), in parallel over threads, and — through
// the caller's choice of indices — over MPI ranks and shards of a job array.
//
// An ExperimentPlan names every run by its index: run i is replicate i % replicates of
// scenario i / replicates (a scenario being one town x model, or later a design point), with
// its key and the shape its result must have. The runner takes a list of indices and hands
// each finished run to a sink as soon as it is done:
//
//     ExperimentPlan plan(scenarios, seed, replicates, record_disputes);
//     run_runs(plan, indices, options, [&](RunResult&& r) { ... });   // sink: thread-safe
//
// With a checkpoint store in the options, every finished run is first checked complete and
// saved there, so nothing finished is lost; the results file is then assembled from the store
// run by run (models/results_io.hpp), and memory does not grow with the number of runs. A run
// that throws never affects another (sim::run_indices); the first failure is thrown as
// sim::RunFailure, naming the run, after the runs in flight have finished and been saved.
#include "models/checkpoint.hpp"
#include "models/governance.hpp"
#include "models/results_io.hpp"
#include "sim/progress.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace govsim::models {

/// The runs of an experiment, addressed by index. Holds a reference to `scenarios`, which must
/// outlive it.
class ExperimentPlan {
public:
    ExperimentPlan(const std::vector<Scenario>& scenarios, std::uint64_t seed,
                   std::uint32_t replicates, bool record_disputes);

    [[nodiscard]] std::size_t runs() const { return scenarios_->size() * replicates_; }
    [[nodiscard]] const Scenario& scenario(std::size_t index) const;
    [[nodiscard]] RunKey key(std::size_t index) const;
    [[nodiscard]] RunShape shape(std::size_t index) const;
    [[nodiscard]] std::uint64_t seed() const { return seed_; }
    [[nodiscard]] std::uint32_t replicates() const { return replicates_; }
    [[nodiscard]] bool record_disputes() const { return record_disputes_; }
    [[nodiscard]] const std::vector<Scenario>& scenarios() const { return *scenarios_; }
    /// Every index, 0 .. runs()-1.
    [[nodiscard]] std::vector<std::size_t> all() const;

private:
    const std::vector<Scenario>* scenarios_;
    std::uint64_t seed_;
    std::uint32_t replicates_;
    bool record_disputes_;
};

struct ExperimentOptions {
    std::uint64_t seed = 1;
    std::uint32_t replicates = 1;
    bool record_disputes = false;
    /// Progress on stderr: a line redrawn on a terminal, or a line every
    /// progress_interval_seconds in a log (sim::progress_mode).
    sim::Progress::Mode progress = sim::Progress::Mode::Off;
    double progress_interval_seconds = 30.0;
    /// Label of the progress line (default: the experiment's name).
    std::string progress_label;
    /// If set, every run finished now is saved to it at once (and run_experiment also loads the
    /// runs saved there instead of running them again).
    const Checkpoint* checkpoint = nullptr;
};

/// A sink for finished runs; called from worker threads, concurrently.
using RunSink = std::function<void(RunResult&&)>;

/// Runs every index in `indices` of `plan` (seed, replicates and records from the plan; progress
/// and checkpoint from `options`). Each finished run is checked complete, saved to
/// options.checkpoint if set, then handed to `sink` (if set). Throws sim::RunFailure for the
/// first run that failed, after the others in flight have finished (see the file comment).
void run_runs(const ExperimentPlan& plan, const std::vector<std::size_t>& indices,
              const ExperimentOptions& options, const RunSink& sink);

/// The runs among `indices` saved in `checkpoint`: those that are sound (verified in full),
/// and those that are damaged, with what is wrong (they must be run again).
struct SavedRuns {
    std::vector<std::size_t> sound;
    std::vector<std::pair<std::size_t, std::string>> damaged;
};
[[nodiscard]] SavedRuns check_saved(const ExperimentPlan& plan,
                                    const std::vector<std::size_t>& indices,
                                    const Checkpoint& checkpoint);

/// Every run of the experiment, held in memory and returned in index order: run i is replicate
/// i % replicates of scenario i / replicates. Results depend only on the scenario, seed and
/// replicate, not on the number of threads; replicate k of every scenario shares its seed, its
/// synthesised town and its random streams (common random numbers). With a checkpoint, sound
/// saved runs are loaded instead of run (a damaged one is run again). For experiments too large
/// to hold in memory, use run_runs with a checkpoint store instead.
[[nodiscard]] std::vector<RunResult> run_experiment(const std::vector<Scenario>& scenarios,
                                                    const ExperimentOptions& options);

/// All replicates of one scenario.
[[nodiscard]] std::vector<RunResult> run_experiment(const Scenario& scenario,
                                                    const ExperimentOptions& options);

/// The runs of a plan as saved in a checkpoint store, for write_results: load() verifies each
/// in full and throws sim::OutputError for a run that is missing or damaged.
class StoredRuns : public RunSource {
public:
    StoredRuns(const ExperimentPlan& plan, const Checkpoint& checkpoint)
        : plan_(plan), checkpoint_(checkpoint) {}
    [[nodiscard]] std::size_t runs() const override { return plan_.runs(); }
    [[nodiscard]] RunKey key(std::size_t index) const override { return plan_.key(index); }
    [[nodiscard]] RunResult load(std::size_t index) const override;
    [[nodiscard]] StreamedRun load_streamed(std::size_t index) const override;

private:
    const ExperimentPlan& plan_;
    const Checkpoint& checkpoint_;
};

} // namespace govsim::models
