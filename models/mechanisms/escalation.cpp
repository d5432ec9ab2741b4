#include "models/mechanisms/escalation.hpp"

#include "models/mechanisms/feedback.hpp"
#include "models/mechanisms/routing.hpp"

#include <cmath>
#include <optional>

namespace govsim::models::escalation {

void fail(RunState& run, Site& site, double t, const Event& e) {
    const Dispute& x = run.dispute(e);
    const EscalationSpec& spec = run.sc.escalation;
    const Units& u = run.world.units;
    const double satisfaction = x.satisfaction(u);
    const double p_escalate =
        spec.escalate_base + spec.escalate_dissatisfaction * (1.0 - satisfaction);
    std::optional<Level> next;
    if (site.decision.bernoulli(p_escalate))
        next = e.level < Level::Department &&
                       site.decision.bernoulli(spec.direct_complaint_probability)
                   ? Level::Department
                   : routing::next_level(run, x, e.level);
    // Into a government channel only if the party trusts it enough.
    if (next && *next >= Level::Department && e.level < Level::Department) {
        const double trust = x.trust(u);
        if (!site.decision.bernoulli(1.0 - spec.government_trust_weight * (1.0 - trust)))
            next.reset();
    }
    if (next)
        move_to(run, site, t, e, *next, GovernmentChannel::Complaint);
    else
        feedback::close(run, t, e, false);
}

void move_to(RunState& run, Site& site, double t, const Event& e, Level next,
             GovernmentChannel channel) {
    Dispute& x = run.dispute(e);
    const double handed = t + site.decision.exponential(run.eff.handoff_days);
    ++x.record.handoffs;
    x.state = DisputeState::Travelling;
    x.record.last_level = next;
    const Event to{e.community, e.dispute, EventKind::Arrive, next};
    if (next < Level::Department) {
        site.calendar.schedule(handed, to);
        return;
    }
    x.escalated_to_government = true;
    enter_government(run, x, t, e.community, channel);
    deliver(site, to, government_arrival(run, site, x, next, handed));
}

double government_arrival(RunState& run, Site& site, const Dispute& x, Level level, double t) {
    const double intake = level == Level::Department
                              ? run.eff.department_intake_days[run.category(x).departments.front()]
                              : run.eff.coordination_intake_days;
    double arrival = t + site.decision.exponential(intake);
    for (const auto& lever : run.levers)
        arrival = lever->government_arrival(run, x, level, t, arrival);
    return arrival;
}

void enter_government(RunState& run, Dispute& x, double t, std::uint32_t community,
                      GovernmentChannel channel) {
    if (!std::isnan(x.record.government))
        return;
    x.record.government = t;
    x.record.channel = static_cast<std::uint8_t>(channel);
    ++run.counts(community).government[static_cast<std::size_t>(channel)];
}

void deliver(Site& site, const Event& to, double arrival) {
    if (site.community) {
        site.community->outbox.push_back(to);
        site.community->outbox_times.push_back(arrival);
    } else {
        site.calendar.schedule(arrival, to);
    }
}

} // namespace govsim::models::escalation
