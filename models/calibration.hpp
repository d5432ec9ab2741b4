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

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// A free parameter: the dotted key paths of numbers in the scenario that it sets (one value
/// at every key), and its prior.
struct FreeParameter {
    std::string key;               ///< its name: the key (or the file's `name` for several keys)
    std::vector<std::string> keys; ///< e.g. {"escalation.escalate_base"}
    analysis::PriorKind prior = analysis::PriorKind::Uniform;
    double lower = 0;
    double upper = 1;
    /// Whether it is a town figure (its keys under [town]): written to the town fragment.
    [[nodiscard]] bool town() const { return keys.front().starts_with("town."); }
};

/// What a pattern measures in a run (docs/calibration.md, "Patterns"). Each is computed per run
/// over the pattern's years, then averaged over the replicates.
enum class PatternStatistic : std::uint8_t {
    Complaints,            ///< complaints made per year
    RcMediationSuccess,    ///< resolved / handled at residents' committees (MonthlyRow::handled)
    OwnersCommitteeShare,  ///< compounds with an owners' committee, share at the last year's end
    OwnersCommitteeGrowth, ///< change of that share per year over the years
    FeeCollection,         ///< fees paid / billed in firm-managed compounds, mean of the months
    AbandonmentsPer100Compounds, ///< firms leaving compounds per year per 100 compounds
};
inline constexpr std::size_t pattern_statistic_count = 6;
inline constexpr std::array<std::string_view, pattern_statistic_count> pattern_statistic_names{
    "complaints",
    "rc_mediation_success",
    "owners_committee_share",
    "owners_committee_growth",
    "fee_collection",
    "abandonments_per_100_compounds"};

/// A pattern the calibration fits: a point target ([[calibration.targets]], lower == upper,
/// with a relative tolerance for the predictive check) or a band ([[calibration.bands]]).
struct Pattern {
    std::string name; ///< unique: "complaints_2014", or the band's name
    PatternStatistic statistic = PatternStatistic::Complaints;
    int first_year = 0;
    int last_year = 0;
    double lower = 0;
    double upper = 0;
    double scale = 1;     ///< the distance's unit outside [lower, upper]
    double weight = 1;    ///< its weight in the distance
    double tolerance = 0; ///< targets: the predictive check's relative tolerance; bands: 0
    bool target = false;  ///< a point target (a fact) rather than a band
    std::string source;
    std::string reliability; ///< e.g. "FACT", "S", "weak", "H"
    [[nodiscard]] analysis::AbcBand band() const { return {lower, upper, scale, weight}; }
    /// The region the predictive check accepts: the band, or the target +- tolerance.
    [[nodiscard]] double accept_lower() const { return target ? lower * (1 - tolerance) : lower; }
    [[nodiscard]] double accept_upper() const { return target ? upper * (1 + tolerance) : upper; }
};

struct CalibrationSpec {
    std::string path;        ///< the calibration file
    std::string source_text; ///< its text, for provenance
    /// The calibration file's own TOML without [calibration] (its include array kept), as text;
    /// particle scenarios add their values to it.
    std::string scenario_text;
    Scenario base; ///< the scenario at no override (the calibration file without [calibration])
    std::vector<FreeParameter> parameters;
    std::vector<Pattern> patterns; ///< the targets first, then the bands, in file order
    std::uint32_t replicates = 5;  ///< runs per particle; the summaries are their means
    /// Runs per particle in generations 0 to early_generations - 1 (a cheaper search for the
    /// region before the later generations average `replicates` runs); 0 generations: none.
    std::uint32_t early_replicates = 0;
    std::uint32_t early_generations = 0;
    /// The refinement after the fit (docs/calibration.md, "Method"): the `refine_particles`
    /// posterior particles with the smallest fit distances, then the local rounds' proposals,
    /// are run for `refine_replicates` runs each with seeds of their own, and the point ranked
    /// first (select_refined) is the shipped point. 0 particles: no refinement; the point is
    /// then the posterior mean.
    std::uint32_t refine_particles = 20;
    std::uint32_t refine_replicates = 100;
    /// Rounds of local search after the posterior's candidates (0: none): each round proposes
    /// `refine_proposals` points around the refine_parent_count best points so far, drawn from
    /// a normal with refine_proposal_scale^2 times the posterior's weighted covariance, and runs
    /// them as the candidates are run (with a seed of the round's own).
    std::uint32_t refine_rounds = 0;
    std::uint32_t refine_proposals = 40;
    [[nodiscard]] std::uint32_t replicates_in(std::size_t generation) const {
        return generation < early_generations ? early_replicates : replicates;
    }
    analysis::AbcOptions abc; ///< seed, particles, generations, tolerances
    /// Files the written fragments include before the calibrated values (resolved paths): the
    /// shared fragment (every parameter not under [town]) and the town fragment.
    std::vector<std::string> fragment_includes;
    std::vector<std::string> town_fragment_includes;

    [[nodiscard]] std::vector<analysis::AbcBand> bands() const;
    [[nodiscard]] bool has_town_parameters() const;
};

/// Reads and checks a calibration file. Throws sim::ConfigError (file:line:column: key) for a
/// bad [calibration] section, a key that is not a number of the scenario schema, or prior bounds
/// that the scenario's own range checks reject (the scenario is loaded at the lower and at the
/// upper bounds).
[[nodiscard]] CalibrationSpec load_calibration(const std::string& path);
/// As load_calibration, for text in memory named `path` (relative includes resolve from it).
[[nodiscard]] CalibrationSpec parse_calibration(std::string_view text, const std::string& path);
/// Only the [calibration] section of a calibration file's text (its parameters with their keys,
/// its patterns and settings), checked as parse_calibration checks it; the scenario the file
/// composes is not read: base and scenario_text stay empty, and the prior bounds are not tried
/// on it. For a design that draws from a calibration's posterior (models/scenario_loader.hpp).
[[nodiscard]] CalibrationSpec parse_calibration_section(std::string_view text,
                                                        const std::string& path);

/// The TOML text of a particle's scenario: the calibration file's tables with `theta[i]` set at
/// every key of parameters[i].
[[nodiscard]] std::string particle_text(const CalibrationSpec& spec, std::span<const double> theta);
/// The particle's scenario, read by the real loader (throws sim::ConfigError if invalid).
[[nodiscard]] Scenario particle_scenario(const CalibrationSpec& spec,
                                         std::span<const double> theta);

/// A pattern's statistic in one run (NaN where it is undefined, e.g. nothing handled).
[[nodiscard]] double pattern_statistic(const Pattern& pattern, const RunResult& run);

/// Each pattern's statistic averaged over `runs` (replicates of one scenario; runs where it is
/// undefined are left out, NaN when it is undefined in all).
[[nodiscard]] std::vector<double> pattern_summary(const CalibrationSpec& spec,
                                                  std::span<const RunResult> runs);

/// Runs each parameter vector's scenario for `replicates` replicates (spec.replicates when 0),
/// all of them through one run_experiment call (in parallel; common random numbers within the
/// call, seeded by `seed`), and returns each vector's pattern_summary.
[[nodiscard]] std::vector<std::vector<double>>
simulate_particles(const CalibrationSpec& spec, const std::vector<std::vector<double>>& thetas,
                   std::uint64_t seed, std::uint32_t replicates = 0);

/// A point run by the refinement: a posterior particle (round 0) or a local proposal.
struct RefinedParticle {
    std::size_t round = 0;    ///< 0: a posterior particle; r > 0: proposed in local round r
    std::size_t parent = 0;   ///< the refinement row it was proposed around (itself in round 0)
    std::size_t particle = 0; ///< the posterior row it descends from (AbcResult::posterior())
    std::vector<double> theta;
    double weight = 0;                   ///< that posterior particle's weight
    double fit_distance = 0;             ///< that posterior particle's distance in the fit
    std::vector<double> means;           ///< each pattern's mean over the refinement's runs
    std::vector<double> standard_errors; ///< each pattern's standard error of that mean
    double distance = 0;                 ///< the band distance of `means`, as in the fit
    /// The smallest, over patterns, of how far the mean is inside the predictive check's
    /// accepted region, in standard errors of the mean (negative: outside; -inf: undefined).
    double margin = 0;
};

/// How far inside every accepted region (in standard errors) a refined particle's means must
/// be to rank first (select_refined): an independent check at as many replicates then passes
/// each pattern with probability about Phi(2 / sqrt 2) = 0.92 or more.
inline constexpr double refine_clear_margin = 2.0;
/// Local rounds propose around this many best points so far (select_refined's order).
inline constexpr std::size_t refine_parent_count = 4;
/// Local proposals: parent + this times a draw with the posterior's weighted covariance.
inline constexpr double refine_proposal_scale = 0.5;

/// The refinement: the candidates, their reruns, and the one chosen as the shipped point.
struct Refinement {
    std::uint32_t replicates = 0;
    std::vector<std::uint64_t> seeds; ///< the runs' seed in each round (round 0 first)
    /// The posterior's candidates by increasing fit distance, then each local round's proposals.
    std::vector<RefinedParticle> particles;
    std::size_t chosen = 0; ///< index into `particles`
    std::size_t runs = 0;
    double wall_seconds = 0;
    [[nodiscard]] bool empty() const { return particles.empty(); }
};

struct CalibrationResult {
    analysis::AbcResult abc;
    Refinement refinement;   ///< empty when spec.refine_particles is 0
    double wall_seconds = 0; ///< the fit and the refinement
    std::size_t runs = 0;    ///< model runs made by the fit (simulations x replicates)
    /// The shipped point: the refinement's chosen particle, or the posterior means without one.
    [[nodiscard]] std::vector<double> point() const;
};

/// The seeds of a calibration's runs, each from a stream of its own keyed by spec.abc.seed:
/// batch b of generation g of the fit, round r of the refinement, and the predictive check.
[[nodiscard]] std::uint64_t fit_seed(const CalibrationSpec& spec, std::size_t generation,
                                     std::size_t batch);
[[nodiscard]] std::uint64_t refinement_seed(const CalibrationSpec& spec, std::size_t round);
[[nodiscard]] std::uint64_t check_seed(const CalibrationSpec& spec);

/// What the shipped point is, as a phrase ("the posterior particle nearest the patterns at 100
/// replicates (posterior row 12)", "the point nearest the patterns at 100 replicates, proposed
/// in the refinement's local round 2 ...", or the posterior means without a refinement).
[[nodiscard]] std::string shipped_point_phrase(const CalibrationResult& result);

/// The refinement's candidates: the rows of `posterior` with the `count` smallest distances
/// (ties: the lower row first), by increasing distance; all rows when count >= their number.
[[nodiscard]] std::vector<std::size_t>
refinement_candidates(const analysis::AbcGeneration& posterior, std::size_t count);

/// Whether refined point a ranks before b: means inside every accepted region by at least
/// refine_clear_margin standard errors first, then inside every region, then the rest; within
/// a rank the smaller distance.
[[nodiscard]] bool refined_before(const RefinedParticle& a, const RefinedParticle& b);

/// The refined point to ship, as an index into `particles` (which must not be empty): the first
/// in refined_before's order; of equal ones, the earlier.
[[nodiscard]] std::size_t select_refined(std::span<const RefinedParticle> particles);

/// The refinement: reruns the candidates of `posterior` (spec.refine_particles of them) for
/// spec.refine_replicates runs each, then spec.refine_rounds local rounds of
/// spec.refine_proposals proposals each, and selects the shipped point (select_refined). Round
/// r's runs are seeded by stream_seed(spec.abc.seed, r, 0, purpose) with a purpose of their own
/// (neither the fit's batches nor the predictive check use it): the points of one round share
/// common random numbers. Empty when spec.refine_particles is 0.
[[nodiscard]] Refinement refine(const CalibrationSpec& spec,
                                const analysis::AbcGeneration& posterior);

/// ABC-SMC over spec's parameters and targets, then the refinement (refine()). Batch b of
/// generation g runs with the seed stream_seed(spec.abc.seed, g, b, purpose): replicates share
/// random numbers within a batch, not across batches. Deterministic for a given spec;
/// independent of the number of threads.
[[nodiscard]] CalibrationResult calibrate(const CalibrationSpec& spec, bool progress = false);

struct CalibrationProvenance {
    std::string command_line;
    std::string version;
    std::string created_utc;
};

/// Writes the results file: tables "posterior" (the last generation), "particles" (every
/// generation), "generations" and, after a refinement, "refinement" (one row per point run),
/// with the targets, settings, the shipped point and provenance as attributes.
void write_calibration(const std::string& path, const CalibrationSpec& spec,
                       const CalibrationResult& result, const CalibrationProvenance& provenance);

/// Which fragment to write: the shared one (every parameter not under [town], after
/// spec.fragment_includes) or the town's (the [town] parameters, after
/// spec.town_fragment_includes).
enum class FragmentPart : std::uint8_t { Shared, Town };

/// A scenario fragment holding the shipped point (result.point(): the refinement's chosen
/// particle, or the weighted posterior means without a refinement) of the part's free
/// parameters, after its includes (made relative to the fragment's folder `fragment_path`), with
/// comments: date, the patterns and their sources, fit, the refinement's table, posterior means,
/// sds and intervals.
[[nodiscard]] std::string calibration_fragment(const CalibrationSpec& spec,
                                               const CalibrationResult& result,
                                               const std::string& fragment_path,
                                               const CalibrationProvenance& provenance,
                                               FragmentPart part = FragmentPart::Shared);

/// The values of spec's free parameters in a composed scenario file (e.g. one that includes
/// the fragments): the number at each parameter's first key. Throws sim::ConfigError when a
/// key is missing.
[[nodiscard]] std::vector<double> parameter_values(const CalibrationSpec& spec,
                                                   const std::string& scenario_path);

/// One pattern in a predictive check: the mean over runs with its 95% interval half-width,
/// the 5% and 95% quantiles of the runs, and whether the mean is in the accepted region.
struct PatternCheck {
    double mean = 0;
    double half_width = 0;
    double run_p05 = 0;
    double run_p95 = 0;
    std::size_t runs = 0; ///< runs where the statistic is defined
    bool pass = false;
};

struct PredictiveCheck {
    std::vector<double> theta;
    std::uint32_t replicates = 0;
    std::uint64_t seed = 0;
    std::vector<PatternCheck> patterns; ///< one per spec.patterns
    double wall_seconds = 0;
    [[nodiscard]] bool pass() const;
};

/// Runs the scenario at `theta` for `replicates` replicates (seeded from spec.abc.seed) and
/// checks every pattern.
[[nodiscard]] PredictiveCheck predictive_check(const CalibrationSpec& spec,
                                               std::span<const double> theta,
                                               std::uint32_t replicates);

/// The check as a Markdown table, with a line saying how it was made (`how`).
[[nodiscard]] std::string predictive_check_markdown(const CalibrationSpec& spec,
                                                    const PredictiveCheck& check,
                                                    const std::string& how);

/// Replaces the text between the lines "<!-- calibration-check:begin -->" and
/// "<!-- calibration-check:end -->" of `path` by `text`. Throws std::runtime_error when the
/// markers are missing.
void write_between_markers(const std::string& path, const std::string& text);

/// A short text report of the fit and the posterior.
[[nodiscard]] std::string calibration_report(const CalibrationSpec& spec,
                                             const CalibrationResult& result);

} // namespace govsim::models
