#include "models/mechanisms/handling.hpp"

#include "models/mechanisms/escalation.hpp"
#include "models/mechanisms/feedback.hpp"
#include "models/mechanisms/routing.hpp"

#include <algorithm>

namespace govsim::models::handling {

void arrive(RunState& run, Site& site, double t, const Event& e) {
    Dispute& x = run.dispute(e);
    if (!routing::available(run, e.level, x)) {
        // The handler went away while the dispute travelled (a firm left the compound): it is
        // passed on to the next handler present, without a decision.
        if (const auto next = routing::next_level(run, x, e.level))
            escalation::move_to(run, site, t, e, *next, GovernmentChannel::Complaint);
        else
            feedback::close(run, t, e, false);
        return;
    }
    if (e.level == Level::Coordination)
        for (auto& lever : run.levers)
            if (lever->take_at_coordination(run, site, t, e))
                return;
    if (e.level == Level::ResidentsCommittee)
        x.rc_slot = run.committee_slot(x.record.compound);
    std::uint32_t job = e.dispute;
    if (!site.community)
        job = run.town.add_job(e);
    const auto admitted = run.queue(e).arrive(job, t, x.record.onset);
    if (!site.community && admitted.admission != sim::Admission::Waiting)
        (void)run.town.take_job(job); // only a waiting job is looked up again
    switch (admitted.admission) {
    case sim::Admission::Started:
        start_service(run, site, t, e);
        break;
    case sim::Admission::Waiting:
        x.state = DisputeState::Waiting;
        x.ticket = admitted.ticket;
        site.calendar.schedule(t + site.handling.exponential(run.eff.patience_days[index(e.level)]),
                               Event{e.community, e.dispute, EventKind::Renege, e.level});
        for (auto& lever : run.levers)
            lever->on_wait(run, site, t, e);
        break;
    case sim::Admission::Rejected:
        escalation::fail(run, site, t, e);
        break;
    }
}

void start_service(RunState& run, Site& site, double t, const Event& e) {
    Dispute& x = run.dispute(e);
    x.state = DisputeState::InService;
    const double mean =
        run.eff.service_days[index(x.record.category)][index(e.level)] / run.queue(e).speed();
    site.calendar.schedule(t + site.handling.exponential(mean),
                           Event{e.community, e.dispute, EventKind::Complete, e.level});
}

void complete(RunState& run, Site& site, double t, const Event& e) {
    if (const auto next = run.queue(e).complete(t)) {
        const Event started = site.community ? Event{e.community, *next, EventKind::Arrive, e.level}
                                             : run.town.take_job(*next);
        start_service(run, site, t,
                      Event{started.community, started.dispute, EventKind::Arrive, e.level});
    }
    const Dispute& x = run.dispute(e);
    const CategorySpec& cat = run.category(x);
    double p = run.eff.success[index(x.record.category)][index(e.level)];
    if (e.level == Level::Department && cat.departments.size() > 1)
        p *= run.sc.handlers.departments[cat.departments.front()].cross_department_success_factor;
    // A lever's bonus acts only where the level can resolve the category at all.
    if (p > 0) {
        for (const auto& lever : run.levers)
            p += lever->success_bonus(run, x, e.level);
        p = std::min(1.0, p);
    }
    const bool resolved = site.handling.bernoulli(p);
    if (p > 0) {
        HandlerFlows& flows = run.counts(e.community).handled;
        ++flows.served[index(e.level)];
        flows.resolved[index(e.level)] += resolved ? 1U : 0U;
    }
    if (resolved)
        feedback::close(run, t, e, true);
    else
        escalation::fail(run, site, t, e);
}

void renege(RunState& run, Site& site, double t, const Event& e) {
    Dispute& x = run.dispute(e);
    if (x.state != DisputeState::Waiting || x.record.last_level != e.level)
        return;
    const bool left = x.held_by > 0 ? run.all_levers[x.held_by - 1U]->withdraw(run, e)
                                    : run.leave_queue(e, x.ticket);
    if (left)
        escalation::fail(run, site, t, e);
}

void set_capacity(RunState& run, std::uint32_t m, sim::ServiceQueue& queue, Level level,
                  double staff_equivalents, double t) {
    const sim::Capacity capacity = sim::capacity_of(staff_equivalents);
    if (queue.servers() == capacity.servers && queue.speed() == capacity.speed)
        return;
    Site site = run.community_site(m);
    for (const std::uint32_t job : queue.set_capacity(capacity, t))
        start_service(run, site, t, Event{m, job, EventKind::Arrive, level});
}

} // namespace govsim::models::handling
