// Loading scenario and experiment files into models::Scenario values (see scenario_loader.hpp;
// schema in docs/scenarios.md). Files are first composed into one TOML table
// (sim::ConfigComposer: includes, then towns and models for an experiment); each read_*
// function then reads one section, key by key, in schema order.
#include "models/scenario_loader.hpp"

#include "analysis/designs.hpp"
#include "analysis/priors.hpp"
#include "models/calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace govsim::models {

namespace {

using sim::ConfigTable;
using sim::NumberRange;
// Every count and rate is read against an engineering limit (models/limits.hpp).
using limits::days;
using limits::effect;
using limits::money;
using limits::multiplier;
using limits::non_negative_up_to;
using limits::positive_up_to;
using limits::staff_per_1000;
using limits::weight;

/// A table keyed by a fixed vocabulary (levels, housing types), every name required.
template <std::size_t N>
std::array<double, N> read_named(ConfigTable& parent, std::string_view key,
                                 const std::array<std::string_view, N>& names,
                                 const NumberRange& range) {
    ConfigTable table = parent.table(key);
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        out[i] = table.number(names[i], range);
    }
    table.finish();
    return out;
}

/// A per-level table: every handler level required. A self-governance group, where the levels
/// include one, is not a handler every scenario has: its figures come from
/// [levers.self_governance], so per-level tables do not name it and its entry stays 0.
PerLevel<double> read_per_level(ConfigTable& parent, std::string_view key,
                                const NumberRange& range) {
    ConfigTable table = parent.table(key);
    PerLevel<double> out{};
    for (std::size_t i = 0; i < level_count; ++i) {
        if (level_names[i] != "self_governance") {
            out[i] = table.number(level_names[i], range);
        }
    }
    table.finish();
    return out;
}

RunSpec read_run(ConfigTable t) {
    RunSpec run;
    run.name = t.string("name");
    run.description = t.optional_string("description").value_or("");
    run.start_year = static_cast<int>(t.integer("start_year", 1990, 2100));
    run.years = static_cast<int>(t.integer("years", 1, 50));
    // Optional: one year of burn-in unless the scenario says otherwise (docs/scenarios.md).
    if (t.contains("warmup_years")) {
        run.warmup_years = static_cast<int>(t.integer("warmup_years", 0, 20));
    }
    run.replicates = t.count("replicates", 1, limits::max_replicates, limits::hint);
    run.seed = t.unsigned_integer("seed");
    t.finish();
    return run;
}

TownSpec read_town(ConfigTable t) {
    TownSpec town;
    town.name = t.string("name");
    town.residents_at_full_occupancy = t.positive("residents_at_full_occupancy");
    town.residents_per_household =
        t.number("residents_per_household", positive_up_to(limits::max_residents_per_household));
    town.communities = t.count("communities", 1, limits::max_communities, limits::hint);
    town.compound_units_mean =
        t.number("compound_units_mean", positive_up_to(limits::max_units_per_compound));
    town.compound_units_cv = t.number("compound_units_cv", non_negative_up_to(limits::max_cv));
    town.compound_units_min =
        t.count("compound_units_min", 1, static_cast<std::uint32_t>(limits::max_units_per_compound),
                limits::hint);
    town.occupancy_start = t.number("occupancy_start", NumberRange::share());
    town.occupancy_growth_per_year =
        t.number("occupancy_growth_per_year", NumberRange::between(0, 1));
    town.occupancy_max = t.number("occupancy_max", NumberRange::share());
    town.housing_share =
        read_named(t, "housing_share", housing_type_names, NumberRange::probability());
    town.village_converted_share = t.probability("village_converted_share");
    town.village_housing_share =
        read_named(t, "village_housing_share", housing_type_names, NumberRange::probability());
    town.collective_managed_share = t.probability("collective_managed_share");
    town.nonlocal_share = t.probability("nonlocal_share");
    town.tenant_share_local = t.probability("tenant_share_local");
    town.tenant_share_nonlocal = t.probability("tenant_share_nonlocal");
    town.cars_per_household_mean =
        t.number("cars_per_household_mean", non_negative_up_to(limits::max_cars_per_household));
    town.parking_spaces_per_unit =
        read_named(t, "parking_spaces_per_unit", housing_type_names,
                   non_negative_up_to(limits::max_parking_spaces_per_unit));
    town.firms = t.count("firms", 1, limits::max_firms, limits::hint);
    town.firm_size_exponent = t.number("firm_size_exponent", NumberRange::between(0.0, 5.0));
    town.firm_managed_share =
        read_named(t, "firm_managed_share", housing_type_names, NumberRange::probability());
    town.owners_committee_initial_share = t.probability("owners_committee_initial_share");
    t.finish();
    return town;
}

HouseholdSpec read_households(ConfigTable t) {
    HouseholdSpec h;
    h.satisfaction_initial_mean = t.probability("satisfaction_initial_mean");
    h.satisfaction_initial_sd =
        t.number("satisfaction_initial_sd", non_negative_up_to(limits::max_sd));
    h.trust_initial_local = t.probability("trust_initial_local");
    h.trust_initial_nonlocal = t.probability("trust_initial_nonlocal");
    h.trust_initial_tenant = t.probability("trust_initial_tenant");
    h.trust_initial_sd = t.number("trust_initial_sd", non_negative_up_to(limits::max_sd));
    h.fee_threshold_mean = t.probability("fee_threshold_mean");
    h.fee_threshold_sd = t.number("fee_threshold_sd", non_negative_up_to(limits::max_sd));
    h.satisfaction_drift_per_month = t.probability("satisfaction_drift_per_month");
    h.onset_dissatisfaction_weight = t.number("onset_dissatisfaction_weight", weight());
    t.finish();
    return h;
}

OwnerSpec read_owners(ConfigTable t) {
    OwnerSpec o;
    o.floor_area_mean_m2 = read_named(t, "floor_area_mean_m2", housing_type_names,
                                      positive_up_to(limits::max_floor_area_m2));
    o.floor_area_cv = t.number("floor_area_cv", non_negative_up_to(limits::max_cv));
    o.fee_threshold_shift =
        read_named(t, "fee_threshold_shift", housing_type_names, NumberRange::between(-1, 1));
    o.absentee_fee_threshold_shift =
        t.number("absentee_fee_threshold_shift", NumberRange::between(-1, 1));
    o.empty_unit_fee_share = t.probability("empty_unit_fee_share");
    t.finish();
    return o;
}

RaisedBy read_raised_by(ConfigTable t) {
    RaisedBy r;
    r.owner_occupier = t.number("owner_occupier", weight());
    r.tenant = t.number("tenant", weight());
    r.absentee_owner = t.number("absentee_owner", weight());
    t.finish();
    return r;
}

/// A category, with its department names kept for resolution once departments are read.
CategorySpec read_category(ConfigTable t, std::vector<std::string>& department_names) {
    CategorySpec c;
    c.rate_per_1000_households_per_year =
        t.number("rate_per_1000_households_per_year",
                 non_negative_up_to(limits::max_rate_per_1000_per_year));
    ConfigTable effects = t.table("effects");
    for (std::size_t f = 0; f < feature_count; ++f) {
        if (effects.contains(feature_names[f])) {
            c.effects[f] = effects.number(feature_names[f], effect());
        }
    }
    effects.finish();
    c.raised_by = read_raised_by(t.table("raised_by"));
    department_names = t.strings("departments");
    c.service_days = read_per_level(t, "service_days", days());
    c.success = read_per_level(t, "success", NumberRange::probability());
    t.finish();
    return c;
}

DepartmentSpec read_department(ConfigTable t) {
    DepartmentSpec d;
    d.name = t.string("name");
    d.servers = t.count("servers", 1, limits::max_servers, limits::hint);
    d.intake_delay_days = t.number("intake_delay_days", days());
    d.cross_department_success_factor = t.probability("cross_department_success_factor");
    t.finish();
    return d;
}

HandlerSpec read_handlers(ConfigTable t) {
    HandlerSpec h;
    h.coordination_servers = t.count("coordination_servers", 1, limits::max_servers, limits::hint);
    h.coordination_intake_delay_days = t.number("coordination_intake_delay_days", days());
    h.patience_days = read_per_level(t, "patience_days", days());
    std::vector<ConfigTable> departments = t.tables("departments");
    if (departments.size() > limits::max_departments) {
        throw t.error("departments", fmt::format("at most {} departments", limits::max_departments),
                      fmt::format("{} departments", departments.size()), limits::hint);
    }
    for (ConfigTable& department : departments) {
        h.departments.push_back(read_department(std::move(department)));
    }
    t.finish();
    return h;
}

ResidentsCommitteeSpec read_residents_committees(ConfigTable t) {
    ResidentsCommitteeSpec r;
    r.staff_per_1000_households = t.number("staff_per_1000_households", staff_per_1000());
    r.min_staff = t.count("min_staff", 1, limits::max_servers, limits::hint);
    r.dispute_share = t.probability("dispute_share");
    t.finish();
    return r;
}

OwnersCommitteeSpec read_owners_committees(ConfigTable t) {
    OwnersCommitteeSpec o;
    o.servers = t.count("servers", 1, limits::max_committee_servers, limits::hint);
    o.dormancy_per_month = t.probability("dormancy_per_month");
    o.revival_per_month = t.probability("revival_per_month");
    t.finish();
    return o;
}

AssemblySpec read_assemblies(ConfigTable t) {
    AssemblySpec a;
    const std::string rule = t.string("rule");
    std::size_t r = 0;
    while (r < assembly_rule_names.size() && assembly_rule_names[r] != rule) {
        ++r;
    }
    if (r == assembly_rule_names.size()) {
        throw t.error("rule", fmt::format("one of {}", fmt::join(assembly_rule_names, ", ")),
                      fmt::format("\"{}\"", rule));
    }
    a.rule = static_cast<AssemblyRule>(r);
    a.min_occupancy = t.probability("min_occupancy");
    a.initiative_per_month = t.probability("initiative_per_month");
    a.initiative_dissatisfaction_weight = t.number("initiative_dissatisfaction_weight", weight());
    a.rc_help_per_month = t.probability("rc_help_per_month");
    a.turnout_resident = t.probability("turnout_resident");
    a.turnout_absent_local = t.probability("turnout_absent_local");
    a.turnout_absent_nonlocal = t.probability("turnout_absent_nonlocal");
    a.turnout_dissatisfaction_weight = t.probability("turnout_dissatisfaction_weight");
    a.support_election = t.probability("support_election");
    a.support_hire = t.probability("support_hire");
    a.dismissal_trigger_satisfaction = t.probability("dismissal_trigger_satisfaction");
    a.dismissal_initiative_per_month = t.probability("dismissal_initiative_per_month");
    a.dismissal_vote_satisfaction = t.probability("dismissal_vote_satisfaction");
    a.hire_initiative_per_month = t.probability("hire_initiative_per_month");
    a.retender_after_abandonment_per_month = t.probability("retender_after_abandonment_per_month");
    t.finish();
    return a;
}

DetectionSpec read_detection(ConfigTable t) {
    DetectionSpec d;
    d.report_delay_days = t.number("report_delay_days", days());
    d.trust_delay_elasticity = t.number("trust_delay_elasticity", weight());
    t.finish();
    return d;
}

EscalationSpec read_escalation(ConfigTable t) {
    EscalationSpec e;
    e.handoff_days = t.number("handoff_days", days());
    e.routing_error_probability = t.probability("routing_error_probability");
    e.routing_error_days = t.number("routing_error_days", days());
    e.escalate_base = t.probability("escalate_base");
    e.escalate_dissatisfaction = t.probability("escalate_dissatisfaction");
    e.direct_complaint_probability = t.probability("direct_complaint_probability");
    e.government_trust_weight = t.probability("government_trust_weight");
    t.finish();
    return e;
}

FeedbackSpec read_feedback(ConfigTable t) {
    // Changes of satisfaction and trust, which live in [0, 1].
    const NumberRange unit = NumberRange::between(0, 1);
    FeedbackSpec f;
    f.satisfaction_resolved = t.number("satisfaction_resolved", unit);
    f.satisfaction_per_day_open = t.number("satisfaction_per_day_open", unit);
    f.satisfaction_abandoned = t.number("satisfaction_abandoned", unit);
    f.trust_resolved_by_government = t.number("trust_resolved_by_government", unit);
    f.trust_abandoned_after_complaint = t.number("trust_abandoned_after_complaint", unit);
    t.finish();
    return f;
}

FirmSpec read_firms(ConfigTable t) {
    FirmSpec f;
    f.quality_mean = t.probability("quality_mean");
    f.quality_sd = t.number("quality_sd", non_negative_up_to(limits::max_sd));
    f.fee_per_unit_month =
        t.number("fee_per_unit_month", positive_up_to(limits::max_money_per_unit_month));
    f.staff_per_1000_units = t.number("staff_per_1000_units", staff_per_1000());
    f.dispute_staff_share = t.probability("dispute_staff_share");
    f.staff_cost_month = t.number("staff_cost_month", money());
    f.other_cost_per_occupied_unit_month = t.number("other_cost_per_occupied_unit_month", money());
    f.fixed_cost_per_unit_month = t.number("fixed_cost_per_unit_month", money());
    f.staffing_adjustment_per_month = t.probability("staffing_adjustment_per_month");
    f.staffing_collection_elasticity = t.number("staffing_collection_elasticity", weight());
    f.min_staffing_share = t.probability("min_staffing_share");
    f.quality_staffing_elasticity = t.number("quality_staffing_elasticity", weight());
    f.margin_memory_months = t.number("margin_memory_months", NumberRange::between(1, 1200));
    f.exit_loss_share = t.number("exit_loss_share", multiplier());
    f.initial_reserve_months =
        t.number("initial_reserve_months", non_negative_up_to(limits::max_months));
    f.bid_min_margin_share = t.number("bid_min_margin_share", NumberRange::between(-1, 1));
    f.unmanaged_service_quality = t.probability("unmanaged_service_quality");
    t.finish();
    return f;
}

CollectiveSpec read_collectives(ConfigTable t) {
    CollectiveSpec c;
    c.service_quality = t.probability("service_quality");
    c.dispute_staff_per_1000_units =
        t.number("dispute_staff_per_1000_units", non_negative_up_to(limits::max_staff_per_1000));
    t.finish();
    return c;
}

/// The [mechanisms] switches: each optional, on unless set to false.
MechanismSwitches read_mechanisms(ConfigTable t) {
    MechanismSwitches m;
    const auto flag = [&t](std::string_view key, bool& value) {
        if (t.contains(key)) {
            value = t.boolean(key);
        }
    };
    flag("closure_feedback", m.closure_feedback);
    flag("satisfaction_drift", m.satisfaction_drift);
    flag("firm_staffing", m.firm_staffing);
    flag("firm_exit", m.firm_exit);
    flag("assemblies", m.assemblies);
    flag("committee_turnover", m.committee_turnover);
    flag("tenders", m.tenders);
    t.finish();
    return m;
}

/// [costs]: a unit cost for every resource, in yuan.
CostSpec read_costs(ConfigTable t) {
    CostSpec c;
    for (std::size_t r = 0; r < resource_count; ++r)
        c.per_unit[r] = t.number(resource_names[r], non_negative_up_to(limits::max_unit_cost));
    t.finish();
    return c;
}

ModelSpec read_model(ConfigTable t) {
    ModelSpec m;
    m.name = t.string("name");
    m.description = t.optional_string("description").value_or("");
    if (t.contains("policy_start")) {
        m.policy_start = t.date("policy_start");
    }
    t.finish();
    return m;
}

/// The [levers] table: a section per lever type of the registry (models/levers/), with
/// `enabled` (optional, default true) and every key of the lever (all required, even when the
/// lever is switched off). A section no lever type has is an error with "did you mean".
Levers read_levers(ConfigTable t) {
    Levers levers;
    for (const LeverType& type : lever_types()) {
        if (!t.contains(type.name)) {
            continue;
        }
        ConfigTable section = t.table(type.name);
        const bool enabled = section.contains("enabled") ? section.boolean("enabled") : true;
        std::optional<sim::Date> start;
        if (section.contains("start")) {
            start = section.date("start");
        }
        levers.add(type.read(section), enabled, start);
        section.finish();
    }
    t.finish();
    return levers;
}

/// Replaces each category's department names by indices into handlers.departments.
void resolve_departments(const sim::ConfigDocument& doc,
                         const PerCategory<std::vector<std::string>>& names, Scenario& s) {
    std::vector<std::string> known;
    for (const auto& d : s.handlers.departments) {
        known.push_back(d.name);
    }
    for (std::size_t c = 0; c < category_count; ++c) {
        auto& indices = s.categories[c].departments;
        indices.clear();
        for (std::size_t j = 0; j < names[c].size(); ++j) {
            const std::string& name = names[c][j];
            std::size_t index = 0;
            while (index < known.size() && known[index] != name) {
                ++index;
            }
            if (index == known.size()) {
                std::string hint;
                if (const auto guess = sim::closest_key(name, known)) {
                    hint = fmt::format("did you mean '{}'?", *guess);
                } else {
                    hint = fmt::format("known departments: {}", fmt::join(known, ", "));
                }
                throw doc.error_at(fmt::format("disputes.{}.departments[{}]", category_names[c], j),
                                   "the name of a [[handlers.departments]] entry",
                                   fmt::format("\"{}\"", name), std::move(hint));
            }
            indices.push_back(static_cast<std::uint32_t>(index));
        }
    }
}

/// Reads a composed document into a Scenario.
Scenario read_scenario(const sim::ConfigDocument& doc) {
    Scenario s;
    s.source_path = doc.file();
    s.source_text = sim::provenance_text(doc.sources());

    ConfigTable root = doc.root();
    if (!root.contains("run")) {
        throw root.error("run", "a table", "nothing (section missing)",
                         "a file without [run] is a fragment (parameters, a town or a model): "
                         "include it from a scenario, or name it in an experiment");
    }
    s.run = read_run(root.table("run"));
    if (root.contains("model")) {
        s.model = read_model(root.table("model"));
    }
    s.town = read_town(root.table("town"));
    s.households = read_households(root.table("households"));
    s.owners = read_owners(root.table("owners"));
    ConfigTable disputes = root.table("disputes");
    PerCategory<std::vector<std::string>> department_names;
    for (std::size_t c = 0; c < category_count; ++c) {
        s.categories[c] = read_category(disputes.table(category_names[c]), department_names[c]);
    }
    disputes.finish();
    s.handlers = read_handlers(root.table("handlers"));
    s.residents_committees = read_residents_committees(root.table("residents_committees"));
    s.owners_committees = read_owners_committees(root.table("owners_committees"));
    s.assemblies = read_assemblies(root.table("assemblies"));
    s.detection = read_detection(root.table("detection"));
    s.escalation = read_escalation(root.table("escalation"));
    s.feedback = read_feedback(root.table("feedback"));
    s.firms = read_firms(root.table("firms"));
    s.collectives = read_collectives(root.table("collectives"));
    if (root.contains("mechanisms")) {
        s.mechanisms = read_mechanisms(root.table("mechanisms"));
    }
    if (root.contains("costs")) {
        s.costs = read_costs(root.table("costs"));
    }
    if (root.contains("levers")) {
        s.levers = read_levers(root.table("levers"));
    }
    root.finish();

    // Checked before names are resolved so that an empty list is not reported as an unknown
    // name. A duplicate department name is reported by validate_scenario.
    if (s.handlers.departments.empty()) {
        throw doc.error_at("handlers.departments", "at least one [[handlers.departments]] entry",
                           "none");
    }
    resolve_departments(doc, department_names, s);
    if (auto problem = validate_scenario(s)) {
        throw doc.error_at(problem->key, std::move(problem->expected), std::move(problem->found),
                           std::move(problem->hint));
    }
    return s;
}

/// The town or model files named by `experiment.<key>`, resolved against the experiment file.
std::vector<sim::ConfigComposer::Include> read_parts(ConfigTable& spec, std::string_view key,
                                                     const toml::table& table,
                                                     std::vector<std::string>& written) {
    written = spec.strings(key);
    if (written.empty()) {
        throw spec.error(key, "at least one file name", "an empty list");
    }
    const toml::array& array = *table.get(key)->as_array();
    std::vector<sim::ConfigComposer::Include> parts;
    for (std::size_t i = 0; i < written.size(); ++i) {
        parts.push_back({sim::ConfigComposer::resolve(spec.file(), written[i]),
                         spec.location_of(*array.get(i)),
                         fmt::format("{}[{}]", spec.key_path(key), i)});
    }
    return parts;
}

/// Every scenario of an experiment must run the same [run]: a town or model file that sets
/// one of its keys would otherwise give runs of one experiment different lengths or seeds.
void check_same_run(const sim::ConfigDocument& doc, const RunSpec& first, const RunSpec& run) {
    const auto differs = [&doc](std::string_view key, const std::string& want,
                                const std::string& found) {
        return doc.error_at(fmt::format("run.{}", key),
                            fmt::format("the same value in every run of the experiment ({})", want),
                            found, "set [run] in the experiment file, not in town or model files");
    };
    if (run.name != first.name) {
        throw differs("name", fmt::format("\"{}\"", first.name), fmt::format("\"{}\"", run.name));
    }
    if (run.start_year != first.start_year) {
        throw differs("start_year", fmt::format("{}", first.start_year),
                      fmt::format("{}", run.start_year));
    }
    if (run.years != first.years) {
        throw differs("years", fmt::format("{}", first.years), fmt::format("{}", run.years));
    }
    if (run.replicates != first.replicates) {
        throw differs("replicates", fmt::format("{}", first.replicates),
                      fmt::format("{}", run.replicates));
    }
    if (run.seed != first.seed) {
        throw differs("seed", fmt::format("{}", first.seed), fmt::format("{}", run.seed));
    }
}

/// An experiment's runs, scenarios x replicates, must stay within limits::max_runs.
void check_runs(const sim::ConfigDocument& doc, std::size_t scenarios, std::uint32_t replicates) {
    if (static_cast<double>(scenarios) * replicates > static_cast<double>(limits::max_runs)) {
        throw doc.error_at("run.replicates",
                           fmt::format("at most {} runs in all ({} scenarios x replicates)",
                                       limits::max_runs, scenarios),
                           fmt::format("{} replicates", replicates), limits::hint);
    }
}

/// Whether an error is about a value an override (--set, or a design point) set: such values
/// have no place in a file, so their messages name the override without a line and column.
bool from_override(const sim::ConfigError& e) {
    return e.file().rfind("--set ", 0) == 0 || e.file().rfind("[design] ", 0) == 0;
}

/// read_scenario, with the messages about overridden values named by their override alone.
Scenario read_scenario_checked(const sim::ConfigDocument& doc) {
    try {
        return read_scenario(doc);
    } catch (const sim::ConfigError& e) {
        if (!from_override(e))
            throw;
        if (!e.expected().empty())
            throw sim::ConfigError(e.file(), {}, e.key(), e.expected(), e.found(), e.hint());
        throw sim::ConfigError::with_message(e.file(), {}, e.key(), e.message(), e.hint());
    }
}

/// A distribution's keys in `t` (a [priors] entry or a [[design.parameters]] entry).
Distribution read_distribution(ConfigTable& t) {
    Distribution d;
    if (t.contains("distribution")) {
        d.name = t.string("distribution");
        if (std::find(std::begin(distribution_names), std::end(distribution_names), d.name) ==
            std::end(distribution_names))
            throw t.error("distribution",
                          fmt::format("one of {}", fmt::join(distribution_names, ", ")),
                          fmt::format("\"{}\"", d.name));
    }
    d.lower = t.number("lower");
    d.upper = t.number("upper");
    if (!(d.upper > d.lower))
        throw t.error("upper",
                      fmt::format("a number above lower ({})", sim::format_number(d.lower)),
                      sim::format_number(d.upper));
    if (d.name == "log-uniform" && !(d.lower > 0))
        throw t.error("lower", "a positive number (the distribution is log-uniform)",
                      sim::format_number(d.lower));
    if (d.name == "triangular")
        d.mode = t.number("mode", NumberRange::between(d.lower, d.upper));
    if (d.name == "normal") {
        d.mean = t.number("mean");
        d.sd = t.positive("sd");
    }
    if (d.name == "beta") {
        d.alpha = t.positive("alpha");
        d.beta = t.positive("beta");
    }
    return d;
}

/// The number at a key path of a composed scenario, or an error at `where` (a design
/// parameter's or a prior's key) saying what is there instead.
double number_at(const toml::table& root, const std::string& key, const ConfigTable& where,
                 std::string_view where_key, bool* integer = nullptr) {
    const toml::node* node = sim::node_at(root, key);
    if (node == nullptr || !(node->is_integer() || node->is_floating_point()))
        throw where.error(
            where_key, "the key path of a number in the scenario (e.g. escalation.escalate_base)",
            node == nullptr ? fmt::format("\"{}\", which names no value", key)
                            : fmt::format("\"{}\", which is not a number", key));
    if (integer)
        *integer = node->is_integer();
    return *node->value<double>();
}

/// The [priors] of a composed scenario, checked to name its numbers, then removed from it.
void take_priors(toml::table& root, const std::string& path, std::vector<DeclaredPrior>& priors) {
    if (!root.contains("priors"))
        return;
    {
        ConfigTable top(root, {}, std::make_shared<const std::string>(path));
        ConfigTable table = top.table("priors");
        const toml::table& raw = *root.get("priors")->as_table();
        for (auto&& [name, node] : raw) {
            const std::string key(name.str());
            ConfigTable entry = table.table(key);
            DeclaredPrior prior;
            prior.key = key;
            prior.distribution = read_distribution(entry);
            prior.reason = entry.string("reason");
            entry.finish();
            // The key must name a number of the scenario. Its value need not lie inside the
            // prior: --set, a design or a calibration may move it, and the scenario stays valid.
            (void)number_at(root, key, table, key);
            const auto same = std::find_if(priors.begin(), priors.end(),
                                           [&](const DeclaredPrior& p) { return p.key == key; });
            if (same == priors.end())
                priors.push_back(std::move(prior));
            else if (!(same->distribution == prior.distribution))
                throw entry.error("distribution",
                                  "the same prior as the other scenarios of the experiment give "
                                  "this key",
                                  "a different one",
                                  "declare a key's prior once, in a file every scenario includes");
        }
        table.finish();
    }
    root.erase("priors");
}

/// A prior design's `posterior = { file, calibration, parameters }` as written (paths resolved
/// against the experiment file).
struct PosteriorSpec {
    std::string file;
    std::string calibration;
    std::vector<std::string> parameters; ///< the calibrated parameters to take (empty: all)
    std::optional<ConfigTable> at;       ///< the table, for errors
};

/// A [design] as written: its kind, numbers and parameters (not yet resolved against the
/// scenarios), with where each parameter was written.
struct DesignSpec {
    std::optional<PosteriorSpec> posterior;
    ExperimentDesign design;
    std::optional<std::uint64_t> seed;
    std::vector<bool> from_prior; ///< per parameter: only its key was written (use its prior)
    std::vector<sim::SourceLocation> where;
    std::string file;
    sim::SourcePosition position;
};

constexpr std::array<std::string_view, 5> design_kinds{"factorial", "lhs", "sobol", "morris",
                                                       "prior"};

DesignSpec read_design_spec(ConfigTable t) {
    DesignSpec spec;
    spec.file = t.file();
    spec.position = t.position();
    ExperimentDesign& d = spec.design;
    d.kind = t.string("kind");
    if (std::find(design_kinds.begin(), design_kinds.end(), d.kind) == design_kinds.end())
        throw t.error("kind", fmt::format("one of {}", fmt::join(design_kinds, ", ")),
                      fmt::format("\"{}\"", d.kind));
    if (t.contains("seed"))
        spec.seed = t.unsigned_integer("seed");
    if (d.kind != "factorial")
        d.samples =
            t.count("samples", 1, static_cast<std::uint32_t>(limits::max_scenarios), limits::hint);
    if (d.kind == "morris")
        d.levels = t.count("levels", 2, 1000, limits::hint);
    if (t.contains("posterior")) {
        if (d.kind != "prior")
            throw t.error("posterior",
                          "a [design] of kind \"prior\" (only prior draws take a posterior)",
                          fmt::format("kind \"{}\"", d.kind));
        ConfigTable p = t.table("posterior");
        PosteriorSpec post;
        post.file = sim::ConfigComposer::resolve(spec.file, p.string("file"));
        post.calibration = sim::ConfigComposer::resolve(spec.file, p.string("calibration"));
        if (p.contains("parameters")) {
            post.parameters = p.strings("parameters");
            if (post.parameters.empty())
                throw p.error("parameters",
                              "the names of calibrated parameters to take (or no `parameters`: "
                              "all of them)",
                              "an empty list");
        }
        p.finish();
        post.at = p;
        spec.posterior = std::move(post);
    }
    if (d.kind == "prior" && !t.contains("parameters")) {
        t.finish();
        return spec; // every declared prior
    }
    std::vector<ConfigTable> parameters = t.tables("parameters");
    if (parameters.empty())
        throw t.error("parameters", "at least one [[design.parameters]] entry", "none");
    for (ConfigTable& p : parameters) {
        DesignParameter parameter;
        parameter.key = p.string("key");
        spec.where.push_back(p.location());
        for (const auto& other : d.parameters)
            if (other.key == parameter.key)
                throw p.error("key", "a key no other parameter of the design has",
                              fmt::format("\"{}\" again", parameter.key));
        bool key_only = false;
        if (d.kind == "factorial") {
            if (p.contains("values")) {
                parameter.levels = p.numbers("values");
                if (parameter.levels.empty())
                    throw p.error("values", "at least one value", "an empty list");
            } else {
                const double lower = p.number("lower");
                const double upper = p.number("upper");
                if (!(upper > lower))
                    throw p.error(
                        "upper",
                        fmt::format("a number above lower ({})", sim::format_number(lower)),
                        sim::format_number(upper));
                const std::uint32_t n = p.count("levels", 2, 1000, limits::hint);
                for (std::uint32_t k = 0; k < n; ++k)
                    parameter.levels.push_back(lower + (upper - lower) * k / (n - 1));
            }
            parameter.distribution.lower =
                *std::min_element(parameter.levels.begin(), parameter.levels.end());
            parameter.distribution.upper =
                *std::max_element(parameter.levels.begin(), parameter.levels.end());
            parameter.distribution.name = "levels";
        } else if (!p.contains("lower") && !p.contains("distribution")) {
            key_only = true; // its prior, declared in a scenario file
        } else {
            parameter.distribution = read_distribution(p);
        }
        p.finish();
        spec.from_prior.push_back(key_only);
        d.parameters.push_back(std::move(parameter));
    }
    t.finish();
    return spec;
}

[[noreturn]] void design_error(const DesignSpec& spec, std::size_t k, std::string expected,
                               std::string found, std::string hint = {}) {
    const sim::SourceLocation& at = spec.where[k];
    throw sim::ConfigError(at.file, at.where, fmt::format("design.parameters[{}].key", k),
                           std::move(expected), std::move(found), std::move(hint));
}

/// A calibration posterior read for a prior design: the calibrated parameters it applies, and
/// per row of its table, the weight and those parameters' values.
struct Posterior {
    std::string file;
    std::string calibration;
    std::vector<FreeParameter> parameters;
    std::vector<double> weights;
    std::vector<std::vector<double>> rows; ///< per row, per parameter
    std::optional<ConfigTable> at;
};

/// One CSV line split into fields (RFC 4180 quoting: "a,b" and "" for a quote), each with the
/// column (from 1) where it starts.
std::vector<std::pair<std::string, std::uint32_t>> csv_fields(std::string_view line) {
    std::vector<std::pair<std::string, std::uint32_t>> out;
    std::size_t i = 0;
    while (true) {
        std::string field;
        const auto column = static_cast<std::uint32_t>(i + 1);
        if (i < line.size() && line[i] == '"') {
            ++i;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += line[i++];
            }
        }
        while (i < line.size() && line[i] != ',')
            field += line[i++];
        out.emplace_back(std::move(field), column);
        if (i >= line.size())
            break;
        ++i; // the comma
    }
    return out;
}

/// Reads a design's posterior: the calibration file's [calibration] section (which names the
/// columns) and the posterior table, an export of the calibration's /posterior (govsim export
/// CALIBRATION.h5 posterior). Both are read with `reader` and added to `sources` (unless seen).
Posterior read_posterior(const PosteriorSpec& spec, const sim::FileReader& reader,
                         std::vector<sim::ConfigSource>& sources,
                         std::set<std::string, std::less<>>& seen) {
    Posterior post;
    post.file = spec.file;
    post.calibration = spec.calibration;
    post.at = spec.at;
    const auto read = [&](const std::string& file, std::string_view key) {
        std::string text;
        try {
            text = reader ? reader(file) : sim::read_text_file(file);
        } catch (const sim::ConfigError& e) {
            throw spec.at->error(key, "a file that can be read (relative to the experiment file)",
                                 fmt::format("'{}': {}", file, e.message()));
        }
        if (seen.insert(file).second)
            sources.push_back({file, text});
        return text;
    };
    const std::string cal_text = read(spec.calibration, "calibration");
    const std::string csv = read(spec.file, "file");
    const CalibrationSpec cal = parse_calibration_section(cal_text, spec.calibration);

    std::vector<std::string> names;
    for (const auto& fp : cal.parameters)
        names.push_back(fp.key);
    if (spec.parameters.empty()) {
        post.parameters = cal.parameters;
    } else {
        for (const auto& name : spec.parameters) {
            const auto it = std::find_if(cal.parameters.begin(), cal.parameters.end(),
                                         [&](const FreeParameter& fp) { return fp.key == name; });
            if (it == cal.parameters.end())
                throw spec.at->error("parameters",
                                     fmt::format("names of parameters {} calibrates ({})",
                                                 spec.calibration, fmt::join(names, ", ")),
                                     fmt::format("\"{}\"", name));
            for (const auto& taken : post.parameters)
                if (taken.key == name)
                    throw spec.at->error("parameters", "each calibrated parameter once",
                                         fmt::format("\"{}\" again", name));
            post.parameters.push_back(*it);
        }
    }

    // The header: every column one the calibration's /posterior table has.
    std::vector<std::pair<std::string_view, std::uint32_t>> lines; // text, line number
    {
        std::size_t start = 0;
        std::uint32_t number = 1;
        while (start <= csv.size()) {
            std::size_t end = csv.find('\n', start);
            if (end == std::string::npos)
                end = csv.size();
            std::string_view line(csv.data() + start, end - start);
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (!line.empty())
                lines.emplace_back(line, number);
            start = end + 1;
            ++number;
        }
    }
    if (lines.empty())
        throw sim::ConfigError(spec.file, {1, 1}, {},
                               "a header line (the columns of the calibration's /posterior)",
                               "an empty file");
    const auto header = csv_fields(lines.front().first);
    const std::uint32_t header_line = lines.front().second;
    std::optional<std::size_t> weight_column;
    std::vector<std::optional<std::size_t>> parameter_column(post.parameters.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
        const std::string& name = header[c].first;
        const sim::SourcePosition at{header_line, header[c].second};
        for (std::size_t j = 0; j < c; ++j)
            if (header[j].first == name)
                throw sim::ConfigError(spec.file, at, name, "a column name not used before",
                                       fmt::format("\"{}\" again", name));
        if (name == "weight") {
            weight_column = c;
            continue;
        }
        bool known = name == "generation" || name == "particle" || name == "distance";
        for (const auto& pattern : cal.patterns)
            known = known || pattern.name == name;
        for (std::size_t i = 0; i < post.parameters.size(); ++i)
            if (post.parameters[i].key == name) {
                parameter_column[i] = c;
                known = true;
            }
        known = known || std::find(names.begin(), names.end(), name) != names.end();
        if (!known)
            throw sim::ConfigError(
                spec.file, at, name,
                fmt::format("a column of the /posterior table of a calibration by {} "
                            "(generation, particle, weight, distance, a calibrated parameter: "
                            "{}, or a pattern)",
                            spec.calibration, fmt::join(names, ", ")),
                fmt::format("\"{}\"", name),
                "export the posterior of the calibration this file describes");
    }
    if (!weight_column)
        throw sim::ConfigError(spec.file, {header_line, 1}, "weight",
                               "a column \"weight\" (the particles' weights)", "none");
    for (std::size_t i = 0; i < post.parameters.size(); ++i)
        if (!parameter_column[i])
            throw sim::ConfigError(spec.file, {header_line, 1}, post.parameters[i].key,
                                   "a column for every calibrated parameter taken",
                                   fmt::format("none for \"{}\"", post.parameters[i].key));
    if (lines.size() < 2)
        throw sim::ConfigError(spec.file, {header_line, 1}, {}, "at least one row after the header",
                               "none");

    const auto number = [&](const std::pair<std::string, std::uint32_t>& field, std::uint32_t line,
                            const std::string& column) {
        double v = 0;
        const char* first = field.first.data();
        const char* last = first + field.first.size();
        const auto [end, ec] = std::from_chars(first, last, v);
        if (ec != std::errc{} || end != last || field.first.empty())
            throw sim::ConfigError(spec.file, {line, field.second}, column, "a number",
                                   fmt::format("\"{}\"", field.first));
        if (!std::isfinite(v))
            throw sim::ConfigError(spec.file, {line, field.second}, column, "a finite number",
                                   field.first);
        return v;
    };
    double total = 0;
    for (std::size_t r = 1; r < lines.size(); ++r) {
        const auto [text, line] = lines[r];
        const auto fields = csv_fields(text);
        if (fields.size() != header.size())
            throw sim::ConfigError::with_message(
                spec.file, {line, 1}, {},
                fmt::format("expected {} fields (as the header has), found {}", header.size(),
                            fields.size()));
        const double w = number(fields[*weight_column], line, "weight");
        if (w < 0)
            throw sim::ConfigError(spec.file, {line, fields[*weight_column].second}, "weight",
                                   "a weight >= 0", fields[*weight_column].first);
        std::vector<double> values;
        for (std::size_t i = 0; i < post.parameters.size(); ++i)
            values.push_back(number(fields[*parameter_column[i]], line, post.parameters[i].key));
        post.weights.push_back(w);
        post.rows.push_back(std::move(values));
        total += w;
    }
    if (!(total > 0) || !std::isfinite(total))
        throw sim::ConfigError(spec.file, {header_line, header[*weight_column].second}, "weight",
                               "weights with a positive, finite sum",
                               fmt::format("a sum of {}", sim::format_number(total)));
    return post;
}

/// The row of a posterior at unit coordinate u: the inverse of the weights' cumulative
/// distribution (rows of weight 0 are never drawn).
std::size_t posterior_row(const std::vector<double>& weights, double u) {
    double total = 0;
    for (const double w : weights)
        total += w;
    const double target = u * total;
    double cumulative = 0;
    std::size_t last = 0;
    for (std::size_t r = 0; r < weights.size(); ++r) {
        if (weights[r] <= 0)
            continue;
        cumulative += weights[r];
        last = r;
        if (target < cumulative)
            return r;
    }
    return last; // u * total rounded up to the sum
}

/// The design's parameters resolved against the composed scenarios (each key a number in every
/// one; key-only parameters take their declared prior), and its points generated.
ExperimentDesign make_design(DesignSpec spec, const std::vector<toml::table>& roots,
                             const std::vector<std::string>& labels,
                             const std::vector<DeclaredPrior>& priors, std::uint64_t run_seed,
                             const Posterior* posterior) {
    ExperimentDesign d = std::move(spec.design);
    d.seed = spec.seed.value_or(run_seed);
    // The keys the posterior sets: their priors are not drawn.
    std::vector<std::string> posterior_keys;
    if (posterior)
        for (const auto& fp : posterior->parameters)
            for (const auto& key : fp.keys)
                posterior_keys.push_back(key);
    const auto set_by_posterior = [&](const std::string& key) {
        return std::find(posterior_keys.begin(), posterior_keys.end(), key) != posterior_keys.end();
    };
    const bool all_priors = d.kind == "prior" && d.parameters.empty();
    if (all_priors) {
        if (priors.empty() && !posterior)
            throw sim::ConfigError(spec.file, spec.position, "design.kind",
                                   "priors declared in the scenario files ([priors])",
                                   "\"prior\" and no [priors] in any scenario file",
                                   "declare priors (docs/scenarios.md, 'Priors'), or list "
                                   "[[design.parameters]] with bounds");
        for (const auto& prior : priors) {
            if (set_by_posterior(prior.key))
                continue;
            DesignParameter parameter;
            parameter.key = prior.key;
            parameter.distribution = prior.distribution;
            d.parameters.push_back(std::move(parameter));
        }
        spec.from_prior.assign(d.parameters.size(), false);
        spec.where.assign(d.parameters.size(), sim::SourceLocation{spec.file, spec.position});
    }
    for (std::size_t k = 0; k < d.parameters.size(); ++k) {
        DesignParameter& parameter = d.parameters[k];
        if (!all_priors && set_by_posterior(parameter.key))
            design_error(
                spec, k, "a key the design's posterior does not set",
                fmt::format("\"{}\", which {} calibrates", parameter.key, posterior->calibration),
                "the posterior's draw replaces the key's prior: leave it out of "
                "[[design.parameters]], or out of posterior.parameters");
        if (spec.from_prior[k]) {
            const auto it = std::find_if(priors.begin(), priors.end(), [&](const DeclaredPrior& p) {
                return p.key == parameter.key;
            });
            if (it == priors.end())
                design_error(spec, k,
                             "a key with a prior declared in a scenario file, or lower "
                             "and upper",
                             fmt::format("\"{}\" without either", parameter.key));
            parameter.distribution = it->distribution;
        }
        // A key some scenarios lack (a lever's, in a model without the lever) leaves those
        // unchanged; it must be a number wherever it is, and be somewhere.
        bool found = false;
        for (std::size_t b = 0; b < roots.size(); ++b) {
            const toml::node* node = sim::node_at(roots[b], parameter.key);
            if (node == nullptr)
                continue;
            if (!(node->is_integer() || node->is_floating_point()))
                design_error(spec, k, "the key path of a number (e.g. escalation.escalate_base)",
                             fmt::format("\"{}\", which is not a number", parameter.key));
            if (!found)
                parameter.integer = node->is_integer();
            found = true;
        }
        if (!found)
            design_error(
                spec, k,
                "the key path of a number of the scenarios (e.g. escalation.escalate_base)",
                fmt::format("\"{}\", which names no value in any", parameter.key));
    }
    // The posterior's keys, after the drawn parameters: numbers in every scenario (a joint draw
    // applied to some scenarios only would not be the posterior's).
    const std::size_t drawn = d.parameters.size();
    std::vector<std::size_t> posterior_index; // per posterior key parameter: its column
    if (posterior) {
        for (std::size_t i = 0; i < posterior->parameters.size(); ++i) {
            const FreeParameter& fp = posterior->parameters[i];
            std::vector<double> column;
            for (std::size_t r = 0; r < posterior->rows.size(); ++r)
                if (posterior->weights[r] > 0)
                    column.push_back(posterior->rows[r][i]);
            for (const auto& key : fp.keys) {
                DesignParameter parameter;
                parameter.key = key;
                parameter.distribution.name = "posterior";
                parameter.distribution.lower = *std::min_element(column.begin(), column.end());
                parameter.distribution.upper = *std::max_element(column.begin(), column.end());
                for (std::size_t b = 0; b < roots.size(); ++b) {
                    const toml::node* node = sim::node_at(roots[b], key);
                    if (node == nullptr || !(node->is_integer() || node->is_floating_point()))
                        throw posterior->at->error(
                            "calibration",
                            "a calibration whose keys are numbers of every scenario of the "
                            "experiment",
                            fmt::format("\"{}\"{}, which names {} in scenario {}", key,
                                        fp.keys.size() > 1 ? fmt::format(" (of {})", fp.key) : "",
                                        node == nullptr ? "no value" : "no number", labels[b]));
                    if (b == 0)
                        parameter.integer = node->is_integer();
                }
                d.parameters.push_back(std::move(parameter));
                posterior_index.push_back(i);
            }
        }
        d.posterior_file = posterior->file;
        d.posterior_calibration = posterior->calibration;
        d.posterior_size = posterior->rows.size();
    }
    const std::size_t factors = d.parameters.size();
    if (d.kind == "factorial") {
        std::vector<std::size_t> levels;
        double total = 1;
        for (const auto& parameter : d.parameters) {
            levels.push_back(parameter.levels.size());
            total *= static_cast<double>(parameter.levels.size());
        }
        if (total > static_cast<double>(limits::max_scenarios))
            throw sim::ConfigError(spec.file, spec.position, "design",
                                   fmt::format("at most {} design points", limits::max_scenarios),
                                   fmt::format("{} (the product of the levels)", total),
                                   limits::hint);
        for (const auto& index : analysis::full_factorial(levels)) {
            std::vector<double> unit(factors), value(factors);
            for (std::size_t k = 0; k < factors; ++k) {
                const std::size_t n = levels[k];
                unit[k] = n == 1 ? 0.0 : static_cast<double>(index[k]) / static_cast<double>(n - 1);
                value[k] = d.parameters[k].levels[index[k]];
            }
            d.unit.push_back(std::move(unit));
            d.values.push_back(std::move(value));
        }
    } else {
        if (d.kind == "lhs" || d.kind == "prior")
            // With a posterior, one more column: the draw of its row (stratified like the rest;
            // the columns before it are those of the design without a posterior).
            d.unit = analysis::latin_hypercube(d.samples, drawn + (posterior ? 1 : 0), d.seed);
        else if (d.kind == "sobol")
            d.unit = analysis::saltelli_design(d.samples, factors, d.seed).points;
        else
            d.unit = analysis::morris_design(d.samples, factors, d.levels, d.seed).points;
        for (auto& u : d.unit) {
            std::vector<double> value(factors);
            if (posterior) {
                const double draw = u[drawn];
                const std::size_t row = posterior_row(posterior->weights, draw);
                d.posterior_rows.push_back(row);
                u.resize(factors, draw);
                for (std::size_t k = drawn; k < factors; ++k)
                    value[k] = posterior->rows[row][posterior_index[k - drawn]];
            }
            for (std::size_t k = 0; k < drawn; ++k) {
                const Distribution& dist = d.parameters[k].distribution;
                analysis::Prior prior;
                const std::string_view n = dist.name;
                prior.kind = n == "log-uniform"  ? analysis::PriorKind::LogUniform
                             : n == "triangular" ? analysis::PriorKind::Triangular
                             : n == "normal"     ? analysis::PriorKind::Normal
                             : n == "beta"       ? analysis::PriorKind::Beta
                                                 : analysis::PriorKind::Uniform;
                prior.lower = dist.lower;
                prior.upper = dist.upper;
                prior.mode = dist.mode;
                prior.mean = dist.mean;
                prior.sd = dist.sd;
                prior.alpha = dist.alpha;
                prior.beta = dist.beta;
                value[k] = analysis::prior_quantile(prior, u[k]);
            }
            d.values.push_back(std::move(value));
        }
    }
    for (auto& value : d.values)
        for (std::size_t k = 0; k < factors; ++k)
            if (d.parameters[k].integer)
                value[k] = std::round(value[k]);
    return d;
}

/// For a key path under [levers.<name>], "levers.<name>"; else "".
std::string lever_table_of(const std::string& key) {
    if (key.rfind("levers.", 0) != 0)
        return {};
    const std::size_t end = key.find_first_of(".[", 7);
    return key.substr(0, end);
}

/// Whether an override of `key` applies to the composed scenario `root`: always, unless the key
/// is a lever's and the scenario has no such lever.
bool has_lever_of(const toml::table& root, const std::string& key) {
    const std::string lever = lever_table_of(key);
    if (lever.empty() || lever.size() == key.size())
        return true;
    const toml::node* levers = root.get("levers");
    return levers != nullptr && levers->is_table() && levers->as_table()->contains(lever.substr(7));
}

/// A design point's values as overrides of a composed scenario.
void apply_point(toml::table& root, const ExperimentDesign& d, std::size_t point) {
    for (std::size_t k = 0; k < d.parameters.size(); ++k) {
        if (sim::node_at(root, d.parameters[k].key) == nullptr)
            continue; // a scenario without the key (make_design) is left as it is
        const double v = d.values[point][k];
        const std::string text = d.parameters[k].integer
                                     ? fmt::format("{}", static_cast<std::int64_t>(v))
                                     : sim::format_number(v);
        const sim::Override o{
            fmt::format("[design] point {} ({} = {})", point, d.parameters[k].key, text),
            d.parameters[k].key, text};
        (void)sim::apply_override(root, o);
    }
}

/// Reads an experiment or plain scenario file; with `single`, rejects an experiment of more than
/// one scenario before composing any.
Experiment read_experiment(std::string_view text, const std::string& path, bool single,
                           const sim::FileReader& reader,
                           const std::vector<sim::Override>& overrides) {
    sim::ConfigComposer composer(reader);
    toml::table top = sim::ConfigComposer::parse(text, path);
    Experiment e;
    for (const auto& o : overrides)
        e.overrides.push_back(fmt::format("{}={}", o.path, o.value));

    // The scenarios of one design point: (town, model) pairs, or the file alone.
    std::vector<std::vector<sim::ConfigComposer::Include>> bases;
    std::optional<DesignSpec> design_spec;
    {
        ConfigTable root(top, {}, std::make_shared<const std::string>(path));
        if (top.contains("experiment")) {
            std::vector<sim::ConfigComposer::Include> towns;
            std::vector<sim::ConfigComposer::Include> models;
            ConfigTable spec = root.table("experiment");
            const toml::table& spec_table = *top.get("experiment")->as_table();
            towns = read_parts(spec, "towns", spec_table, e.towns);
            models = read_parts(spec, "models", spec_table, e.models);
            spec.finish();
            // Checked before anything is composed: each scenario is composed and held in memory.
            if (towns.size() * models.size() > limits::max_scenarios) {
                throw sim::ConfigError(
                    spec.file(), spec.position(), spec.path(),
                    fmt::format("at most {} scenarios (towns x models)", limits::max_scenarios),
                    fmt::format("{} towns x {} models", towns.size(), models.size()), limits::hint);
            }
            if (single && towns.size() * models.size() != 1) {
                throw sim::ConfigError::with_message(
                    spec.file(), spec.position(), spec.path(),
                    fmt::format("expected a single scenario, found an experiment of {} ({} town{} "
                                "x {} model{})",
                                towns.size() * models.size(), towns.size(),
                                towns.size() == 1 ? "" : "s", models.size(),
                                models.size() == 1 ? "" : "s"),
                    "load it as an experiment (load_experiment)");
            }
            for (const auto& town : towns)
                for (const auto& model : models)
                    bases.push_back({town, model});
        } else {
            bases.emplace_back();
        }
        if (top.contains("design")) {
            if (single)
                throw sim::ConfigError::with_message(
                    path, root.table("design").position(), "design",
                    "expected a single scenario, found a [design] (an experiment of design "
                    "points)",
                    "load it as an experiment (load_experiment)");
            design_spec = read_design_spec(root.table("design"));
        }
    }

    // Each scenario of the file as written (with the overrides): composed, its priors taken,
    // read and checked.
    std::vector<char> applied(overrides.size(), 0);
    const auto compose = [&](const std::vector<sim::ConfigComposer::Include>& more,
                             std::vector<sim::ConfigSource>& sources) {
        // Parsed afresh for every scenario: composing moves nodes, and copies would lose their
        // source positions.
        toml::table own = sim::ConfigComposer::parse(text, path);
        own.erase("experiment");
        own.erase("design");
        toml::table root = composer.compose(std::move(own), text, path, sources, more);
        for (std::size_t k = 0; k < overrides.size(); ++k) {
            // A lever's key leaves the scenarios without that lever as they are (a model
            // without it); one that no scenario has is an error (below).
            if (!has_lever_of(root, overrides[k].path))
                continue;
            (void)sim::apply_override(root, overrides[k]);
            applied[k] = 1;
        }
        return root;
    };
    std::vector<sim::ConfigSource> all_sources;
    std::set<std::string, std::less<>> seen;
    std::vector<Scenario> written;
    std::vector<toml::table> roots; // as composed, for design points (kept only with a design)
    std::vector<std::vector<sim::ConfigSource>> base_sources;
    for (const auto& more : bases) {
        std::vector<sim::ConfigSource> sources;
        toml::table root = compose(more, sources);
        try {
            take_priors(root, path, e.priors);
        } catch (const sim::ConfigError&) {
            // A schema error (an override's, say) is reported first: it may be why a prior's
            // key names no number.
            std::vector<sim::ConfigSource> fresh_sources;
            toml::table fresh = compose(more, fresh_sources);
            fresh.erase("priors");
            (void)read_scenario_checked(
                sim::ConfigDocument::composed(path, std::move(fresh), std::move(fresh_sources)));
            throw;
        }
        for (const auto& source : sources) {
            if (seen.insert(source.file).second) {
                all_sources.push_back(source);
            }
        }
        if (design_spec) {
            roots.push_back(root); // a copy: without source positions (see apply below)
            base_sources.push_back(sources);
        }
        const auto doc = sim::ConfigDocument::composed(path, std::move(root), std::move(sources));
        Scenario s = read_scenario_checked(doc);
        if (!written.empty()) {
            check_same_run(doc, written.front().run, s.run);
        } else {
            check_runs(doc, bases.size(), s.run.replicates);
        }
        written.push_back(std::move(s));
    }
    for (std::size_t k = 0; k < overrides.size(); ++k)
        if (!applied[k])
            throw sim::ConfigError(overrides[k].label, {}, overrides[k].path,
                                   "a lever that a scenario of the experiment has",
                                   "no scenario with [" + lever_table_of(overrides[k].path) + "]");
    if (!top.contains("experiment")) {
        e.towns = {written.front().town.name};
        e.models = {written.front().model.name};
    }
    e.name = written.front().run.name;
    // A design's posterior: its table and calibration file are recorded like scenario files.
    std::optional<Posterior> posterior;
    if (design_spec && design_spec->posterior)
        posterior = read_posterior(*design_spec->posterior, reader, all_sources, seen);
    e.source_text = sim::provenance_text(all_sources);
    e.sources = std::move(all_sources);
    if (!design_spec) {
        e.scenarios = std::move(written);
        return e;
    }

    // The design points: each scenario as written with the point's values.
    std::vector<std::string> labels;
    for (const auto& w : written)
        labels.push_back(fmt::format("{} / {}", w.town.name, w.model.name));
    e.design = make_design(std::move(*design_spec), roots, labels, e.priors,
                           written.front().run.seed, posterior ? &*posterior : nullptr);
    const std::size_t points = e.design.points();
    if (static_cast<double>(points) * static_cast<double>(bases.size()) >
        static_cast<double>(limits::max_scenarios))
        throw sim::ConfigError(path, {}, "design",
                               fmt::format("at most {} scenarios (design points x towns x models)",
                                           limits::max_scenarios),
                               fmt::format("{} points x {} scenarios", points, bases.size()),
                               limits::hint);
    e.scenarios.reserve(points * bases.size());
    for (std::size_t p = 0; p < points; ++p) {
        for (std::size_t b = 0; b < bases.size(); ++b) {
            // From a copy of the composed table (fast); if the point is refused, composed afresh
            // so that the message can say where every value was written.
            toml::table root = roots[b];
            apply_point(root, e.design, p);
            std::optional<Scenario> s;
            try {
                s = read_scenario_checked(
                    sim::ConfigDocument::composed(path, std::move(root), base_sources[b]));
            } catch (const sim::ConfigError&) {
                std::vector<sim::ConfigSource> sources;
                toml::table fresh = compose(bases[b], sources);
                std::vector<DeclaredPrior> ignored;
                take_priors(fresh, path, ignored);
                apply_point(fresh, e.design, p);
                (void)read_scenario_checked(
                    sim::ConfigDocument::composed(path, std::move(fresh), std::move(sources)));
                throw;
            }
            // The files' text is the experiment's (e.source_text): free the point's copy, not
            // only empty it (clear() would keep its capacity, the text's size, at every point).
            std::string().swap(s->source_text);
            e.scenarios.push_back(std::move(*s));
        }
    }
    check_runs(sim::ConfigDocument::composed(path, toml::table{}, {}), e.scenarios.size(),
               e.scenarios.front().run.replicates);
    return e;
}

} // namespace

Experiment parse_experiment(std::string_view text, const std::string& path_for_messages,
                            const std::vector<sim::Override>& overrides) {
    return read_experiment(text, path_for_messages, false, {}, overrides);
}

Experiment load_experiment(const std::string& path) {
    return parse_experiment(sim::read_text_file(path), path);
}

Experiment load_experiment(const std::string& path, const sim::FileReader& reader) {
    return load_experiment(path, reader, {});
}

Experiment load_experiment(const std::string& path, const sim::FileReader& reader,
                           const std::vector<sim::Override>& overrides) {
    if (!reader) {
        return read_experiment(sim::read_text_file(path), path, false, {}, overrides);
    }
    return read_experiment(reader(path), path, false, reader, overrides);
}

Scenario parse_scenario(std::string_view text, const std::string& path_for_messages) {
    Experiment e = read_experiment(text, path_for_messages, true, {}, {});
    return std::move(e.scenarios.front());
}

Levers parse_levers(std::string_view text, const std::string& path_for_messages) {
    const auto doc = sim::ConfigDocument::parse(text, path_for_messages);
    ConfigTable root = doc.root();
    Levers levers;
    if (root.contains("levers")) {
        levers = read_levers(root.table("levers"));
    }
    root.finish();
    return levers;
}

Scenario load_scenario(const std::string& path) {
    return parse_scenario(sim::read_text_file(path), path);
}

} // namespace govsim::models
