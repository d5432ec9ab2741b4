#pragma once
// Calibration of a scenario's free parameters to yearly complaint counts by approximate
// Bayesian computation (analysis/abc.hpp). A calibration file is a scenario file (it includes
// a base scenario, and may override its values) with a [calibration] section: the free
// parameters as dotted key paths with priors, the targets (complaints per year), the ABC
// settings. Each particle's scenario is built by composition — the calibration file's own
// tables without [calibration], with the particle's values set at their keys, as TOML text that
// the real loader reads — so every range and consistency check of the schema applies. Schema and
// method: docs/scenarios.md ("[calibration]") and docs/calibration.md.
#include "analysis/abc.hpp"
#include "models/scenario.hpp"
#include "models/summary.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// A free parameter: the dotted key path of a number in the scenario, and its prior.
struct FreeParameter {
    std::string key; ///< e.g. "escalation.escalate_base"
    analysis::PriorKind prior = analysis::PriorKind::Uniform;
    double lower = 0;
    double upper = 1;
};

struct CalibrationSpec {
    std::string path;        ///< the calibration file
    std::string source_text; ///< its text, for provenance
    /// The calibration file's own TOML without [calibration] (its include array kept), as text;
    /// particle scenarios add their values to it.
    std::string scenario_text;
    Scenario base; ///< the scenario at no override (the calibration file without [calibration])
    std::vector<FreeParameter> parameters;
    std::vector<int> target_years;         ///< calendar years, within the base scenario's run
    std::vector<double> target_complaints; ///< complaints per year, one per target year
    std::uint32_t replicates = 5;          ///< runs per particle; the summary is their mean
    analysis::AbcOptions abc;              ///< seed, particles, generations, tolerances
    /// Files the written fragment includes before the calibrated values (resolved paths).
    std::vector<std::string> fragment_includes;
};

/// Reads and checks a calibration file. Throws sim::ConfigError (file:line:column: key) for a
/// bad [calibration] section, a key that is not a number of the scenario schema, or prior bounds
/// that the scenario's own range checks reject (the scenario is loaded at the lower and at the
/// upper bounds).
[[nodiscard]] CalibrationSpec load_calibration(const std::string& path);
/// As load_calibration, for text in memory named `path` (relative includes resolve from it).
[[nodiscard]] CalibrationSpec parse_calibration(std::string_view text, const std::string& path);

/// The TOML text of a particle's scenario: the calibration file's tables with `theta[i]` set at
/// parameters[i].key.
[[nodiscard]] std::string particle_text(const CalibrationSpec& spec, std::span<const double> theta);
/// The particle's scenario, read by the real loader (throws sim::ConfigError if invalid).
[[nodiscard]] Scenario particle_scenario(const CalibrationSpec& spec,
                                         std::span<const double> theta);

/// Mean complaints per target year over `runs` (replicates of one scenario).
[[nodiscard]] std::vector<double> complaint_summary(const CalibrationSpec& spec,
                                                    std::span<const RunResult> runs);

/// Runs each parameter vector's scenario for spec.replicates replicates, all of them through
/// one run_experiment call (in parallel; common random numbers within the call, seeded by
/// `seed`), and returns each vector's complaint_summary.
[[nodiscard]] std::vector<std::vector<double>>
simulate_particles(const CalibrationSpec& spec, const std::vector<std::vector<double>>& thetas,
                   std::uint64_t seed);

struct CalibrationResult {
    analysis::AbcResult abc;
    double wall_seconds = 0;
    std::size_t runs = 0; ///< model runs made (simulations x replicates)
};

/// ABC-SMC over spec's parameters and targets. Batch b of generation g runs with the seed
/// stream_seed(spec.abc.seed, g, b, purpose): replicates share random numbers within a batch,
/// not across batches. Deterministic for a given spec; independent of the number of threads.
[[nodiscard]] CalibrationResult calibrate(const CalibrationSpec& spec, bool progress = false);

struct CalibrationProvenance {
    std::string command_line;
    std::string version;
    std::string created_utc;
};

/// Writes the results file: tables "posterior" (the last generation), "particles" (every
/// generation) and "generations", with the targets, settings and provenance as attributes.
void write_calibration(const std::string& path, const CalibrationSpec& spec,
                       const CalibrationResult& result, const CalibrationProvenance& provenance);

/// A scenario fragment holding the posterior means (weighted) of the free parameters, after an
/// include of spec.fragment_includes (made relative to the fragment's folder `fragment_path`),
/// with comments: date, targets, fit, posterior intervals.
[[nodiscard]] std::string calibration_fragment(const CalibrationSpec& spec,
                                               const CalibrationResult& result,
                                               const std::string& fragment_path,
                                               const CalibrationProvenance& provenance);

/// A short text report of the fit and the posterior.
[[nodiscard]] std::string calibration_report(const CalibrationSpec& spec,
                                             const CalibrationResult& result);

} // namespace govsim::models
