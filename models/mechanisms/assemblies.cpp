#include "models/mechanisms/assemblies.hpp"

#include "models/mechanisms/onsets.hpp"

#include <algorithm>

namespace govsim::models::assemblies {

bool passes(AssemblyRule rule, const Ballot& b) {
    switch (rule) {
    case AssemblyRule::PropertyLaw2007:
        return b.yes > b.owners / 2 && b.yes_area > b.area / 2;
    case AssemblyRule::CivilCode2021:
        return b.participants * 3 >= b.owners * 2 && b.participant_area * 3 >= b.area * 2 &&
               b.yes > b.participants / 2 && b.yes_area > b.participant_area / 2;
    }
    return false;
}

Ballot vote(const RunState& run, std::uint32_t c, sim::Stream& rng, double turnout_bonus,
            const std::function<bool(std::uint32_t)>& votes_yes) {
    const Compounds& cp = run.world.compounds;
    const Units& u = run.world.units;
    const AssemblySpec& as = run.sc.assemblies;
    const std::uint32_t b = cp.first_unit[c], occ = cp.occupied[c], e = b + cp.units[c];
    Ballot ballot;
    for (std::uint32_t i = b; i < e; ++i) {
        const double area = u.floor_area_m2[i];
        ballot.owners += 1;
        ballot.area += area;
        const bool resident = i < b + occ && !u.let[i];
        const double base = resident              ? as.turnout_resident
                            : u.owner_nonlocal[i] ? as.turnout_absent_nonlocal
                                                  : as.turnout_absent_local;
        const double turnout = base +
                               as.turnout_dissatisfaction_weight * (1.0 - u.owner_satisfaction[i]) +
                               turnout_bonus;
        if (!rng.bernoulli(turnout))
            continue;
        ballot.participants += 1;
        ballot.participant_area += area;
        if (votes_yes(i)) {
            ballot.yes += 1;
            ballot.yes_area += area;
        }
    }
    return ballot;
}

void compound_month(RunState& run, std::uint32_t m, std::uint32_t c, MonthSums& sums) {
    Compounds& cp = run.world.compounds;
    const Units& u = run.world.units;
    const AssemblySpec& as = run.sc.assemblies;
    const OwnersCommitteeSpec& ocs = run.sc.owners_committees;
    CommunityState& cs = run.communities[m];
    sim::Stream& rng = cs.assembly;
    InstitutionStats& counts = sums.institutions;
    AssemblyInfluence influence;
    for (const auto& lever : run.levers)
        lever->assembly_influence(run, c, influence);

    // Committees go dormant and revive.
    if (run.sc.mechanisms.committee_turnover) {
        if (cp.committee[c] == Committee::Functioning &&
            rng.bernoulli(ocs.dormancy_per_month * influence.dormancy_multiplier)) {
            cp.committee[c] = Committee::Dormant;
            onsets::inputs_changed(run, c);
            ++counts.committees_dormant;
        } else if (cp.committee[c] == Committee::Dormant &&
                   rng.bernoulli(ocs.revival_per_month * influence.revival_multiplier)) {
            cp.committee[c] = Committee::Functioning;
            onsets::inputs_changed(run, c);
            ++counts.committees_revived;
        }
    }

    if (run.sc.mechanisms.assemblies && cp.units[c] > 0) {
        const double occupancy = static_cast<double>(cp.occupied[c]) / cp.units[c];
        const double resident_owners = static_cast<double>(cp.occupied[c] - cp.tenants[c]);
        const double dissatisfaction = 1.0 - cp.mean_owner_satisfaction[c];
        if (cp.committee[c] == Committee::None && occupancy >= as.min_occupancy) {
            // Resident owners take the initiative more often the more of them there are and
            // the less satisfied owners are; an outside body may convene it too.
            const double own =
                std::min(1.0, as.initiative_per_month * resident_owners / cp.units[c] *
                                  (1.0 + as.initiative_dissatisfaction_weight * dissatisfaction));
            const double outside =
                std::min(1.0, as.rc_help_per_month + influence.convening_per_month);
            if (rng.bernoulli(1.0 - (1.0 - own) * (1.0 - outside))) {
                ++counts.assemblies;
                const Ballot b = vote(run, c, rng, influence.turnout_bonus, [&](std::uint32_t) {
                    return rng.bernoulli(as.support_election);
                });
                if (passes(as.rule, b)) {
                    cp.committee[c] = Committee::Functioning;
                    onsets::inputs_changed(run, c);
                    ++counts.committees_elected;
                    for (auto& lever : run.levers)
                        lever->on_committee_elected(run, m, c);
                }
            }
        } else if (cp.committee[c] == Committee::Functioning) {
            if (cp.manager[c] == Manager::Firm &&
                cp.mean_owner_satisfaction[c] < as.dismissal_trigger_satisfaction &&
                rng.bernoulli(as.dismissal_initiative_per_month)) {
                ++counts.assemblies;
                ++counts.dismissal_votes;
                const Ballot b = vote(run, c, rng, influence.turnout_bonus, [&](std::uint32_t i) {
                    return u.owner_satisfaction[i] < as.dismissal_vote_satisfaction;
                });
                if (passes(as.rule, b))
                    cp.motion[c] = Motion::Dismiss;
            } else if ((cp.manager[c] == Manager::None || cp.manager[c] == Manager::Interim) &&
                       rng.bernoulli(as.hire_initiative_per_month)) {
                ++counts.assemblies;
                ++counts.hire_votes;
                const Ballot b = vote(run, c, rng, influence.turnout_bonus, [&](std::uint32_t) {
                    return rng.bernoulli(as.support_hire);
                });
                if (passes(as.rule, b))
                    cp.motion[c] = Motion::Tender;
            }
        }
    }
    // The street office tenders an abandoned compound, committee or not.
    if (cp.manager[c] == Manager::None && cp.abandoned[c] && cp.motion[c] == Motion::None &&
        rng.bernoulli(as.retender_after_abandonment_per_month))
        cp.motion[c] = Motion::Tender;

    sums.committees += cp.committee[c] != Committee::None ? 1U : 0U;
    sums.functioning += cp.committee[c] == Committee::Functioning ? 1U : 0U;
}

} // namespace govsim::models::assemblies
