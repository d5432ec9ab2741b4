#pragma once
// Turns a run's dispute records and daily series into its yearly and per-category rows
// (the definitions of MODEL.md §7 and docs/results.md).
#include "models/summary.hpp"

#include <span>
#include <vector>

namespace govsim::models {

/// Statistics of a group of disputes, followed to the end of the run. `complaints` is left
/// 0: complaints are counted by the year they were made, not by onset (see build_summary).
[[nodiscard]] DisputeStats dispute_stats(std::span<const DisputeRecord* const> group);

struct CostSpec;

/// What build_summary needs beside the run's rows.
struct SummaryInputs {
    int start_year = 0;     ///< the first reported calendar year
    int evaluated_from = 0; ///< the first calendar year of RunResult::evaluation
    /// resources used in each reported year (null: none counted)
    const std::vector<Resources>* resources = nullptr;
    const CostSpec* costs = nullptr; ///< unit costs (null: money costs are NaN)
};

/// Fills `result.years`, `result.category_years`, `result.total` and `result.evaluation` from
/// the records, daily and monthly rows (months add up into years 12 at a time).
void build_summary(const std::vector<DisputeRecord>& records, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                   RunResult& result);

} // namespace govsim::models
