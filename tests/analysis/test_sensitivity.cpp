// Sobol and Morris indices (analysis/sensitivity.hpp) against analytic values, through the same
// path a simulation study takes: a unit-cube design, mapped to parameter values by the priors,
// the model evaluated at every point, and the outputs handed to the estimator.
//
// The intervals are 99% percentile bootstraps: the containment checks cover 12 indices, and with
// 95% intervals about one miss in 20 would be expected by chance alone.
#include "analysis/designs.hpp"
#include "analysis/priors.hpp"
#include "analysis/sensitivity.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <vector>

using namespace govsim::analysis;

namespace {

constexpr double pi = 3.14159265358979323846;

using Model = std::function<double(const std::vector<double>&)>;

std::vector<double> evaluate(const UnitPoints& points, const std::vector<Prior>& priors,
                             const Model& model) {
    std::vector<double> out;
    for (const auto& x : prior_values(points, priors))
        out.push_back(model(x));
    return out;
}

Prior uniform(double lower, double upper) {
    Prior p;
    p.lower = lower;
    p.upper = upper;
    return p;
}

// Ishigami & Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3.
constexpr double ishigami_a = 7;
constexpr double ishigami_b = 0.1;
double ishigami(const std::vector<double>& x) {
    return std::sin(x[0]) + ishigami_a * std::pow(std::sin(x[1]), 2) +
           ishigami_b * std::pow(x[2], 4) * std::sin(x[0]);
}

struct Analytic {
    std::vector<double> first, total;
};

// Partial variances (Sobol & Levitan 1999; Saltelli et al. 2008, Global Sensitivity Analysis,
// §4.8): V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = 8 b^2 pi^8 / 225, V = V1+V2+V13.
Analytic ishigami_indices() {
    const double a = ishigami_a;
    const double b = ishigami_b;
    const double pi4 = std::pow(pi, 4);
    const double v1 = 0.5 * std::pow(1 + b * pi4 / 5, 2);
    const double v2 = a * a / 8;
    const double v13 = 8 * b * b * pi4 * pi4 / 225;
    const double v = v1 + v2 + v13;
    return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

// Sobol's g-function: f = prod_i (|4 x_i - 2| + a_i) / (1 + a_i) on [0, 1]^k. V_i = 1 / (3 (1 +
// a_i)^2), V = prod (1 + V_i) - 1, S_i = V_i / V, ST_i = V_i prod_{j != i} (1 + V_j) / V.
const std::vector<double> g_a = {0, 1, 4.5, 9, 99, 99};
double g_function(const std::vector<double>& x) {
    double f = 1;
    for (std::size_t i = 0; i < g_a.size(); ++i)
        f *= (std::abs(4 * x[i] - 2) + g_a[i]) / (1 + g_a[i]);
    return f;
}
Analytic g_indices() {
    std::vector<double> vi;
    double product = 1;
    for (const double a : g_a) {
        vi.push_back(1 / (3 * (1 + a) * (1 + a)));
        product *= 1 + vi.back();
    }
    const double v = product - 1;
    Analytic out;
    for (const double x : vi) {
        out.first.push_back(x / v);
        out.total.push_back(x * product / (1 + x) / v);
    }
    return out;
}

double width(const Interval& i) {
    return i.upper - i.lower;
}

} // namespace

TEST_CASE("the Ishigami function's analytic Sobol indices are the published ones",
          "[analysis][sensitivity]") {
    const auto s = ishigami_indices();
    CHECK(s.first[0] == Approx(0.3139).margin(5e-5));
    CHECK(s.first[1] == Approx(0.4424).margin(5e-5));
    CHECK(s.total[0] == Approx(0.5576).margin(5e-5));
    CHECK(s.total[1] == Approx(0.4424).margin(5e-5));
    CHECK(s.total[2] == Approx(0.2437).margin(5e-5));
}

TEST_CASE("Sobol indices of the Ishigami function: analytic values inside the bootstrap "
          "intervals, which narrow as the base grows",
          "[analysis][sensitivity]") {
    const auto exact = ishigami_indices();
    const std::vector<Prior> priors(3, uniform(-pi, pi));
    SobolIndices small;
    SobolIndices large;
    for (const std::size_t base : {256U, 4096U}) {
        const auto design = saltelli_design(base, 3, 2024);
        const auto y = evaluate(design.points, priors, ishigami);
        const auto s = sobol_indices(design, y, 500, 0.99, 7);
        REQUIRE(s.first.size() == 3);
        REQUIRE(s.total.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            INFO("base " << base << ", factor " << i << ": S1 " << s.first[i].estimate << " ["
                         << s.first[i].lower << ", " << s.first[i].upper << "], ST "
                         << s.total[i].estimate << " [" << s.total[i].lower << ", "
                         << s.total[i].upper << "]");
            CHECK(s.first[i].contains(exact.first[i]));
            CHECK(s.total[i].contains(exact.total[i]));
            CHECK(s.first[i].n == base);
        }
        (base == 256 ? small : large) = s;
    }
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(width(large.first[i]) < 0.5 * width(small.first[i]));
        CHECK(width(large.total[i]) < 0.5 * width(small.total[i]));
    }
    // At the large base the estimates are close, not merely covered by wide intervals.
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(large.first[i].estimate == Approx(exact.first[i]).margin(0.05));
        CHECK(large.total[i].estimate == Approx(exact.total[i]).margin(0.05));
    }
}

TEST_CASE("Sobol indices of the g-function: analytic values inside the bootstrap intervals",
          "[analysis][sensitivity]") {
    const auto exact = g_indices();
    const std::size_t k = g_a.size();
    const std::vector<Prior> priors(k, uniform(0, 1));
    const auto design = saltelli_design(4096, k, 99);
    const auto y = evaluate(design.points, priors, g_function);
    const auto s = sobol_indices(design, y, 500, 0.99, 1);
    for (std::size_t i = 0; i < k; ++i) {
        INFO("factor " << i << " (a = " << g_a[i] << "): S1 " << s.first[i].estimate << " vs "
                       << exact.first[i] << ", ST " << s.total[i].estimate << " vs "
                       << exact.total[i]);
        CHECK(s.first[i].contains(exact.first[i]));
        CHECK(s.total[i].contains(exact.total[i]));
    }
    // The ordering the a_i impose is recovered: more important factors have larger ST.
    for (std::size_t i = 0; i + 2 < k; ++i)
        CHECK(s.total[i].estimate > s.total[i + 1].estimate);
}

TEST_CASE("Sobol indices: deterministic, and refuse mismatched outputs",
          "[analysis][sensitivity]") {
    const auto design = saltelli_design(64, 2, 5);
    std::vector<double> y;
    for (const auto& x : design.points)
        y.push_back(3 * x[0] + x[1] * x[1]);
    const auto a = sobol_indices(design, y, 100, 0.9, 3);
    const auto b = sobol_indices(design, y, 100, 0.9, 3);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(a.first[i].estimate == b.first[i].estimate);
        CHECK(a.first[i].lower == b.first[i].lower);
        CHECK(a.total[i].upper == b.total[i].upper);
    }
    y.pop_back();
    CHECK_THROWS_AS(sobol_indices(design, y, 100, 0.9, 3), std::invalid_argument);
    y.push_back(std::nan(""));
    const auto missing = sobol_indices(design, y, 100, 0.9, 3);
    CHECK(std::isnan(missing.first[0].estimate));
    CHECK_THROWS_AS(
        sobol_indices(design, std::vector<double>(design.points.size(), 1.0), 10, 1.0, 1),
        std::invalid_argument);
    // A constant output has no variance to share out.
    const auto flat =
        sobol_indices(design, std::vector<double>(design.points.size(), 1.0), 10, 0.9, 1);
    CHECK(std::isnan(flat.total[1].estimate));
}

TEST_CASE("Morris effects: linear, inert and interacting factors", "[analysis][sensitivity]") {
    // x0 on [2, 6] enters linearly with coefficient 3: every elementary effect in unit-cube
    // coordinates is 3 * (6 - 2) = 12. x1 has no effect. x2 enters as x2^2 and x3, x4 as a
    // product: their effects depend on where the step is taken.
    const std::vector<Prior> priors = {uniform(2, 6), uniform(0, 1), uniform(0, 1), uniform(0, 1),
                                       uniform(-1, 1)};
    const Model f = [](const std::vector<double>& x) {
        return 3 * x[0] + 0 * x[1] + x[2] * x[2] + 5 * x[3] * x[4];
    };
    const auto design = morris_design(40, 5, 4, 17);
    const auto m = morris_effects(design, evaluate(design.points, priors, f), 200, 0.95, 3);
    REQUIRE(m.mu_star.size() == 5);
    CHECK(m.mu[0] == Approx(12).epsilon(1e-12));
    CHECK(m.mu_star[0] == Approx(12).epsilon(1e-12));
    CHECK(m.sigma[0] == Approx(0).margin(1e-10));
    CHECK(m.mu_star_interval[0].lower == Approx(12).epsilon(1e-12));
    CHECK(m.mu_star_interval[0].upper == Approx(12).epsilon(1e-12));
    CHECK(m.mu_star[1] == 0);
    CHECK(m.sigma[1] == 0);
    // x2^2 with Delta = 2/3 on the grid {0, 1/3, 2/3, 1}: a step between 0 and 2/3 has effect
    // +-2/3 in direction, |EE| = 2/3; between 1/3 and 1, |EE| = 4/3. So mu* lies in [2/3, 4/3]
    // and sigma > 0 (both kinds of step occur over 40 trajectories).
    CHECK(m.mu_star[2] >= 2.0 / 3 - 1e-12);
    CHECK(m.mu_star[2] <= 4.0 / 3 + 1e-12);
    CHECK(m.sigma[2] > 0.1);
    // Interacting factors: the effect of x3 is 5 * x4 * 1 (range 1), with x4 in {-1, -1/3, 1/3, 1};
    // its mean is near 0 but its spread is large.
    CHECK(m.sigma[3] > 1);
    CHECK(m.sigma[4] > 1);
    CHECK(m.mu_star[3] > std::abs(m.mu[3]));
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(m.mu_star_interval[i].lower <= m.mu_star[i]);
        CHECK(m.mu_star_interval[i].upper >= m.mu_star[i]);
        CHECK(m.mu_star_interval[i].n == 40);
    }
    // The ranking a screening is for: the linear factor first, the inert one last.
    for (std::size_t i = 1; i < 5; ++i)
        CHECK(m.mu_star[0] > m.mu_star[i]);
}

TEST_CASE("Morris effects refuse a design whose steps move more than one factor",
          "[analysis][sensitivity]") {
    auto design = morris_design(3, 2, 4, 1);
    const std::vector<double> y(design.points.size(), 0.0);
    CHECK_NOTHROW(morris_effects(design, y, 10, 0.9, 1));
    design.points[1] = {0.123, 0.456};
    CHECK_THROWS_AS(morris_effects(design, y, 10, 0.9, 1), std::invalid_argument);
    CHECK_THROWS_AS(morris_effects(morris_design(3, 2, 4, 1), std::vector<double>(2), 10, 0.9, 1),
                    std::invalid_argument);
}
