#pragma once
// MODEL.md §4 step 1, onset: households move in, and disputes arise in each compound at a rate
// set by its conditions and its people's satisfaction (docs/ODD.md §7.1-7.2).
#include "models/run_state.hpp"

namespace govsim::models::onsets {

/// Recomputes compound c's aggregates over its units (occupied, cars, tenants, non-local
/// owners, onset weights by role) from the units' current state.
void recompute_aggregates(RunState& run, std::uint32_t c);

/// Units of community m whose move-in day has come become occupied: the owner moves in, or a
/// tenant household if the owner lets the unit.
void move_in(RunState& run, std::uint32_t m, int day);

/// The day's onsets in community m: a Poisson number per compound and category, and for each
/// a party chosen in proportion to its onset weight, a time in the day and a detection event.
void draw(RunState& run, std::uint32_t m, int day);

} // namespace govsim::models::onsets
