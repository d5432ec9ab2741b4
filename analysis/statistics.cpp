#include "analysis/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cassert>
#include <cmath>
#include <iterator>
#include <limits>

namespace govsim::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Neumaier's compensated sum: accurate to about one rounding of the true sum, in input order.
class CompensatedSum {
public:
    void add(double x) {
        const double t = sum_ + x;
        if (std::abs(sum_) >= std::abs(x))
            comp_ += (sum_ - t) + x;
        else
            comp_ += (x - t) + sum_;
        sum_ = t;
    }
    [[nodiscard]] double value() const { return sum_ + comp_; }

private:
    double sum_ = 0.0;
    double comp_ = 0.0;
};

bool valid_probability(double p) {
    return p >= 0.0 && p <= 1.0;
} // false for NaN

/// Type-7 quantile of n >= 1 sorted, NaN-free values.
double interpolate_sorted(std::span<const double> x, double p) {
    assert(!x.empty());
    const double h = static_cast<double>(x.size() - 1) * p;
    const double lo = std::floor(h);
    const auto i = static_cast<std::size_t>(lo);
    if (i + 1 >= x.size())
        return x[x.size() - 1];
    const double frac = h - lo;
    if (frac == 0.0)
        return x[i]; // exact order statistic, also when neighbours are infinite
    return x[i] + frac * (x[i + 1] - x[i]);
}

} // namespace

std::size_t count_valid(std::span<const double> values) {
    return static_cast<std::size_t>(
        std::count_if(values.begin(), values.end(), [](double v) { return !std::isnan(v); }));
}

double mean(std::span<const double> values) {
    CompensatedSum sum;
    std::size_t n = 0;
    for (const double v : values) {
        if (std::isnan(v))
            continue;
        sum.add(v);
        ++n;
    }
    return n == 0 ? kNaN : sum.value() / static_cast<double>(n);
}

double sample_sd(std::span<const double> values) {
    const std::size_t n = count_valid(values);
    if (n < 2)
        return kNaN;
    const double m = mean(values);
    CompensatedSum squares;
    for (const double v : values) {
        if (std::isnan(v))
            continue;
        const double d = v - m;
        squares.add(d * d);
    }
    return std::sqrt(squares.value() / static_cast<double>(n - 1));
}

double quantile(std::span<const double> values, double p) {
    if (!valid_probability(p))
        return kNaN;
    std::vector<double> copy;
    copy.reserve(values.size());
    std::copy_if(values.begin(), values.end(), std::back_inserter(copy),
                 [](double v) { return !std::isnan(v); });
    if (copy.empty())
        return kNaN;
    std::sort(copy.begin(), copy.end());
    return interpolate_sorted(copy, p);
}

double quantile_sorted(std::span<const double> sorted, double p) {
    if (!valid_probability(p))
        return kNaN;
    std::size_t first = 0;
    std::size_t last = sorted.size();
    while (first < last && std::isnan(sorted[first]))
        ++first;
    while (last > first && std::isnan(sorted[last - 1]))
        --last;
    if (first == last)
        return kNaN;
    const auto finite = sorted.subspan(first, last - first);
    assert(std::is_sorted(finite.begin(), finite.end()));
    assert(std::none_of(finite.begin(), finite.end(), [](double v) { return std::isnan(v); }));
    return interpolate_sorted(finite, p);
}

double student_t_quantile(double p, double dof) {
    if (!(p > 0.0 && p < 1.0) || !(dof > 0.0))
        return kNaN;
    const boost::math::students_t_distribution<double> t(dof);
    return boost::math::quantile(t, p);
}

Interval mean_ci(std::span<const double> values, double level) {
    const std::size_t n = count_valid(values);
    const double m = mean(values);
    if (n < 2 || !(level > 0.0 && level < 1.0))
        return {m, kNaN, kNaN, n};
    const double se = sample_sd(values) / std::sqrt(static_cast<double>(n));
    const double half = student_t_quantile(0.5 * (1.0 + level), static_cast<double>(n - 1)) * se;
    return {m, m - half, m + half, n};
}

std::vector<double> batch_means(std::span<const double> series, std::size_t batches) {
    std::vector<double> means;
    const std::size_t n = count_valid(series);
    if (batches == 0 || n < batches)
        return means;
    const std::size_t size = n / batches;
    means.reserve(batches);
    CompensatedSum sum;
    std::size_t in_batch = 0;
    for (const double v : series) {
        if (std::isnan(v))
            continue;
        sum.add(v);
        if (++in_batch == size) {
            means.push_back(sum.value() / static_cast<double>(size));
            if (means.size() == batches)
                break;
            sum = CompensatedSum{};
            in_batch = 0;
        }
    }
    return means;
}

Interval batch_means_ci(std::span<const double> series, std::size_t batches, double level) {
    const std::vector<double> means = batch_means(series, batches);
    if (means.size() < 2)
        return {mean(series), kNaN, kNaN, 0};
    return mean_ci(means, level);
}

} // namespace govsim::analysis
