#pragma once
// Experimental designs for sweeps and sensitivity studies. Every design lives in the unit
// hypercube: rows are points, columns are factors, values in [0, 1]; prior_quantile
// (analysis/priors.hpp) maps a coordinate to the parameter's value. Deterministic: the same
// arguments and seed give the same design, bit for bit; every draw comes from keyed sim::Stream
// objects (SplitMix64), so no design depends on the thread or process that builds it.
//
// - Latin hypercube (McKay, Beckman & Conover 1979, Technometrics 21:239-245): n points; in every
//   column each of the n strata [i/n, (i+1)/n) holds exactly one point, at a uniform position
//   inside its stratum; the columns' stratum orders are independent random permutations.
// - Saltelli design (Saltelli 2002, Comput. Phys. Commun. 145:280; Saltelli et al. 2010, Comput.
//   Phys. Commun. 181:259-270): two independent N x k matrices A and B, then for each factor i
//   the matrix A_B^(i), equal to A except for column i, taken from B. N (k + 2) rows in the
//   order A, B, A_B^(1), ..., A_B^(k). A and B are the two halves of one N x 2k Latin hypercube
//   (the "equivalent estimator design" of a random/LHS base instead of a quasi-random Sobol
//   sequence: the estimators are the same, their error decreases as N^-1/2 instead of nearly
//   N^-1).
// - Morris trajectories (Morris 1991, Technometrics 33:161-174; Campolongo, Cariboni & Saltelli
//   2007, Environ. Model. Softw. 22:1509-1518): on the p-level grid {0, 1/(p-1), ..., 1} (p
//   even), with Delta = p / (2 (p-1)), a trajectory is k + 1 points: a random start, then each
//   factor in a random order moved once by +Delta or -Delta (the direction random per factor and
//   trajectory), so consecutive points differ in exactly one factor. The start is drawn as
//   Morris's base point x* (each coordinate uniform on the levels {0, ..., 1 - Delta}) moved by
//   +Delta in the factors that will step down, which is Morris's randomised orientation matrix
//   B* = (J x* + (Delta/2)((2B - J) D* + J)) P* written point by point.
// - Full factorial: every combination of level indices, the last factor varying fastest.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace govsim::analysis {

/// Rows = points, columns = factors, values in [0, 1].
using UnitPoints = std::vector<std::vector<double>>;

/// A Latin hypercube of `points` rows and `factors` columns (above). Empty if points == 0.
[[nodiscard]] UnitPoints latin_hypercube(std::size_t points, std::size_t factors,
                                         std::uint64_t seed);

/// base * (factors + 2) rows: block A (rows 0..base-1), block B, then A_B^(1)..A_B^(k), block
/// A_B^(i) (0-based i) starting at row base * (2 + i).
struct SaltelliDesign {
    std::size_t base = 0, factors = 0;
    UnitPoints points;
};

/// The Saltelli design (above). Throws std::invalid_argument if base < 2 or factors == 0.
[[nodiscard]] SaltelliDesign saltelli_design(std::size_t base, std::size_t factors,
                                             std::uint64_t seed);

/// trajectories * (factors + 1) rows, trajectory t in rows t (k+1) .. t (k+1) + k; consecutive
/// rows of a trajectory differ in exactly one factor by +-Delta, Delta = levels / (2 (levels-1)).
struct MorrisDesign {
    std::size_t trajectories = 0, factors = 0, levels = 0;
    UnitPoints points;
};

/// Morris trajectories (above). Throws std::invalid_argument if trajectories == 0, factors == 0,
/// or levels is odd or below 2 (Delta is on the grid only for an even number of levels).
[[nodiscard]] MorrisDesign morris_design(std::size_t trajectories, std::size_t factors,
                                         std::size_t levels, std::uint64_t seed);

/// Morris's step for p levels: p / (2 (p - 1)).
[[nodiscard]] double morris_delta(std::size_t levels);

/// Every combination of level indices (row r, factor f: an index in [0, levels[f])), the last
/// factor varying fastest; prod(levels) rows (none if a factor has 0 levels; one empty row for
/// no factors).
[[nodiscard]] std::vector<std::vector<std::size_t>>
full_factorial(const std::vector<std::size_t>& levels);

/// The unit coordinate of level index i of n levels: i / (n - 1), or 0.5 for a single level.
[[nodiscard]] double level_coordinate(std::size_t index, std::size_t levels);

} // namespace govsim::analysis
