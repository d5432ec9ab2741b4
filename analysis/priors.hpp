#pragma once
// Prior distributions of uncertain scenario parameters, and the map from the unit interval to a
// parameter's value (the inverse cumulative distribution function, "quantile"). Every design in
// analysis/designs.hpp lives in the unit hypercube; prior_quantile turns a design coordinate u
// into the parameter's value, so a Latin hypercube in u is a Latin hypercube in the prior's
// probability (McKay, Beckman & Conover 1979, Technometrics 21:239).
//
// The kinds, all on [lower, upper] (finite, lower < upper):
//   Uniform      x = lower + u (upper - lower)
//   LogUniform   x = exp(log lower + u (log upper - log lower)), lower > 0; median sqrt(lower
//   upper) Triangular   lower <= mode <= upper; with F_c = (mode - lower) / (upper - lower),
//                x = lower + sqrt(u (upper - lower)(mode - lower))       for u <  F_c,
//                x = upper - sqrt((1 - u)(upper - lower)(upper - mode))  for u >= F_c
//   Normal       N(mean, sd^2) truncated to [lower, upper], sd > 0:
//                x = mean + sd Phi^-1(Phi(a) + u (Phi(b) - Phi(a))), a, b the standardised bounds;
//                computed in the upper tail's complement when both bounds lie above the mean, so
//                that a truncation far in a tail keeps its precision
//   Beta         Beta(alpha, beta) scaled to [lower, upper], alpha, beta > 0:
//                x = lower + (upper - lower) I^-1_u(alpha, beta), the inverse regularised
//                incomplete beta function
// Phi^-1 and I^-1 come from Boost.Math (header-only, part of libboost-dev). u = 0 gives lower and
// u = 1 gives upper for every kind.
//
// The calibration (analysis/abc.hpp, models/calibration.*) uses the same PriorKind; ABC-SMC
// accepts only its Uniform and LogUniform kinds.
#include <cstdint>
#include <string>
#include <vector>

namespace govsim::analysis {

enum class PriorKind : std::uint8_t {
    Uniform,
    LogUniform,
    Triangular,
    Normal, ///< truncated to [lower, upper]
    Beta    ///< scaled to [lower, upper]
};

/// A prior: its kind, its bounds, and the fields the kind uses (mode: Triangular; mean and sd:
/// Normal; alpha and beta: Beta). Fields a kind does not use are ignored.
struct Prior {
    PriorKind kind = PriorKind::Uniform;
    double lower = 0, upper = 1, mode = 0, mean = 0, sd = 1, alpha = 1, beta = 1;
};

/// The kind's name as written in scenario files: "uniform", "log-uniform", "triangular",
/// "normal", "beta".
[[nodiscard]] const char* prior_kind_name(PriorKind kind);

/// Throws std::invalid_argument (naming the field and what it needs) unless the prior is
/// well-formed: finite lower < upper; lower > 0 for LogUniform; lower <= mode <= upper for
/// Triangular; finite mean and sd > 0 for Normal; alpha, beta > 0 for Beta.
void check_prior(const Prior& prior);

/// The parameter's value at probability u in [0, 1] (the inverse CDF; formulas above).
/// Non-decreasing in u; always within [lower, upper]. Throws std::invalid_argument for a
/// malformed prior (check_prior) or u outside [0, 1] (or NaN).
[[nodiscard]] double prior_quantile(const Prior& prior, double u);

/// Maps every row of a unit-cube design (one column per prior, values in [0, 1]) to parameter
/// values: out[r][c] = prior_quantile(priors[c], points[r][c]). Throws std::invalid_argument if
/// a row's length differs from priors.size().
[[nodiscard]] std::vector<std::vector<double>>
prior_values(const std::vector<std::vector<double>>& points, const std::vector<Prior>& priors);

} // namespace govsim::analysis
