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

/// What happened to owners' committees, assemblies and firms in a period (a month, a year).
struct InstitutionStats {
    std::uint32_t assemblies = 0;         ///< owners' assemblies held, on any motion
    std::uint32_t committees_elected = 0; ///< assemblies that elected an owners' committee
    std::uint32_t dismissal_votes = 0;    ///< assemblies on dismissing the firm
    std::uint32_t dismissals = 0;         ///< firms dismissed by a vote
    std::uint32_t hire_votes = 0;         ///< assemblies on hiring a firm
    std::uint32_t tenders = 0;            ///< tenders held (after a dismissal, vote or abandonment)
    std::uint32_t firms_hired = 0;        ///< tenders a firm won (firms replaced or brought in)
    std::uint32_t abandonments = 0;       ///< firms leaving compounds (弃管)
    std::uint32_t committees_dormant = 0; ///< committees that stopped working
    std::uint32_t committees_revived = 0; ///< dormant committees working again
    InstitutionStats& operator+=(const InstitutionStats& o);
    bool operator==(const InstitutionStats&) const = default;
};

struct YearRow {
    int year = 0;
    double households = 0; ///< occupied households, mean over the year's days
    double dispute_rate_per_1000_households = 0;
    DisputeStats stats;
    InstitutionStats institutions; ///< the year's months added up
};

struct CategoryYearRow {
    int year = 0;
    Category category{};
    DisputeStats stats;
};

/// Handlings finished at each level in a period, counted where the level can resolve the
/// dispute's category at all (its success probability above 0): services completed, and those
/// that resolved the dispute. resolved / served at the residents' committee is the mediation
/// success that the calibration's patterns compare with SOURCES.md (docs/calibration.md).
struct HandlerFlows {
    std::array<std::uint32_t, level_count> served{};
    std::array<std::uint32_t, level_count> resolved{};
    HandlerFlows& operator+=(const HandlerFlows& o) {
        for (std::size_t k = 0; k < level_count; ++k) {
            served[k] += o.served[k];
            resolved[k] += o.resolved[k];
        }
        return *this;
    }
};

/// One day's flows and stocks for a run.
struct DailyRow {
    int day = 0;         ///< days since 1 January of the first reported year (< 0: warm-up)
    bool warmup = false; ///< a day of the warm-up, not reported in /summary
    std::uint32_t households = 0; ///< occupied at the end of the day
    std::uint32_t onsets = 0;
    std::uint32_t detections = 0;
    std::uint32_t resolved = 0;
    std::uint32_t abandoned = 0;
    std::uint32_t complaints = 0;
    std::uint32_t open = 0; ///< disputes open at the end of the day (backlog)
    std::array<double, level_count> busy_server_days{}; ///< work done at each level that day
    std::array<std::uint32_t, level_count> servers{};   ///< servers at each level that day
    HandlerFlows handled; ///< handlings finished that day (not written to results files)
};

/// State at the end of each month, and the month's institutional events.
struct MonthlyRow {
    int month = 0;       ///< months since January of the first reported year (< 0: warm-up)
    bool warmup = false; ///< a month of the warm-up
    double mean_satisfaction = 0; ///< over households living in the units
    double mean_trust = 0;
    double mean_owner_satisfaction = 0; ///< over all owners, resident or not
    /// fees paid / fees billed in firm-managed compounds
    double fee_collection = 0;
    /// mean staffing of firm-managed compounds, as a share of full staffing
    double mean_staffing = 0;
    std::uint32_t managed_compounds = 0; ///< compounds with any manager
    std::uint32_t firm_managed = 0;
    std::uint32_t interim_managed = 0;
    std::uint32_t collective_managed = 0;
    std::uint32_t self_governed = 0;
    std::uint32_t owners_committees = 0; ///< compounds with an owners' committee
    std::uint32_t functioning_committees = 0;
    std::uint32_t residents_committees = 0;
    double firm_balance = 0; ///< sum of firms' balances (reserve plus margins), fee units
    std::uint32_t firms_in_deficit = 0; ///< firms whose balance is below 0
    InstitutionStats institutions;      ///< during the month
};

/// One dispute, every step timestamped (days since 1 January of the first reported year,
/// negative in the warm-up; NaN when not reached).
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
    std::uint8_t party = 0;    ///< 0 the household living in the unit, 1 its absent owner
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
