#pragma once
// MODEL.md §4 step 3, routing: a reported dispute goes to the first handler present in its
// compound; a dispute a lever found is dispatched straight to a handler that can resolve it
// (docs/ODD.md §7.4).
#include "models/run_state.hpp"

#include <optional>

namespace govsim::models::routing {

/// Whether a handler level exists for a dispute: a self-governance group where one manages
/// the compound and takes the category; the manager's staff where a firm, interim manager or
/// collective manages it; the owners' committee where one functions; coordination only for
/// disputes needing several departments.
[[nodiscard]] bool available(const RunState& run, Level level, const Dispute& x);

/// The next handler present above `level`, if any.
[[nodiscard]] std::optional<Level> next_level(const RunState& run, const Dispute& x, Level level);

/// A reported dispute goes to the first handler present (self-governance group, manager,
/// owners' committee, residents' committee), possibly after a routing error's extra delay.
/// Called by detection as its last step: an arrival without delay, with no other event due at
/// that time, is handled at once (RunOptions::arrivals_at_once).
void route(RunState& run, Site& site, double t, const Event& e);

/// A dispute found by a lever goes straight to the first present level whose success for its
/// category is above 0: no routing error, no hand-off, and no complaint. Called by detection as
/// its last step, like route.
void dispatch(RunState& run, Site& site, double t, const Event& e);

} // namespace govsim::models::routing
