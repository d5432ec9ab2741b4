// Loading a scenario file into a models::Scenario (see scenario_loader.hpp; schema in
// docs/scenarios.md). Each read_* function reads one section, key by key, in file order.
#include "models/scenario_loader.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>
#include <vector>

namespace govsim::models {

namespace {

using sim::ConfigTable;
using sim::NumberRange;

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

RunSpec read_run(ConfigTable t) {
    RunSpec run;
    run.name = t.string("name");
    run.description = t.optional_string("description").value_or("");
    run.start_year = static_cast<int>(t.integer("start_year", 1990, 2100));
    run.years = static_cast<int>(t.integer("years", 1, 50));
    run.replicates = t.count("replicates", 1);
    run.seed = t.unsigned_integer("seed");
    t.finish();
    return run;
}

TownSpec read_town(ConfigTable t) {
    TownSpec town;
    town.name = t.string("name");
    town.residents_at_full_occupancy = t.positive("residents_at_full_occupancy");
    town.residents_per_household = t.positive("residents_per_household");
    town.communities = t.count("communities", 1);
    town.compound_units_mean = t.positive("compound_units_mean");
    town.compound_units_cv = t.non_negative("compound_units_cv");
    town.compound_units_min = t.count("compound_units_min", 1);
    town.occupancy_start = t.number("occupancy_start", NumberRange::share());
    town.occupancy_end = t.number("occupancy_end", NumberRange::share());
    town.housing_share =
        read_named(t, "housing_share", housing_type_names, NumberRange::probability());
    town.nonlocal_share = t.probability("nonlocal_share");
    town.tenant_share_local = t.probability("tenant_share_local");
    town.tenant_share_nonlocal = t.probability("tenant_share_nonlocal");
    town.cars_per_household_mean = t.non_negative("cars_per_household_mean");
    town.parking_spaces_per_unit =
        read_named(t, "parking_spaces_per_unit", housing_type_names, NumberRange::non_negative());
    town.firms = t.count("firms", 1);
    town.firm_managed_share =
        read_named(t, "firm_managed_share", housing_type_names, NumberRange::probability());
    town.owners_committee_initial_share = t.probability("owners_committee_initial_share");
    t.finish();
    return town;
}

HouseholdSpec read_households(ConfigTable t) {
    HouseholdSpec h;
    h.satisfaction_initial_mean = t.probability("satisfaction_initial_mean");
    h.satisfaction_initial_sd = t.non_negative("satisfaction_initial_sd");
    h.trust_initial_local = t.probability("trust_initial_local");
    h.trust_initial_nonlocal = t.probability("trust_initial_nonlocal");
    h.trust_initial_sd = t.non_negative("trust_initial_sd");
    h.fee_threshold_mean = t.probability("fee_threshold_mean");
    h.fee_threshold_sd = t.non_negative("fee_threshold_sd");
    h.satisfaction_drift_per_month = t.probability("satisfaction_drift_per_month");
    h.onset_dissatisfaction_weight = t.non_negative("onset_dissatisfaction_weight");
    t.finish();
    return h;
}

/// A category, with its department names kept for resolution once departments are read.
CategorySpec read_category(ConfigTable t, std::vector<std::string>& department_names) {
    CategorySpec c;
    c.rate_per_1000_households_per_year = t.non_negative("rate_per_1000_households_per_year");
    ConfigTable effects = t.table("effects");
    for (std::size_t f = 0; f < feature_count; ++f) {
        if (effects.contains(feature_names[f])) {
            c.effects[f] = effects.number(feature_names[f]);
        }
    }
    effects.finish();
    department_names = t.strings("departments");
    c.service_days = read_named(t, "service_days", level_names, NumberRange::non_negative());
    c.success = read_named(t, "success", level_names, NumberRange::probability());
    t.finish();
    return c;
}

DepartmentSpec read_department(ConfigTable t) {
    DepartmentSpec d;
    d.name = t.string("name");
    d.servers = t.count("servers", 1);
    d.intake_delay_days = t.non_negative("intake_delay_days");
    d.cross_department_success_factor = t.probability("cross_department_success_factor");
    t.finish();
    return d;
}

HandlerSpec read_handlers(ConfigTable t) {
    HandlerSpec h;
    h.firm_staff_per_1000_units = t.positive("firm_staff_per_1000_units");
    h.owners_committee_servers = t.count("owners_committee_servers", 1);
    h.owners_committee_functioning_share = t.probability("owners_committee_functioning_share");
    h.owners_committee_formation_occupancy = t.probability("owners_committee_formation_occupancy");
    h.owners_committee_formation_per_month = t.probability("owners_committee_formation_per_month");
    h.owners_committee_nonlocal_penalty = t.probability("owners_committee_nonlocal_penalty");
    h.rc_staff_per_1000_households = t.positive("rc_staff_per_1000_households");
    h.rc_dispute_share = t.probability("rc_dispute_share");
    h.coordination_servers = t.count("coordination_servers", 1);
    h.coordination_intake_delay_days = t.non_negative("coordination_intake_delay_days");
    h.patience_days = read_named(t, "patience_days", level_names, NumberRange::non_negative());
    for (ConfigTable& department : t.tables("departments")) {
        h.departments.push_back(read_department(std::move(department)));
    }
    t.finish();
    return h;
}

DetectionSpec read_detection(ConfigTable t) {
    DetectionSpec d;
    d.report_delay_days = t.non_negative("report_delay_days");
    d.trust_delay_elasticity = t.non_negative("trust_delay_elasticity");
    t.finish();
    return d;
}

EscalationSpec read_escalation(ConfigTable t) {
    EscalationSpec e;
    e.handoff_days = t.non_negative("handoff_days");
    e.routing_error_probability = t.probability("routing_error_probability");
    e.routing_error_days = t.non_negative("routing_error_days");
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
    f.quality_sd = t.non_negative("quality_sd");
    f.quality_collection_elasticity = t.non_negative("quality_collection_elasticity");
    f.fee_per_unit_month = t.non_negative("fee_per_unit_month");
    f.cost_per_unit_month = t.non_negative("cost_per_unit_month");
    f.fixed_cost_per_unit_month = t.non_negative("fixed_cost_per_unit_month");
    f.abandon_after_loss_months = t.count("abandon_after_loss_months", 1);
    f.unmanaged_service_quality = t.probability("unmanaged_service_quality");
    t.finish();
    return f;
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

} // namespace

Scenario parse_scenario(std::string_view text, const std::string& path_for_messages) {
    const sim::ConfigDocument doc = sim::ConfigDocument::parse(text, path_for_messages);
    Scenario s;
    s.source_path = path_for_messages;
    s.source_text = std::string(text);

    ConfigTable root = doc.root();
    s.run = read_run(root.table("run"));
    s.town = read_town(root.table("town"));
    s.households = read_households(root.table("households"));
    ConfigTable disputes = root.table("disputes");
    PerCategory<std::vector<std::string>> department_names;
    for (std::size_t c = 0; c < category_count; ++c) {
        s.categories[c] = read_category(disputes.table(category_names[c]), department_names[c]);
    }
    disputes.finish();
    s.handlers = read_handlers(root.table("handlers"));
    s.detection = read_detection(root.table("detection"));
    s.escalation = read_escalation(root.table("escalation"));
    s.feedback = read_feedback(root.table("feedback"));
    s.firms = read_firms(root.table("firms"));
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

Scenario load_scenario(const std::string& path) {
    return parse_scenario(sim::read_text_file(path), path);
}

} // namespace govsim::models
