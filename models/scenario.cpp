// Consistency checks on a Scenario that no single key can make (declared in
// models/scenario_loader.hpp; the loader turns a problem into a located ConfigError).
#include "models/scenario.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"

#include <fmt/format.h>

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

} // namespace

double households_at_full_occupancy(const TownSpec& town) {
    return town.residents_at_full_occupancy / town.residents_per_household;
}

std::optional<ScenarioProblem> validate_scenario(const Scenario& scenario) {
    if (auto problem = check_town(scenario.town)) {
        return problem;
    }
    if (auto problem = check_departments(scenario)) {
        return problem;
    }
    if (auto problem = check_escalation(scenario.escalation)) {
        return problem;
    }
    return std::nullopt;
}

} // namespace govsim::models
