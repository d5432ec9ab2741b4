#include "analysis/sensitivity.hpp"

#include "sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace govsim::analysis {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

void check_confidence(double confidence, const char* who) {
    if (!(confidence > 0 && confidence < 1))
        throw std::invalid_argument(std::string(who) + ": confidence must be in (0, 1)");
}

bool all_finite(const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

/// Indices of `n` items drawn with replacement for bootstrap resample b.
std::vector<std::size_t> resample(std::size_t n, std::uint64_t seed, std::size_t b,
                                  std::uint64_t purpose) {
    sim::Stream stream(seed, 0, b, purpose);
    std::vector<std::size_t> idx(n);
    for (auto& i : idx)
        i = stream.below(static_cast<std::uint32_t>(n));
    return idx;
}

/// The percentile interval of `samples` around `estimate`.
Interval percentile(double estimate, std::vector<double>& samples, double confidence,
                    std::size_t n) {
    Interval out;
    out.estimate = estimate;
    out.n = n;
    if (samples.empty() || !std::isfinite(estimate)) {
        out.lower = out.upper = nan;
        return out;
    }
    std::sort(samples.begin(), samples.end(), [](double a, double b) {
        return std::isnan(b) ? !std::isnan(a) : a < b; // NaN last
    });
    out.lower = quantile_sorted(samples, 0.5 * (1 - confidence));
    out.upper = quantile_sorted(samples, 0.5 * (1 + confidence));
    return out;
}

constexpr std::uint64_t purpose_sobol_bootstrap = 201;
constexpr std::uint64_t purpose_morris_bootstrap = 202;

/// Sobol first- and total-order indices of every factor over the base rows `rows`.
void sobol_on_rows(const SaltelliDesign& d, const std::vector<double>& y,
                   const std::vector<std::size_t>& rows, std::vector<double>& first,
                   std::vector<double>& total) {
    const std::size_t n = d.base;
    const auto count = static_cast<double>(rows.size());
    double sum = 0;
    for (const std::size_t j : rows)
        sum += y[j] + y[n + j];
    const double mean = sum / (2 * count);
    double ss = 0;
    for (const std::size_t j : rows) {
        const double a = y[j] - mean;
        const double b = y[n + j] - mean;
        ss += a * a + b * b;
    }
    const double variance = ss / (2 * count);
    first.assign(d.factors, nan);
    total.assign(d.factors, nan);
    if (!(variance > 0))
        return;
    for (std::size_t i = 0; i < d.factors; ++i) {
        const std::size_t block = n * (2 + i);
        double s1 = 0;
        double st = 0;
        for (const std::size_t j : rows) {
            const double fa = y[j];
            const double fb = y[n + j];
            const double fab = y[block + j];
            s1 += fb * (fab - fa);
            st += (fa - fab) * (fa - fab);
        }
        first[i] = s1 / count / variance;
        total[i] = st / (2 * count) / variance;
    }
}

} // namespace

SobolIndices sobol_indices(const SaltelliDesign& design, const std::vector<double>& outputs,
                           std::size_t resamples, double confidence, std::uint64_t seed) {
    check_confidence(confidence, "sobol_indices");
    if (design.base < 2 || design.factors == 0 ||
        design.points.size() != design.base * (design.factors + 2))
        throw std::invalid_argument("sobol_indices: the design is not a Saltelli design of " +
                                    std::to_string(design.base) + " x (" +
                                    std::to_string(design.factors) + " + 2) rows");
    if (outputs.size() != design.points.size())
        throw std::invalid_argument("sobol_indices: " + std::to_string(outputs.size()) +
                                    " outputs for " + std::to_string(design.points.size()) +
                                    " design points");
    const std::size_t k = design.factors;
    SobolIndices out;
    out.first.resize(k);
    out.total.resize(k);
    if (!all_finite(outputs)) {
        for (auto* v : {&out.first, &out.total})
            for (auto& interval : *v)
                interval = {nan, nan, nan, design.base};
        return out;
    }
    std::vector<std::size_t> all(design.base);
    std::iota(all.begin(), all.end(), std::size_t{0});
    std::vector<double> first;
    std::vector<double> total;
    sobol_on_rows(design, outputs, all, first, total);

    std::vector<std::vector<double>> boot_first(k);
    std::vector<std::vector<double>> boot_total(k);
    std::vector<double> f;
    std::vector<double> t;
    for (std::size_t b = 0; b < resamples; ++b) {
        sobol_on_rows(design, outputs, resample(design.base, seed, b, purpose_sobol_bootstrap), f,
                      t);
        for (std::size_t i = 0; i < k; ++i) {
            boot_first[i].push_back(f[i]);
            boot_total[i].push_back(t[i]);
        }
    }
    for (std::size_t i = 0; i < k; ++i) {
        out.first[i] = percentile(first[i], boot_first[i], confidence, design.base);
        out.total[i] = percentile(total[i], boot_total[i], confidence, design.base);
    }
    return out;
}

MorrisEffects morris_effects(const MorrisDesign& design, const std::vector<double>& outputs,
                             std::size_t resamples, double confidence, std::uint64_t seed) {
    check_confidence(confidence, "morris_effects");
    const std::size_t k = design.factors;
    const std::size_t r = design.trajectories;
    if (r == 0 || k == 0 || design.points.size() != r * (k + 1))
        throw std::invalid_argument("morris_effects: the design is not " + std::to_string(r) +
                                    " trajectories of " + std::to_string(k) + " + 1 points");
    if (outputs.size() != design.points.size())
        throw std::invalid_argument("morris_effects: " + std::to_string(outputs.size()) +
                                    " outputs for " + std::to_string(design.points.size()) +
                                    " design points");
    MorrisEffects out;
    out.mu.assign(k, nan);
    out.mu_star.assign(k, nan);
    out.sigma.assign(k, nan);
    out.mu_star_interval.assign(k, Interval{nan, nan, nan, r});

    // effects[i][t]: factor i's elementary effect on trajectory t.
    std::vector<std::vector<double>> effects(k, std::vector<double>(r, nan));
    for (std::size_t t = 0; t < r; ++t) {
        std::vector<bool> seen(k, false);
        for (std::size_t s = 0; s < k; ++s) {
            const std::size_t row = t * (k + 1) + s;
            const auto& x0 = design.points[row];
            const auto& x1 = design.points[row + 1];
            if (x0.size() != k || x1.size() != k)
                throw std::invalid_argument("morris_effects: a design row has the wrong length");
            std::size_t changed = k;
            for (std::size_t i = 0; i < k; ++i) {
                if (x0[i] == x1[i])
                    continue;
                if (changed != k)
                    throw std::invalid_argument("morris_effects: rows " + std::to_string(row) +
                                                " and " + std::to_string(row + 1) +
                                                " differ in more than one factor");
                changed = i;
            }
            if (changed == k || seen[changed])
                throw std::invalid_argument("morris_effects: trajectory " + std::to_string(t) +
                                            " does not move every factor exactly once");
            seen[changed] = true;
            effects[changed][t] = (outputs[row + 1] - outputs[row]) / (x1[changed] - x0[changed]);
        }
    }
    if (!all_finite(outputs))
        return out;

    for (std::size_t i = 0; i < k; ++i) {
        std::vector<double> absolute(r);
        std::transform(effects[i].begin(), effects[i].end(), absolute.begin(),
                       [](double e) { return std::abs(e); });
        out.mu[i] = mean(effects[i]);
        out.mu_star[i] = mean(absolute);
        out.sigma[i] = sample_sd(effects[i]);
    }
    std::vector<std::vector<double>> boot(k);
    for (std::size_t b = 0; b < resamples; ++b) {
        const auto idx = resample(r, seed, b, purpose_morris_bootstrap);
        for (std::size_t i = 0; i < k; ++i) {
            double sum = 0;
            for (const std::size_t t : idx)
                sum += std::abs(effects[i][t]);
            boot[i].push_back(sum / static_cast<double>(r));
        }
    }
    for (std::size_t i = 0; i < k; ++i)
        out.mu_star_interval[i] = percentile(out.mu_star[i], boot[i], confidence, r);
    return out;
}

} // namespace govsim::analysis
