#pragma once
// MODEL.md §4 step 1, onset: households move in, and disputes arise in each compound at a rate
// set by its conditions and its people's satisfaction (docs/ODD.md §7.1-7.2).
#include "models/run_state.hpp"

#include <array>

namespace govsim::models::onsets {

/// Recomputes compound c's aggregates over its units (occupied, cars, tenants, non-local
/// owners, onset weights by role) from the units' current state.
void recompute_aggregates(RunState& run, std::uint32_t c);

/// Units of community m whose move-in day has come become occupied: the owner moves in, or a
/// tenant household if the owner lets the unit.
void move_in(RunState& run, std::uint32_t m, int day);

/// Onset rates (per day) of compound c by category and role of the raising party: index
/// category * role_count + role. Their sum is the compound's onset rate.
using CellRates = std::array<double, category_count * role_count>;
[[nodiscard]] CellRates rates(const RunState& run, std::uint32_t c);
/// The compound's onset rate: the cells added in their order (draw and its cache use this sum).
[[nodiscard]] double total(const CellRates& cells);
/// Marks compound c's onset rates as changed: the next draw computes them afresh instead of
/// reusing the last day's (bit for bit the same while their inputs stay as they were). Every
/// change to an input of `rates` calls it: the compound's aggregates (occupied units, cars,
/// tenants, non-local owners, onset weights), its service quality, manager, owners'
/// committee, housing type, parking spaces and onset multipliers, and (for every compound) the
/// run's effective parameters. The daily audit compares every rate still current with one
/// computed afresh (audit_onset_cache).
inline void inputs_changed(RunState& run, std::uint32_t c) {
    run.handlers[c].rates_current = false;
}

/// The day's onsets in community m: each compound's onsets are a Poisson process at the day's
/// rate (the sum of `rates`), drawn by the time change of a unit-rate process (one exponential
/// gap per onset, none on days without); each onset's category and role in proportion to their
/// rates, its party in proportion to onset weight, and a detection event.
void draw(RunState& run, std::uint32_t m, int day);

} // namespace govsim::models::onsets
