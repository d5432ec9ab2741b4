// Consistency checks on a Scenario that no single key can make (declared in
// models/scenario_loader.hpp; the loader turns a problem into a located ConfigError).
#include "models/scenario.hpp"
#include "models/run_state.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace govsim::models {

namespace {

constexpr double share_sum_tolerance = 1e-6;

std::optional<ScenarioProblem> check_town(const TownSpec& town) {
    const double sum = std::accumulate(town.housing_share.begin(), town.housing_share.end(), 0.0);
    if (!(std::abs(sum - 1.0) <= share_sum_tolerance)) {
        return ScenarioProblem{"town.housing_share",
                               "shares summing to 1",
                               fmt::format("shares summing to {:.6g}", sum),
                               {}};
    }
    const double village_sum =
        std::accumulate(town.village_housing_share.begin(), town.village_housing_share.end(), 0.0);
    if (!(std::abs(village_sum - 1.0) <= share_sum_tolerance)) {
        return ScenarioProblem{"town.village_housing_share",
                               "shares summing to 1",
                               fmt::format("shares summing to {:.6g}", village_sum),
                               {}};
    }
    if (town.occupancy_start > town.occupancy_max) {
        return ScenarioProblem{"town.occupancy_max",
                               fmt::format("a share no smaller than occupancy_start ({})",
                                           sim::format_number(town.occupancy_start)),
                               sim::format_number(town.occupancy_max),
                               "occupancy rises linearly from occupancy_start up to occupancy_max"};
    }
    const double households = households_at_full_occupancy(town);
    if (!(households >= 1.0)) {
        return ScenarioProblem{"town.residents_at_full_occupancy",
                               "at least one household (residents / residents_per_household)",
                               fmt::format("{:.3g} households", households),
                               {}};
    }
    if (!(households <= static_cast<double>(max_households_in_memory))) {
        return ScenarioProblem{
            "town.residents_at_full_occupancy",
            fmt::format("at most {} households (residents / residents_per_household), the limit "
                        "for one replicate in memory",
                        max_households_in_memory),
            fmt::format("{:.0f} households", households),
            "see 'Memory limit' in docs/scenarios.md"};
    }
    return std::nullopt;
}

std::optional<ScenarioProblem> check_departments(const Scenario& s) {
    const auto& departments = s.handlers.departments;
    if (departments.empty()) {
        return ScenarioProblem{
            "handlers.departments", "at least one [[handlers.departments]] entry", "none", {}};
    }
    for (std::size_t j = 0; j < departments.size(); ++j) {
        for (std::size_t i = 0; i < j; ++i) {
            if (departments[i].name == departments[j].name) {
                return ScenarioProblem{
                    fmt::format("handlers.departments[{}].name", j),
                    "a name not used by another department",
                    fmt::format("\"{}\", already the name of handlers.departments[{}]",
                                departments[j].name, i),
                    {}};
            }
        }
    }
    for (std::size_t c = 0; c < category_count; ++c) {
        const auto& indices = s.categories[c].departments;
        const std::string key = fmt::format("disputes.{}.departments", category_names[c]);
        if (indices.empty()) {
            return ScenarioProblem{key, "at least one department name", "an empty list", {}};
        }
        for (std::size_t j = 0; j < indices.size(); ++j) {
            if (indices[j] >= departments.size()) {
                return ScenarioProblem{
                    fmt::format("{}[{}]", key, j),
                    fmt::format("a department index below {}", departments.size()),
                    fmt::format("{}", indices[j]),
                    {}};
            }
            for (std::size_t i = 0; i < j; ++i) {
                if (indices[i] == indices[j]) {
                    return ScenarioProblem{
                        fmt::format("{}[{}]", key, j),
                        "each department named once",
                        fmt::format("\"{}\" a second time", departments[indices[j]].name),
                        {}};
                }
            }
        }
    }
    return std::nullopt;
}

std::optional<ScenarioProblem> check_escalation(const EscalationSpec& e) {
    // The escalation probability base + dissatisfaction * (1 - satisfaction) peaks at
    // satisfaction 0.
    if (e.escalate_base + e.escalate_dissatisfaction > 1.0 + share_sum_tolerance) {
        return ScenarioProblem{
            "escalation.escalate_dissatisfaction",
            fmt::format("at most 1 - escalate_base ({:.6g}), so that the escalation probability "
                        "stays in [0, 1]",
                        1.0 - e.escalate_base),
            sim::format_number(e.escalate_dissatisfaction),
            {}};
    }
    return std::nullopt;
}

/// The expected disputes of a run against memory (limits::max_disputes_per_run).
std::optional<ScenarioProblem> check_memory(const Scenario& s) {
    const double disputes = expected_disputes_upper_estimate(s);
    if (!(disputes <= limits::max_disputes_per_run)) {
        return ScenarioProblem{
            "town.residents_at_full_occupancy",
            fmt::format("a town and onset rates that imply at most {:.0f} disputes in one run "
                        "(an upper estimate: households x onset rates at their largest "
                        "multipliers x years), the limit for one run in memory",
                        limits::max_disputes_per_run),
            fmt::format("{:.3g} disputes", disputes),
            "lower the population, the rates in [disputes.*] or their effects; see "
            "'Engineering limits' in docs/scenarios.md"};
    }
    return std::nullopt;
}

} // namespace

double households_at_full_occupancy(const TownSpec& town) {
    return town.residents_at_full_occupancy / town.residents_per_household;
}

double expected_disputes_upper_estimate(const Scenario& s) {
    const TownSpec& town = s.town;
    const double households = households_at_full_occupancy(town);
    // A large compound (three standard deviations above the mean size), for parking pressure.
    const double big =
        std::clamp(town.compound_units_mean * (1.0 + 3.0 * town.compound_units_cv),
                   static_cast<double>(town.compound_units_min), std::max(households, 1.0));
    double pressure = 0;
    for (std::size_t k = 0; k < housing_type_count; ++k) {
        if (town.housing_share[k] > 0 || town.village_housing_share[k] > 0) {
            const double spaces = std::max(1.0, std::round(big * town.parking_spaces_per_unit[k]));
            pressure = std::max(pressure, town.cars_per_household_mean * big / spaces - 1.0);
        }
    }
    // Onset rates as the levers leave them: their adjustments of the run's tables, and the
    // largest of their per-compound onset multipliers (fields named *_rate_multiplier).
    Effective eff = baseline_parameters(s);
    double lever_onset_multiplier = 1.0;
    for (const auto& instance : s.levers.instantiate()) {
        instance.lever->adjust(eff);
        for (const auto& [key, value] : instance.lever->parameters()) {
            if (key.size() > 16 && key.compare(key.size() - 16, 16, "_rate_multiplier") == 0) {
                lever_onset_multiplier = std::max(lever_onset_multiplier, std::stod(value));
            }
        }
    }
    std::array<double, feature_count> largest{};
    largest.fill(1.0); // every other feature is a share or an indicator
    largest[index(Feature::ParkingPressure)] = pressure;
    double per_household_year = 0;
    for (std::size_t k = 0; k < category_count; ++k) {
        const CategorySpec& c = s.categories[k];
        double multiplier = 1.0;
        for (std::size_t f = 0; f < feature_count; ++f) {
            multiplier += std::max(0.0, c.effects[f]) * largest[f];
        }
        // Every unit has an owner (occupier or absent) and, when let, a tenant raising disputes.
        const RaisedBy& by = c.raised_by;
        const double parties = std::max(by.owner_occupier, by.absentee_owner) + by.tenant;
        const double rate = eff.rate[k] * lever_onset_multiplier * parties;
        per_household_year += rate / 1000.0 * multiplier;
    }
    const double weight = 1.0 + s.households.onset_dissatisfaction_weight;
    return households * weight * per_household_year * (s.run.years + s.run.warmup_years);
}

/// A policy start must leave at least one whole reported year after it: the comparison's
/// evaluation period (evaluated_from) would otherwise be a year before the policy acts.
std::optional<ScenarioProblem> check_policy_start(const Scenario& s) {
    if (!s.model.policy_start)
        return std::nullopt;
    const int last = s.run.start_year + s.run.years - 1;
    const sim::Date& p = *s.model.policy_start;
    if (first_whole_year(p) <= last)
        return std::nullopt;
    return ScenarioProblem{
        "model.policy_start",
        fmt::format("a date on or before {}-01-01, so that a whole reported year follows it (the "
                    "evaluation period; the run reports {} to {})",
                    last, s.run.start_year, last),
        fmt::format("{:04}-{:02}-{:02}", p.year, p.month, p.day),
        "start the policy earlier, or run more years (run.years)"};
}

std::optional<ScenarioProblem> validate_scenario(const Scenario& scenario) {
    if (auto problem = check_policy_start(scenario)) {
        return problem;
    }
    if (auto problem = check_town(scenario.town)) {
        return problem;
    }
    if (auto problem = check_departments(scenario)) {
        return problem;
    }
    if (auto problem = check_escalation(scenario.escalation)) {
        return problem;
    }
    return check_memory(scenario);
}

} // namespace govsim::models
