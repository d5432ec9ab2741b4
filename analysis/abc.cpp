#include "analysis/abc.hpp"

#include "analysis/statistics.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace govsim::analysis {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double pi = 3.14159265358979323846;

// Stream purposes (entity = generation).
constexpr std::uint64_t purpose_prior = 1;
constexpr std::uint64_t purpose_resample = 2;
constexpr std::uint64_t purpose_perturb = 3;

double to_z(const AbcParameter& p, double x) {
    return p.prior == PriorKind::LogUniform ? std::log(x) : x;
}
double from_z(const AbcParameter& p, double z) {
    return p.prior == PriorKind::LogUniform ? std::exp(z) : z;
}
double z_lower(const AbcParameter& p) {
    return to_z(p, p.lower);
}
double z_upper(const AbcParameter& p) {
    return to_z(p, p.upper);
}

void check(const std::vector<AbcParameter>& parameters, const std::vector<double>& target,
           const AbcOptions& o) {
    if (parameters.empty())
        throw std::invalid_argument("ABC: no free parameters");
    if (target.empty())
        throw std::invalid_argument("ABC: no targets");
    for (const auto& p : parameters) {
        if (!(std::isfinite(p.lower) && std::isfinite(p.upper) && p.lower < p.upper))
            throw std::invalid_argument("ABC: parameter '" + p.name +
                                        "' needs finite bounds with lower < upper");
        if (p.prior != PriorKind::Uniform && p.prior != PriorKind::LogUniform)
            throw std::invalid_argument("ABC: parameter '" + p.name +
                                        "' needs a uniform or log-uniform prior");
        if (p.prior == PriorKind::LogUniform && !(p.lower > 0))
            throw std::invalid_argument("ABC: log-uniform parameter '" + p.name +
                                        "' needs a lower bound > 0");
    }
    if (o.particles < 2)
        throw std::invalid_argument("ABC: at least 2 particles are needed");
    if (!(o.tolerance_quantile > 0 && o.tolerance_quantile < 1))
        throw std::invalid_argument("ABC: tolerance_quantile must be in (0, 1)");
    if (o.batch_size < 1 || o.max_batches_per_generation < 1)
        throw std::invalid_argument("ABC: batch_size and max_batches_per_generation must be >= 1");
}

void normalise(AbcGeneration& g) {
    double total = 0;
    for (const auto& p : g.particles)
        total += p.weight;
    double sum_sq = 0;
    for (auto& p : g.particles) {
        p.weight /= total;
        sum_sq += p.weight * p.weight;
    }
    g.effective_sample_size = 1.0 / sum_sq;
}

/// Simulates `thetas` with the model and returns their summaries, checking the count.
std::vector<std::vector<double>> simulate(const AbcModel& model,
                                          const std::vector<std::vector<double>>& thetas,
                                          std::size_t generation, std::size_t batch,
                                          std::size_t& total) {
    auto out = model(thetas, generation, batch);
    total += thetas.size();
    if (out.size() != thetas.size())
        throw std::invalid_argument("ABC: the model returned a wrong number of summaries");
    return out;
}

} // namespace

double relative_euclidean_distance(std::span<const double> simulated,
                                   std::span<const double> target) {
    if (simulated.size() != target.size())
        return infinity;
    double sum = 0;
    for (std::size_t k = 0; k < target.size(); ++k) {
        if (std::isnan(simulated[k]))
            return infinity;
        const double scale = target[k] != 0 ? std::abs(target[k]) : 1.0;
        const double e = (simulated[k] - target[k]) / scale;
        sum += e * e;
    }
    return std::sqrt(sum);
}

double band_distance(std::span<const double> simulated, std::span<const AbcBand> bands) {
    if (simulated.size() != bands.size())
        return infinity;
    double sum = 0;
    for (std::size_t k = 0; k < bands.size(); ++k) {
        const double s = simulated[k];
        if (std::isnan(s))
            return infinity;
        const AbcBand& b = bands[k];
        const double e = s < b.lower ? b.lower - s : (s > b.upper ? s - b.upper : 0.0);
        sum += b.weight * (e / b.scale) * (e / b.scale);
    }
    return std::sqrt(sum);
}

AbcResult abc_smc(const std::vector<AbcParameter>& parameters, const std::vector<double>& target,
                  const AbcModel& model, const AbcOptions& options, const AbcDistance& distance) {
    return abc_smc(parameters, target, model, options, distance, {});
}

AbcResult abc_smc(const std::vector<AbcParameter>& parameters, const std::vector<double>& target,
                  const AbcModel& model, const AbcOptions& options, const AbcDistance& distance,
                  const AbcProgress& progress) {
    check(parameters, target, options);
    const std::size_t n = options.particles;
    const std::size_t d = parameters.size();
    AbcResult result;
    result.parameters = parameters;
    result.target = target;

    // Generation 0: the prior, every particle accepted.
    {
        AbcGeneration g;
        g.index = 0;
        g.tolerance = infinity;
        sim::Stream rng(options.seed, 0, 0, purpose_prior);
        std::vector<std::vector<double>> thetas(n, std::vector<double>(d));
        for (auto& theta : thetas)
            for (std::size_t i = 0; i < d; ++i) {
                const auto& p = parameters[i];
                theta[i] = from_z(p, z_lower(p) + (z_upper(p) - z_lower(p)) * rng.uniform());
                theta[i] = std::clamp(theta[i], p.lower, p.upper);
            }
        for (std::size_t start = 0, batch = 0; start < n; start += options.batch_size, ++batch) {
            const std::size_t end = std::min(n, start + options.batch_size);
            std::vector<std::vector<double>> chunk(thetas.begin() + static_cast<long>(start),
                                                   thetas.begin() + static_cast<long>(end));
            auto sums = simulate(model, chunk, 0, batch, result.simulated_total);
            for (std::size_t k = 0; k < chunk.size(); ++k) {
                AbcParticle particle;
                particle.theta = std::move(chunk[k]);
                particle.distance = distance(sums[k], target);
                particle.summaries = std::move(sums[k]);
                particle.weight = 1;
                g.particles.push_back(std::move(particle));
            }
        }
        g.simulated = n;
        g.accepted = n;
        normalise(g);
        if (progress)
            progress(g);
        result.generations.push_back(std::move(g));
    }

    result.stop_reason = "all generations run";
    for (std::size_t t = 1; t <= options.generations; ++t) {
        const AbcGeneration& prev = result.generations.back();
        std::vector<double> distances;
        for (const auto& p : prev.particles)
            distances.push_back(p.distance);
        const double eps = quantile(distances, options.tolerance_quantile);
        if (!std::isfinite(eps)) {
            result.stop_reason = "no finite tolerance (every distance infinite)";
            break;
        }
        if (options.final_tolerance > 0 && prev.tolerance <= options.final_tolerance) {
            result.stop_reason = "final tolerance reached";
            break;
        }

        // Kernel: Gaussian in z, per-coordinate variance 2 * weighted variance of prev.
        std::vector<std::vector<double>> prev_z(prev.particles.size(), std::vector<double>(d));
        std::vector<double> sd(d);
        for (std::size_t i = 0; i < d; ++i) {
            double m = 0;
            for (std::size_t j = 0; j < prev.particles.size(); ++j) {
                prev_z[j][i] = to_z(parameters[i], prev.particles[j].theta[i]);
                m += prev.particles[j].weight * prev_z[j][i];
            }
            double v = 0;
            for (std::size_t j = 0; j < prev.particles.size(); ++j)
                v += prev.particles[j].weight * (prev_z[j][i] - m) * (prev_z[j][i] - m);
            const double width = z_upper(parameters[i]) - z_lower(parameters[i]);
            sd[i] = std::max(std::sqrt(2.0 * v), 1e-6 * width);
        }
        std::vector<double> cumulative(prev.particles.size());
        double acc = 0;
        for (std::size_t j = 0; j < prev.particles.size(); ++j) {
            acc += prev.particles[j].weight;
            cumulative[j] = acc;
        }

        AbcGeneration g;
        g.index = t;
        g.tolerance = eps;
        sim::Stream pick(options.seed, t, 0, purpose_resample);
        sim::Stream jitter(options.seed, t, 0, purpose_perturb);
        std::size_t batch = 0;
        while (g.particles.size() < n && batch < options.max_batches_per_generation) {
            std::vector<std::vector<double>> thetas;
            thetas.reserve(options.batch_size);
            while (thetas.size() < options.batch_size) {
                const double u = pick.uniform() * acc;
                const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
                const std::size_t j = std::min<std::size_t>(
                    static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
                std::vector<double> theta(d);
                bool inside = true;
                for (std::size_t i = 0; i < d; ++i) {
                    const double z = jitter.normal(prev_z[j][i], sd[i]);
                    const auto& p = parameters[i];
                    if (z < z_lower(p) || z > z_upper(p))
                        inside = false;
                    theta[i] = std::clamp(from_z(p, z), p.lower, p.upper);
                }
                if (inside)
                    thetas.push_back(std::move(theta));
            }
            auto sums = simulate(model, thetas, t, batch, result.simulated_total);
            g.simulated += thetas.size();
            for (std::size_t k = 0; k < thetas.size() && g.particles.size() < n; ++k) {
                const double dist = distance(sums[k], target);
                if (!(dist <= eps))
                    continue;
                AbcParticle particle;
                particle.theta = std::move(thetas[k]);
                particle.summaries = std::move(sums[k]);
                particle.distance = dist;
                // w = prior / sum_j w_j K(z | z_j); the prior is constant on the box.
                double denominator = 0;
                for (std::size_t j = 0; j < prev.particles.size(); ++j) {
                    double log_k = 0;
                    for (std::size_t i = 0; i < d; ++i) {
                        const double e =
                            (to_z(parameters[i], particle.theta[i]) - prev_z[j][i]) / sd[i];
                        log_k += -0.5 * e * e - std::log(sd[i] * std::sqrt(2 * pi));
                    }
                    denominator += prev.particles[j].weight * std::exp(log_k);
                }
                particle.weight = denominator > 0 ? 1.0 / denominator : 0.0;
                g.particles.push_back(std::move(particle));
            }
            ++batch;
        }
        g.accepted = g.particles.size();
        if (g.accepted < n) {
            result.stop_reason = "generation " + std::to_string(t) +
                                 " accepted too few particles within its simulation budget; "
                                 "the previous generation is the posterior";
            break;
        }
        normalise(g);
        const double rate = static_cast<double>(g.accepted) / static_cast<double>(g.simulated);
        if (progress)
            progress(g);
        result.generations.push_back(std::move(g));
        if (rate < options.min_acceptance) {
            result.stop_reason = "acceptance rate below min_acceptance";
            break;
        }
        if (options.final_tolerance > 0 && eps <= options.final_tolerance) {
            result.stop_reason = "final tolerance reached";
            break;
        }
    }
    return result;
}

double AbcResult::posterior_mean(std::size_t i) const {
    double m = 0;
    for (const auto& p : posterior().particles)
        m += p.weight * p.theta[i];
    return m;
}

double AbcResult::posterior_sd(std::size_t i) const {
    const double m = posterior_mean(i);
    double v = 0;
    for (const auto& p : posterior().particles)
        v += p.weight * (p.theta[i] - m) * (p.theta[i] - m);
    return std::sqrt(v);
}

double AbcResult::posterior_quantile(std::size_t i, double p) const {
    std::vector<std::pair<double, double>> xs;
    for (const auto& q : posterior().particles)
        xs.emplace_back(q.theta[i], q.weight);
    std::sort(xs.begin(), xs.end());
    double acc = 0;
    for (const auto& [x, w] : xs) {
        acc += w;
        if (acc >= p)
            return x;
    }
    return xs.back().first;
}

const AbcParticle& AbcResult::best() const {
    const auto& ps = posterior().particles;
    return *std::min_element(ps.begin(), ps.end(),
                             [](const auto& a, const auto& b) { return a.distance < b.distance; });
}

std::size_t AbcResult::simulations() const {
    return simulated_total;
}

} // namespace govsim::analysis
