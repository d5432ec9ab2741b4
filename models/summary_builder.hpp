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

/// Fills `result.years`, `result.category_years` and `result.total` from the records, daily
/// and monthly rows (months add up into years 12 at a time).
void build_summary(const std::vector<DisputeRecord>& records, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, int start_year, RunResult& result);

} // namespace govsim::models
