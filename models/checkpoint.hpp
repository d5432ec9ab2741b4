#pragma once
// Checkpoints of an experiment: every finished run is saved at once beside the results file
// (in `OUT.h5.partial/`), so that an interrupted ensemble loses nothing it finished and a
// second invocation with the same scenario, seed and options resumes where it stopped.
// Runs depend only on their index, so a resumed experiment gives the same results as an
// uninterrupted one. The folder is removed once the results file is complete.
#include "models/summary.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace govsim::models {

class Checkpoint {
public:
    /// Opens (creating if needed) the checkpoint folder. `fingerprint` identifies what the runs
    /// depend on (program version, scenario text, seed, options); a folder holding another
    /// fingerprint is refused with sim::OutputError, never mixed in.
    Checkpoint(std::filesystem::path folder, std::string fingerprint);

    /// The folder used for the results file `results_path`.
    [[nodiscard]] static std::filesystem::path
    folder_for(const std::filesystem::path& results_path);

    /// The run with this index, if it was saved.
    [[nodiscard]] std::optional<RunResult> load(std::size_t index) const;
    /// Saves a finished run (written to a temporary file and renamed into place).
    void save(const RunResult& run) const;
    /// Number of runs saved so far.
    [[nodiscard]] std::size_t saved() const;
    /// Deletes the folder and everything in it.
    void remove() const;

    [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }

private:
    [[nodiscard]] std::filesystem::path run_path(std::size_t index) const;
    std::filesystem::path folder_;
};

} // namespace govsim::models
