#pragma once
// MODEL.md §4 step 5, escalation: after a failure the party escalates to the next handler
// present or gives up; entering a government channel (department or coordination) for the
// first time is a government case (a complaint when the party escalates), and a party who distrusts
// institutions may give up instead (docs/ODD.md §7.6-7.7).
#include "models/run_state.hpp"

namespace govsim::models::escalation {

/// Handling failed (or the party lost patience, or the queue was full): the party escalates
/// to the next handler present, or gives up (the dispute is abandoned).
void fail(RunState& run, Site& site, double t, const Event& e);

/// Hands a dispute on to `next` after a hand-off delay. Entering a government channel for the
/// first time is a government case of `channel`: a complaint when the party escalates, a
/// timer escalation when a deadline moves it.
void move_to(RunState& run, Site& site, double t, const Event& e, Level next,
             GovernmentChannel channel);

/// Records a dispute's first entry into a government channel (later entries change nothing).
void enter_government(RunState& run, Dispute& x, double t, std::uint32_t community,
                      GovernmentChannel channel);

/// When a dispute handed to a government level at time t arrives there: after the level's
/// intake delay, or earlier if a lever brings it (joint enforcement).
[[nodiscard]] double government_arrival(RunState& run, Site& site, const Dispute& x, Level level,
                                        double t);

/// An arrival at a government level: from a community through its outbox (merged into the
/// town calendar in the serial phase), from the town directly.
void deliver(Site& site, const Event& to, double arrival);

} // namespace govsim::models::escalation
