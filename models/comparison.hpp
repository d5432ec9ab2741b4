#pragma once
// The pilot comparison: for every town and governance model, the outcome metrics of MODEL.md §7
// with 95% intervals across replicates, and each model's paired difference from the baseline.
// Replicate k of every model runs on the same synthesised town with the same keyed random
// streams (common random numbers), so differences are paired by replicate and their intervals
// are narrower than the difference of two independent intervals.
#include "models/summary.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// The metrics compared, each pooled over a run's whole period.
enum class Metric : std::uint8_t {
    DisputeRate, ///< disputes per 1,000 households per year
    ComplaintsPerYear,
    MeanResolution, ///< days, over resolved disputes
    MedianResolution,
    P90Resolution,
    ResolvedWithin30, ///< share of all disputes resolved within 30 days of onset
};
inline constexpr std::size_t metric_count = 6;
inline constexpr std::array<std::string_view, metric_count> metric_names{
    "dispute_rate_per_1000_households_per_year",
    "complaints_per_year",
    "mean_resolution_days",
    "median_resolution_days",
    "p90_resolution_days",
    "share_resolved_within_30_days"};

/// A metric's value for one run, from its pooled row (`RunResult::total`).
[[nodiscard]] double metric_value(const RunResult& run, Metric metric);

/// The metric named `name` (one of metric_names), or nothing.
[[nodiscard]] std::optional<Metric> metric_from_name(std::string_view name);

struct ComparisonRow {
    std::string town;
    std::string model;
    Metric metric{};
    std::size_t replicates = 0;
    double mean = 0, lower = 0, upper = 0; ///< mean over replicates and its 95% interval
    std::string baseline;                  ///< the model differences are taken from
    /// mean paired difference (model - baseline) and its 95% interval; 0 for the baseline itself
    double difference = 0, difference_lower = 0, difference_upper = 0;
};

/// Compares the models of every town. Runs are grouped by (town, model) and paired by replicate
/// with the run of `baseline_model` in the same town (the first model of the town if none has
/// that name). Rows come town by town, in the order towns and models first appear in `runs`,
/// then metric by metric.
[[nodiscard]] std::vector<ComparisonRow>
compare_models(const std::vector<RunResult>& runs, std::string_view baseline_model = "baseline");

/// The rows as CSV (a header line, then one line per row; numbers with full precision).
[[nodiscard]] std::string comparison_csv(const std::vector<ComparisonRow>& rows);

/// The rows as readable tables, one per town: metrics with their intervals, then differences.
[[nodiscard]] std::string comparison_table(const std::vector<ComparisonRow>& rows);

} // namespace govsim::models
