#pragma once
// Loading scenarios and experiments: reads a TOML scenario file (schema in docs/scenarios.md),
// composed with the files it includes, checks every key's type and range and the consistency
// between keys, and fills a models::Scenario. A file with an [experiment] section crosses towns
// with governance models and yields one Scenario per (town, model) pair. Any problem throws
// sim::ConfigError, whose one-line what() names the file where the offending value was written,
// its line, column and key; the CLI prints it and exits with status 2.
#include "models/levers.hpp"
#include "models/scenario.hpp"
#include "sim/config.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// Largest number of households (dwelling units at full occupancy) a scenario may ask for. An
/// engineering limit, not a behavioural number: at about 40 bytes of state per household plus
/// dispute records, 50 million households need a few GB per replicate in memory
/// (docs/scenarios.md, "Memory limit").
inline constexpr std::uint64_t max_households_in_memory = 50'000'000;

/// Engineering limits on a scenario's counts and rates: not behavioural numbers, but bounds
/// that keep every quantity the model computes from them finite and within its integer type
/// (server counts are 32-bit; a rate times a population must not overflow a Poisson draw), and
/// an experiment within memory. Each is far above any town the model is meant for, so what they
/// catch is a typo or a hostile file, with a located error instead of a crash, a wrapped count
/// or exhausted memory. Every count and rate key is read against one of them; a new key
/// follows the same pattern (docs/scenarios.md, "Engineering limits"):
///     t.count("servers", 1, limits::max_servers, limits::hint)
///     t.number("delay_days", NumberRange::non_negative().up_to(limits::max_days, limits::hint))
namespace limits {
/// The hint given with a value above a limit.
inline constexpr const char* hint = "that is beyond govsim's engineering limit (see 'Engineering "
                                    "limits' in docs/scenarios.md)";
/// runs of an experiment: towns x models x replicates (each run's summary stays in memory)
inline constexpr std::uint64_t max_runs = 10'000'000;
/// scenarios of an experiment: towns x models (each is composed and held in memory)
inline constexpr std::uint64_t max_scenarios = 10'000;
/// replicates of a scenario (`run.replicates`, `--replicates`)
inline constexpr std::uint32_t max_replicates = 100'000;
/// communities of a town (each has its own state, queues and random streams, about 20 KB)
inline constexpr std::uint32_t max_communities = 10'000;
/// property firms of a town
inline constexpr std::uint32_t max_firms = 1'000'000;
/// units of one compound (`compound_units_mean`, `compound_units_min`)
inline constexpr double max_units_per_compound = 1'000'000;
/// coefficient of variation of compound sizes
inline constexpr double max_cv = 10;
/// residents per household
inline constexpr double max_residents_per_household = 100;
/// cars per household (stored in 8 bits, at most 255) and parking spaces per unit
inline constexpr double max_cars_per_household = 50;
inline constexpr double max_parking_spaces_per_unit = 50;
/// staff or volunteers per 1,000 units or households: at most one per unit, which keeps
/// summed server counts within 32 bits
inline constexpr double max_staff_per_1000 = 1000;
/// servers of one department or of coordination, and departments of a town
inline constexpr std::uint32_t max_servers = 100'000;
inline constexpr std::size_t max_departments = 100;
/// owners'-committee members handling disputes in one compound
inline constexpr std::uint32_t max_committee_servers = 50;
/// onsets per 1,000 households per year at reference conditions (100 per household a year)
inline constexpr double max_rate_per_1000_per_year = 100'000;
/// magnitude of a feature effect on an onset rate, and of an elasticity or weight
inline constexpr double max_effect = 100;
/// any duration in days (delays, service times, patience, deadlines, intervals): 100 years
inline constexpr double max_days = 36'500;
/// the shortest interval between scheduled events (meetings, patrols, sessions): a quarter of
/// an hour, so that a run's events stay countable
inline constexpr double min_interval_days = 0.01;
/// a lever's multiplier of a rate, delay or probability, and of staff or servers
inline constexpr double max_multiplier = 100;
inline constexpr double max_server_multiplier = 10;
/// a standard deviation of a household or firm attribute in [0, 1]
inline constexpr double max_sd = 10;
/// money per unit per month, in fee units
inline constexpr double max_money_per_unit_month = 1e6;
/// consecutive loss-making months before a firm abandons a compound (100 years)
inline constexpr std::uint32_t max_months = 1'200;
/// disputes taken up by one joint meeting
inline constexpr std::uint32_t max_cases_per_meeting = 1'000'000;
/// grid administrators per grid cell
inline constexpr double max_administrators_per_grid = 10;
/// the disputes of one run, as estimated from above by expected_disputes_upper_estimate
/// (typically two to four times the disputes a run has): a dispute holds about 250 bytes while
/// its run goes on, so the limit keeps a run's disputes to a few GB
inline constexpr double max_disputes_per_run = 40'000'000;
} // namespace limits

// The lever sections' names, `[levers.<name>]`, are models::lever_names (models/levers.hpp).

/// Every run of an experiment file: its towns crossed with its governance models.
struct Experiment {
    /// the experiment's run.name (every scenario's run.name)
    std::string name;
    /// town-major: scenarios[t * models.size() + m] runs towns[t] under models[m]
    std::vector<Scenario> scenarios;
    /// For an experiment file, the town and model files as written in [experiment]; for a plain
    /// scenario file, its town.name and model.name. Either way scenarios.size() ==
    /// towns.size() * models.size().
    std::vector<std::string> towns;
    std::vector<std::string> models;
    /// Every file that went into any scenario, once each, in the order first used, each
    /// preceded by a line `# ---- file: <path> ----` (provenance).
    std::string source_text;
    /// The same files, each with its path (as resolved, relative to the working directory
    /// unless written absolute) and its text.
    std::vector<sim::ConfigSource> sources;
};

/// Reads and validates the experiment (or plain scenario) file at `path`, with every file it
/// includes. A file with an [experiment] section yields one Scenario per (town, model) pair,
/// each composed from the experiment's includes, the town file, the model file and the
/// experiment file's own tables, in that order; a file without one yields one Scenario. Throws
/// sim::ConfigError if a file cannot be read, is not valid TOML, an include forms a cycle, or
/// a composed scenario does not satisfy the schema.
[[nodiscard]] Experiment load_experiment(const std::string& path);

/// As load_experiment, reading every file (the experiment file too) with `reader`: e.g. from
/// copies of the files recorded in a results file (govsim reproduce). Paths in messages and in
/// the Experiment are the paths as resolved, not where the reader found the text.
[[nodiscard]] Experiment load_experiment(const std::string& path, const sim::FileReader& reader);

/// As load_experiment, for text in memory; `path_for_messages` names it in errors and in
/// Scenario::source_path, and relative includes are resolved against its folder.
[[nodiscard]] Experiment parse_experiment(std::string_view text,
                                          const std::string& path_for_messages);

/// Reads and validates the scenario file at `path` (with its includes). Also accepts an
/// experiment file of exactly one town and one model. Throws sim::ConfigError as
/// load_experiment does, and for an experiment of more than one scenario.
[[nodiscard]] Scenario load_scenario(const std::string& path);

/// As load_scenario, for text in memory (see parse_experiment).
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
/// that must stay in [0, 1], the population memory limit, and a mediation time wherever a
/// self-governance group takes a category. Single-key ranges are checked
/// when a file is read. Returns the first problem, or nothing when the scenario is consistent.
/// Also usable on a Scenario built or modified in code.
[[nodiscard]] std::optional<ScenarioProblem> validate_scenario(const Scenario& scenario);

/// Households (dwelling units) at full occupancy: residents / residents per household.
[[nodiscard]] double households_at_full_occupancy(const TownSpec& town);

/// An upper estimate of the disputes one run of `scenario` will have: every household at the
/// largest onset weight, every category at its largest feature multiplier (each feature at its
/// largest value, parking pressure at a large compound's expected value) and levers' rate
/// multipliers, over the whole run. Compared with limits::max_disputes_per_run by
/// validate_scenario.
[[nodiscard]] double expected_disputes_upper_estimate(const Scenario& scenario);

} // namespace govsim::models
