#pragma once
// Loading a scenario: reads a TOML scenario file (schema in docs/scenarios.md), checks every
// key's type and range and the consistency between keys, and fills a models::Scenario. Any
// problem throws sim::ConfigError, whose one-line what() names the file, line, column and key;
// the CLI prints it and exits with status 2.
#include "models/scenario.hpp"
#include "sim/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace govsim::models {

/// Largest number of households (dwelling units at full occupancy) a scenario may ask for. An
/// engineering limit, not a behavioural number: at about 40 bytes of state per household plus
/// dispute records, 50 million households need a few GB per replicate in memory
/// (docs/scenarios.md, "Memory limit").
inline constexpr std::uint64_t max_households_in_memory = 50'000'000;

/// Reads and validates the scenario file at `path`. Throws sim::ConfigError if the file cannot
/// be read, is not valid TOML or does not satisfy the schema.
[[nodiscard]] Scenario load_scenario(const std::string& path);

/// Validates scenario text; `path_for_messages` names it in errors and in Scenario::source_path.
/// Throws sim::ConfigError as load_scenario does.
[[nodiscard]] Scenario parse_scenario(std::string_view text, const std::string& path_for_messages);

/// A consistency problem in a Scenario, named by the dotted key path of the offending value.
struct ScenarioProblem {
    std::string key; ///< e.g. "town.housing_share" or "handlers.departments[2].name"
    std::string expected;
    std::string found;
    std::string hint;
};

/// Checks what no single key can: shares that must sum to 1, occupancy that must not fall,
/// department names that must be unique and indices that must exist, escalation probabilities
/// that must stay in [0, 1], and the population memory limit. Single-key ranges are checked
/// when a file is read. Returns the first problem, or nothing when the scenario is consistent.
/// Also usable on a Scenario built or modified in code.
[[nodiscard]] std::optional<ScenarioProblem> validate_scenario(const Scenario& scenario);

/// Households (dwelling units) at full occupancy: residents / residents per household.
[[nodiscard]] double households_at_full_occupancy(const TownSpec& town);

} // namespace govsim::models
