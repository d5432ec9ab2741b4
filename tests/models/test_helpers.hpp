#pragma once
// Shared fixtures for model tests: the reference scenario, shrunk to a size that runs in
// well under a second, so tests exercise the same schema and parameters users run.
#include "models/governance.hpp"
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

/// Whether a run keeps its disputes' records (RunResult::disputes).
enum class Records { Kept, Dropped };

/// One run of `s` (run 0 of its experiment) with the given seed and replicate.
[[nodiscard]] inline models::RunResult run_one(const models::Scenario& s, std::uint64_t seed,
                                               std::uint32_t replicate = 0,
                                               Records records = Records::Kept) {
    models::RunKey key{0, s.run.name, s.town.name, s.model.name, replicate};
    models::RunOptions options;
    options.record_disputes = records == Records::Kept;
    return models::run_replicate(s, seed, key, options);
}

} // namespace govsim::test
