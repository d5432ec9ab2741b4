#pragma once
// Shard files: the runs one job of a job array computed (`govsim run ... --shard k/n`), as the
// checkpoint records of its runs in one HDF5 file, with the experiment's fingerprint and the
// shard's provenance. `govsim merge` reads several (ShardRuns) and writes the results file one
// process would have written: every dataset bit-identical, since each run depends only on its
// index and the records are the runs themselves.
//
// Layout: root attributes `format` = "govsim-shard", `format_version`, `shard` ("k/n"),
// `shard_part` (k-1), `shard_parts` (n), `runs` (of the whole experiment), `fingerprint` (the
// manifest text of models::Fingerprint), the provenance attributes and /scenario_files of a
// results file (results_io.hpp); /shard_runs, one row per run of the shard (its index, key,
// shape and where its record is); /shard_records, the records' bytes (models::encode_run).
#include "models/checkpoint.hpp"
#include "models/experiment.hpp"
#include "models/results_io.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace govsim::models {

inline constexpr std::string_view shard_format = "govsim-shard";
inline constexpr std::int64_t shard_format_version = 2;

/// Writes the runs `indices` of `plan` (part `part` of `parts`), read from `store`, as the shard
/// file `path` (atomically). Throws sim::OutputError if a run cannot be read or the file written.
void write_shard(const std::string& path, const Provenance& provenance, const ExperimentPlan& plan,
                 const std::vector<std::size_t>& indices, std::size_t part, std::size_t parts,
                 const Checkpoint& store);

/// The runs of a complete set of shard files, as a RunSource for write_results. The constructor
/// checks that they belong together: every file a govsim shard file of the same experiment (the
/// same fingerprint), the same number of parts, each part once, and every run of the experiment
/// in exactly one of them. Throws sim::OutputError naming the file and the problem.
class ShardRuns : public RunSource {
public:
    explicit ShardRuns(const std::vector<std::string>& paths);
    ~ShardRuns() override;
    ShardRuns(const ShardRuns&) = delete;
    ShardRuns& operator=(const ShardRuns&) = delete;

    [[nodiscard]] std::size_t runs() const override { return runs_.size(); }
    [[nodiscard]] RunKey key(std::size_t index) const override { return runs_[index].shape.key; }
    /// Reads and verifies the record (checksum, key, shape); throws sim::OutputError if damaged.
    [[nodiscard]] RunResult load(std::size_t index) const override;
    /// As load, the records read from the shard file a piece at a time.
    [[nodiscard]] StreamedRun load_streamed(std::size_t index) const override;

    [[nodiscard]] std::size_t parts() const { return files_.size(); }
    [[nodiscard]] const Fingerprint& fingerprint() const { return fingerprint_; }
    /// The provenance recorded by the first shard.
    [[nodiscard]] const Provenance& provenance() const { return provenance_; }
    /// The most ranks and threads any shard used.
    [[nodiscard]] std::uint32_t max_ranks() const { return max_ranks_; }
    [[nodiscard]] std::uint32_t max_threads() const { return max_threads_; }
    [[nodiscard]] bool record_disputes() const { return record_disputes_; }

private:
    struct Run {
        RunShape shape;
        std::size_t file = 0;
        std::uint64_t offset = 0;
        std::uint64_t bytes = 0;
    };
    std::vector<std::unique_ptr<sim::ResultsReader>> files_; ///< by part
    std::vector<Run> runs_;                                  ///< by index
    Fingerprint fingerprint_;
    Provenance provenance_;
    std::uint32_t max_ranks_ = 1;
    std::uint32_t max_threads_ = 1;
    bool record_disputes_ = false;
};

/// "k/n" (k from 1) as a part (from 0) and a number of parts; throws std::invalid_argument
/// unless 1 <= k <= n.
[[nodiscard]] std::pair<std::size_t, std::size_t> parse_shard(const std::string& text);

} // namespace govsim::models
