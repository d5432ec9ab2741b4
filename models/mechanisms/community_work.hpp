#pragma once
// Residents' committees at work (docs/ODD.md §7.13): each committee's staff and the servers it
// puts on compound disputes, and the division of communities into committees (the
// more_residents_committees lever splits them, each new committee with staff of its own).
#include "models/run_state.hpp"

namespace govsim::models::community_work {

/// Divides each community into ceil(households / max_households) committees of contiguous
/// compounds with about equal households (a community never splits a compound), each staffed
/// by residents_committees.staff_per_1000_households with at least min_staff. Only before day 0
/// (the committees' queues are built afterwards).
void split_committees(RunState& run, double max_households);

/// Every committee's capacity on disputes: its staff times the dispute share, plus the staff
/// levers add (grid administrators).
void staff_committees(RunState& run);

} // namespace govsim::models::community_work
