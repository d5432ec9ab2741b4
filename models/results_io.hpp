#pragma once
// Writing an experiment's results to one HDF5 file: provenance as root attributes, then the
// tables /runs, /summary, /summary_by_category, /daily, /monthly and (on request) /disputes,
// each a compound dataset that h5py and pandas read directly. The layout, every column's type,
// unit and meaning, is documented in docs/results.md; change both together.
#include "models/summary.hpp"
#include "sim/results_file.hpp" // sim::OutputError, thrown by write_results

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// The value of the root attribute `format`, and the layout's version (`format_version`),
/// raised whenever a dataset or column is renamed, removed or changes meaning.
inline constexpr std::string_view results_format = "govsim-results";
inline constexpr std::int64_t results_format_version = 2;

/// Names of DisputeRecord::outcome codes (0, 1, 2) as written in /disputes.
inline constexpr std::array<std::string_view, 3> dispute_outcome_names{"open", "resolved",
                                                                       "abandoned"};

/// Names of DisputeRecord::party codes (0, 1) as written in /disputes.
inline constexpr std::array<std::string_view, 2> dispute_party_names{"resident", "owner"};

/// Where results came from: written as root attributes of the results file.
struct Provenance {
    std::string scenario_path; ///< the scenario file as given on the command line
    std::string scenario_text; ///< its full text
    std::string scenario_name;
    int start_year = 0;   ///< the first reported year: day 0 is its 1 January
    int warmup_years = 0; ///< years simulated before it, written with negative days
    std::string command_line;
    std::string version;     ///< govsim version
    std::string build_type;  ///< CMake build type (Release, Debug, ...)
    std::string created_utc; ///< ISO 8601, e.g. 2024-05-01T12:00:00Z
    std::uint64_t seed = 0;
    std::uint32_t threads = 0;
    std::uint32_t ranks = 0;
    std::uint32_t replicates = 0;
};

/// Writes `runs` to the HDF5 file `path`, atomically (through a temporary file renamed into
/// place), replacing any file there. Runs are written in order of RunKey::index (ties keep
/// their given order), so the file does not depend on the order runs finished in. The
/// /disputes table is written only when `include_disputes` is true.
/// Throws sim::OutputError if the file cannot be written (nothing is left at `path`), and
/// std::invalid_argument for a record with an out-of-range category, level or outcome code.
void write_results(const std::string& path, const Provenance& provenance,
                   const std::vector<RunResult>& runs, bool include_disputes);

} // namespace govsim::models
