#pragma once
// A scenario as plain data: everything a run needs, loaded and validated from a TOML file
// (models/scenario_loader.hpp). Every behavioural number of the model lives here, and its
// value lives in a scenario file beside its source; the code holds none. Units are in the
// names. The schema is documented in docs/scenarios.md.
#include "models/categories.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace govsim::models {

template <class T>
using PerCategory = std::array<T, category_count>;
template <class T>
using PerLevel = std::array<T, level_count>;
template <class T>
using PerHousing = std::array<T, housing_type_count>;

struct RunSpec {
    /// scenario name, written to results
    std::string name;
    std::string description;
    /// calendar year of day 0
    int start_year = 2014;
    /// simulated years of 365 days each
    int years = 2;
    /// independent replicates (overridable on the CLI)
    std::uint32_t replicates = 1;
    /// master seed (overridable on the CLI)
    std::uint64_t seed = 1;
};

/// Town-level figures from which households, compounds and communities are synthesised.
struct TownSpec {
    std::string name;
    /// residents living in the compounds when all units are occupied
    double residents_at_full_occupancy = 0;
    double residents_per_household = 3.1;
    std::uint32_t communities = 1;
    /// units (dwellings) per compound, lognormal mean
    double compound_units_mean = 500;
    /// coefficient of variation of units per compound
    double compound_units_cv = 0.5;
    std::uint32_t compound_units_min = 20;
    /// share of units occupied on day 0
    double occupancy_start = 1.0;
    /// share occupied on the last day (linear move-in)
    double occupancy_end = 1.0;
    /// share of compounds of each housing type (sums to 1), in communities not converted
    /// from villages
    PerHousing<double> housing_share{};
    /// share of communities converted from villages (村改居); the first
    /// round(share * communities) communities are the converted ones
    double village_converted_share = 0;
    /// share of compounds of each housing type in village-converted communities (sums to 1)
    PerHousing<double> village_housing_share{};
    /// share of owners who are not Foshan residents
    double nonlocal_share = 0;
    /// share of local owners' units that are let
    double tenant_share_local = 0;
    /// share of non-local owners' units that are let
    double tenant_share_nonlocal = 0;
    /// Poisson mean of cars per household
    double cars_per_household_mean = 0;
    PerHousing<double> parking_spaces_per_unit{};
    /// property firms serving the town
    std::uint32_t firms = 1;
    /// firm portfolios: a managed compound goes to the firm of rank r (1-based) with weight
    /// r^-exponent (Zipf); 0 gives firms equal chances
    double firm_size_exponent = 0;
    /// share of compounds of each type with a firm at start
    PerHousing<double> firm_managed_share{};
    /// share of compounds with an owners' committee at start
    double owners_committee_initial_share = 0;
};

struct HouseholdSpec {
    /// satisfaction with service, in [0, 1]
    double satisfaction_initial_mean = 0.6;
    double satisfaction_initial_sd = 0.15;
    /// trust in institutions, in [0, 1]
    double trust_initial_local = 0.6;
    double trust_initial_nonlocal = 0.4;
    double trust_initial_sd = 0.1;
    /// a household pays its fee while satisfaction >= its threshold
    double fee_threshold_mean = 0.35;
    double fee_threshold_sd = 0.15;
    /// monthly pull of satisfaction toward service quality
    double satisfaction_drift_per_month = 0.1;
    /// household onset weight = 1 + w * (1 - satisfaction)
    double onset_dissatisfaction_weight = 1;
};

struct CategorySpec {
    /// onsets at reference conditions (all features 0)
    double rate_per_1000_households_per_year = 0;
    /// multiplicative effects of compound features
    std::array<double, feature_count> effects{};
    /// department indices; more than one needs coordination
    std::vector<std::uint32_t> departments;
    /// mean handling time at each level
    PerLevel<double> service_days{};
    /// probability that handling at a level resolves it
    PerLevel<double> success{};
};

struct DepartmentSpec {
    std::string name;
    /// case handlers available to compound disputes
    std::uint32_t servers = 1;
    /// mean delay before a complaint reaches the handler
    double intake_delay_days = 0;
    /// success multiplier for disputes that need several departments
    double cross_department_success_factor = 0.3;
};

struct HandlerSpec {
    // Firm (on-site staff per compound).
    /// dispute-handling staff per compound, at least 1
    double firm_staff_per_1000_units = 2;
    // Owners' committee.
    std::uint32_t owners_committee_servers = 1;
    /// share of committees that actually work
    double owners_committee_functioning_share = 0.3;
    /// occupancy needed to call an assembly
    double owners_committee_formation_occupancy = 0.5;
    /// monthly assembly success, all owners local and resident
    double owners_committee_formation_per_month = 0.01;
    /// formation multiplier: 1 - penalty * nonlocal share
    double owners_committee_nonlocal_penalty = 0.8;
    // Residents' committee (per community).
    /// RC staff per 1,000 households at full occupancy
    double rc_staff_per_1000_households = 2;
    /// share of RC staff time given to compound disputes
    double rc_dispute_share = 0.25;
    // Town.
    std::vector<DepartmentSpec> departments;
    std::uint32_t coordination_servers = 1;
    double coordination_intake_delay_days = 0;
    /// mean time a household waits at a level before giving up
    PerLevel<double> patience_days{};
};

struct DetectionSpec {
    /// mean delay from onset to report, at full trust
    double report_delay_days = 3;
    /// delay multiplier 1 + e * (1 - trust)
    double trust_delay_elasticity = 1;
};

struct EscalationSpec {
    /// mean delay to move a dispute between handlers
    double handoff_days = 2;
    /// first routing goes to a wrong handler
    double routing_error_probability = 0.2;
    /// mean extra delay of a routing error
    double routing_error_days = 3;
    /// probability of escalating after a failure
    double escalate_base = 0.4;
    /// added probability per unit of (1 - satisfaction)
    double escalate_dissatisfaction = 0.4;
    /// an escalation from inside the compound goes straight to a government channel
    double direct_complaint_probability = 0.05;
    /// an escalation into a government channel goes ahead with probability
    /// 1 - w * (1 - trust): households who distrust institutions give up instead
    double government_trust_weight = 0.5;
};

struct FeedbackSpec {
    /// change on resolution
    double satisfaction_resolved = 0.05;
    /// loss per day from onset to closure
    double satisfaction_per_day_open = 0.002;
    /// loss on abandonment
    double satisfaction_abandoned = 0.15;
    double trust_resolved_by_government = 0.05;
    double trust_abandoned_after_complaint = 0.1;
};

struct FirmSpec {
    /// service quality at full fee collection, in [0, 1]
    double quality_mean = 0.7;
    double quality_sd = 0.1;
    /// quality = base * collection^e
    double quality_collection_elasticity = 1;
    /// fee (normalised units) per occupied unit per month
    double fee_per_unit_month = 1;
    /// cost per occupied unit per month
    double cost_per_unit_month = 0.8;
    /// cost per unit (occupied or not) per month
    double fixed_cost_per_unit_month = 0.1;
    /// consecutive loss-making months before abandonment
    std::uint32_t abandon_after_loss_months = 6;
    /// service quality where no firm manages the compound (self-help, street cleaning)
    double unmanaged_service_quality = 0.3;
};

// ---- Governance levers (MODEL.md §5) --------------------------------------------------------
// Each lever is an optional scenario section [levers.<name>]; a lever whose section is absent
// is off (`enabled` false) and costs nothing in the day loop. A named governance model is a
// bundle of lever sections (scenarios/models/), never a code path of its own.

/// Grid inspection (Lishui): inspectors patrol grid cells; detection and routing improve.
struct GridInspectionLever {
    bool enabled = false;
    /// days between patrols of a grid cell
    double inspection_interval_days = 7;
    /// households per grid cell (cells are fixed from the compound's units)
    double households_per_grid = 300;
    /// probability that a patrol passing an undetected dispute finds it
    double detection_probability = 0.8;
    /// residents'-committee staff added per grid cell as grid administrators (dispatchers and
    /// case handlers); their dispute time is the whole of it
    double administrators_per_grid = 0.5;
};

/// Joint meeting (Lishui): cross-department disputes are settled at meetings every N days
/// (which replace ad hoc coordination, so there is no coordination intake delay).
struct JointMeetingLever {
    bool enabled = false;
    double interval_days = 14;
    /// most disputes settled per meeting (oldest first); the rest wait for the next one
    std::uint32_t cases_per_meeting = 20;
    /// probability that a meeting resolves a dispute it takes up
    double success = 0.8;
};

/// Leading group chaired by the town head (Lishui): priority for departments and meetings.
struct LeadingGroupLever {
    bool enabled = false;
    /// multiplies department (and coordination) success, capped at 1
    double department_success_multiplier = 1.2;
    /// multiplies department servers (rounded, at least the original)
    double department_server_multiplier = 1.5;
    /// multiplies joint-meeting success, capped at 1
    double meeting_success_multiplier = 1.1;
};

/// Multi-department information platform (Denghu): faster hand-offs, fewer routing errors.
struct InformationPlatformLever {
    bool enabled = false;
    /// multiplies every hand-off delay
    double handoff_multiplier = 0.3;
    /// multiplies the routing-error probability
    double routing_error_multiplier = 0.3;
    /// multiplies department and coordination intake delays
    double intake_delay_multiplier = 0.5;
};

/// Rapid response and disposal (Denghu): deadlines, oldest-first queues, escalation timers.
struct RapidResponseLever {
    bool enabled = false;
    /// queues serve the oldest dispute (by onset) first instead of first come, first served
    bool oldest_first = true;
    /// a dispute waiting longer than this at a handler is escalated by the handler itself,
    /// without waiting for the household to give up (the escalation timer)
    double response_deadline_days = 7;
};

/// Self-governance groups (Denghu): resident volunteers mediate inside the compound.
struct SelfGovernanceLever {
    bool enabled = false;
    /// volunteer mediators per 1,000 units (at least one group per compound)
    double volunteers_per_1000_units = 3;
    /// per category: probability that mediation resolves it (0 = the group does not take it)
    PerCategory<double> success{};
    /// per category: mean mediation time
    PerCategory<double> service_days{};
    /// mean time a household waits for the group before giving up on it
    double patience_days = 14;
};

/// Party building (Shenzhen): party organisations in compounds; two committees cooperate.
struct PartyBuildingLever {
    bool enabled = false;
    /// added to the success of owners'-committee and residents'-committee handling, capped at 1
    double mediation_success_bonus = 0.1;
    /// multiplies the monthly owners'-committee formation probability
    double committee_formation_multiplier = 3;
    /// share of (new and existing) committees that function, replacing the baseline share
    double committee_functioning_share = 0.6;
    /// multiplies the owners'-rights onset rate (committee and firm cooperate)
    double owners_rights_rate_multiplier = 0.7;
};

/// Joint enforcement (Lishui, Shenzhen): departments present in communities on a schedule.
struct JointEnforcementLever {
    bool enabled = false;
    /// days between departments' sessions in a community: a complaint reaches its department
    /// at the next session if that comes sooner than the ordinary intake delay
    double presence_interval_days = 7;
    /// multiplies department servers (rounded, at least the original)
    double department_server_multiplier = 1.5;
};

/// Residents' committees guide and supervise owners' committees (the district's Opinions).
struct RcSupervisionLever {
    bool enabled = false;
    double committee_formation_multiplier = 2;
    double committee_functioning_share = 0.5;
    /// multiplies the owners'-rights onset rate (fewer committee–firm conflicts)
    double owners_rights_rate_multiplier = 0.85;
};

/// Takeover of abandoned compounds (the district's Opinions; Nanjing's public-benefit firms).
struct AbandonmentTakeoverLever {
    bool enabled = false;
    /// mean days from abandonment to interim management
    double takeover_days = 30;
    /// service quality of the interim manager
    double interim_quality = 0.5;
};

/// More residents' committees (Lishui): more RC staff per household.
struct MoreResidentsCommitteesLever {
    bool enabled = false;
    /// multiplies residents'-committee staff
    double rc_staff_multiplier = 1.5;
};

struct Levers {
    GridInspectionLever grid_inspection;
    JointMeetingLever joint_meeting;
    LeadingGroupLever leading_group;
    InformationPlatformLever information_platform;
    RapidResponseLever rapid_response;
    SelfGovernanceLever self_governance;
    PartyBuildingLever party_building;
    JointEnforcementLever joint_enforcement;
    RcSupervisionLever rc_supervision;
    AbandonmentTakeoverLever abandonment_takeover;
    MoreResidentsCommitteesLever more_residents_committees;
};

/// The governance model a scenario runs (its levers are in Scenario::levers).
struct ModelSpec {
    std::string name = "baseline";
    std::string description;
};

struct Scenario {
    /// file it was loaded from
    std::string source_path;
    /// full text of the file, for provenance
    std::string source_text;
    RunSpec run;
    TownSpec town;
    HouseholdSpec households;
    PerCategory<CategorySpec> categories;
    HandlerSpec handlers;
    DetectionSpec detection;
    EscalationSpec escalation;
    FeedbackSpec feedback;
    FirmSpec firms;
    ModelSpec model;
    Levers levers;

    [[nodiscard]] int days() const { return run.years * 365; }
};

} // namespace govsim::models
