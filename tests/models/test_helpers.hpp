#pragma once
// Shared fixtures for model tests: the reference scenario, shrunk to a size that runs in
// well under a second, so tests exercise the same schema and parameters users run.
#include "models/scenario.hpp"
#include "models/scenario_loader.hpp"

#include <string>
#include <string_view>

namespace govsim::test {

[[nodiscard]] inline std::string source_path(const std::string& relative) {
    return std::string(GOVSIM_SOURCE_DIR) + "/" + relative;
}

/// The Lishui baseline with a smaller town (residents at full occupancy, communities), and no
/// warm-up unless asked for (mechanism tests look at the run from its first day).
[[nodiscard]] inline models::Scenario small_lishui(double residents = 30000,
                                                   std::uint32_t communities = 4, int years = 2,
                                                   int warmup_years = 0) {
    auto s = models::load_scenario(source_path("scenarios/lishui-baseline.toml"));
    s.town.residents_at_full_occupancy = residents;
    s.town.communities = communities;
    s.run.years = years;
    s.run.warmup_years = warmup_years;
    return s;
}

/// Adds the `[levers.<name>]` sections of a TOML text to a scenario (a lever of the same name is
/// replaced), as a model file would.
inline void add_levers(models::Scenario& s, std::string_view text) {
    const models::Levers parsed = models::parse_levers(text, "test levers");
    for (const auto& e : parsed.entries())
        s.levers.add(e.lever->clone(), e.enabled, e.start);
}

} // namespace govsim::test
