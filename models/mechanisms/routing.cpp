#include "models/mechanisms/routing.hpp"

#include "models/mechanisms/escalation.hpp"
#include "models/mechanisms/handling.hpp"

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

namespace {

/// The dispute's arrival at its first handler, from detect() (routing is its last step).
void arrive_at(RunState& run, Site& site, double t, double arrival, const Event& arrive) {
    // An arrival now, with no other event due now, is the calendar's next event: it is handled
    // at once, as it would be when taken from the calendar next (the detection's handling ends
    // here, so the order and the draws are the same), without the calendar's push and pop.
    if (arrival == t && run.arrivals_at_once && site.calendar.next_time() > t)
        handling::arrive(run, site, t, arrive);
    else
        site.calendar.schedule(arrival, arrive);
}

} // namespace

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
    arrive_at(run, site, t, arrival, Event{e.community, e.dispute, EventKind::Arrive, first});
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
        arrive_at(run, site, t, t, to);
    } else {
        escalation::enter_government(run, x, t, e.community, GovernmentChannel::GridReferral);
        escalation::deliver(site, to, escalation::government_arrival(run, site, x, target, t));
    }
}

} // namespace govsim::models::routing
