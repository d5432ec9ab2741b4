#pragma once
// Owners' assemblies and committees (docs/ODD.md §7.12). Where no committee exists and enough
// units are occupied, resident owners (or an outside body a lever brings) may convene an
// assembly; the owners who take part vote, and the motion passes under the period's rule
// (Property Law 2007 art. 76, or Civil Code 2021 art. 278). A functioning committee may move to
// dismiss a poor firm, or to hire one where none manages the compound; committees go dormant
// and revive. Turnout depends on who is there to vote: absent and non-local owners vote least.
#include "models/run_state.hpp"

#include <functional>

namespace govsim::models::assemblies {

/// The count of an assembly's vote.
struct Ballot {
    double owners = 0, area = 0; ///< all owners of the compound and their floor area
    double participants = 0, participant_area = 0;
    double yes = 0, yes_area = 0;
};

/// Whether a motion passes under `rule` (electing a committee, hiring or dismissing a firm:
/// the ordinary double majorities).
[[nodiscard]] bool passes(AssemblyRule rule, const Ballot& ballot);

/// Each owner of compound c takes part with their turnout probability (plus `turnout_bonus`)
/// and votes yes by `votes_yes(unit)`; draws from `rng`.
[[nodiscard]] Ballot vote(const RunState& run, std::uint32_t c, sim::Stream& rng,
                          double turnout_bonus,
                          const std::function<bool(std::uint32_t unit)>& votes_yes);

/// Month end for compound c's owners (community phase): committee turnover, assemblies and the
/// street office's tenders for abandoned compounds. A passed dismissal or hiring becomes the
/// compound's motion, carried out in the serial phase (models/mechanisms/firm_decisions.hpp).
void compound_month(RunState& run, std::uint32_t m, std::uint32_t c, MonthSums& sums);

} // namespace govsim::models::assemblies
