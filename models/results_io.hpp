#pragma once
// Writing an experiment's results to one HDF5 file: provenance as root attributes, then the
// tables /runs, /summary, /summary_by_category, /daily, /monthly and (on request) /disputes,
// each a compound dataset that h5py and pandas read directly. The layout, every column's type,
// unit and meaning, is documented in docs/results.md; change both together.
#include "models/design.hpp"
#include "models/design_analysis.hpp"
#include "models/summary.hpp"
#include "sim/config.hpp"       // sim::ConfigSource
#include "sim/results_file.hpp" // sim::OutputError, thrown by write_results

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// The value of the root attribute `format`, and the layout's version (`format_version`),
/// raised whenever a dataset or column is renamed, removed or changes meaning.
inline constexpr std::string_view results_format = "govsim-results";
inline constexpr std::int64_t results_format_version = 5;

/// A run's /disputes rows as the results file holds them (packed, in the table's layout), and
/// the same rows packed column by column from the table's description: equal (a test checks),
/// since the writer uses the first and the table's type comes from the second.
[[nodiscard]] std::vector<std::byte> packed_dispute_rows(const RunResult& run);
[[nodiscard]] std::vector<std::byte> described_dispute_rows(const RunResult& run);

/// Names of DisputeRecord::outcome codes (0, 1, 2) as written in /disputes.
inline constexpr std::array<std::string_view, 3> dispute_outcome_names{"open", "resolved",
                                                                       "abandoned"};

/// Names of DisputeRecord::party codes (0, 1) as written in /disputes.
inline constexpr std::array<std::string_view, 2> dispute_party_names{"resident", "owner"};

/// Where results came from: written as root attributes of the results file, and the scenario's
/// files as the table /scenario_files, so that `govsim reproduce` can rebuild and rerun it.
struct Provenance {
    std::string scenario_path; ///< the scenario file as given on the command line
    std::string scenario_text; ///< every file's text, pasted together (for reading, not loading)
    std::string scenario_name;
    /// Every file that went into the scenario, once each, in the order first used: its path as
    /// resolved (relative to working_directory unless absolute) and its exact text.
    std::vector<sim::ConfigSource> files;
    /// The command, its arguments quoted for a POSIX shell where needed (so it splits back into
    /// exactly the same arguments; sim::split_command).
    int start_year = 0;   ///< the first reported year: day 0 is its 1 January
    int warmup_years = 0; ///< years simulated before it, written with negative days
    std::string command_line;
    std::string working_directory; ///< where the command ran (relative paths start there)
    std::string version;           ///< govsim version, with its git commit (and ", dirty")
    std::string git_commit;        ///< the full commit hash, or "unknown"
    bool git_dirty = false;        ///< tracked files differed from git_commit at build time
    std::string build_type;        ///< CMake build type (Release, Debug, ...)
    std::string created_utc;       ///< ISO 8601, e.g. 2024-05-01T12:00:00Z
    std::uint64_t seed = 0;
    std::uint32_t threads = 0; ///< worker threads of each rank
    std::uint32_t ranks = 0;   ///< MPI ranks (of the largest shard, when merged)
    std::uint32_t shards = 1;  ///< shards of a job array merged into the file (1: none)
    std::uint32_t replicates = 0;
    /// Scenarios (towns x models) of one design point: run i belongs to design point
    /// i / (scenarios_per_point * replicates). 0 in files written before designs existed.
    std::uint64_t scenarios_per_point = 0;
    /// The --set overrides of the command, "PATH=VALUE" each (also in command_line).
    std::vector<std::string> overrides;
    /// The experiment's design (empty: none), written as /design.
    ExperimentDesign design;
};

/// Writes `p` as the root attributes and the /scenario_files table of `file`.
void write_provenance(sim::ResultsFile& file, const Provenance& p);
/// Reads what write_provenance wrote (files written before /scenario_files existed have no
/// files). Throws sim::OutputError naming the file and what is missing.
[[nodiscard]] Provenance read_provenance(const sim::ResultsReader& file);

/// Where write_results reads an experiment's runs from, one at a time and in index order: a
/// checkpoint store, shard files, or memory. Implementations must be usable from one thread.
class RunSource {
public:
    virtual ~RunSource() = default;
    /// The number of runs; their indices are 0 .. runs()-1.
    [[nodiscard]] virtual std::size_t runs() const = 0;
    /// The key of run `index` (cheap: called for every run before any is loaded).
    [[nodiscard]] virtual RunKey key(std::size_t index) const = 0;
    /// The whole run `index`; throws (sim::OutputError) if it cannot be had.
    [[nodiscard]] virtual RunResult load(std::size_t index) const = 0;
    /// Run `index` without its dispute records, which are read a piece at a time when asked
    /// for (write_results asks once, after the run's other rows are written): a source that
    /// keeps runs on disk reads them from there, so that a run's records are never all in
    /// memory. By default, load(index) with its records handed over in one piece.
    [[nodiscard]] virtual StreamedRun load_streamed(std::size_t index) const;
};

/// Runs held in memory, in any order (each index 0 .. size-1 exactly once).
class MemoryRuns : public RunSource {
public:
    explicit MemoryRuns(const std::vector<RunResult>& runs);
    [[nodiscard]] std::size_t runs() const override { return by_index_.size(); }
    [[nodiscard]] RunKey key(std::size_t index) const override { return by_index_[index]->key; }
    [[nodiscard]] RunResult load(std::size_t index) const override { return *by_index_[index]; }

private:
    std::vector<const RunResult*> by_index_;
};

/// A run's summary: the run without its series (daily, monthly, per-category rows and dispute
/// records), small enough to keep for every run of a large experiment.
[[nodiscard]] RunResult summary_of(const RunResult& run);

/// The design point of run `index` (0 without a design).
[[nodiscard]] std::size_t design_point(const Provenance& p, std::size_t index);

/// What a design's runs say (models/design_analysis.hpp): for a Sobol or Morris design, the
/// sensitivity of every metric to every parameter (/sensitivity); for parameter draws (a prior
/// or Latin-hypercube design) of two or more models, the robustness of their ranking
/// (/robustness).
struct DesignFindings {
    std::vector<SensitivityRow> sensitivity;
    std::vector<RobustnessRow> robustness;
    /// a factorial design's points (printed; every run is in /runs): their parameters' names,
    /// and the replicates each point's means are over
    std::vector<SweepRow> sweep;
    std::vector<std::string> parameters;
    std::uint32_t replicates = 0;
};

/// Writes the runs of `source` to the HDF5 file `path`, atomically (through a temporary file
/// renamed into place), replacing any file there. Runs are read one at a time in index order
/// and appended to every table, so memory does not grow with the number of runs (nor does the
/// file depend on the order runs finished in); only each run's summary is kept, for
/// /comparison (left out for an experiment with a design, whose runs differ in parameters:
/// /runs holds every run's metrics, and /sensitivity or /robustness what they say, also set in
/// *findings if given, as is a factorial sweep's point means). The /disputes table is written only
/// when `include_disputes` is true. Returns the summaries, in index order (none for an experiment
/// with a design). Throws sim::OutputError if the file cannot be written (nothing is left at
/// `path`), and std::invalid_argument for a record with an out-of-range category, level or outcome
/// code. `disputes_deflate` is the deflate level of /disputes (1 fastest .. 9 smallest; 0: written
/// uncompressed).
std::vector<RunResult> write_results(const std::string& path, const Provenance& provenance,
                                     const RunSource& source, bool include_disputes,
                                     DesignFindings* findings = nullptr,
                                     unsigned disputes_deflate = 1);

/// As above, for runs held in memory (in any order, each index once).
void write_results(const std::string& path, const Provenance& provenance,
                   const std::vector<RunResult>& runs, bool include_disputes);

} // namespace govsim::models
