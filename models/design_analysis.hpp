#pragma once
// The analysis of a designed experiment's runs (issue 9): each run's outcome metrics over its
// evaluation period (models/comparison.hpp metric_value) reduced, as runs finish, to one mean
// over replicates per (town, model, design point, metric) — so memory grows with the design,
// not with the runs — and from those means:
//
//   - Sobol first- and total-order indices with bootstrap intervals (a Saltelli design) and
//     Morris mu, mu*, sigma (a Morris design), per town, model, metric and parameter
//     (analysis/sensitivity.hpp);
//   - the robustness of the model ranking over parameter draws (a prior or posterior design):
//     per town, metric and model, the probability of beating the baseline, the distribution of
//     its rank among the models, and its expected regret (analysis/robustness.hpp);
//   - a factorial sweep's table: each point's parameter values and means, per town and model.
//
// Replicates under common random numbers make the point means of two models paired: the
// robustness figures compare models on the same draws and the same random streams.
#include "analysis/designs.hpp"
#include "models/comparison.hpp"
#include "models/summary.hpp"
#include "sim/results_file.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// Whether less of a metric is better (fewer complaints, shorter times, lower cost); the
/// shares resolved are better higher.
[[nodiscard]] bool lower_is_better(Metric metric);

/// Means over replicates of every metric, per (town, model, design point), accumulated run by
/// run in any order (the sums are added in replicate order at the end, so the means do not
/// depend on the order runs arrive in).
class PointMeans {
public:
    /// Means for these towns and models only.
    PointMeans(std::vector<std::string> towns, std::vector<std::string> models, std::size_t points,
               std::uint32_t replicates);
    /// Means for the towns and models of the runs added, in the order they first appear.
    PointMeans(std::size_t points, std::uint32_t replicates);

    /// Adds run `run` as design point `point` (its town, model and replicate from run.key).
    /// Throws std::invalid_argument for a town or model not given to the constructor (if they
    /// were), a point or replicate out of range, or a run added twice.
    void add(std::size_t point, const RunResult& run);

    [[nodiscard]] const std::vector<std::string>& towns() const { return towns_; }
    [[nodiscard]] const std::vector<std::string>& models() const { return models_; }
    [[nodiscard]] std::size_t points() const { return points_; }
    [[nodiscard]] std::uint32_t replicates() const { return replicates_; }

    /// The mean over the replicates added of the metric at the point (NaN if none was, or if a
    /// replicate's value is NaN, e.g. no resolved dispute for a resolution time).
    [[nodiscard]] double mean(std::size_t town, std::size_t model, std::size_t point,
                              Metric metric) const;
    /// The point means of one (town, model, metric), in design order.
    [[nodiscard]] std::vector<double> series(std::size_t town, std::size_t model,
                                             Metric metric) const;
    /// Whether every (town, model, point, replicate) has been added.
    [[nodiscard]] bool complete() const;

private:
    /// The runs of one (town, model): per point and replicate, the metrics (NaN until added),
    /// kept to add in replicate order.
    struct Cell {
        std::vector<std::array<double, metric_count>> values;
        std::vector<std::uint8_t> added;
    };
    [[nodiscard]] const Cell* cell(std::size_t town, std::size_t model) const;
    std::vector<std::string> towns_, models_;
    bool open_; ///< towns and models are registered as runs arrive
    std::size_t points_;
    std::uint32_t replicates_;
    std::map<std::pair<std::size_t, std::size_t>, Cell> cells_;
};

/// One sensitivity index set: a parameter's influence on a metric for a town and model.
struct SensitivityRow {
    std::string town, model;
    Metric metric{};
    std::string parameter;
    std::string method;         ///< "sobol" or "morris"
    std::size_t points = 0;     ///< design points (Sobol: base rows; Morris: trajectories)
    double confidence = 0.95;   ///< of the bootstrap intervals
    double output_variance = 0; ///< variance of the point means over the design (Sobol)
    /// Sobol first-order and total-order indices with bootstrap intervals (NaN for Morris)
    double first = 0, first_lower = 0, first_upper = 0;
    double total = 0, total_lower = 0, total_upper = 0;
    /// Morris elementary effects in the unit cube: mean, mean of absolute values with its
    /// bootstrap interval, standard deviation (NaN for Sobol)
    double mu = 0, mu_star = 0, mu_star_lower = 0, mu_star_upper = 0, sigma = 0;
};

struct SensitivityOptions {
    std::size_t resamples = 1000;
    double confidence = 0.95;
    std::uint64_t seed = 0;
};

/// Sobol indices of every metric for every town and model, from a Saltelli design whose
/// points (in design order) are the PointMeans' points. `parameters` names the design's columns.
[[nodiscard]] std::vector<SensitivityRow> sobol_rows(const PointMeans& means,
                                                     const analysis::SaltelliDesign& design,
                                                     const std::vector<std::string>& parameters,
                                                     const SensitivityOptions& options = {});

/// Morris effects of every metric for every town and model, from a Morris design.
[[nodiscard]] std::vector<SensitivityRow> morris_rows(const PointMeans& means,
                                                      const analysis::MorrisDesign& design,
                                                      const std::vector<std::string>& parameters,
                                                      const SensitivityOptions& options = {});

/// How a model fares across parameter draws, for a town and metric.
struct RobustnessRow {
    std::string town, model, baseline;
    Metric metric{};
    std::size_t draws = 0; ///< draws with a value for every model of the town
    bool lower_is_better = true;
    double mean = 0, p05 = 0, p95 = 0; ///< of the model's point means over the draws
    double p_beats_baseline = 0;       ///< strictly better than the baseline on a draw
    double expected_regret = 0;        ///< mean shortfall from the best model on each draw
    /// rank_probability[r]: probability that the model ranks r + 1 among the town's models
    std::vector<double> rank_probability;
};

/// Robustness of the model ranking over the PointMeans' points (parameter draws), for every
/// town and metric, with `baseline_model` (else the first model) as the baseline.
[[nodiscard]] std::vector<RobustnessRow> robustness_rows(const PointMeans& means,
                                                         std::string_view baseline_model);

/// A factorial design's point for a town and model: its parameters' values and the mean over
/// replicates of every metric.
struct SweepRow {
    std::string town, model;
    std::size_t point = 0;
    std::vector<double> values; ///< per design parameter, as applied to the scenarios
    std::array<double, metric_count> mean{};
};

/// The PointMeans' points as sweep rows, per town, then model, then point (in design order);
/// `values[p]` gives point p's parameter values.
[[nodiscard]] std::vector<SweepRow> sweep_rows(const PointMeans& means,
                                               const std::vector<std::vector<double>>& values);

/// Tables /sensitivity and /robustness of a results file.
void write_sensitivity(sim::ResultsFile& file, const std::vector<SensitivityRow>& rows);
void write_robustness(sim::ResultsFile& file, const std::vector<RobustnessRow>& rows);

/// Tidy CSV (a header, then one line per row, numbers with full precision).
[[nodiscard]] std::string sensitivity_csv(const std::vector<SensitivityRow>& rows);
[[nodiscard]] std::string robustness_csv(const std::vector<RobustnessRow>& rows);

/// Readable tables: per town, model and metric the parameters by influence (Sobol total
/// order, or Morris mu*); per town and metric the models by probability of beating the
/// baseline. `metrics` limits what is printed (empty: every metric).
[[nodiscard]] std::string sensitivity_table(const std::vector<SensitivityRow>& rows,
                                            const std::vector<Metric>& metrics = {});
[[nodiscard]] std::string robustness_table(const std::vector<RobustnessRow>& rows,
                                           const std::vector<Metric>& metrics = {});
/// A sweep readable at a glance: per town and model, one line per design point with the
/// parameters' values (`parameters` names them) and the metrics' means over `replicates`
/// replicates. At most `max_rows` lines of points in all; a last line says how many more
/// there are and where they are (every run's metrics are in /runs).
[[nodiscard]] std::string sweep_table(const std::vector<SweepRow>& rows,
                                      const std::vector<std::string>& parameters,
                                      std::uint32_t replicates,
                                      const std::vector<Metric>& metrics = {},
                                      std::size_t max_rows = 100);

} // namespace govsim::models
