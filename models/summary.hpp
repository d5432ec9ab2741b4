#pragma once
// What one run (scenario x town x replicate) produces, as plain tables ready to be written:
// yearly summary rows, per-category rows, daily and monthly series, and optionally one
// record per dispute. Definitions follow MODEL.md §7 and docs/results.md.
#include "models/categories.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace govsim::models {

/// Identifies a run within an experiment.
struct RunKey {
    std::uint32_t index = 0; ///< position in the experiment (scenario x town x replicate)
    std::string scenario;    ///< the experiment or scenario name
    std::string town;
    std::string model; ///< the governance model (e.g. "baseline", "lishui")
    std::uint32_t replicate = 0;
};

/// Dispute outcome counts and times for one group of disputes (a year, or a year and category).
/// Disputes are grouped by onset; each is followed to the end of the run, so
/// disputes == resolved + abandoned + open_at_end always.
struct DisputeStats {
    std::uint64_t disputes = 0;
    std::uint64_t complaints =
        0; ///< complaints *made in the period* (escalations to a government channel)
    std::uint64_t resolved = 0;
    std::uint64_t abandoned = 0;
    std::uint64_t open_at_end = 0;
    double mean_resolution_days = 0;          ///< over resolved disputes; NaN when none
    double median_resolution_days = 0;        ///< NaN when none resolved
    double p90_resolution_days = 0;           ///< NaN when none resolved
    double mean_detection_days = 0;           ///< over detected disputes; NaN when none
    double share_resolved_within_30_days = 0; ///< of all disputes in the group; NaN when none
};

struct YearRow {
    int year = 0;
    double households = 0; ///< occupied households, mean over the year's days
    double dispute_rate_per_1000_households = 0;
    DisputeStats stats;
};

struct CategoryYearRow {
    int year = 0;
    Category category{};
    DisputeStats stats;
};

/// One day's flows and stocks for a run.
struct DailyRow {
    int day = 0;
    std::uint32_t households = 0; ///< occupied at the end of the day
    std::uint32_t onsets = 0;
    std::uint32_t detections = 0;
    std::uint32_t resolved = 0;
    std::uint32_t abandoned = 0;
    std::uint32_t complaints = 0;
    std::uint32_t open = 0; ///< disputes open at the end of the day (backlog)
    std::array<double, level_count> busy_server_days{}; ///< work done at each level that day
    std::array<std::uint32_t, level_count> servers{};   ///< servers at each level that day
};

/// State averaged at the end of each month.
struct MonthlyRow {
    int month = 0; ///< months since the start, 0-based
    double mean_satisfaction = 0;
    double mean_trust = 0;
    double fee_collection = 0; ///< share of occupied households paying their fee
    std::uint32_t managed_compounds = 0;
    std::uint32_t abandonments = 0;      ///< firms leaving compounds during the month
    std::uint32_t owners_committees = 0; ///< compounds with an owners' committee
    std::uint32_t functioning_committees = 0;
    double firm_balance = 0; ///< firms' cumulative result, in fee units
};

/// One dispute, every step timestamped (days since the start; NaN when not reached).
struct DisputeRecord {
    std::uint32_t community = 0;
    std::uint32_t compound = 0;
    std::uint32_t household = 0;
    Category category{};
    double onset = 0;
    double detected = 0;
    double complaint = 0; ///< first escalation to a government channel
    double closed = 0;
    std::uint8_t outcome = 0;  ///< 0 open, 1 resolved, 2 abandoned
    Level last_level{};        ///< last handler level that held it
    std::uint8_t handoffs = 0; ///< hand-offs between handlers, routing errors included
};

struct RunResult {
    RunKey key;
    std::uint32_t communities = 0;
    std::uint32_t compounds = 0;
    std::uint32_t units = 0;
    std::vector<YearRow> years;
    /// The whole run pooled: `year` is 0, households the mean over all days, the rate per year
    /// over all days, and the statistics over every dispute (complaints: all made in the run).
    YearRow total;
    std::vector<CategoryYearRow> category_years;
    std::vector<DailyRow> daily;
    std::vector<MonthlyRow> monthly;
    std::vector<DisputeRecord> disputes; ///< filled only when records are requested
    double wall_seconds = 0;
};

} // namespace govsim::models
