#pragma once
// MODEL.md §4 step 4, handling: a dispute waits in its handler's queue (finite servers,
// first come first served or oldest first), is served, and succeeds or fails; a party who waits
// too long gives up on the handler (docs/ODD.md §7.5).
#include "models/run_state.hpp"

namespace govsim::models::handling {

/// The Arrive event: the dispute joins its level's queue (or a lever takes it).
void arrive(RunState& run, Site& site, double t, const Event& e);

/// Service of the dispute an event names starts at t; its completion is scheduled.
void start_service(RunState& run, Site& site, double t, const Event& e);

/// The Complete event: the server takes the next waiting dispute; this one is resolved with the
/// level's success probability (plus levers' bonuses where it is above 0), else it fails.
void complete(RunState& run, Site& site, double t, const Event& e);

/// The Renege event: a party still waiting gives up on the handler (a failure).
void renege(RunState& run, Site& site, double t, const Event& e);

/// Changes the capacity of a community queue at time t (staff hired or cut; sim::Capacity) and
/// starts the waiting disputes that now find a server, at `level`.
void set_capacity(RunState& run, std::uint32_t m, sim::ServiceQueue& queue, Level level,
                  double staff_equivalents, double t);

} // namespace govsim::models::handling
