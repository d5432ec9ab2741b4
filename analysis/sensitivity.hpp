#pragma once
// Global sensitivity indices of a model output over a unit-cube design (analysis/designs.hpp).
// The functions take the design and the output at each of its points (for a stochastic model,
// e.g. the mean over replicates), so simulated outputs and analytic test functions go through
// the same code.
//
// Sobol indices (Sobol 1993; Saltelli et al. 2010, "Variance based sensitivity analysis of model
// output. Design and estimator for the total sensitivity index", Comput. Phys. Commun.
// 181:259-270, Table 2). With f_A, f_B and f_ABi the outputs on rows j = 1..N of the blocks A, B
// and A_B^(i) of a Saltelli design, and V the variance (denominator 2N) of the 2N outputs of A
// and B:
//   first order  S_i  = (1/N) sum_j f_B,j (f_ABi,j - f_A,j) / V          (Saltelli et al. 2010)
//   total order  ST_i = (1/(2N)) sum_j (f_A,j - f_ABi,j)^2 / V          (Jansen 1999, Comput.
//                                                   Phys. Commun. 117:35-43)
// The interval is a percentile bootstrap: `resamples` times, N base rows are drawn with
// replacement (row j carries its A, B and every A_B^(i) output together) and the indices are
// recomputed; the bounds are the (1 - confidence)/2 and (1 + confidence)/2 quantiles (type 7) of
// the resampled indices (Archer, Saltelli & Sobol 1997, J. Stat. Comput. Simul. 58:99-120). The
// estimate is the index on all N rows. Sampling error can make an estimate slightly negative or
// above 1; it is reported as computed.
//
// Morris elementary effects (Morris 1991, Technometrics 33:161-174; mu* from Campolongo,
// Cariboni & Saltelli 2007, Environ. Model. Softw. 22:1509-1518). Along each trajectory, the step
// that moves factor i from x to x + d (d = +-Delta) gives the elementary effect
// EE_i = (f(x + d e_i) - f(x)) / d, in unit-cube coordinates (for a parameter spanning a range R
// uniformly, the effect per unit of the parameter is EE_i / R). Over the r trajectories:
//   mu_i = mean EE_i,  mu*_i = mean |EE_i|,  sigma_i = sample standard deviation of EE_i
//   (denominator r - 1; NaN for r = 1).
// mu*_i's interval is a percentile bootstrap over trajectories, as above.
//
// Bootstrap resample b draws from its own keyed sim::Stream (seed, b), so results are
// deterministic. Outputs that are not finite (a metric a run did not produce) make every index
// NaN, as does an output variance of 0; so does resamples == 0 for the interval bounds.
#include "analysis/designs.hpp"
#include "analysis/statistics.hpp" // Interval

#include <cstddef>
#include <cstdint>
#include <vector>

namespace govsim::analysis {

/// Per factor, with Interval::n the number of base rows.
struct SobolIndices {
    std::vector<Interval> first, total;
};

/// Sobol first-order (Saltelli 2010) and total-order (Jansen 1999) indices with percentile
/// bootstrap intervals (above). outputs[j] is the output at design.points[j]. Throws
/// std::invalid_argument if outputs.size() != design.points.size() or the design's shape is
/// inconsistent, or confidence is not in (0, 1).
[[nodiscard]] SobolIndices sobol_indices(const SaltelliDesign& design,
                                         const std::vector<double>& outputs, std::size_t resamples,
                                         double confidence, std::uint64_t seed);

/// Per factor; elementary effects in unit-cube coordinates; mu_star_interval's n is the number
/// of trajectories.
struct MorrisEffects {
    std::vector<double> mu, mu_star, sigma;
    std::vector<Interval> mu_star_interval;
};

/// Morris mu, mu* and sigma with a percentile bootstrap interval for mu* (above). outputs[j] is
/// the output at design.points[j]. Throws std::invalid_argument if outputs.size() !=
/// design.points.size(), the design's shape is inconsistent, a trajectory's consecutive rows do
/// not differ in exactly one coordinate, or confidence is not in (0, 1).
[[nodiscard]] MorrisEffects morris_effects(const MorrisDesign& design,
                                           const std::vector<double>& outputs,
                                           std::size_t resamples, double confidence,
                                           std::uint64_t seed);

} // namespace govsim::analysis
