#pragma once
// Loading scenarios and experiments: reads a TOML scenario file (schema in docs/scenarios.md),
// composed with the files it includes, checks every key's type and range and the consistency
// between keys, and fills a models::Scenario. A file with an [experiment] section crosses towns
// with governance models and yields one Scenario per (town, model) pair. Any problem throws
// sim::ConfigError, whose one-line what() names the file where the offending value was written,
// its line, column and key; the CLI prints it and exits with status 2.
#include "models/design.hpp"
#include "models/limits.hpp"
#include "models/scenario.hpp"
#include "sim/config.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

// The lever sections' names, `[levers.<name>]`, are those of models::lever_types()
// (models/levers/levers.hpp).

/// Every run of an experiment file: its design points crossed with its towns and governance
/// models.
struct Experiment {
    /// the experiment's run.name (every scenario's run.name)
    std::string name;
    /// point-major, then town-major: scenarios[(p * towns.size() + t) * models.size() + m] runs
    /// design point p of towns[t] under models[m] (without a design, p is always 0). The
    /// scenarios of design points do not repeat the files' text (source_text is empty): it is
    /// in source_text and sources below.
    std::vector<Scenario> scenarios;
    /// The [design] of the experiment file (empty: none) with its points.
    ExperimentDesign design;
    /// Scenarios per design point: towns.size() * models.size().
    [[nodiscard]] std::size_t scenarios_per_point() const { return towns.size() * models.size(); }
    /// The --set overrides applied to every scenario, as given ("PATH=VALUE").
    std::vector<std::string> overrides;
    /// The priors declared in the scenario files ([priors]), by key, in the order first seen.
    std::vector<DeclaredPrior> priors;
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

/// As load_experiment, with `overrides` (govsim run --set) applied to every composed scenario
/// (after its files, before the design point's values), and read with `reader` if it is set.
/// A value an override sets is checked as if written in a file; errors name the override.
[[nodiscard]] Experiment load_experiment(const std::string& path, const sim::FileReader& reader,
                                         const std::vector<sim::Override>& overrides);

/// As load_experiment, for text in memory; `path_for_messages` names it in errors and in
/// Scenario::source_path, and relative includes are resolved against its folder.
[[nodiscard]] Experiment parse_experiment(std::string_view text,
                                          const std::string& path_for_messages,
                                          const std::vector<sim::Override>& overrides = {});

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
/// department names that must be unique and indices that must exist, a policy start that leaves
/// a whole reported year after it, escalation probabilities
/// that must stay in [0, 1], the population memory limit, and a mediation time wherever a
/// self-governance group takes a category. Single-key ranges are checked
/// when a file is read. Returns the first problem, or nothing when the scenario is consistent.
/// Also usable on a Scenario built or modified in code.
[[nodiscard]] std::optional<ScenarioProblem> validate_scenario(const Scenario& scenario);

/// The [levers] sections of a TOML text (a fragment holding only `[levers.<name>]` tables), for
/// tests and tools that compose levers in code. Throws sim::ConfigError as load_scenario does.
[[nodiscard]] Levers parse_levers(std::string_view text, const std::string& path_for_messages);

/// Households (dwelling units) at full occupancy: residents / residents per household.
[[nodiscard]] double households_at_full_occupancy(const TownSpec& town);

/// An upper estimate of the disputes one run of `scenario` will have: every household at the
/// largest onset weight, every category at its largest feature multiplier (each feature at its
/// largest value, parking pressure at a large compound's expected value) and levers' rate
/// multipliers, over the whole run. Compared with limits::max_disputes_per_run by
/// validate_scenario.
[[nodiscard]] double expected_disputes_upper_estimate(const Scenario& scenario);

} // namespace govsim::models
