// Prior quantiles (analysis/priors.hpp) against closed forms. The truncated normal is checked
// through its CDF written with std::erfc (the C library), independently of the Boost.Math
// quantile the code uses.
#include "analysis/priors.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

using namespace govsim::analysis;

namespace {

Prior make(PriorKind kind, double lower, double upper) {
    Prior p;
    p.kind = kind;
    p.lower = lower;
    p.upper = upper;
    return p;
}

/// Upper-tail probability of the standard normal, Q(z) = erfc(z / sqrt 2) / 2.
double upper_tail(double z) {
    return 0.5 * std::erfc(z / std::sqrt(2.0));
}

} // namespace

TEST_CASE("uniform and log-uniform quantiles", "[analysis][priors]") {
    const auto u = make(PriorKind::Uniform, 2, 6);
    CHECK(prior_quantile(u, 0) == 2);
    CHECK(prior_quantile(u, 0.5) == 4);
    CHECK(prior_quantile(u, 0.25) == 3);
    CHECK(prior_quantile(u, 1) == 6);
    const auto l = make(PriorKind::LogUniform, 0.1, 1000);
    CHECK(prior_quantile(l, 0) == 0.1);
    CHECK(prior_quantile(l, 0.5) == Approx(std::sqrt(0.1 * 1000)).epsilon(1e-14));
    CHECK(prior_quantile(l, 0.25) == Approx(1.0).epsilon(1e-14)); // a quarter of 4 decades
    CHECK(prior_quantile(l, 1) == 1000);
}

TEST_CASE("triangular quantiles", "[analysis][priors]") {
    auto t = make(PriorKind::Triangular, 0, 4);
    t.mode = 1;
    CHECK(prior_quantile(t, 0) == 0);
    CHECK(prior_quantile(t, 1) == 4);
    // F(mode) = (mode - lower) / (upper - lower) = 1/4, so u = 1/4 lands on the mode.
    CHECK(prior_quantile(t, 0.25) == Approx(1.0).epsilon(1e-14));
    // u = 1/2 > 1/4: x = upper - sqrt((1 - u)(upper - lower)(upper - mode)) = 4 - sqrt(6).
    CHECK(prior_quantile(t, 0.5) == Approx(4 - std::sqrt(6.0)).epsilon(1e-14));
    // u = 1/8 < 1/4: x = sqrt(u (upper - lower)(mode - lower)) = sqrt(1/2).
    CHECK(prior_quantile(t, 0.125) == Approx(std::sqrt(0.5)).epsilon(1e-14));
    auto symmetric = make(PriorKind::Triangular, -1, 1);
    symmetric.mode = 0;
    CHECK(prior_quantile(symmetric, 0.5) == Approx(0.0).margin(1e-15));
    auto left = make(PriorKind::Triangular, 0, 1); // mode at the lower bound
    left.mode = 0;
    CHECK(prior_quantile(left, 0.75) == Approx(0.5).epsilon(1e-14)); // 1 - sqrt(1/4)
}

TEST_CASE("truncated normal quantiles invert the truncated CDF and stay in bounds",
          "[analysis][priors]") {
    auto n = make(PriorKind::Normal, -1, 1);
    n.mean = 0;
    n.sd = 1;
    CHECK(prior_quantile(n, 0) == -1);
    CHECK(prior_quantile(n, 0.5) == Approx(0.0).margin(1e-15));
    CHECK(prior_quantile(n, 1) == 1);

    // Asymmetric truncation, and one far in the upper tail (Phi rounds to 1 there).
    auto a = make(PriorKind::Normal, 1, 10);
    a.mean = 2;
    a.sd = 3;
    auto tail = make(PriorKind::Normal, 8, 9);
    tail.mean = 0;
    tail.sd = 1;
    for (const auto& p : {a, tail}) {
        const double za = (p.lower - p.mean) / p.sd;
        const double zb = (p.upper - p.mean) / p.sd;
        for (const double u : {0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99}) {
            const double x = prior_quantile(p, u);
            REQUIRE(x >= p.lower);
            REQUIRE(x <= p.upper);
            const double z = (x - p.mean) / p.sd;
            const double cdf = (upper_tail(za) - upper_tail(z)) / (upper_tail(za) - upper_tail(zb));
            CHECK(cdf == Approx(u).epsilon(1e-9));
        }
    }
    // The median of N(2, 3^2) truncated to [1, 10] lies above the untruncated median.
    CHECK(prior_quantile(a, 0.5) > 2);
}

TEST_CASE("beta quantiles against closed forms", "[analysis][priors]") {
    auto b = make(PriorKind::Beta, 10, 20);
    b.alpha = 2;
    b.beta = 2;
    CHECK(prior_quantile(b, 0) == 10);
    CHECK(prior_quantile(b, 0.5) == Approx(15.0).epsilon(1e-14)); // symmetric
    CHECK(prior_quantile(b, 1) == 20);
    b.alpha = 1;
    b.beta = 1; // uniform
    CHECK(prior_quantile(b, 0.3) == Approx(13.0).epsilon(1e-13));
    b.alpha = 2;
    b.beta = 1; // CDF y^2 on [0, 1]: quantile sqrt(u)
    CHECK(prior_quantile(b, 0.25) == Approx(10 + 10 * 0.5).epsilon(1e-13));
    b.alpha = 1;
    b.beta = 2; // CDF 1 - (1 - y)^2: quantile 1 - sqrt(1 - u)
    CHECK(prior_quantile(b, 0.75) == Approx(10 + 10 * 0.5).epsilon(1e-13));
}

TEST_CASE("every prior's quantile is non-decreasing and within its bounds", "[analysis][priors]") {
    std::vector<Prior> priors = {make(PriorKind::Uniform, -3, 5),
                                 make(PriorKind::LogUniform, 0.01, 100),
                                 make(PriorKind::Triangular, 0, 10), make(PriorKind::Normal, 0, 1),
                                 make(PriorKind::Beta, 1, 3)};
    priors[2].mode = 7;
    priors[3].mean = 0.2;
    priors[3].sd = 0.1;
    priors[4].alpha = 0.5;
    priors[4].beta = 3;
    for (const auto& p : priors) {
        double previous = p.lower;
        for (int i = 0; i <= 1000; ++i) {
            const double x = prior_quantile(p, i / 1000.0);
            REQUIRE(x >= previous);
            REQUIRE(x <= p.upper);
            previous = x;
        }
        CHECK(prior_quantile(p, 0) == p.lower);
        CHECK(prior_quantile(p, 1) == p.upper);
    }
    const auto values = prior_values({{0.0, 0.5}, {1.0, 0.25}}, {priors[0], priors[1]});
    REQUIRE(values.size() == 2);
    CHECK(values[0][0] == -3);
    CHECK(values[0][1] == Approx(1.0).epsilon(1e-14));
    CHECK(values[1][0] == 5);
    CHECK(values[1][1] == Approx(0.1).epsilon(1e-14));
    CHECK_THROWS_AS(prior_values({{0.5}}, {priors[0], priors[1]}), std::invalid_argument);
}

TEST_CASE("malformed priors and probabilities are refused", "[analysis][priors]") {
    CHECK_THROWS_AS(prior_quantile(make(PriorKind::Uniform, 1, 1), 0.5), std::invalid_argument);
    CHECK_THROWS_AS(prior_quantile(make(PriorKind::LogUniform, 0, 1), 0.5), std::invalid_argument);
    auto t = make(PriorKind::Triangular, 0, 1);
    t.mode = 2;
    CHECK_THROWS_AS(prior_quantile(t, 0.5), std::invalid_argument);
    auto n = make(PriorKind::Normal, 0, 1);
    n.sd = 0;
    CHECK_THROWS_AS(prior_quantile(n, 0.5), std::invalid_argument);
    auto b = make(PriorKind::Beta, 0, 1);
    b.alpha = 0;
    CHECK_THROWS_AS(prior_quantile(b, 0.5), std::invalid_argument);
    CHECK_THROWS_AS(prior_quantile(make(PriorKind::Uniform, 0, 1), 1.5), std::invalid_argument);
    CHECK_THROWS_AS(prior_quantile(make(PriorKind::Uniform, 0, 1), std::nan("")),
                    std::invalid_argument);
    CHECK(std::string(prior_kind_name(PriorKind::LogUniform)) == "log-uniform");
}
