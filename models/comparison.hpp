#pragma once
// The pilot comparison: for every town and governance model, the outcome metrics of MODEL.md §7
// with 95% intervals across replicates, and each model's paired difference from the baseline,
// absolute and relative, over the evaluation period and year by year; the first year each
// difference is significant (time to effect); and what each model's gains cost.
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

/// The metrics compared. Successes (resolution) are always read beside failures (abandoned,
/// left open) and costs: a model that cuts complaints because households give up shows it.
enum class Metric : std::uint8_t {
    DisputeRate,            ///< disputes per 1,000 households per year
    ComplaintsPerYear,      ///< parties' escalations to government
    GovernmentCasesPerYear, ///< complaints + grid referrals + timer escalations
    ResolvedShare,          ///< of the period's disputes, resolved by the end of the run
    AbandonedShare,         ///< given up by the party
    OpenShareAtEnd,         ///< still open at the end of the run
    MeanResolution,         ///< days, over resolved disputes
    MedianResolution,
    P90Resolution,
    ResolvedWithin30,  ///< share of all disputes resolved within 30 days of onset
    Burden,            ///< dispute-days open per 1,000 households per year
    PublicCostPerYear, ///< yuan a year of public resources (all but fee-funded firm staff)
};
inline constexpr std::size_t metric_count = 12;
inline constexpr std::array<std::string_view, metric_count> metric_names{
    "dispute_rate_per_1000_households_per_year",
    "complaints_per_year",
    "government_cases_per_year",
    "resolved_share",
    "abandoned_share",
    "open_share_at_end",
    "mean_resolution_days",
    "median_resolution_days",
    "p90_resolution_days",
    "share_resolved_within_30_days",
    "burden_per_1000_households_per_year",
    "public_cost_per_year"};

/// A metric's value for a row covering `years` years (a year of /summary: 1; a pooled row: the
/// years it pools).
[[nodiscard]] double metric_value(const YearRow& row, double years, Metric metric);
/// A metric's value for one run over its evaluation period (`RunResult::evaluation`).
[[nodiscard]] double metric_value(const RunResult& run, Metric metric);

/// The metric named `name` (one of metric_names), or nothing.
[[nodiscard]] std::optional<Metric> metric_from_name(std::string_view name);

struct ComparisonRow {
    std::string town;
    std::string model;
    Metric metric{};
    /// 0 for the evaluation period (RunResult::evaluation), else one calendar year
    int year = 0;
    int first_year = 0, last_year = 0; ///< the calendar years the row covers
    std::size_t replicates = 0;
    double mean = 0, lower = 0, upper = 0; ///< mean over replicates and its 95% interval
    std::string baseline;                  ///< the model differences are taken from
    /// mean paired difference (model - baseline) and its 95% interval; 0 for the baseline itself
    double difference = 0, difference_lower = 0, difference_upper = 0;
    /// the difference relative to the baseline's mean, and a 95% paired-bootstrap interval of
    /// that ratio; NaN where the baseline's mean is 0
    double relative = 0, relative_lower = 0, relative_upper = 0;
    /// for evaluation-period rows: the first calendar year whose own row's difference interval
    /// excludes 0 (time to effect); 0 if none did (or for the baseline)
    int first_significant_year = 0;
    /// for equity rows: the group of households (models/summary.hpp EquityDimension)
    std::string dimension, group;
};

/// The metrics compared for each group of households in Comparison::equity.
inline constexpr std::array<Metric, 4> equity_metrics{Metric::ResolvedShare, Metric::AbandonedShare,
                                                      Metric::ComplaintsPerYear,
                                                      Metric::MedianResolution};

/// What a model's differences from the baseline cost, per town (evaluation period, per year).
/// Ratios and their 95% intervals come from a paired bootstrap over replicates; a ratio is NaN
/// when its denominator's interval includes 0 (no significant gain to put a price on).
struct CostEffectRow {
    std::string town;
    std::string model;
    std::string baseline;
    std::size_t replicates = 0;
    double extra_cost = 0, extra_cost_lower = 0, extra_cost_upper = 0;             ///< yuan a year
    double extra_resolved = 0, extra_resolved_lower = 0, extra_resolved_upper = 0; ///< a year
    double complaints_avoided = 0, complaints_avoided_lower = 0, complaints_avoided_upper = 0;
    double cost_per_extra_resolved = 0, cost_per_extra_resolved_lower = 0,
           cost_per_extra_resolved_upper = 0; ///< yuan
    double cost_per_complaint_avoided = 0, cost_per_complaint_avoided_lower = 0,
           cost_per_complaint_avoided_upper = 0; ///< yuan
};

struct Comparison {
    std::vector<ComparisonRow> rows; ///< evaluation-period rows first, then year by year
    std::vector<CostEffectRow> costs;
    /// per town, model, group of households and equity metric, over the evaluation period
    std::vector<ComparisonRow> equity;
};

/// Compares the models of every town. Runs are grouped by (town, model) and paired by replicate
/// with the run of `baseline_model` in the same town (the first model of the town if none has
/// that name). Rows come town by town, in the order towns and models first appear in `runs`,
/// then metric by metric; the evaluation period's rows first, then each year's. Bootstrap
/// intervals are seeded by `seed` (deterministic).
[[nodiscard]] Comparison compare_models(const std::vector<RunResult>& runs,
                                        std::string_view baseline_model = "baseline",
                                        std::uint64_t seed = 0);

/// The whole comparison as one tidy CSV (a header line, then one line per row; numbers with
/// full precision): the rows (dimension and group "all"), the equity rows, then each
/// cost-effectiveness quantity as a row of its own (metric extra_public_cost_per_year,
/// extra_resolved_per_year, complaints_avoided_per_year, cost_per_extra_resolved,
/// cost_per_complaint_avoided; its value and interval in mean, lower, upper).
[[nodiscard]] std::string comparison_csv(const Comparison& comparison);

/// Readable tables, one set per town: metrics with their intervals, differences (absolute and
/// relative), time to effect, and costs.
[[nodiscard]] std::string comparison_table(const Comparison& comparison);

/// How the printed tables show a metric: its column header, the factor to the printed unit
/// (shares in %, costs in 10,000 yuan) and its decimals.
struct MetricDisplay {
    std::string_view header;
    double scale = 1;
    int decimals = 1;
};
[[nodiscard]] MetricDisplay display_of(Metric metric);

/// `s` right-aligned in `width` columns of a terminal (code points, so that ± and ≤ count
/// once), with at least one space before it.
[[nodiscard]] std::string pad_left(const std::string& s, std::size_t width);

} // namespace govsim::models
