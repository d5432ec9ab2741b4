#pragma once
// An experiment's design: parameters (scenario keys and how their values are drawn) and the
// design points, each a value for every parameter. Read from an experiment file's [design]
// section and the [priors] of its scenario files (models/scenario_loader.hpp; syntax in
// docs/scenarios.md), crossed with the experiment's towns, models and replicates
// (models/experiment.hpp), recorded in the results file as /design (docs/results.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace govsim::models {

/// The distributions a prior or a design parameter may have.
inline constexpr std::string_view distribution_names[] = {"uniform", "log-uniform", "triangular",
                                                          "normal", "beta"};

/// A distribution over [lower, upper]: uniform, log-uniform, triangular (mode), normal (mean,
/// sd; truncated to [lower, upper]) or beta (alpha, beta; scaled to [lower, upper]).
struct Distribution {
    std::string name = "uniform"; ///< one of distribution_names
    double lower = 0, upper = 1;
    double mode = 0, mean = 0, sd = 1, alpha = 1, beta = 1;
    bool operator==(const Distribution&) const = default;
};

/// A prior declared in a scenario file beside an assumed value (`[priors]`).
struct DeclaredPrior {
    std::string key; ///< the value's key path, as written
    Distribution distribution;
    std::string reason;
};

/// One parameter of a design.
struct DesignParameter {
    std::string key; ///< key path, as written (e.g. "handlers.departments[urban].servers")
    /// The distribution its values are drawn from (lhs, sobol, morris, prior); for a factorial
    /// design, lower and upper are the smallest and largest level. A key a calibration
    /// posterior sets has the name "posterior", lower and upper the smallest and largest value
    /// of its column among the rows of positive weight.
    Distribution distribution;
    std::vector<double> levels; ///< factorial: the values, in order
    bool integer = false;       ///< the scenario's value is an integer: values are rounded
};

struct ExperimentDesign {
    /// "" (no design: one point, the scenarios as written), "factorial", "lhs", "sobol",
    /// "morris" or "prior"
    std::string kind;
    std::uint64_t seed = 0;
    /// lhs, prior: points; sobol: base samples (points = samples x (parameters + 2)); morris:
    /// trajectories (points = samples x (parameters + 1)); factorial: 0
    std::size_t samples = 0;
    std::size_t levels = 0; ///< morris: levels of the grid
    std::vector<DesignParameter> parameters;
    /// per point, per parameter: the point in the unit hypercube (factorial: level / (levels-1))
    std::vector<std::vector<double>> unit;
    /// per point, per parameter: the value applied to the scenarios (rounded for integers)
    std::vector<std::vector<double>> values;

    /// A prior design drawing from a calibration posterior (docs/scenarios.md, "Designs"): the
    /// posterior table (CSV) and the calibration file, as resolved; the rows the table has; and
    /// per point, the row drawn (0 = the first row after the header). The posterior's keys are
    /// the last parameters, all with the unit coordinate of the draw. Empty without one.
    std::string posterior_file;
    std::string posterior_calibration;
    std::size_t posterior_size = 0;
    std::vector<std::size_t> posterior_rows;
    [[nodiscard]] bool has_posterior() const { return !posterior_file.empty(); }

    [[nodiscard]] bool empty() const { return kind.empty(); }
    /// Design points (1 without a design).
    [[nodiscard]] std::size_t points() const { return kind.empty() ? 1 : values.size(); }
};

} // namespace govsim::models
