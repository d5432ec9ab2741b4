#pragma once
// MODEL.md §4 step 2, detection and report: a party reports a dispute after a delay that grows
// as trust falls; a lever (the grid) may find it first (docs/ODD.md §7.3).
#include "models/run_state.hpp"

namespace govsim::models::detection {

/// When a new dispute of community m is detected: the party's report, or a lever's earlier
/// finding (which may mark the dispute dispatched). Draws from the community's streams.
[[nodiscard]] double detection_time(RunState& run, std::uint32_t m, Dispute& x);

/// The Detect event: the dispute is detected now and routed to its first handler.
void detect(RunState& run, Site& site, double t, const Event& e);

} // namespace govsim::models::detection
