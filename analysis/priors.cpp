#include "analysis/priors.hpp"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <stdexcept>

namespace govsim::analysis {

namespace {

[[noreturn]] void bad(const Prior& prior, const std::string& what) {
    throw std::invalid_argument(std::string(prior_kind_name(prior.kind)) + " prior: " + what);
}

double truncated_normal_quantile(const Prior& p, double u) {
    const boost::math::normal_distribution<double> standard(0.0, 1.0);
    const double a = (p.lower - p.mean) / p.sd;
    const double b = (p.upper - p.mean) / p.sd;
    double z = 0;
    if (a > 0) {
        // Both bounds above the mean: interpolate in the upper-tail probability Q = 1 - Phi,
        // which keeps its precision where Phi rounds to 1.
        const double qa = boost::math::cdf(boost::math::complement(standard, a));
        const double qb = boost::math::cdf(boost::math::complement(standard, b));
        const double q = qa - u * (qa - qb);
        if (!(qa > qb) || !(q > 0))
            return p.lower + u * (p.upper - p.lower); // mass below double precision: flat
        z = boost::math::quantile(boost::math::complement(standard, q));
    } else {
        const double pa = boost::math::cdf(standard, a);
        const double pb = boost::math::cdf(standard, b);
        const double q = pa + u * (pb - pa);
        if (!(pb > pa) || !(q > 0) || !(q < 1))
            return p.lower + u * (p.upper - p.lower);
        z = boost::math::quantile(standard, q);
    }
    return p.mean + p.sd * z;
}

} // namespace

const char* prior_kind_name(PriorKind kind) {
    switch (kind) {
    case PriorKind::Uniform:
        return "uniform";
    case PriorKind::LogUniform:
        return "log-uniform";
    case PriorKind::Triangular:
        return "triangular";
    case PriorKind::Normal:
        return "normal";
    case PriorKind::Beta:
        return "beta";
    }
    return "unknown";
}

void check_prior(const Prior& p) {
    if (p.kind != PriorKind::Uniform && p.kind != PriorKind::LogUniform &&
        p.kind != PriorKind::Triangular && p.kind != PriorKind::Normal && p.kind != PriorKind::Beta)
        throw std::invalid_argument("prior: unknown kind");
    if (!(std::isfinite(p.lower) && std::isfinite(p.upper) && p.lower < p.upper))
        bad(p, "needs finite bounds with lower < upper");
    switch (p.kind) {
    case PriorKind::Uniform:
        break;
    case PriorKind::LogUniform:
        if (!(p.lower > 0))
            bad(p, "needs lower > 0");
        break;
    case PriorKind::Triangular:
        if (!(p.mode >= p.lower && p.mode <= p.upper))
            bad(p, "needs lower <= mode <= upper");
        break;
    case PriorKind::Normal:
        if (!std::isfinite(p.mean))
            bad(p, "needs a finite mean");
        if (!(std::isfinite(p.sd) && p.sd > 0))
            bad(p, "needs a finite sd > 0");
        break;
    case PriorKind::Beta:
        if (!(std::isfinite(p.alpha) && p.alpha > 0 && std::isfinite(p.beta) && p.beta > 0))
            bad(p, "needs finite alpha > 0 and beta > 0");
        break;
    }
}

double prior_quantile(const Prior& p, double u) {
    check_prior(p);
    if (!(u >= 0 && u <= 1))
        bad(p, "probability outside [0, 1]");
    if (u == 0)
        return p.lower;
    if (u == 1)
        return p.upper;
    const double width = p.upper - p.lower;
    double x = 0;
    switch (p.kind) {
    case PriorKind::Uniform:
        x = p.lower + u * width;
        break;
    case PriorKind::LogUniform: {
        const double lo = std::log(p.lower);
        x = std::exp(lo + u * (std::log(p.upper) - lo));
        break;
    }
    case PriorKind::Triangular: {
        const double fc = (p.mode - p.lower) / width;
        x = u < fc ? p.lower + std::sqrt(u * width * (p.mode - p.lower))
                   : p.upper - std::sqrt((1 - u) * width * (p.upper - p.mode));
        break;
    }
    case PriorKind::Normal:
        x = truncated_normal_quantile(p, u);
        break;
    case PriorKind::Beta:
        x = p.lower + width * boost::math::quantile(
                                  boost::math::beta_distribution<double>(p.alpha, p.beta), u);
        break;
    }
    return std::clamp(x, p.lower, p.upper); // rounding must not leave the bounds
}

std::vector<std::vector<double>> prior_values(const std::vector<std::vector<double>>& points,
                                              const std::vector<Prior>& priors) {
    for (const auto& prior : priors)
        check_prior(prior);
    std::vector<std::vector<double>> out;
    out.reserve(points.size());
    for (const auto& row : points) {
        if (row.size() != priors.size())
            throw std::invalid_argument("prior_values: a design row has " +
                                        std::to_string(row.size()) + " coordinates for " +
                                        std::to_string(priors.size()) + " priors");
        std::vector<double> values(row.size());
        for (std::size_t c = 0; c < row.size(); ++c)
            values[c] = prior_quantile(priors[c], row[c]);
        out.push_back(std::move(values));
    }
    return out;
}

} // namespace govsim::analysis
