#pragma once
// Experimental designs in the unit hypercube (declarations of the sensitivity branch's library;
// reconciled when both branches are merged).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace govsim::analysis {
// analysis/designs.hpp — every design is in the unit hypercube: rows = points, columns = factors,
// values in [0,1]
using UnitPoints = std::vector<std::vector<double>>;
UnitPoints latin_hypercube(std::size_t points, std::size_t factors, std::uint64_t seed);
struct SaltelliDesign {
    std::size_t base = 0, factors = 0;
    UnitPoints points;
}; // base*(factors+2) rows: block A, block B, then A_B^(1)..A_B^(k)
SaltelliDesign saltelli_design(std::size_t base, std::size_t factors, std::uint64_t seed);
struct MorrisDesign {
    std::size_t trajectories = 0, factors = 0, levels = 0;
    UnitPoints points;
}; // trajectories*(factors+1) rows
MorrisDesign morris_design(std::size_t trajectories, std::size_t factors, std::size_t levels,
                           std::uint64_t seed);
std::vector<std::vector<std::size_t>>
full_factorial(const std::vector<std::size_t>& levels); // level indices, last factor fastest
} // namespace govsim::analysis
