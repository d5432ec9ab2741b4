#pragma once
// The month's pass over a compound's units (docs/ODD.md §7.9): satisfaction drifts toward the
// service quality, owners pay their fee or not, and the role sums that the onset weights and
// the monthly rows need. Four units at a time, in two compiled forms: one for the baseline
// x86-64 target (SSE2, in GCC/Clang vector types) and one for AVX2 (its intrinsics), chosen at
// run time. Both compute each unit exactly as the scalar formula does (no fused multiply-add)
// and take the sums in the same four lanes in the same order, so every machine gets the same
// bits (a test checks the two forms against each other and against a one-by-one reference).
#include "models/agents/units.hpp"

#include <cstdint>

namespace govsim::models::month_pass {

/// Sums over a compound's occupied units.
struct OccupiedSums {
    double collected = 0;      ///< units whose owner pays
    double resident_sat = 0;   ///< satisfaction of owner-occupiers
    double let_owner_sat = 0;  ///< satisfaction of the owners of let units
    double resident_trust = 0; ///< trust of owner-occupiers
    double tenant_sat = 0;     ///< satisfaction of tenant households
    double tenant_trust = 0;   ///< trust of tenant households
    double tenants = 0;        ///< let units
    bool operator==(const OccupiedSums&) const = default;
};

/// Sums over a compound's empty units.
struct EmptySums {
    double sat = 0;    ///< owners' satisfaction
    double paying = 0; ///< owners who pay
    bool operator==(const EmptySums&) const = default;
};

/// A compound's month: a unit's satisfaction becomes float(keep * s + dq); an owner pays while
/// s >= threshold + shift (+ absent_shift for an owner who does not live there).
struct MonthTerms {
    double keep = 1, dq = 0, shift = 0, absent_shift = 0;
};

/// The two compiled forms.
enum class Isa : std::uint8_t { Baseline, Avx2 };
/// Whether this build and processor have the AVX2 form (then it is the one used).
[[nodiscard]] bool has_avx2();

/// Occupied units [b, e): drift for owners and, of let units, tenants; fees; sums.
[[nodiscard]] OccupiedSums occupied(Units& u, std::uint32_t b, std::uint32_t e,
                                    const MonthTerms& t);
/// Empty units [b, e): drift for their (absent) owners; fees; sums.
[[nodiscard]] EmptySums empty(Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& t);

/// The same with a given form (for tests; Isa::Avx2 throws std::logic_error without it).
[[nodiscard]] OccupiedSums occupied(Isa isa, Units& u, std::uint32_t b, std::uint32_t e,
                                    const MonthTerms& t);
[[nodiscard]] EmptySums empty(Isa isa, Units& u, std::uint32_t b, std::uint32_t e,
                              const MonthTerms& t);

} // namespace govsim::models::month_pass
