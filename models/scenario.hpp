#pragma once
// A scenario as plain data: everything a run needs, loaded and validated from a TOML file
// (models/scenario_loader.hpp). Every behavioural number of the model lives here, and its
// value lives in a scenario file beside its source; the code holds none. Units are in the
// names. The schema is documented in docs/scenarios.md.
#include "models/categories.hpp"
#include "models/levers/levers.hpp"
#include "models/summary.hpp"
#include "sim/calendar.hpp"

#include <array>
#include <cstdint>
#include <optional>
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
    /// first reported calendar year
    int start_year = 2014;
    /// reported years of 365 days each
    int years = 2;
    /// years simulated before the first reported one and not reported (burn-in)
    int warmup_years = 1;
    /// independent replicates (overridable on the CLI)
    std::uint32_t replicates = 1;
    /// master seed (overridable on the CLI)
    std::uint64_t seed = 1;

    bool operator==(const RunSpec&) const = default;
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
    /// share of units occupied on 1 January of the first reported year
    double occupancy_start = 1.0;
    /// occupied share gained per year (linear move-in, backward into the warm-up too)
    double occupancy_growth_per_year = 0.0;
    /// occupancy never rises above this share
    double occupancy_max = 1.0;
    /// share of compounds of each housing type (sums to 1), in communities not converted
    /// from villages
    PerHousing<double> housing_share{};
    /// share of communities converted from villages (村改居); the first
    /// round(share * communities) communities are the converted ones
    double village_converted_share = 0;
    /// share of compounds of each housing type in village-converted communities (sums to 1)
    PerHousing<double> village_housing_share{};
    /// share of resettlement compounds in village-converted communities managed by the
    /// village collective (经联社) rather than a firm
    double collective_managed_share = 0;
    /// share of owners who are not Foshan residents
    double nonlocal_share = 0;
    /// share of local owners' units that are let once occupied (else the owner lives there)
    double tenant_share_local = 0;
    /// share of non-local owners' units that are let once occupied
    double tenant_share_nonlocal = 0;
    /// Poisson mean of cars per household
    double cars_per_household_mean = 0;
    PerHousing<double> parking_spaces_per_unit{};
    /// property firms serving the town
    std::uint32_t firms = 1;
    /// firm portfolios: a managed compound goes to the firm of rank r (1-based) with weight
    /// r^-exponent (Zipf); 0 gives firms equal chances
    double firm_size_exponent = 0;
    /// share of compounds of each type with a firm at start (among those no collective manages)
    PerHousing<double> firm_managed_share{};
    /// share of compounds with an owners' committee at start
    double owners_committee_initial_share = 0;

    bool operator==(const TownSpec&) const = default;
};

struct HouseholdSpec {
    /// satisfaction with service, in [0, 1], of owners and tenants alike at the start
    double satisfaction_initial_mean = 0.6;
    double satisfaction_initial_sd = 0.15;
    /// trust in institutions, in [0, 1], by who the person is
    double trust_initial_local = 0.6;
    double trust_initial_nonlocal = 0.4;
    /// tenants (mostly migrant renters)
    double trust_initial_tenant = 0.4;
    double trust_initial_sd = 0.1;
    /// an owner pays the fee while their satisfaction >= their threshold
    double fee_threshold_mean = 0.35;
    double fee_threshold_sd = 0.15;
    /// monthly pull of satisfaction toward service quality
    double satisfaction_drift_per_month = 0.1;
    /// a person's onset weight = 1 + w * (1 - satisfaction)
    double onset_dissatisfaction_weight = 1;

    bool operator==(const HouseholdSpec&) const = default;
};

/// Owners of units (业主): the fee is theirs, and they vote in owners' assemblies.
struct OwnerSpec {
    /// mean floor area of a unit, by housing type, in m² (votes count area as well as heads)
    PerHousing<double> floor_area_mean_m2{};
    /// coefficient of variation of floor area within a compound
    double floor_area_cv = 0.3;
    /// by housing type, added to every owner's fee threshold (willingness to pay differs)
    PerHousing<double> fee_threshold_shift{};
    /// an owner who does not live in the unit pays while satisfaction >= threshold + shift
    double absentee_fee_threshold_shift = 0;
    /// share of the fee billed for a unit nobody lives in
    double empty_unit_fee_share = 1;

    bool operator==(const OwnerSpec&) const = default;
};

/// Who raises a category's disputes: weights of the three kinds of party, each applied to
/// their onset weights (an owner living in the unit; a tenant household; an owner who does
/// not live there, whether the unit is let or empty).
struct RaisedBy {
    double owner_occupier = 1;
    double tenant = 1;
    double absentee_owner = 0;

    bool operator==(const RaisedBy&) const = default;
};

struct CategorySpec {
    /// onsets at reference conditions (all features 0), per 1,000 party-weights per year
    double rate_per_1000_households_per_year = 0;
    /// multiplicative effects of compound features
    std::array<double, feature_count> effects{};
    /// who raises this category's disputes
    RaisedBy raised_by;
    /// department indices; more than one needs coordination
    std::vector<std::uint32_t> departments;
    /// mean handling time at each level
    PerLevel<double> service_days{};
    /// probability that handling at a level resolves it
    PerLevel<double> success{};

    bool operator==(const CategorySpec&) const = default;
};

struct DepartmentSpec {
    std::string name;
    /// case handlers available to compound disputes
    std::uint32_t servers = 1;
    /// mean delay before a complaint reaches the handler
    double intake_delay_days = 0;
    /// success multiplier for disputes that need several departments
    double cross_department_success_factor = 0.3;

    bool operator==(const DepartmentSpec&) const = default;
};

struct HandlerSpec {
    // Town.
    std::vector<DepartmentSpec> departments;
    std::uint32_t coordination_servers = 1;
    double coordination_intake_delay_days = 0;
    /// mean time a party waits at a level before giving up
    PerLevel<double> patience_days{};

    bool operator==(const HandlerSpec&) const = default;
};

/// Residents' committees (居委会): one per community at the start, with staff of its own.
struct ResidentsCommitteeSpec {
    /// staff per 1,000 households (units at full occupancy) of the committee's area
    double staff_per_1000_households = 2;
    /// staff of the smallest committee (the Organic Law of Urban Residents' Committees: 5-9
    /// members)
    std::uint32_t min_staff = 5;
    /// share of staff time given to compound disputes
    double dispute_share = 0.25;

    bool operator==(const ResidentsCommitteeSpec&) const = default;
};

/// Owners' committees (业委会): elected by an owners' assembly; they may go dormant and revive.
struct OwnersCommitteeSpec {
    /// members handling disputes at once
    std::uint32_t servers = 1;
    /// monthly probability that a functioning committee stops working (conflict, dormancy)
    double dormancy_per_month = 0.02;
    /// monthly probability that a dormant committee works again
    double revival_per_month = 0.01;

    bool operator==(const OwnersCommitteeSpec&) const = default;
};

/// The voting rule of owners' assemblies.
enum class AssemblyRule : std::uint8_t {
    /// Property Law 2007 art. 76: more than half of all owners and of all floor area vote yes
    PropertyLaw2007,
    /// Civil Code 2021 art. 278: two thirds of owners and of area take part, and more than half
    /// of the participants and of their area vote yes
    CivilCode2021,
};
inline constexpr std::array<std::string_view, 2> assembly_rule_names{"property_law_2007",
                                                                     "civil_code_2021"};

/// Owners' assemblies (业主大会): who convenes them, who turns out, how the vote is counted.
struct AssemblySpec {
    AssemblyRule rule = AssemblyRule::PropertyLaw2007;
    /// occupied share of units needed before an assembly may be called
    double min_occupancy = 0.5;
    /// monthly probability that resident owners take the initiative to elect a committee, at
    /// full residence and full satisfaction (scaled by the share of owners living there)
    double initiative_per_month = 0.02;
    /// the initiative rises by this factor times (1 - mean owner satisfaction)
    double initiative_dissatisfaction_weight = 1;
    /// monthly probability that the residents' committee or street office convenes one
    double rc_help_per_month = 0;
    /// probability of taking part: owner living in the unit, absent local owner, absent
    /// non-local owner; each plus turnout_dissatisfaction_weight * (1 - satisfaction)
    double turnout_resident = 0.5;
    double turnout_absent_local = 0.3;
    double turnout_absent_nonlocal = 0.1;
    double turnout_dissatisfaction_weight = 0.2;
    /// a participant votes yes to elect a committee / to hire a firm
    double support_election = 0.9;
    double support_hire = 0.9;
    /// a functioning committee moves to dismiss its firm when mean owner satisfaction is below
    /// this, with the monthly probability below; owners below dismissal_vote_satisfaction vote yes
    double dismissal_trigger_satisfaction = 0.45;
    double dismissal_initiative_per_month = 0.1;
    double dismissal_vote_satisfaction = 0.5;
    /// a functioning committee of a compound without a firm moves to hire one
    double hire_initiative_per_month = 0.1;
    /// the street office runs a tender for an abandoned compound (no committee needed)
    double retender_after_abandonment_per_month = 0;

    bool operator==(const AssemblySpec&) const = default;
};

struct DetectionSpec {
    /// mean delay from onset to report, at full trust
    double report_delay_days = 3;
    /// delay multiplier 1 + e * (1 - trust)
    double trust_delay_elasticity = 1;

    bool operator==(const DetectionSpec&) const = default;
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
    /// 1 - w * (1 - trust): parties who distrust institutions give up instead
    double government_trust_weight = 0.5;

    bool operator==(const EscalationSpec&) const = default;
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

    bool operator==(const FeedbackSpec&) const = default;
};

/// Property firms (物业公司): portfolios, finances, staffing, exit and bids. Money is in fee
/// units: the fee of one unit for one month.
struct FirmSpec {
    /// a firm's service quality at full staffing, in [0, 1]
    double quality_mean = 0.7;
    double quality_sd = 0.1;
    /// fee of one unit per month (the unit of money)
    double fee_per_unit_month = 1;
    /// staff per 1,000 units at full staffing (security, cleaning, maintenance, service)
    double staff_per_1000_units = 30;
    /// share of staff time on residents' disputes (the firm's servers)
    double dispute_staff_share = 0.067;
    /// cost of one staff-month
    double staff_cost_month = 20;
    double other_cost_per_occupied_unit_month = 0.1;
    double fixed_cost_per_unit_month = 0.08;
    /// each month staffing moves this share of the way to its target
    double staffing_adjustment_per_month = 0.25;
    /// target staffing (share of full) = collection rate ^ elasticity, at least min_staffing_share
    double staffing_collection_elasticity = 1;
    double min_staffing_share = 0.5;
    /// quality = firm quality * staffing share ^ elasticity
    double quality_staffing_elasticity = 1;
    /// months of memory of a compound's margin (exponential average)
    double margin_memory_months = 6;
    /// a firm leaves a compound whose average margin is below -exit_loss_share x its billed fees,
    /// or any loss-making one while the firm's own balance is negative
    double exit_loss_share = 0.1;
    /// a firm's reserve at the start, in months of its portfolio's billed fees
    double initial_reserve_months = 3;
    /// a firm bids for a compound when the expected margin is at least this share of its fees
    double bid_min_margin_share = 0.05;
    /// service quality where nobody manages the compound (self-help, street cleaning)
    double unmanaged_service_quality = 0.3;

    bool operator==(const FirmSpec&) const = default;
};

/// Village collective economic organisations (经联社) managing resettlement compounds of
/// village-converted communities: funded by collective income, they neither bid nor exit.
struct CollectiveSpec {
    double service_quality = 0.5;
    /// dispute-handling staff per 1,000 units
    double dispute_staff_per_1000_units = 1.5;

    bool operator==(const CollectiveSpec&) const = default;
};

/// Switches for the model's feedback mechanisms, to measure what each carries (all on by
/// default; a mechanism switched off keeps its state fixed at the start).
struct MechanismSwitches {
    /// a closed dispute changes its party's satisfaction and trust
    bool closure_feedback = true;
    /// satisfaction moves monthly toward service quality
    bool satisfaction_drift = true;
    /// firms adjust staffing (and so quality) to collections
    bool firm_staffing = true;
    /// firms leave loss-making compounds
    bool firm_exit = true;
    /// owners' assemblies elect committees, dismiss and hire firms
    bool assemblies = true;
    /// committees go dormant and revive
    bool committee_turnover = true;
    /// tenders replace firms that left or were dismissed
    bool tenders = true;

    bool operator==(const MechanismSwitches&) const = default;
};

/// Unit costs of the resources a run uses (models/summary.hpp Resource), in yuan per unit:
/// per staff-year, per meeting, per platform-year, per compound-year, per branch-year.
struct CostSpec {
    std::array<double, resource_count> per_unit{};
    bool operator==(const CostSpec&) const = default;
};

/// The governance model a scenario runs (its levers are in Scenario::levers).
struct ModelSpec {
    std::string name = "baseline";
    std::string description;
    /// from this date the model's levers act (before it the model runs as the baseline); none:
    /// from the first simulated day. A lever's own `start` overrides it (phasing in).
    std::optional<sim::Date> policy_start;

    bool operator==(const ModelSpec&) const = default;
};

/// The first calendar year that starts on or after `d` (d's year if d is 1 January, else the
/// next): a model's evaluation period begins there (evaluated_from, models/governance.hpp).
[[nodiscard]] constexpr int first_whole_year(const sim::Date& d) {
    return d.month == 1 && d.day == 1 ? d.year : d.year + 1;
}

struct Scenario {
    /// file it was loaded from
    std::string source_path;
    /// full text of the file, for provenance
    std::string source_text;
    RunSpec run;
    TownSpec town;
    HouseholdSpec households;
    OwnerSpec owners;
    PerCategory<CategorySpec> categories;
    HandlerSpec handlers;
    ResidentsCommitteeSpec residents_committees;
    OwnersCommitteeSpec owners_committees;
    AssemblySpec assemblies;
    DetectionSpec detection;
    EscalationSpec escalation;
    FeedbackSpec feedback;
    FirmSpec firms;
    CollectiveSpec collectives;
    MechanismSwitches mechanisms;
    /// unit costs; none: money costs are NaN (resources are still counted)
    std::optional<CostSpec> costs;
    ModelSpec model;
    /// the governance levers the scenario names (models/levers/), on or off
    Levers levers;

    /// simulated days: the warm-up and the reported years
    [[nodiscard]] int days() const { return (run.warmup_years + run.years) * 365; }
    /// calendar year of simulated day 0
    [[nodiscard]] int first_simulated_year() const { return run.start_year - run.warmup_years; }
    /// the first reported day (days before it are the warm-up)
    [[nodiscard]] int first_reported_day() const { return run.warmup_years * 365; }
};

} // namespace govsim::models
