#pragma once
// MODEL.md §4 step 6, closure and feedback: a dispute ends resolved or abandoned, changing its
// party's satisfaction and trust; each month satisfaction moves toward the service the compound
// gets, and owners pay their fee or not by their satisfaction (docs/ODD.md §7.8-7.9).
#include "models/run_state.hpp"

namespace govsim::models::feedback {

/// Closure at time t, with feedback on the party's satisfaction and trust (and so on its onset
/// weight, fee payment and future escalation).
void close(RunState& run, double t, const Event& e, bool resolved);

/// Month end for compound c (community phase): satisfaction drifts toward service quality,
/// aggregates are recomputed, and the owners' fees are billed and paid (Compounds::billed,
/// collected, mean_owner_satisfaction). Adds the compound to the community's month sums.
void compound_month(RunState& run, std::uint32_t c, MonthSums& sums);

} // namespace govsim::models::feedback
