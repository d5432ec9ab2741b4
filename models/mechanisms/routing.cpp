#include "models/mechanisms/routing.hpp"

#include "models/mechanisms/escalation.hpp"

namespace govsim::models::routing {

bool available(const RunState& run, Level level, const Dispute& x) {
    const Compounds& cp = run.world.compounds;
    const std::uint32_t c = x.record.compound;
    switch (level) {
    case Level::SelfGovernance:
        return cp.manager[c] == Manager::SelfGovernance &&
               run.eff.success[index(x.record.category)][index(Level::SelfGovernance)] > 0;
    case Level::Firm:
        return cp.has_manager_staff(c);
    case Level::OwnersCommittee:
        return cp.committee[c] == Committee::Functioning;
    case Level::Coordination:
        return run.category(x).departments.size() > 1;
    default:
        return true;
    }
}

std::optional<Level> next_level(const RunState& run, const Dispute& x, Level level) {
    for (auto l = index(level) + 1; l < level_count; ++l)
        if (available(run, static_cast<Level>(l), x))
            return static_cast<Level>(l);
    return std::nullopt;
}

void route(RunState& run, Site& site, double t, const Event& e) {
    Dispute& x = run.dispute(e);
    Level first = Level::ResidentsCommittee;
    for (Level l : {Level::SelfGovernance, Level::Firm, Level::OwnersCommittee})
        if (available(run, l, x)) {
            first = l;
            break;
        }
    double arrival = t;
    if (site.handling.bernoulli(run.eff.routing_error_probability)) {
        arrival += site.handling.exponential(run.eff.routing_error_days);
        ++x.record.handoffs;
    }
    x.state = DisputeState::Travelling;
    x.record.last_level = first;
    site.calendar.schedule(arrival, Event{e.community, e.dispute, EventKind::Arrive, first});
}

void dispatch(RunState& run, Site& site, double t, const Event& e) {
    Dispute& x = run.dispute(e);
    const auto k = index(x.record.category);
    Level target = Level::ResidentsCommittee; // if no handler can resolve it
    for (std::size_t l = 0; l < level_count; ++l) {
        const auto level = static_cast<Level>(l);
        if (run.eff.success[k][l] > 0 && available(run, level, x)) {
            target = level;
            break;
        }
    }
    x.state = DisputeState::Travelling;
    x.record.last_level = target;
    const Event to{e.community, e.dispute, EventKind::Arrive, target};
    if (target < Level::Department) {
        site.calendar.schedule(t, to);
    } else {
        escalation::enter_government(run, x, t, e.community, GovernmentChannel::GridReferral);
        escalation::deliver(site, to, escalation::government_arrival(run, site, x, target, t));
    }
}

} // namespace govsim::models::routing
