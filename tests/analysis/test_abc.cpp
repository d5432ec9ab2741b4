// ABC-SMC (analysis/abc.hpp) on models whose posterior is known analytically.
#include "analysis/abc.hpp"
#include "sim/random.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

using namespace govsim::analysis;

namespace {

/// Sample mean of n draws of N(mu, 1) from a keyed stream.
double normal_sample_mean(double mu, std::size_t n, govsim::sim::Stream& rng) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
        sum += rng.normal(mu, 1.0);
    return sum / static_cast<double>(n);
}

/// The model "n draws of N(theta, 1)", summarised by their mean.
AbcModel normal_mean_model(std::size_t n) {
    return [n](const std::vector<std::vector<double>>& thetas, std::size_t generation,
               std::size_t batch) {
        std::vector<std::vector<double>> out;
        for (std::size_t k = 0; k < thetas.size(); ++k) {
            govsim::sim::Stream rng(99, generation, batch * 100000 + k, 1);
            out.push_back({normal_sample_mean(thetas[k][0], n, rng)});
        }
        return out;
    };
}

double absolute_distance(std::span<const double> s, std::span<const double> t) {
    return std::abs(s[0] - t[0]);
}

} // namespace

TEST_CASE("relative Euclidean distance", "[abc]") {
    const std::vector<double> target{100, 200};
    CHECK(relative_euclidean_distance(std::vector<double>{100, 200}, target) == 0);
    CHECK(relative_euclidean_distance(std::vector<double>{110, 180}, target) ==
          Approx(std::sqrt(0.01 + 0.01)));
    CHECK(std::isinf(relative_euclidean_distance(std::vector<double>{1}, target)));
    CHECK(std::isinf(relative_euclidean_distance(std::vector<double>{NAN, 1}, target)));
    CHECK(relative_euclidean_distance(std::vector<double>{0.5}, std::vector<double>{0}) == 0.5);
}

TEST_CASE("band distance is zero inside every band and grows outside", "[abc]") {
    using govsim::analysis::AbcBand;
    using govsim::analysis::band_distance;
    // A point target (value 100, scale 10) and two bands.
    const std::vector<AbcBand> bands{{100, 100, 10, 1}, {0.6, 0.9, 0.15, 1}, {0.05, 0.2, 0.075, 4}};
    CHECK(band_distance(std::vector<double>{100, 0.6, 0.05}, bands) == 0);
    CHECK(band_distance(std::vector<double>{100, 0.9, 0.2}, bands) == 0);
    CHECK(band_distance(std::vector<double>{100, 0.75, 0.1}, bands) == 0);
    // Outside: the distance to the nearer end, in the band's scale, weighted.
    CHECK(band_distance(std::vector<double>{110, 0.75, 0.1}, bands) == Approx(1.0));
    CHECK(band_distance(std::vector<double>{90, 0.75, 0.1}, bands) == Approx(1.0));
    CHECK(band_distance(std::vector<double>{100, 0.45, 0.1}, bands) == Approx(1.0));
    CHECK(band_distance(std::vector<double>{100, 1.05, 0.1}, bands) == Approx(1.0));
    CHECK(band_distance(std::vector<double>{100, 0.75, 0.275}, bands) == Approx(2.0)); // sqrt(4)
    CHECK(band_distance(std::vector<double>{110, 1.05, 0.1}, bands) == Approx(std::sqrt(2.0)));
    // Monotone outside a band.
    double last = 0;
    for (double x = 0.9; x < 2; x += 0.1) {
        const double d = band_distance(std::vector<double>{100, x, 0.1}, bands);
        CHECK(d >= last);
        last = d;
    }
    CHECK(std::isinf(band_distance(std::vector<double>{100, 0.7}, bands)));
    CHECK(std::isinf(band_distance(std::vector<double>{100, NAN, 0.1}, bands)));
}

TEST_CASE("ABC-SMC recovers the mean of a normal distribution", "[abc]") {
    // Data: n draws of N(2, 1). With a flat prior wide enough, the exact posterior of the mean
    // is N(xbar, 1/n); ABC with a shrinking tolerance approaches it.
    const std::size_t n = 50;
    const double mu = 2.0;
    govsim::sim::Stream data_rng(7, 0, 0, 0);
    const double xbar = normal_sample_mean(mu, n, data_rng);
    AbcOptions o;
    o.seed = 11;
    o.particles = 300;
    o.generations = 8;
    o.batch_size = 300;
    const auto r = abc_smc({{"mu", PriorKind::Uniform, -10, 10}}, {xbar}, normal_mean_model(n), o,
                           absolute_distance);
    REQUIRE(r.generations.size() >= 5);
    const auto& post = r.posterior();
    CHECK(post.particles.size() == o.particles);
    double total = 0;
    for (const auto& p : post.particles) {
        CHECK(p.distance <= post.tolerance);
        CHECK(p.theta[0] >= -10);
        CHECK(p.theta[0] <= 10);
        total += p.weight;
    }
    CHECK(total == Approx(1.0));
    // Tolerances shrink generation by generation.
    for (std::size_t g = 2; g < r.generations.size(); ++g)
        CHECK(r.generations[g].tolerance < r.generations[g - 1].tolerance);

    // Posterior sd: the exact 1/sqrt(n), widened by the final tolerance (a uniform error of
    // half-width eps adds eps^2/3 to the variance); allow sampling error of the estimate.
    const double exact_sd = 1.0 / std::sqrt(static_cast<double>(n));
    const double eps = post.tolerance;
    const double expected_sd = std::sqrt(exact_sd * exact_sd + eps * eps / 3.0);
    const double sd = r.posterior_sd(0);
    CHECK(sd > 0.7 * exact_sd);
    CHECK(sd < 1.3 * expected_sd);
    // Posterior mean: xbar up to Monte Carlo error sd / sqrt(ESS) (4 standard errors).
    const double tolerance = 4.0 * expected_sd / std::sqrt(post.effective_sample_size);
    INFO("xbar " << xbar << ", posterior mean " << r.posterior_mean(0) << ", tolerance "
                 << tolerance);
    CHECK(std::abs(r.posterior_mean(0) - xbar) < tolerance);
    // And the true mean lies in the 99% interval (it is 2.6 posterior sds wide each side).
    CHECK(r.posterior_quantile(0, 0.005) < mu);
    CHECK(r.posterior_quantile(0, 0.995) > mu);
}

TEST_CASE("ABC-SMC with a log-uniform prior recovers a scale", "[abc]") {
    // Data: the mean of n exponentials of mean 5; prior log-uniform on [0.1, 100].
    const std::size_t n = 100;
    const double scale = 5.0;
    govsim::sim::Stream data_rng(8, 0, 0, 0);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
        sum += data_rng.exponential(scale);
    const double observed = sum / static_cast<double>(n);
    const AbcModel model = [n](const std::vector<std::vector<double>>& thetas, std::size_t g,
                               std::size_t b) {
        std::vector<std::vector<double>> out;
        for (std::size_t k = 0; k < thetas.size(); ++k) {
            govsim::sim::Stream rng(5, g, b * 100000 + k, 2);
            double s = 0;
            for (std::size_t i = 0; i < n; ++i)
                s += rng.exponential(thetas[k][0]);
            out.push_back({s / static_cast<double>(n)});
        }
        return out;
    };
    AbcOptions o;
    o.seed = 3;
    o.particles = 200;
    o.generations = 8;
    o.batch_size = 200;
    const auto r = abc_smc({{"scale", PriorKind::LogUniform, 0.1, 100}}, {observed}, model, o);
    // The posterior of the scale is about observed * (1 +- 1/sqrt(n)): 10% relative sd.
    const double sd = r.posterior_sd(0);
    CHECK(sd < 0.25 * observed);
    CHECK(std::abs(r.posterior_mean(0) - observed) <
          4.0 * sd / std::sqrt(r.posterior().effective_sample_size) + 0.05 * observed);
    for (const auto& p : r.posterior().particles) {
        CHECK(p.theta[0] >= 0.1);
        CHECK(p.theta[0] <= 100);
    }
}

TEST_CASE("ABC-SMC is deterministic from its seed", "[abc]") {
    AbcOptions o;
    o.seed = 5;
    o.particles = 40;
    o.generations = 3;
    o.batch_size = 17;
    const std::vector<AbcParameter> ps{{"a", PriorKind::Uniform, -5, 5},
                                       {"b", PriorKind::LogUniform, 0.5, 4}};
    const AbcModel model = [](const std::vector<std::vector<double>>& thetas, std::size_t g,
                              std::size_t b) {
        std::vector<std::vector<double>> out;
        for (std::size_t k = 0; k < thetas.size(); ++k) {
            govsim::sim::Stream rng(1, g, b * 1000 + k, 3);
            out.push_back({thetas[k][0] + rng.normal(0, 0.1), thetas[k][1] + rng.normal(0, 0.1)});
        }
        return out;
    };
    const auto r1 = abc_smc(ps, {1.0, 2.0}, model, o);
    const auto r2 = abc_smc(ps, {1.0, 2.0}, model, o);
    REQUIRE(r1.generations.size() == r2.generations.size());
    for (std::size_t g = 0; g < r1.generations.size(); ++g) {
        REQUIRE(r1.generations[g].particles.size() == r2.generations[g].particles.size());
        for (std::size_t j = 0; j < r1.generations[g].particles.size(); ++j) {
            CHECK(r1.generations[g].particles[j].theta == r2.generations[g].particles[j].theta);
            CHECK(r1.generations[g].particles[j].weight == r2.generations[g].particles[j].weight);
        }
    }
    o.seed = 6;
    const auto r3 = abc_smc(ps, {1.0, 2.0}, model, o);
    CHECK(r3.posterior().particles[0].theta != r1.posterior().particles[0].theta);
}

TEST_CASE("ABC-SMC rejects bad parameters and options", "[abc]") {
    const AbcModel model = [](const std::vector<std::vector<double>>& thetas, std::size_t,
                              std::size_t) {
        return std::vector<std::vector<double>>(thetas.size(), {0.0});
    };
    AbcOptions o;
    o.particles = 10;
    CHECK_THROWS_AS(abc_smc({}, {1.0}, model, o), std::invalid_argument);
    CHECK_THROWS_AS(abc_smc({{"x", PriorKind::Uniform, 1, 1}}, {1.0}, model, o),
                    std::invalid_argument);
    CHECK_THROWS_AS(abc_smc({{"x", PriorKind::LogUniform, 0, 1}}, {1.0}, model, o),
                    std::invalid_argument);
    CHECK_THROWS_AS(abc_smc({{"x", PriorKind::Uniform, 0, 1}}, {}, model, o),
                    std::invalid_argument);
    o.tolerance_quantile = 1.0;
    CHECK_THROWS_AS(abc_smc({{"x", PriorKind::Uniform, 0, 1}}, {1.0}, model, o),
                    std::invalid_argument);
    o.tolerance_quantile = 0.5;
    const AbcModel short_model = [](const std::vector<std::vector<double>>&, std::size_t,
                                    std::size_t) { return std::vector<std::vector<double>>{}; };
    CHECK_THROWS_AS(abc_smc({{"x", PriorKind::Uniform, 0, 1}}, {1.0}, short_model, o),
                    std::invalid_argument);
}
