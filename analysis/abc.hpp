#pragma once
// Approximate Bayesian computation (ABC): sequential Monte Carlo with importance weights and an
// adaptive tolerance schedule (ABC-SMC / population Monte Carlo: Toni et al. 2009, J. R. Soc.
// Interface 6:187-202; Beaumont et al. 2009, Biometrika 96:983-990). Generic: the model is a
// callback that turns a batch of parameter vectors into summary statistics, so a caller can run
// the batch in parallel. Deterministic: every draw comes from keyed sim::Stream objects.
//
// Priors are uniform or log-uniform on [lower, upper] (PriorKind from analysis/priors.hpp;
// its other kinds are refused). Internally each parameter is moved to
// z = x (uniform) or z = log x (log-uniform), where both priors are uniform on a box; the
// perturbation kernel is Gaussian in z with twice the weighted variance of the previous
// population per coordinate (Beaumont et al. 2009), and a particle's weight is
// 1 / sum_j w_j K(z | z_j) (the prior density is constant on the box).
#include "analysis/priors.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace govsim::analysis {

struct AbcParameter {
    std::string name;
    PriorKind prior = PriorKind::Uniform;
    double lower = 0; ///< > 0 for LogUniform
    double upper = 1; ///< > lower
};

/// Distance between simulated and target summaries: the Euclidean norm of the relative errors,
/// sqrt(sum_k ((s_k - t_k) / scale_k)^2), with scale_k = |t_k| (or 1 where t_k is 0). Infinite
/// when sizes differ or a summary is NaN.
[[nodiscard]] double relative_euclidean_distance(std::span<const double> simulated,
                                                 std::span<const double> target);

/// One summary's acceptable region for band_distance: the interval [lower, upper] (a point
/// target when lower == upper), the distance `scale` that counts as one unit outside it, and the
/// summary's weight.
struct AbcBand {
    double lower = 0;
    double upper = 0;  ///< >= lower
    double scale = 1;  ///< > 0
    double weight = 1; ///< >= 0
};

/// Distance of simulated summaries from bands: sqrt(sum_k weight_k * (e_k / scale_k)^2), where
/// e_k is 0 inside [lower_k, upper_k] and the distance to the nearer end outside it. Zero when
/// every summary lies in its band; infinite when sizes differ or a summary is NaN.
[[nodiscard]] double band_distance(std::span<const double> simulated,
                                   std::span<const AbcBand> bands);

struct AbcOptions {
    std::uint64_t seed = 1;
    std::size_t particles = 100;     ///< population size N
    std::size_t generations = 5;     ///< populations after the one drawn from the prior
    double tolerance_quantile = 0.5; ///< eps_t = this quantile of the previous distances
    double final_tolerance = 0;      ///< stop once eps_t <= this (0: run every generation)
    /// Stop when a generation's acceptance rate (accepted / simulated) falls below this.
    double min_acceptance = 0.02;
    /// Proposals simulated per call of the model (at least 1); also bounds the work of one
    /// generation: at most max_batches_per_generation batches.
    std::size_t batch_size = 100;
    std::size_t max_batches_per_generation = 50;
};

/// The model: summaries (one vector per parameter vector, in order) for a batch of parameter
/// vectors in natural units. `generation` and `batch` identify the call (e.g. to key seeds).
using AbcModel = std::function<std::vector<std::vector<double>>(
    const std::vector<std::vector<double>>& thetas, std::size_t generation, std::size_t batch)>;

/// A distance between simulated and target summaries.
using AbcDistance = std::function<double(std::span<const double>, std::span<const double>)>;

struct AbcParticle {
    std::vector<double> theta;     ///< natural units
    std::vector<double> summaries; ///< what the model gave
    double distance = 0;
    double weight = 0; ///< normalised within its generation
};

struct AbcGeneration {
    std::size_t index = 0;
    double tolerance = 0; ///< infinity for generation 0 (the prior)
    std::size_t simulated = 0;
    std::size_t accepted = 0;
    double effective_sample_size = 0; ///< 1 / sum w^2
    std::vector<AbcParticle> particles;
};

struct AbcResult {
    std::vector<AbcParameter> parameters;
    std::vector<double> target;
    std::vector<AbcGeneration> generations; ///< the last is the posterior sample
    std::string stop_reason;
    /// Every proposal simulated, including those of a generation abandoned for want of
    /// accepted particles.
    std::size_t simulated_total = 0;

    [[nodiscard]] const AbcGeneration& posterior() const { return generations.back(); }
    /// Weighted posterior mean of parameter i.
    [[nodiscard]] double posterior_mean(std::size_t i) const;
    /// Weighted posterior standard deviation of parameter i.
    [[nodiscard]] double posterior_sd(std::size_t i) const;
    /// Weighted quantile (p in [0, 1]) of parameter i in the posterior.
    [[nodiscard]] double posterior_quantile(std::size_t i, double p) const;
    /// The posterior particle with the smallest distance.
    [[nodiscard]] const AbcParticle& best() const;
    [[nodiscard]] std::size_t simulations() const;
};

/// Runs ABC-SMC. Generation 0 draws N particles from the prior and accepts all; generation t
/// sets eps_t to the tolerance_quantile of generation t-1's distances, then resamples
/// particles by weight, perturbs them, rejects proposals outside the prior box without
/// simulating, simulates the rest in batches and accepts those within eps_t, until N are
/// accepted (the first N in proposal order). Throws std::invalid_argument on bad options or
/// parameters, and if the model returns the wrong number of summaries.
[[nodiscard]] AbcResult abc_smc(const std::vector<AbcParameter>& parameters,
                                const std::vector<double>& target, const AbcModel& model,
                                const AbcOptions& options,
                                const AbcDistance& distance = relative_euclidean_distance);

/// Called after each generation (e.g. for progress); may be empty.
using AbcProgress = std::function<void(const AbcGeneration&)>;

/// As abc_smc, reporting each finished generation.
[[nodiscard]] AbcResult abc_smc(const std::vector<AbcParameter>& parameters,
                                const std::vector<double>& target, const AbcModel& model,
                                const AbcOptions& options, const AbcDistance& distance,
                                const AbcProgress& progress);

} // namespace govsim::analysis
