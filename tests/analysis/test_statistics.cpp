// Statistics over results and the analytic queueing formulas. Reference values come from numpy
// (mean, std with ddof=1, quantile with the default "linear" method), from closed forms, or are
// worked by hand in the comments. (scipy 1.10's t.ppf is off by ~1e-11 relative, so it is not
// used as a reference for Student's t: the closed forms below are exact.)
#include "analysis/queueing.hpp"
#include "analysis/statistics.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace govsim::analysis;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::vector<double> kData = {3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0};
} // namespace

TEST_CASE("mean and sample standard deviation match numpy", "[analysis][statistics]") {
    CHECK(mean(kData) == Approx(3.875).epsilon(1e-15));
    CHECK(sample_sd(kData) == Approx(2.748376143938713).epsilon(1e-14));
    CHECK(mean(std::vector<double>{7.0}) == 7.0);
}

TEST_CASE("statistics skip NaN values and are NaN when too few values remain",
          "[analysis][statistics]") {
    std::vector<double> with_nan = kData;
    with_nan.insert(with_nan.begin() + 3, kNaN);
    with_nan.push_back(kNaN);
    CHECK(count_valid(with_nan) == kData.size());
    CHECK(mean(with_nan) == mean(kData));
    CHECK(sample_sd(with_nan) == sample_sd(kData));
    CHECK(quantile(with_nan, 0.25) == quantile(kData, 0.25));

    const std::vector<double> empty;
    const std::vector<double> only_nan = {kNaN, kNaN};
    const std::vector<double> one = {2.0, kNaN};
    CHECK(std::isnan(mean(empty)));
    CHECK(std::isnan(mean(only_nan)));
    CHECK(std::isnan(sample_sd(one)));
    CHECK(std::isnan(quantile(empty, 0.5)));
    CHECK(std::isnan(quantile(only_nan, 0.5)));
    CHECK(quantile(one, 0.9) == 2.0);

    const auto ci = mean_ci(one);
    CHECK(ci.estimate == 2.0);
    CHECK(ci.n == 1);
    CHECK(std::isnan(ci.lower));
    CHECK(std::isnan(ci.upper));
    CHECK(std::isnan(mean_ci(empty).estimate));
}

TEST_CASE("mean is accurate for long series with a large offset", "[analysis][statistics]") {
    // 1e6 values alternating 1e8 + 0.1 and 1e8 + 0.3: naive summation loses the decimals.
    std::vector<double> x(1'000'000);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = 1e8 + (i % 2 == 0 ? 0.1 : 0.3);
    CHECK(mean(x) == Approx(1e8 + 0.2).epsilon(1e-15));
    CHECK(sample_sd(x) == Approx(0.1).epsilon(1e-6));
}

TEST_CASE("quantile interpolates linearly between order statistics like numpy",
          "[analysis][statistics]") {
    const std::vector<std::pair<double, double>> expected = {
        {0.0, 1.0}, {0.1, 1.0}, {0.25, 1.75}, {0.5, 3.5}, {0.9, 6.9}, {0.95, 7.95}, {1.0, 9.0}};
    for (const auto& [p, q] : expected) {
        INFO("p = " << p);
        CHECK(quantile(kData, p) == Approx(q).epsilon(1e-14));
    }
    CHECK(quantile(std::vector<double>{4.0}, 0.3) == 4.0);
}

TEST_CASE("quantile leaves its input untouched, quantile_sorted agrees on sorted data",
          "[analysis][statistics]") {
    std::vector<double> x = kData;
    (void)quantile(x, 0.5);
    CHECK(x == kData);

    std::vector<double> sorted = kData;
    std::sort(sorted.begin(), sorted.end());
    for (const double p : {0.0, 0.1, 0.25, 0.5, 0.77, 1.0})
        CHECK(quantile_sorted(sorted, p) == quantile(kData, p));

    // NaNs at the ends of sorted data are skipped.
    std::vector<double> padded = {kNaN};
    padded.insert(padded.end(), sorted.begin(), sorted.end());
    padded.push_back(kNaN);
    CHECK(quantile_sorted(padded, 0.25) == quantile(kData, 0.25));
}

TEST_CASE("quantile of a probability outside the unit interval is NaN", "[analysis][statistics]") {
    CHECK(std::isnan(quantile(kData, -0.1)));
    CHECK(std::isnan(quantile(kData, 1.1)));
    CHECK(std::isnan(quantile(kData, kNaN)));
}

namespace {
// Closed forms of Student's t quantile for 1, 2 and 4 degrees of freedom (Hill 1970).
double t1(double p) {
    return std::tan(M_PI * (p - 0.5));
}
double t2(double p) {
    return (2.0 * p - 1.0) / std::sqrt(2.0 * p * (1.0 - p));
}
double t4(double p) {
    const double a = 4.0 * p * (1.0 - p);
    const double q = std::cos(std::acos(std::sqrt(a)) / 3.0) / std::sqrt(a);
    return (p < 0.5 ? -2.0 : 2.0) * std::sqrt(q - 1.0);
}
} // namespace

TEST_CASE("Student t quantiles match closed forms and tables", "[analysis][statistics]") {
    for (const double p : {0.005, 0.05, 0.3, 0.6, 0.975, 0.995}) {
        INFO("p = " << p);
        CHECK(student_t_quantile(p, 1) == Approx(t1(p)).epsilon(1e-13));
        CHECK(student_t_quantile(p, 2) == Approx(t2(p)).epsilon(1e-13));
        CHECK(student_t_quantile(p, 4) == Approx(t4(p)).epsilon(1e-13));
    }
    CHECK(student_t_quantile(0.5, 7) == Approx(0.0).margin(1e-15));
    // Printed tables (six significant figures).
    CHECK(student_t_quantile(0.975, 10) == Approx(2.22814).epsilon(2e-6));
    CHECK(student_t_quantile(0.975, 29) == Approx(2.04523).epsilon(2e-6));
    CHECK(student_t_quantile(0.95, 3) == Approx(2.35336).epsilon(2e-6));
    // Many degrees of freedom: the normal quantile plus the Cornish-Fisher term (z^3 + z)/(4 nu).
    const double z = 1.959963984540054;
    CHECK(student_t_quantile(0.975, 1e7) == Approx(z + (z * z * z + z) / 4e7).epsilon(1e-12));
    CHECK(std::isnan(student_t_quantile(1.0, 5)));
    CHECK(std::isnan(student_t_quantile(0.0, 5)));
    CHECK(std::isnan(student_t_quantile(0.5, 0)));
    CHECK(std::isnan(student_t_quantile(kNaN, 5)));
}

TEST_CASE("95% confidence interval for a mean uses Student's t", "[analysis][statistics]") {
    // 1..5: mean 3, s = sqrt(2.5), SE = sqrt(0.5), 4 degrees of freedom (R's t.test(1:5) gives
    // 1.036757 .. 4.963243).
    const auto ci = mean_ci(std::vector<double>{1, 2, 3, 4, 5});
    const double half = t4(0.975) * std::sqrt(0.5);
    CHECK(ci.n == 5);
    CHECK(ci.estimate == Approx(3.0));
    CHECK(ci.lower == Approx(3.0 - half).epsilon(1e-13));
    CHECK(ci.upper == Approx(3.0 + half).epsilon(1e-13));
    CHECK(ci.lower == Approx(1.036757).epsilon(1e-6));
    CHECK(ci.contains(3.0));
    CHECK_FALSE(ci.contains(5.0));
    // A higher level gives a wider interval around the same estimate.
    const auto wide = mean_ci(kData, 0.99);
    const auto usual = mean_ci(kData);
    CHECK(wide.half_width() > usual.half_width());
    CHECK(wide.estimate == usual.estimate);
}

TEST_CASE("batch means cut a series into equal consecutive batches", "[analysis][statistics]") {
    // 0..10 with a NaN: the 11 valid values form 3 batches of 3; the last two are dropped.
    std::vector<double> x = {0, 1, 2, kNaN, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(batch_means(x, 3) == std::vector<double>{1.0, 4.0, 7.0});
    CHECK(batch_means(x, 0).empty());
    CHECK(batch_means(x, 12).empty());

    const auto ci = batch_means_ci(x, 3);
    const auto direct = mean_ci(std::vector<double>{1.0, 4.0, 7.0});
    CHECK(ci.n == 3);
    CHECK(ci.estimate == direct.estimate);
    CHECK(ci.lower == direct.lower);
    CHECK(ci.upper == direct.upper);
    CHECK(std::isnan(batch_means_ci(x, 1).lower));
}

TEST_CASE("Erlang B and C agree with hand-worked values", "[analysis][queueing]") {
    // One server: B = a / (1 + a); C = rho.
    CHECK(erlang_b(1, 0.7) == Approx(0.7 / 1.7));
    CHECK(erlang_c(1, 0.7) == Approx(0.7));
    // Two servers, a = 1: B = (1/2) / (1 + 1 + 1/2) = 0.2; C = 2 * 0.2 / (2 - 0.8) = 1/3.
    CHECK(erlang_b(2, 1.0) == Approx(0.2));
    CHECK(erlang_c(2, 1.0) == Approx(1.0 / 3.0));
    CHECK(erlang_b(0, 3.0) == 1.0);
    CHECK(erlang_b(5, 0.0) == 0.0);
}

TEST_CASE("Erlang C equals the textbook sum formula", "[analysis][queueing]") {
    // C(c, a) = [a^c / c! * c / (c - a)] / [sum_{k<c} a^k / k! + a^c / c! * c / (c - a)]
    for (const auto& [c, a] :
         std::vector<std::pair<std::uint32_t, double>>{{1, 0.5}, {3, 2.4}, {10, 8.0}, {25, 24.5}}) {
        double term = 1.0; // a^k / k!
        double sum = 0.0;
        for (std::uint32_t k = 0; k < c; ++k) {
            sum += term;
            term *= a / (k + 1);
        }
        const double tail = term * c / (c - a);
        INFO("c = " << c << ", a = " << a);
        CHECK(erlang_c(c, a) == Approx(tail / (sum + tail)).epsilon(1e-12));
    }
}

TEST_CASE("Erlang C stays finite and within the unit interval for thousands of servers",
          "[analysis][queueing]") {
    // a^c / c! overflows a double long before c = 2000; the recursion does not.
    const double cb = erlang_c(2000, 1950.0);
    CHECK(std::isfinite(cb));
    CHECK(cb > 0.0);
    CHECK(cb < 1.0);
    // More servers at the same load: less waiting.
    CHECK(erlang_c(2001, 1950.0) < cb);
}

TEST_CASE("M/M/c mean wait in queue follows Wq = C / (c mu - lambda)", "[analysis][queueing]") {
    // M/M/1: Wq = rho / (mu - lambda).
    CHECK(mmc_mean_wait(1, 0.7, 1.0) == Approx(0.7 / 0.3));
    CHECK(mmc_mean_wait(1, 1.4, 2.0) == Approx(0.7 / 0.6));
    // M/M/2, lambda = 1, mu = 1: C = 1/3, Wq = (1/3) / (2 - 1).
    CHECK(mmc_mean_wait(2, 1.0, 1.0) == Approx(1.0 / 3.0));
    CHECK(mmc_mean_queue_length(2, 1.0, 1.0) == Approx(1.0 / 3.0));
    CHECK(mmc_utilisation(3, 2.4, 1.0) == Approx(0.8));
}
