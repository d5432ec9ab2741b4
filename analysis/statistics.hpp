#pragma once
// Descriptive statistics over results: means, spreads, quantiles and confidence intervals for a
// mean across replicates (Student's t) or along one long correlated run (batch means).
//
// NaN convention, shared by every function here: NaN inputs are skipped (a replicate that did not
// produce a value is left out, not counted as zero), and a statistic with too few remaining values
// is NaN (mean and quantile need 1 value, standard deviation and intervals need 2). Infinities are
// ordinary values and propagate. Sums are taken in input order with compensated (Neumaier)
// summation, so results are deterministic and accurate for long series.
#include <cstddef>
#include <span>
#include <vector>

namespace govsim::analysis {

/// A point estimate with a two-sided confidence interval, and the number of values it rests on
/// (finite replicates, or batches for batch means).
struct Interval {
    double estimate = 0;
    double lower = 0;
    double upper = 0;
    std::size_t n = 0;

    [[nodiscard]] double half_width() const { return 0.5 * (upper - lower); }
    [[nodiscard]] bool contains(double x) const { return lower <= x && x <= upper; }
};

/// Number of non-NaN values.
[[nodiscard]] std::size_t count_valid(std::span<const double> values);

/// Arithmetic mean of the non-NaN values; NaN if there are none.
[[nodiscard]] double mean(std::span<const double> values);

/// Sample standard deviation (denominator n - 1) of the non-NaN values, computed in two passes;
/// NaN if fewer than two.
[[nodiscard]] double sample_sd(std::span<const double> values);

/// Quantile of probability p in [0, 1] with linear interpolation between order statistics
/// (Hyndman & Fan type 7; R's default and numpy's "linear"): with the n non-NaN values sorted as
/// x[0] <= ... <= x[n-1], h = (n - 1) p and Q = x[floor h] + (h - floor h)(x[floor h + 1] -
/// x[floor h]). Works on a copy; the input is left untouched. NaN if no values or p is outside
/// [0, 1] or NaN.
[[nodiscard]] double quantile(std::span<const double> values, double p);

/// As quantile(), on data already sorted ascending (no copy, no sort). NaNs may only sit at the
/// ends (where std::sort with a NaN-last comparator, or a partition, leaves them); they are
/// skipped. Non-sorted input is a programming error (checked by assert).
[[nodiscard]] double quantile_sorted(std::span<const double> sorted, double p);

/// Quantile of Student's t distribution with `dof` > 0 degrees of freedom at probability p in
/// (0, 1). Exact to double precision: computed by Boost.Math (students_t_distribution, which
/// inverts the incomplete beta function; header-only, from libboost1.74-dev, which
/// libboost-random-dev depends on). NaN for arguments outside the domain.
[[nodiscard]] double student_t_quantile(double p, double dof);

/// Confidence interval for the mean of independent values (e.g. one statistic across
/// replicates): mean +- t_{(1+level)/2, n-1} s / sqrt(n) over the n non-NaN values. With n < 2
/// the bounds are NaN (the estimate is still the mean when n == 1). `level` in (0, 1).
[[nodiscard]] Interval mean_ci(std::span<const double> values, double level = 0.95);

/// Means of consecutive batches of a series, for the batch-means method (Law & Kelton,
/// Simulation Modeling and Analysis, §9.5.3): the non-NaN values, in order, are cut into
/// `batches` batches of equal size floor(n / batches), the remainder at the end being dropped.
/// Empty if batches == 0 or there are fewer values than batches.
[[nodiscard]] std::vector<double> batch_means(std::span<const double> series, std::size_t batches);

/// Batch-means confidence interval for the mean of a stationary but autocorrelated series (e.g.
/// successive waiting times in one long run): mean_ci() of batch_means(). The batches must be
/// long compared with the series' correlation time, so that their means are nearly independent.
/// The bounds are NaN (and n is 0) unless there are at least two batches.
[[nodiscard]] Interval batch_means_ci(std::span<const double> series, std::size_t batches,
                                      double level = 0.95);

} // namespace govsim::analysis
