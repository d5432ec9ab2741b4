#pragma once
// Lever attribution: which lever of a governance model produces its gain. The model's levers
// are switched on in subsets, every subset is run with the same replicates (common random
// numbers), and each lever gets its Shapley share of the change of a metric from "no lever" to
// "all the model's levers": the average, over orders in which the levers could be added, of
// the change the lever makes when it is added. Shares are computed per replicate and sum
// exactly to that replicate's total change; their intervals are across replicates. With few
// levers every subset is run (exact); with many, orders are sampled (Castro, Gómez & Tejada
// 2009, "Polynomial calculation of the Shapley value based on sampling", Comput. Oper. Res.
// 36:1726–1730), the same orders for every replicate.
#include "models/comparison.hpp"
#include "models/experiment.hpp"
#include "models/scenario.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace govsim::models {

struct AttributionOptions {
    Metric metric = Metric::ComplaintsPerYear;
    std::uint64_t seed = 1;
    std::uint32_t replicates = 10;
    /// Up to this many levers every subset is run; above it, orders are sampled.
    std::size_t max_exact_levers = 6;
    /// Orders sampled when not exact.
    std::uint32_t permutations = 32;
    bool progress = false;
};

struct LeverShare {
    std::string lever;
    double share = 0, lower = 0, upper = 0; ///< Shapley value (metric units) and 95% interval
};

struct Attribution {
    std::string town, model;
    Metric metric{};
    std::uint32_t replicates = 0;
    bool exact = true;
    std::size_t subsets_run = 0; ///< distinct lever subsets simulated
    double without_levers = 0;   ///< mean metric with every lever off
    double with_levers = 0;      ///< mean metric with all the model's levers
    double change = 0, change_lower = 0, change_upper = 0; ///< paired, with 95% interval
    std::vector<LeverShare> shares; ///< in the registry's order, enabled levers only
};

/// Attributes the change of `options.metric` between the scenario without levers and the
/// scenario as given to each of its enabled levers. Throws std::invalid_argument if the
/// scenario has no lever enabled.
[[nodiscard]] Attribution attribute_levers(const Scenario& scenario,
                                           const AttributionOptions& options);

/// Readable table and CSV of an attribution.
[[nodiscard]] std::string attribution_table(const Attribution& a);
[[nodiscard]] std::string attribution_csv(const Attribution& a);

} // namespace govsim::models
