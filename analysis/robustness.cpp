#include "analysis/robustness.hpp"

#include "analysis/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace govsim::analysis {

std::vector<ModelRobustness> robustness(const std::vector<std::vector<double>>& values,
                                        std::size_t baseline, bool lower_is_better) {
    if (values.empty())
        throw std::invalid_argument("robustness: no parameter draws");
    const std::size_t models = values.front().size();
    if (models == 0)
        throw std::invalid_argument("robustness: no models");
    for (std::size_t d = 0; d < values.size(); ++d)
        if (values[d].size() != models)
            throw std::invalid_argument("robustness: draw " + std::to_string(d) + " has " +
                                        std::to_string(values[d].size()) + " values for " +
                                        std::to_string(models) + " models");
    if (baseline >= models)
        throw std::invalid_argument("robustness: baseline " + std::to_string(baseline) +
                                    " is not one of the " + std::to_string(models) + " models");

    // Score: smaller is better.
    const double sign = lower_is_better ? 1.0 : -1.0;
    std::vector<ModelRobustness> out(models);
    std::vector<std::vector<double>> per_model(models);
    std::vector<double> beats(models, 0);
    std::vector<double> regret(models, 0);
    std::vector<std::vector<double>> ranks(models, std::vector<double>(models, 0));
    std::size_t used = 0;
    for (const auto& row : values) {
        if (std::any_of(row.begin(), row.end(), [](double v) { return std::isnan(v); }))
            continue;
        ++used;
        double best = sign * row[0];
        for (const double v : row)
            best = std::min(best, sign * v);
        for (std::size_t m = 0; m < models; ++m) {
            const double score = sign * row[m];
            per_model[m].push_back(row[m]);
            if (score < sign * row[baseline])
                beats[m] += 1;
            regret[m] += score - best;
            // Models strictly better take the first ranks; ties share the next ones.
            std::size_t better = 0;
            std::size_t tied = 0;
            for (const double v : row) {
                better += sign * v < score ? 1 : 0;
                tied += sign * v == score ? 1 : 0; // includes m itself
            }
            for (std::size_t r = better; r < better + tied; ++r)
                ranks[m][r] += 1.0 / static_cast<double>(tied);
        }
    }
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const auto n = static_cast<double>(used);
    for (std::size_t m = 0; m < models; ++m) {
        auto& o = out[m];
        o.draws = used;
        if (used == 0) {
            o.mean = o.p05 = o.p95 = o.p_beats_baseline = o.expected_regret = nan;
            o.rank_probability.assign(models, nan);
            continue;
        }
        o.mean = mean(per_model[m]);
        o.p05 = quantile(per_model[m], 0.05);
        o.p95 = quantile(per_model[m], 0.95);
        o.p_beats_baseline = beats[m] / n;
        o.expected_regret = regret[m] / n;
        o.rank_probability.resize(models);
        for (std::size_t r = 0; r < models; ++r)
            o.rank_probability[r] = ranks[m][r] / n;
    }
    return out;
}

} // namespace govsim::analysis
