#pragma once
// Property firms' decisions (docs/ODD.md §7.11): each month a firm bills and collects its
// compounds' fees, pays its staff and costs, moves its staffing (and so its service quality)
// toward what collections pay for, with a lag; it leaves (弃管) a compound whose average margin
// is deeply negative, or any loss-making one while its own balance is negative. Firms bid in
// tenders for compounds whose owners dismissed their firm or asked for one, or that a firm
// left; the owners take the bidder of the highest quality.
#include "models/run_state.hpp"

namespace govsim::models::firm_decisions {

/// Staff-equivalents of a compound's manager on disputes, from its staffing (less the staff
/// levers' duties take).
/// A firm's staff at compound c at full staffing.
[[nodiscard]] double full_staff(const RunState& run, std::uint32_t c);

[[nodiscard]] double manager_capacity(const RunState& run, std::uint32_t c);

/// Sets compound c's service quality and its manager queue's capacity from its manager and
/// staffing (and the staff levers' duties take), at time t.
void update_service(RunState& run, std::uint32_t c, double t);

/// Month end for compound c's manager (community phase): a firm's margin, its average, and the
/// staffing it moves toward; service quality and servers follow.
void compound_month(RunState& run, std::uint32_t c, int day, MonthSums& sums);

/// Month end (serial, in firm order): balances, exits, dismissals and tenders.
void firms_month(RunState& run, int day);

/// Firm f takes compound c over at time t (after a tender won).
void assign(RunState& run, std::uint32_t c, std::uint32_t f, double t);

/// The manager leaves compound c at time t; `abandonment` when a firm exits (弃管) rather
/// than being dismissed. Its queue drains the disputes it holds.
void leave(RunState& run, std::uint32_t c, bool abandonment, int day);

} // namespace govsim::models::firm_decisions
