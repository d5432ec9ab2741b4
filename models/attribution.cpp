#include "models/attribution.hpp"

#include "analysis/statistics.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <numeric>
#include <stdexcept>

namespace govsim::models {
namespace {

using Mask = std::uint32_t; // bit j: the j-th of the model's enabled levers is on

/// Shapley weight |S|! (n - |S| - 1)! / n! of a coalition of size s among n players.
double shapley_weight(std::size_t s, std::size_t n) {
    return std::exp(std::lgamma(static_cast<double>(s) + 1) +
                    std::lgamma(static_cast<double>(n - s)) -
                    std::lgamma(static_cast<double>(n) + 1));
}

} // namespace

Attribution attribute_levers(const Scenario& scenario, const AttributionOptions& options) {
    const std::vector<std::string> on = scenario.levers.enabled_names(); // the model's levers
    const std::size_t n = on.size();
    if (n == 0)
        throw std::invalid_argument(fmt::format(
            "model '{}' has no lever enabled: there is nothing to attribute", scenario.model.name));
    const Mask all = (Mask{1} << n) - 1;
    const bool exact = n <= options.max_exact_levers;

    // The orders (sampled only when not exact) and the subsets they need.
    std::vector<std::vector<std::size_t>> orders;
    std::vector<Mask> masks;
    if (exact) {
        masks.resize(std::size_t{1} << n);
        std::iota(masks.begin(), masks.end(), Mask{0});
    } else {
        sim::Stream rng(options.seed, 0, 0xE000'0000'0000'0000ULL, 1); // the orders' own stream
        std::vector<Mask> needed{0, all};
        for (std::uint32_t p = 0; p < options.permutations; ++p) {
            std::vector<std::size_t> order(n);
            std::iota(order.begin(), order.end(), std::size_t{0});
            for (std::size_t k = n; k > 1; --k) // Fisher–Yates
                std::swap(order[k - 1], order[rng.below(static_cast<std::uint32_t>(k))]);
            Mask m = 0;
            for (std::size_t j : order)
                needed.push_back(m |= Mask{1} << j);
            orders.push_back(std::move(order));
        }
        std::sort(needed.begin(), needed.end());
        needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
        masks = std::move(needed);
    }

    // One scenario per subset, all run with the same replicates and seed.
    std::vector<Scenario> variants;
    for (Mask m : masks) {
        Scenario s = scenario;
        for (std::size_t j = 0; j < n; ++j)
            s.levers.set_enabled(on[j], (m >> j & 1U) != 0);
        s.model.name = fmt::format("{}:{:0{}b}", scenario.model.name, m, n);
        variants.push_back(std::move(s));
    }
    ExperimentOptions eo;
    eo.seed = options.seed;
    eo.replicates = options.replicates;
    eo.progress = sim::progress_mode(options.progress);
    const auto runs = run_experiment(variants, eo);
    // value[mask][replicate]
    std::map<Mask, std::vector<double>> value;
    for (std::size_t v = 0; v < masks.size(); ++v) {
        auto& row = value[masks[v]];
        for (std::uint32_t r = 0; r < options.replicates; ++r)
            row.push_back(metric_value(runs[v * options.replicates + r], options.metric));
    }

    Attribution a;
    a.town = scenario.town.name;
    a.model = scenario.model.name;
    a.metric = options.metric;
    a.replicates = options.replicates;
    a.exact = exact;
    a.subsets_run = masks.size();
    a.without_levers = analysis::mean(value.at(0));
    a.with_levers = analysis::mean(value.at(all));
    std::vector<double> change;
    for (std::uint32_t r = 0; r < options.replicates; ++r)
        change.push_back(value.at(all)[r] - value.at(0)[r]);
    const auto ci = analysis::mean_ci(change);
    a.change = ci.estimate;
    a.change_lower = ci.lower;
    a.change_upper = ci.upper;

    for (std::size_t j = 0; j < n; ++j) {
        std::vector<double> phi(options.replicates, 0.0);
        const Mask bit = Mask{1} << j;
        for (std::uint32_t r = 0; r < options.replicates; ++r) {
            if (exact) {
                for (Mask s = 0; s <= all; ++s)
                    if (!(s & bit))
                        phi[r] += shapley_weight(static_cast<std::size_t>(std::popcount(s)), n) *
                                  (value.at(s | bit)[r] - value.at(s)[r]);
            } else {
                for (const auto& order : orders) {
                    Mask before = 0;
                    for (std::size_t k : order) {
                        if (k == j) {
                            phi[r] += value.at(before | bit)[r] - value.at(before)[r];
                            break;
                        }
                        before |= Mask{1} << k;
                    }
                }
                phi[r] /= static_cast<double>(orders.size());
            }
        }
        const auto share = analysis::mean_ci(phi);
        a.shares.push_back({on[j], share.estimate, share.lower, share.upper});
    }
    return a;
}

std::string attribution_table(const Attribution& a) {
    const auto metric = metric_names[static_cast<std::size_t>(a.metric)];
    std::string out = fmt::format(
        "\nLever attribution — {} in {}: {} ({} replicates, {}; {} lever subsets run)\n", a.model,
        a.town, metric, a.replicates, a.exact ? "exact Shapley values" : "sampled orders",
        a.subsets_run);
    out += fmt::format("without levers {:.2f}, with all of them {:.2f}: change {:+.2f} [{:+.2f}, "
                       "{:+.2f}]\n",
                       a.without_levers, a.with_levers, a.change, a.change_lower, a.change_upper);
    out += fmt::format("{:<28}{:>12}{:>26}\n", "lever", "share", "95% interval");
    for (const LeverShare& s : a.shares)
        out += fmt::format("{:<28}{:>+12.2f}{:>26}\n", s.lever, s.share,
                           fmt::format("[{:+.2f}, {:+.2f}]", s.lower, s.upper));
    return out;
}

std::string attribution_csv(const Attribution& a) {
    std::string out = "town,model,metric,lever,share,lower,upper,replicates,exact\n";
    for (const LeverShare& s : a.shares)
        out += fmt::format("{},{},{},{},{},{},{},{},{}\n", a.town, a.model,
                           metric_names[static_cast<std::size_t>(a.metric)], s.lever, s.share,
                           s.lower, s.upper, a.replicates, a.exact ? 1 : 0);
    return out;
}

} // namespace govsim::models
