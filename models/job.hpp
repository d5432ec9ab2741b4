#pragma once
// The jobs of the command-line program, as library functions the tests call too:
//
// - run_job: `govsim run` — loads an experiment, runs this process's share of its runs (all of
//   them, one shard of a job array, or one MPI rank's part of either) into the checkpoint store
//   beside the output, and writes the results file (or, for a shard, the shard file) by
//   streaming the runs from the store.
// - merge_job: `govsim merge` — the results file of a complete set of shard files.
// - reproduce_job: `govsim reproduce` — rebuilds the scenario files recorded in a results file
//   in a fresh folder, reruns the recorded command there and compares every dataset.
//
// Under MPI every rank calls the same job; the ranks agree after each step, and the first
// failure (lowest rank) is printed once, by the rank that had it; every rank returns its status.
#include "models/comparison.hpp"
#include "models/results_io.hpp"
#include "models/summary.hpp"
#include "sim/config.hpp"
#include "sim/ranks.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace govsim::models {

/// Exit statuses of the jobs (README, "Exit statuses").
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;  ///< a bug: please report it
inline constexpr int exit_bad_input = 2; ///< bad input or environment: one located message
inline constexpr int exit_differs = 3;   ///< reproduce: the rerun's datasets differ

/// The exit status for an exception, and its one-line message (as printed).
[[nodiscard]] int error_status(const std::exception_ptr& error, std::string* message);

/// Now, as ISO 8601 UTC ("2024-05-01T12:00:00Z"), for provenance.
[[nodiscard]] std::string utc_now();

/// What the program knows about its own build (recorded in results and fingerprints).
struct BuildInfo {
    std::string version;           ///< e.g. "0.1.0"
    std::string git_commit;        ///< full hash, or "unknown"
    bool git_dirty = false;        ///< tracked files differed from the commit
    std::string git_diff_checksum; ///< tells two dirty builds apart
    std::string build_type;        ///< CMake build type
    /// "0.1.0 (git 1a2b3c4d5e6f)", with ", dirty" when dirty
    [[nodiscard]] std::string version_with_commit() const;
};

struct RunJob {
    std::string scenario_path;
    std::string out_path;
    std::string csv_path; ///< empty: the results path with .csv
    std::optional<std::uint64_t> seed;
    std::optional<std::uint32_t> replicates;
    bool record_disputes = false;
    /// deflate level of /disputes (1 fastest .. 9 smallest; 0 uncompressed)
    unsigned disputes_deflate = 1;
    bool quiet = false;
    double progress_seconds = 30;
    std::size_t threads = 0;
    std::string shard; ///< "k/n" for the k-th of n shards of a job array; empty: every run
    /// --set overrides, "PATH=VALUE" each, applied to every scenario of the experiment
    std::vector<std::string> overrides;
    std::vector<std::string> argv; ///< the command, for provenance
    sim::FileReader reader;        ///< how scenario files are read (empty: the file system)
};

/// What a finished run job leaves for printing (on the root rank).
struct RunReport {
    std::vector<RunResult> summaries; ///< every run's summary, in index order (not for a shard)
    Comparison comparison;
    DesignFindings findings; ///< what a design's runs say (sensitivity, robustness)
    std::size_t scenarios = 0;
    std::size_t runs_here = 0; ///< runs of this job (the shard's, or all)
    double wall_seconds = 0;   ///< running the runs (not loading, not writing)
    std::string written;       ///< what was written, for the last line
};

/// `govsim run`. Returns the exit status (the same on every rank); fills `report` on the root
/// when it succeeds.
[[nodiscard]] int run_job(const RunJob& job, const BuildInfo& build, const sim::Ranks& ranks,
                          RunReport* report);

/// The --set arguments ("PATH=VALUE" each) as overrides, each named "--set PATH=VALUE" in
/// messages. Throws sim::ConfigError for a malformed one.
[[nodiscard]] std::vector<sim::Override> parse_overrides(const std::vector<std::string>& texts);

/// `govsim export`: the table `table` ("runs" or "/runs", "design/points", ...) of the HDF5
/// file `results` as the CSV file `csv_path` (ResultsReader::write_csv), written through a
/// temporary file renamed into place. Throws std::invalid_argument for a table the file does
/// not have (naming those it has), sim::OutputError if a file cannot be read or written.
void export_csv(const std::string& results, const std::string& table, const std::string& csv_path);

struct MergeJob {
    std::vector<std::string> shards;
    std::string out_path;
    std::string csv_path; ///< empty: the results path with .csv
    std::vector<std::string> argv;
    unsigned disputes_deflate = 1; ///< as RunJob's
};
[[nodiscard]] int merge_job(const MergeJob& job, const BuildInfo& build, const sim::Ranks& ranks,
                            RunReport* report);

struct ReproduceJob {
    std::string results_path;
    std::string folder; ///< where to rebuild and rerun (must be new or empty); empty: a new
                        ///< folder under the system's temporary directory
    std::size_t threads = 0;
    bool quiet = false;
};
/// Rebuilds the recorded scenario tree in the folder, reruns the recorded command (the whole
/// experiment, whatever shard or ranks it used) and compares every dataset with the recorded
/// file, the time field /runs.wall_seconds excepted. Prints what it did and the verdict.
/// Returns exit_ok when every dataset is bit-identical, exit_differs when not.
/// `parse_run` turns the recorded command's arguments into a RunJob (the program's own
/// parser, so that every option of `govsim run` is reproduced).
[[nodiscard]] int
reproduce_job(const ReproduceJob& job, const BuildInfo& build, const sim::Ranks& ranks,
              const std::function<RunJob(const std::vector<std::string>&)>& parse_run);

/// The columns left out of the comparison of a reproduction: fields that record time.
[[nodiscard]] const std::vector<std::string>& time_fields();

/// Where `reproduce` writes the recorded file `path` (a path as resolved when it was run) below
/// `tree`: relative paths as they are (each leading ".." as "up"), absolute ones under "root".
[[nodiscard]] std::string rebuilt_path(const std::string& tree, const std::string& path);

} // namespace govsim::models
