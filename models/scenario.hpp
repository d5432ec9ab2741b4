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
    std::string name; ///< scenario name, written to results
    std::string description;
    int start_year = 2014;        ///< calendar year of day 0
    int years = 2;                ///< simulated years of 365 days each
    std::uint32_t replicates = 1; ///< independent replicates (overridable on the CLI)
    std::uint64_t seed = 1;       ///< master seed (overridable on the CLI)
};

/// Town-level figures from which households, compounds and communities are synthesised.
struct TownSpec {
    std::string name;
    double residents_at_full_occupancy =
        0; ///< residents living in the compounds when all units are occupied
    double residents_per_household = 3.1;
    std::uint32_t communities = 1;
    double compound_units_mean = 500; ///< units (dwellings) per compound, lognormal mean
    double compound_units_cv = 0.5;   ///< coefficient of variation of units per compound
    std::uint32_t compound_units_min = 20;
    double occupancy_start = 1.0;       ///< share of units occupied on day 0
    double occupancy_end = 1.0;         ///< share occupied on the last day (linear move-in)
    PerHousing<double> housing_share{}; ///< share of compounds of each housing type (sums to 1)
    double nonlocal_share = 0;          ///< share of owners who are not Foshan residents
    double tenant_share_local = 0;      ///< share of local owners' units that are let
    double tenant_share_nonlocal = 0;   ///< share of non-local owners' units that are let
    double cars_per_household_mean = 0; ///< Poisson mean of cars per household
    PerHousing<double> parking_spaces_per_unit{};
    std::uint32_t firms = 1; ///< property firms serving the town
    PerHousing<double>
        firm_managed_share{}; ///< share of compounds of each type with a firm at start
    double owners_committee_initial_share =
        0; ///< share of compounds with an owners' committee at start
};

struct HouseholdSpec {
    double satisfaction_initial_mean = 0.6; ///< satisfaction with service, in [0, 1]
    double satisfaction_initial_sd = 0.15;
    double trust_initial_local = 0.6; ///< trust in institutions, in [0, 1]
    double trust_initial_nonlocal = 0.4;
    double trust_initial_sd = 0.1;
    double fee_threshold_mean =
        0.35; ///< a household pays its fee while satisfaction >= its threshold
    double fee_threshold_sd = 0.15;
    double satisfaction_drift_per_month =
        0.1; ///< monthly pull of satisfaction toward service quality
    double onset_dissatisfaction_weight =
        1; ///< household onset weight = 1 + w * (1 - satisfaction)
};

struct CategorySpec {
    double rate_per_1000_households_per_year =
        0; ///< onsets at reference conditions (all features 0)
    std::array<double, feature_count> effects{}; ///< multiplicative effects of compound features
    std::vector<std::uint32_t>
        departments;                 ///< department indices; more than one needs coordination
    PerLevel<double> service_days{}; ///< mean handling time at each level
    PerLevel<double> success{};      ///< probability that handling at a level resolves it
};

struct DepartmentSpec {
    std::string name;
    std::uint32_t servers = 1;    ///< case handlers available to compound disputes
    double intake_delay_days = 0; ///< mean delay before a complaint reaches the handler
    double cross_department_success_factor =
        0.3; ///< success multiplier for disputes that need several departments
};

struct HandlerSpec {
    // Firm (on-site staff per compound).
    double firm_staff_per_1000_units = 2; ///< dispute-handling staff per compound, at least 1
    // Owners' committee.
    std::uint32_t owners_committee_servers = 1;
    double owners_committee_functioning_share = 0.3;   ///< share of committees that actually work
    double owners_committee_formation_occupancy = 0.5; ///< occupancy needed to call an assembly
    double owners_committee_formation_per_month =
        0.01; ///< monthly assembly success, all owners local and resident
    double owners_committee_nonlocal_penalty =
        0.8; ///< formation multiplier: 1 - penalty * nonlocal share
    // Residents' committee (per community).
    double rc_staff_per_1000_households = 2; ///< RC staff per 1,000 households at full occupancy
    double rc_dispute_share = 0.25;          ///< share of RC staff time given to compound disputes
    // Town.
    std::vector<DepartmentSpec> departments;
    std::uint32_t coordination_servers = 1;
    double coordination_intake_delay_days = 0;
    PerLevel<double> patience_days{}; ///< mean time a household waits at a level before giving up
};

struct DetectionSpec {
    double report_delay_days = 3;      ///< mean delay from onset to report, at full trust
    double trust_delay_elasticity = 1; ///< delay multiplier 1 + e * (1 - trust)
};

struct EscalationSpec {
    double handoff_days = 2;                ///< mean delay to move a dispute between handlers
    double routing_error_probability = 0.2; ///< first routing goes to a wrong handler
    double routing_error_days = 3;          ///< mean extra delay of a routing error
    double escalate_base = 0.4;             ///< probability of escalating after a failure
    double escalate_dissatisfaction = 0.4;  ///< added probability per unit of (1 - satisfaction)
    double direct_complaint_probability =
        0.05; ///< an escalation from inside the compound goes straight to a government channel
};

struct FeedbackSpec {
    double satisfaction_resolved = 0.05;      ///< change on resolution
    double satisfaction_per_day_open = 0.002; ///< loss per day from onset to closure
    double satisfaction_abandoned = 0.15;     ///< loss on abandonment
    double trust_resolved_by_government = 0.05;
    double trust_abandoned_after_complaint = 0.1;
};

struct FirmSpec {
    double quality_mean = 0.7; ///< service quality at full fee collection, in [0, 1]
    double quality_sd = 0.1;
    double quality_collection_elasticity = 1; ///< quality = base * collection^e
    double fee_per_unit_month = 1;          ///< fee (normalised units) per occupied unit per month
    double cost_per_unit_month = 0.8;       ///< cost per occupied unit per month
    double fixed_cost_per_unit_month = 0.1; ///< cost per unit (occupied or not) per month
    std::uint32_t abandon_after_loss_months =
        6; ///< consecutive loss-making months before abandonment
};

struct Scenario {
    std::string source_path; ///< file it was loaded from
    std::string source_text; ///< full text of the file, for provenance
    RunSpec run;
    TownSpec town;
    HouseholdSpec households;
    PerCategory<CategorySpec> categories;
    HandlerSpec handlers;
    DetectionSpec detection;
    EscalationSpec escalation;
    FeedbackSpec feedback;
    FirmSpec firms;

    [[nodiscard]] int days() const { return run.years * 365; }
};

} // namespace govsim::models
