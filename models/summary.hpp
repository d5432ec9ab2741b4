#pragma once
// What one run (scenario x town x replicate) produces, as plain tables ready to be written:
// yearly summary rows, per-category rows, daily and monthly series, and optionally one
// record per dispute. Definitions follow MODEL.md §7 and docs/results.md.
#include "models/categories.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
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
    // Government cases *made in the period* (first entries into a government channel), by how
    // they came: a party's complaint, a grid patrol's referral, a deadline's escalation.
    std::uint64_t complaints = 0;
    std::uint64_t grid_referrals = 0;
    std::uint64_t timer_escalations = 0;
    std::uint64_t resolved = 0;
    std::uint64_t abandoned = 0;
    std::uint64_t open_at_end = 0;
    double mean_resolution_days = 0;          ///< over resolved disputes; NaN when none
    double median_resolution_days = 0;        ///< NaN when none resolved
    double p90_resolution_days = 0;           ///< NaN when none resolved
    double mean_detection_days = 0;           ///< over detected disputes; NaN when none
    double share_resolved_within_30_days = 0; ///< of all disputes in the group; NaN when none
    [[nodiscard]] std::uint64_t government_cases() const {
        return complaints + grid_referrals + timer_escalations;
    }
    /// resolved, abandoned and open_at_end as shares of disputes (NaN when none)
    [[nodiscard]] double share(std::uint64_t part) const {
        return disputes > 0 ? static_cast<double>(part) / static_cast<double>(disputes)
                            : std::numeric_limits<double>::quiet_NaN();
    }
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

/// Resources a run uses, each in its own unit (docs/results.md): staff-years of each kind of
/// staff, meetings held, and years of a platform, of interim management of a compound, of a
/// party branch. Their money cost comes from the scenario's [costs].
enum class Resource : std::uint8_t {
    DepartmentStaff,         ///< department case handlers (servers), staff-years
    CoordinationStaff,       ///< coordination office staff (servers), staff-years
    ResidentsCommitteeStaff, ///< all residents'-committee staff, staff-years
    GridStaff,               ///< grid administrators added by the grid lever, staff-years
    FirmStaff,               ///< managers' staff on compound work, staff-years (fee-funded)
    Volunteers,              ///< self-governance volunteers and owners'-committee members, years
    JointMeetings,           ///< joint meetings held
    InformationPlatform,     ///< platform-years
    InterimManagement,       ///< compound-years managed by an interim manager
    PartyBranches,           ///< branch-years of party branches in compounds
};
inline constexpr std::size_t resource_count = 10;
inline constexpr std::array<std::string_view, resource_count> resource_names{
    "department_staff", "coordination_staff",   "residents_committee_staff",
    "grid_staff",       "firm_staff",           "volunteers",
    "joint_meetings",   "information_platform", "interim_management",
    "party_branches"};
/// Whether owners' fees pay for a resource (firm staff) rather than public money.
[[nodiscard]] constexpr bool fee_funded(Resource r) {
    return r == Resource::FirmStaff;
}

struct Resources {
    std::array<double, resource_count> amount{};
    double& operator[](Resource r) { return amount[static_cast<std::size_t>(r)]; }
    double operator[](Resource r) const { return amount[static_cast<std::size_t>(r)]; }
    Resources& operator+=(const Resources& o) {
        for (std::size_t i = 0; i < resource_count; ++i)
            amount[i] += o.amount[i];
        return *this;
    }
};

struct YearRow {
    int year = 0;
    /// explicit padding, zeroed, so that a row's bytes (checkpoints) are all written
    std::array<std::uint8_t, 4> padding{};
    double households = 0; ///< occupied households, mean over the year's days
    double dispute_rate_per_1000_households = 0;
    DisputeStats stats;
    /// Days disputes were open during the period, added over every dispute open in it (whatever
    /// its onset, warm-up included): the handlers' backlog integrated over time.
    double open_dispute_days = 0;
    /// Days disputes were unresolved during the period: as open_dispute_days, but a dispute
    /// given up (abandoned) stays unresolved until the end of the run, since giving up solves
    /// nothing. The burden: it cannot fall because households give up.
    double unresolved_dispute_days = 0;
    /// unresolved_dispute_days per 1,000 households per year (households: the period's mean)
    double burden_per_1000_households = 0;
    InstitutionStats institutions; ///< the year's months added up
    Resources resources;           ///< used during the period
    /// yuan: resources priced by the scenario's [costs] (NaN without it); public money pays
    /// for all but the fee-funded firm staff
    double public_cost = 0, fee_funded_cost = 0;
};

struct CategoryYearRow {
    int year = 0;
    Category category{};
    std::array<std::uint8_t, 3> padding{}; ///< explicit, zeroed (as YearRow's)
    DisputeStats stats;
    double open_dispute_days = 0;       ///< as YearRow's, for the category
    double unresolved_dispute_days = 0; ///< as YearRow's, for the category
};

/// Handlings finished at each level in a period (a month), counted where the level can resolve the
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
    std::array<std::uint8_t, 3> padding{}; ///< explicit, zeroed (as YearRow's)
    std::uint32_t households = 0;          ///< occupied at the end of the day
    std::uint32_t onsets = 0;
    std::uint32_t detections = 0;
    std::uint32_t resolved = 0;
    std::uint32_t abandoned = 0;
    std::uint32_t complaints = 0;            ///< parties taking a dispute to government
    std::uint32_t grid_referrals = 0;        ///< patrols' finds dispatched to government
    std::uint32_t timer_escalations = 0;     ///< deadlines moving a dispute into government
    std::uint32_t open = 0;                  ///< disputes open at the end of the day (backlog)
    std::array<std::uint8_t, 4> padding_2{}; ///< explicit, zeroed (as YearRow's)
    std::array<double, level_count> busy_server_days{}; ///< work done at each level that day
    std::array<std::uint32_t, level_count> servers{};   ///< servers at each level that day
};

/// State at the end of each month, and the month's institutional events.
struct MonthlyRow {
    int month = 0;       ///< months since January of the first reported year (< 0: warm-up)
    bool warmup = false; ///< a month of the warm-up
    std::array<std::uint8_t, 3> padding{}; ///< explicit, zeroed (as YearRow's)
    double mean_satisfaction = 0;          ///< over households living in the units
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
    HandlerFlows handled; ///< handlings finished in the month (not written to results files)
    std::array<std::uint8_t, 4> padding_end{}; ///< explicit, zeroed (as YearRow's)
};

/// How a dispute first reached a government channel. Only a household's (or owner's) own
/// escalation is a complaint; a grid patrol's referral and a rapid-response deadline's
/// escalation are counted apart, and the three together are government cases.
enum class GovernmentChannel : std::uint8_t { None, Complaint, GridReferral, TimerEscalation };
inline constexpr std::array<std::string_view, 4> government_channel_names{
    "none", "complaint", "grid_referral", "timer_escalation"};

/// Tenure of the party to a dispute.
enum class Tenure : std::uint8_t { OwnerOccupier, Tenant, AbsentOwner };
inline constexpr std::array<std::string_view, 3> tenure_names{"owner_occupier", "tenant",
                                                              "absent_owner"};

/// One dispute, every step timestamped (days since 1 January of the first reported year,
/// negative in the warm-up; NaN when not reached).
struct DisputeRecord {
    std::uint32_t community = 0;
    std::uint32_t compound = 0;
    std::uint32_t household = 0;
    Category category{};
    std::array<std::uint8_t, 3> padding{}; ///< explicit, zeroed (as YearRow's)
    double onset = 0;
    double detected = 0;
    /// first entry into a government channel (department or coordination), however it came;
    /// `channel` says how
    double government = 0;
    double closed = 0;
    std::uint8_t outcome = 0;  ///< 0 open, 1 resolved, 2 abandoned
    Level last_level{};        ///< last handler level that held it
    std::uint8_t handoffs = 0; ///< hand-offs between handlers, routing errors included
    std::uint8_t party = 0;    ///< 0 the household living in the unit, 1 its absent owner
    /// How it first entered a government channel (GovernmentChannel; 0 never).
    std::uint8_t channel = 0;
    // Who it concerns (for equity tables), filled when the run's records are collected (the
    // tenure at onset, from the party's role: the dispute's events read it):
    std::uint8_t housing = 0;  ///< the compound's housing type (HousingType)
    std::uint8_t village = 0;  ///< 1: the community was converted from a village (村改居)
    std::uint8_t tenure = 0;   ///< Tenure of the party: owner-occupier, tenant or absent owner
    std::uint8_t nonlocal = 0; ///< 1: the unit's owner is not a Foshan resident
    std::array<std::uint8_t, 7> padding_end{}; ///< explicit, zeroed (as YearRow's)
};

/// Groups of households for equity tables: by the housing type of their compound, the kind of
/// community, the party's tenure, and (for owners) the owner's origin.
enum class EquityDimension : std::uint8_t { Housing, Community, Tenure, Origin };
inline constexpr std::array<std::string_view, 4> equity_dimension_names{"housing", "community",
                                                                        "tenure", "origin"};
inline constexpr std::array<std::string_view, 2> community_kind_names{"urban", "village_converted"};
inline constexpr std::array<std::string_view, 2> origin_names{"local_owner", "nonlocal_owner"};

/// The evaluation period's disputes of one group (their statistics as in /summary; government
/// cases counted by the dispute's onset in the period, not by when they were made).
struct EquityRow {
    EquityDimension dimension{};
    std::uint8_t group = 0;                ///< index into the dimension's names
    std::array<std::uint8_t, 6> padding{}; ///< explicit, zeroed (as YearRow's)
    DisputeStats stats;
};

/// The name of an equity row's group.
[[nodiscard]] std::string_view equity_group_name(EquityDimension d, std::uint8_t group);

struct RunResult {
    RunKey key;
    std::uint32_t communities = 0;
    std::uint32_t compounds = 0;
    std::uint32_t units = 0;
    std::vector<YearRow> years;
    /// The whole run pooled: `year` is 0, households the mean over all days, the rate per year
    /// over all days, and the statistics over every dispute (complaints: all made in the run).
    YearRow total;
    /// The years a comparison evaluates, pooled as `total` is: from the first whole calendar
    /// year on or after the scenario's policy start (every reported year without one).
    YearRow evaluation;
    int evaluated_from = 0; ///< the calendar year evaluation starts
    int evaluated_to = 0;   ///< its last calendar year
    /// The evaluation period's disputes by group (every group of every dimension, in order).
    std::vector<EquityRow> equity;
    std::vector<CategoryYearRow> category_years;
    std::vector<DailyRow> daily;
    std::vector<MonthlyRow> monthly;
    std::vector<DisputeRecord> disputes; ///< filled only when records are requested
    double wall_seconds = 0;
};

/// A run's dispute records read a piece at a time, in order, from where they are kept (a
/// checkpoint or a shard file), so that they are never all in memory at once: `read(take)` calls
/// `take` with consecutive pieces, `count` records in all, and throws if they cannot be read.
struct RecordPieces {
    std::uint64_t count = 0;
    std::function<void(const std::function<void(std::span<const DisputeRecord>)>& take)> read;
};

/// A run without its dispute records (`run.disputes` is empty), and the records to be read.
struct StreamedRun {
    RunResult run;
    RecordPieces records;
};

} // namespace govsim::models
