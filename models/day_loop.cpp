// The day loop of one run (models/governance.hpp): a town synthesised from the scenario, then
// day by day: in parallel over communities, move-in, onsets and the community's events
// (detection, routing, handling, escalation, closure); in a serial phase, the town's
// departments, coordination and levers' town events; at each month end, the owners' and
// households' month (drift, fees), firms' margins and staffing, assemblies and committees (in
// parallel), then firms' exits, dismissals and tenders (serial). Each step is a mechanism of
// its own in models/mechanisms/; levers (models/levers/) act through their hooks.
#include "models/governance.hpp"

#include "models/mechanisms/assemblies.hpp"
#include "models/mechanisms/community_work.hpp"
#include "models/mechanisms/detection.hpp"
#include "models/mechanisms/feedback.hpp"
#include "models/mechanisms/firm_decisions.hpp"
#include "models/mechanisms/handling.hpp"
#include "models/mechanisms/onsets.hpp"
#include "models/run_state.hpp"
#include "models/streams.hpp"
#include "models/summary_builder.hpp"
#include "sim/calendar.hpp"
#include "sim/parallel.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

namespace govsim::models {

// ---- shared pieces of run_state.hpp --------------------------------------------------------

void derive(Effective& eff) {
    for (std::size_t k = 0; k < category_count; ++k)
        eff.rate_per_weight_day[k] = eff.rate[k] / 1000.0 / sim::days_per_year;
}

Effective baseline_parameters(const Scenario& sc) {
    Effective f;
    for (std::size_t k = 0; k < category_count; ++k) {
        const CategorySpec& cat = sc.categories[k];
        f.rate[k] = cat.rate_per_1000_households_per_year;
        f.service_days[k] = cat.service_days;
        f.success[k] = cat.success;
        for (std::size_t j = 0; j < feature_count; ++j)
            f.onset_effects[j][k] = cat.effects[j];
        f.raised_by[index(Role::OwnerOccupier)][k] = cat.raised_by.owner_occupier;
        f.raised_by[index(Role::Tenant)][k] = cat.raised_by.tenant;
        f.raised_by[index(Role::AbsenteeOwner)][k] = cat.raised_by.absentee_owner;
    }
    f.patience_days = sc.handlers.patience_days;
    for (const DepartmentSpec& dep : sc.handlers.departments) {
        f.department_servers.push_back(dep.servers);
        f.department_intake_days.push_back(dep.intake_delay_days);
    }
    f.coordination_intake_days = sc.handlers.coordination_intake_delay_days;
    f.handoff_days = sc.escalation.handoff_days;
    f.routing_error_probability = sc.escalation.routing_error_probability;
    f.routing_error_days = sc.escalation.routing_error_days;
    derive(f);
    return f;
}

InstitutionStats& InstitutionStats::operator+=(const InstitutionStats& o) {
    assemblies += o.assemblies;
    committees_elected += o.committees_elected;
    dismissal_votes += o.dismissal_votes;
    dismissals += o.dismissals;
    hire_votes += o.hire_votes;
    tenders += o.tenders;
    firms_hired += o.firms_hired;
    abandonments += o.abandonments;
    committees_dormant += o.committees_dormant;
    committees_revived += o.committees_revived;
    return *this;
}

sim::ServiceQueue& RunState::queue(const Event& e) {
    const Dispute& x = dispute(e);
    const std::uint32_t c = x.record.compound;
    switch (e.level) {
    case Level::SelfGovernance:
        return handlers[c].sg;
    case Level::Firm:
        return handlers[c].firm;
    case Level::OwnersCommittee:
        return handlers[c].committee;
    case Level::ResidentsCommittee:
        return rc_queues(e.community)[x.rc_slot];
    case Level::Department:
        return town.departments[category(x).departments.front()];
    case Level::Coordination:
        break;
    }
    return town.coordination;
}

namespace {

/// The simulated day a lever starts acting: its own start date, else the model's policy start,
/// else day 0; a date before the run is day 0.
int start_day_of(const Scenario& sc, const std::optional<sim::Date>& own) {
    const std::optional<sim::Date> date = own ? own : sc.model.policy_start;
    if (!date)
        return 0;
    return std::max(0, sim::day_of(*date, sc.first_simulated_year()));
}

void instantiate_levers(const Scenario& scenario, std::vector<std::unique_ptr<Lever>>& levers,
                        std::vector<int>& start_days) {
    auto instances = scenario.levers.instantiate();
    if (instances.size() > std::numeric_limits<std::uint8_t>::max())
        throw std::invalid_argument("too many levers in one run");
    for (std::size_t i = 0; i < instances.size(); ++i) {
        instances[i].lever->set_run_index(static_cast<std::uint8_t>(i));
        start_days.push_back(start_day_of(scenario, instances[i].start));
        levers.push_back(std::move(instances[i].lever));
    }
}

} // namespace

int first_lever_day(const Scenario& scenario) {
    int first = scenario.days();
    for (const auto& instance : scenario.levers.instantiate())
        first = std::min(first, start_day_of(scenario, instance.start));
    return first;
}

bool same_history(const Scenario& a, const Scenario& b) {
    // Everything the day loop reads before a lever acts: all but the model and its levers.
    return same_synthesis(a, b) && a.run == b.run && a.categories == b.categories &&
           a.handlers == b.handlers && a.assemblies == b.assemblies && a.detection == b.detection &&
           a.escalation == b.escalation && a.feedback == b.feedback &&
           a.mechanisms == b.mechanisms && a.costs == b.costs;
}

RunState::RunState(const RunState& history, const Scenario& scenario)
    : sc(scenario), seed(history.seed), replicate(history.replicate), world(history.world),
      eff(history.eff), communities(history.communities), handlers(history.handlers),
      onset_cells(history.onset_cells), rc_queues_all(history.rc_queues_all),
      rc_first(history.rc_first), town(history.town), outbox_sizes(history.outbox_sizes),
      today(history.today), days(history.days), current_day(history.current_day) {
    if (!history.levers.empty())
        throw std::logic_error("a run's history can be shared only before its levers act");
    instantiate_levers(scenario, all_levers, lever_start_day);
    for (const int day : lever_start_day)
        if (day <= history.current_day)
            throw std::logic_error("a lever would have started before the shared history ends");
}

RunState::RunState(const Scenario& scenario, std::uint64_t seed_, std::uint32_t replicate_,
                   const World* prebuilt)
    : sc(scenario), seed(seed_), replicate(replicate_),
      world(prebuilt ? *prebuilt : synthesise_world(scenario, seed_, replicate_)),
      eff(baseline_parameters(scenario)), days(scenario.days()) {
    instantiate_levers(scenario, all_levers, lever_start_day);
    const std::size_t n_comm = world.communities.size();
    communities.resize(n_comm);
    outbox_sizes.resize(n_comm);
    today.resize(n_comm);
    handlers.assign(world.compounds.size(),
                    CompoundHandlers(sc.owners_committees.servers, eff.discipline));
    onset_cells.resize(world.compounds.size());
    rc_first.assign(n_comm + 1, 0); // no residents' committee queue until staff_handlers
    // Each community's streams, onset clocks and aggregates.
    sim::parallel_for_each_index(n_comm, [&](std::size_t mi) {
        const auto m = static_cast<std::uint32_t>(mi);
        CommunityState& cs = communities[m];
        const auto entity = stream_entity::community(m);
        cs.onset = sim::Stream(seed, replicate, entity, purpose::onset);
        cs.detection = sim::Stream(seed, replicate, entity, purpose::detection);
        cs.handling = sim::Stream(seed, replicate, entity, purpose::handling);
        cs.decision = sim::Stream(seed, replicate, entity, purpose::decision);
        cs.monthly = sim::Stream(seed, replicate, entity, purpose::monthly);
        cs.assembly = sim::Stream(seed, replicate, entity, purpose::assembly);
        for (std::uint32_t c = world.compound_begin(m); c < world.compound_end(m); ++c) {
            handlers[c].onset_hazard = cs.onset.unit_exponential();
            const std::uint32_t next = world.compounds.first_unit[c] + world.compounds.occupied[c];
            handlers[c].next_move_in = world.compounds.occupied[c] < world.compounds.units[c]
                                           ? world.units.move_in_day[next]
                                           : never;
            onsets::recompute_aggregates(*this, c);
        }
    });
    for (const std::uint32_t servers : eff.department_servers)
        town.departments.emplace_back(servers, 0, eff.discipline);
    town.coordination = sim::ServiceQueue(sc.handlers.coordination_servers, 0, eff.discipline);
    town.handling = sim::Stream(seed, replicate, stream_entity::town, purpose::handling);
    town.decision = sim::Stream(seed, replicate, stream_entity::town, purpose::decision);
    town.tender = sim::Stream(seed, replicate, stream_entity::town, purpose::tender);
    // The levers acting from day 0, then every handler's staff.
    if (!start_levers(0))
        staff_handlers(0.0);
}

bool RunState::start_levers(int day) {
    std::vector<std::size_t> starting;
    for (std::size_t i = 0; i < all_levers.size(); ++i)
        if (lever_start_day[i] == day)
            starting.push_back(i);
    if (starting.empty())
        return false;
    levers.clear();
    for (std::size_t i = 0; i < all_levers.size(); ++i)
        if (lever_start_day[i] <= day)
            levers.push_back(all_levers[i].get());
    const double t = day;
    apply_parameters(t);
    for (const std::size_t i : starting)
        all_levers[i]->start(*this);
    staff_handlers(t);
    return true;
}

void RunState::apply_parameters(double t) {
    eff = baseline_parameters(sc);
    for (std::uint32_t c = 0; c < handlers.size(); ++c) // every compound's rates read eff
        onsets::inputs_changed(*this, c);
    for (Lever* lever : levers)
        lever->adjust(eff);
    derive(eff);
    // A lever that adds department servers (leading group, joint enforcement) starts serving
    // the complaints waiting there at once: each gets its service time and completion, as if
    // it had just reached a free server.
    Site site = town_site();
    for (std::size_t j = 0; j < town.departments.size(); ++j) {
        for (const std::uint32_t job :
             town.departments[j].set_servers(eff.department_servers[j], t)) {
            const Event waiting = town.take_job(job);
            handling::start_service(
                *this, site, t,
                Event{waiting.community, waiting.dispute, EventKind::Arrive, waiting.level});
        }
        town.departments[j].set_discipline(eff.discipline);
    }
    town.coordination.set_discipline(eff.discipline);
    for (auto& h : handlers)
        for (auto* q : {&h.sg, &h.firm, &h.committee})
            q->set_discipline(eff.discipline);
    for (auto& q : rc_queues_all)
        q.set_discipline(eff.discipline);
}

void RunState::staff_handlers(double t) {
    community_work::staff_committees(*this);
    // Each community keeps its queues, in slot order, and gains one for each committee it has
    // beyond them: a split keeps the community's queue as its first committee's, so disputes
    // in it stay.
    const auto n_comm = static_cast<std::uint32_t>(communities.size());
    std::vector<sim::ServiceQueue> all;
    std::vector<std::uint32_t> first_queue(n_comm + 1, 0);
    for (std::uint32_t m = 0; m < n_comm; ++m) {
        first_queue[m] = static_cast<std::uint32_t>(all.size());
        const std::uint32_t n =
            world.communities.first_committee[m + 1] - world.communities.first_committee[m];
        for (auto& q : rc_queues(m))
            all.push_back(std::move(q));
        while (all.size() - first_queue[m] < n)
            all.emplace_back(1, 0, eff.discipline);
    }
    first_queue[n_comm] = static_cast<std::uint32_t>(all.size());
    rc_queues_all = std::move(all);
    rc_first = std::move(first_queue);
    for (std::uint32_t m = 0; m < n_comm; ++m) {
        const std::uint32_t first = world.communities.first_committee[m];
        const std::uint32_t n = world.communities.first_committee[m + 1] - first;
        const auto queues = rc_queues(m);
        for (std::uint32_t k = 0; k < n; ++k)
            handling::set_capacity(*this, m, queues[k], Level::ResidentsCommittee,
                                   world.residents_committees.capacity[first + k], t);
    }
    for (std::uint32_t c = 0; c < world.compounds.size(); ++c)
        firm_decisions::update_service(*this, c, t);
}

namespace {

/// Asks for what the events of dispute x read and write of its party's household: the party's
/// own satisfaction and trust (its tenure says whose), and the owner's origin, which the closed
/// dispute's record reads (no effect on results).
void prefetch_party(const Units& u, const Dispute& x) {
    const std::uint32_t i = x.record.household;
    if (i >= u.size())
        return;
    const bool tenant = x.tenant();
    __builtin_prefetch(u.owner_nonlocal.data() + i);
    __builtin_prefetch((tenant ? u.tenant_satisfaction : u.owner_satisfaction).data() + i);
    __builtin_prefetch((tenant ? u.tenant_trust : u.owner_trust).data() + i);
}

using RecordSink = std::function<void(std::span<const DisputeRecord>)>;

class DayLoop {
public:
    /// A run that keeps every dispute's record if `record_disputes`.
    DayLoop(const Scenario& scenario, std::uint64_t seed, std::uint32_t replicate,
            const World* prebuilt, bool record_disputes, RecordSink sink = {})
        : run_(scenario, seed, replicate, prebuilt),
          tally_(static_cast<std::size_t>(run_.days - scenario.first_reported_day())),
          record_(record_disputes), sink_(record_disputes ? std::move(sink) : RecordSink{}) {
        daily_.resize(static_cast<std::size_t>(run_.days));
        resources_.resize(static_cast<std::size_t>(scenario.run.years));
        today_done_.resize(run_.today.size());
    }

    /// A copy of `history` (stopped before any lever acted) that goes on under `scenario`,
    /// keeping records if `record_disputes` (then `history` must have kept them).
    DayLoop(const DayLoop& history, const Scenario& scenario, bool record_disputes, RecordSink sink)
        : run_(history.run_, scenario), daily_(history.daily_), month_flows_(history.month_flows_),
          resources_(history.resources_), monthly_(history.monthly_), month_(history.month_),
          next_day_(history.next_day_), tally_(history.tally_), record_(record_disputes),
          sink_(record_disputes ? std::move(sink) : RecordSink{}),
          today_done_(history.today_done_) {
        if (record_disputes && !history.record_)
            throw std::logic_error("a run keeping dispute records continues from a history "
                                   "that kept none");
        if (record_disputes)
            records_ = history.records_;
    }

    [[nodiscard]] int next_day() const { return next_day_; }
    /// Whether closed disputes' slots are given to later disputes (RunOptions).
    void reuse_dispute_slots(bool reuse) {
        for (CommunityState& cs : run_.communities)
            cs.disputes.set_reuse(reuse);
    }
    /// Whether an arrival due now, with nothing else due now, is handled at once (RunOptions).
    void arrivals_at_once(bool at_once) { run_.arrivals_at_once = at_once; }
    [[nodiscard]] const Scenario& scenario() const { return run_.sc; }
    [[nodiscard]] std::uint64_t seed() const { return run_.seed; }
    [[nodiscard]] std::uint32_t replicate() const { return run_.replicate; }

    /// Simulates the days from next_day() up to (not including) `until`.
    void advance(int until, const RunOptions& options) {
        for (int d = next_day_; d < std::min(until, run_.days); ++d) {
            run_.current_day = d;
            if (d > 0)
                (void)run_.start_levers(d);
            if (pending_day_ >= 0) {
                // The last day's bookkeeping (finish_day) runs as one more task beside the
                // communities, as index 0: it touches only what they do not (its own copies of
                // the day's records, the tally, the rows), and it is done before the serial
                // phase, so everything is added in the same order as without it.
                sim::parallel_for_each_index_in_range(
                    run_.communities.size() + 1, [&](std::size_t k, std::size_t end) {
                        if (k == 0)
                            finish_day();
                        else
                            community_day(static_cast<std::uint32_t>(k - 1), d, end - 1);
                    });
            } else {
                sim::parallel_for_each_index_in_range(
                    run_.communities.size(), [&](std::size_t m, std::size_t end) {
                        community_day(static_cast<std::uint32_t>(m), d, end);
                    });
            }
            town_day(d);
            end_day(d);
            // At once where something reads its results before the next day's communities run.
            if (sim::is_month_end(d) || record_ || options.on_day_state ||
                d + 1 == std::min(until, run_.days))
                finish_day();
            if (options.on_day)
                options.on_day();
            if (options.on_day_state)
                options.on_day_state(run_);
            if (sim::is_month_end(d)) {
                sim::parallel_for_each_index(run_.communities.size(), [&](std::size_t m) {
                    community_month(static_cast<std::uint32_t>(m), d);
                });
                run_.town.month = InstitutionStats{};
                firm_decisions::firms_month(run_, d);
                for (auto& lever : run_.levers)
                    lever->month_end(run_, d);
                monthly_.push_back(month_row(month_++));
                if (monthly_.back().month >= 0)
                    count_month_resources(monthly_.back());
            }
            next_day_ = d + 1;
        }
    }

    /// Simulates the remaining days and gathers the run's results.
    RunResult finish(const RunKey& key, const RunOptions& options) {
        advance(run_.days, options);
        return collect(key, options, std::move(monthly_));
    }

private:
    static void dispatch(RunState& run, Site& site, double t, const Event& e) {
        switch (e.kind) {
        case EventKind::Detect:
            detection::detect(run, site, t, e);
            break;
        case EventKind::Arrive:
            handling::arrive(run, site, t, e);
            break;
        case EventKind::Complete:
            handling::complete(run, site, t, e);
            break;
        case EventKind::Renege:
            handling::renege(run, site, t, e);
            break;
        case EventKind::Lever:
            run.all_levers[e.lever]->on_event(run, site, t, e);
            break;
        }
    }

    /// Handles an event. A dispute event that closes its dispute (the only dispute such an
    /// event can close) is counted at once: its record goes to its community's `finished` list
    /// and its slot is released. (A lever's event may close others, e.g. a joint meeting's list:
    /// the community's next day sees more closures than were counted and sweeps its slots.)
    void handle(Site& site, double t, const Event& e) {
        if (e.kind == EventKind::Lever) {
            dispatch(run_, site, t, e);
            return;
        }
        if (run_.dispute(e).state == DisputeState::Closed) { // a timer left behind
            dispatch(run_, site, t, e);
            return;
        }
        dispatch(run_, site, t, e);
        const Dispute& x = run_.dispute(e);
        if (x.state == DisputeState::Closed) {
            CommunityState& cs = run_.communities[e.community];
            finished(cs).push_back(record_of(x));
            cs.disputes.release(e.dispute & DisputeSlots::slot_mask);
            ++cs.released_today;
        }
    }

    // ---- the community's day ----------------------------------------------------------------
    /// Community m's day; communities [m + 1, end) are run after it by the same thread (its
    /// prefetches look only there: another thread may be changing any other community).
    void community_day(std::uint32_t m, int d, std::size_t end) {
        CommunityState& cs = run_.communities[m];
        const double day_end = d + 1.0;
        // In a town larger than the caches, a community's state, its compounds' handlers and
        // onset rates, its calendar, the disputes of its events and their households are cache
        // misses. Asking for them a few communities ahead lets memory fetch them while this
        // community works (no effect on results): the community's own state eight ahead (so
        // that the reads below find it), the calendar's storage six ahead, the top of its free
        // slots' list four ahead, its compounds' handlers and cached rates three ahead, as well
        // as the disputes of the events due today among the first seven of its heap, the free
        // slot its next onset fills two ahead, the events' households' units one ahead.
        // Written here, not in a function of its own: GCC takes a function of prefetches alone
        // for one without effects and drops its calls.
        constexpr std::size_t head = 7;
        const auto& all = run_.communities;
        if (m + 6 < end) {
            const auto events = all[m + 6].calendar.head(head);
            const auto* bytes = reinterpret_cast<const char*>(events.data());
            for (std::size_t b = 0; b < events.size_bytes(); b += 64)
                __builtin_prefetch(bytes + b);
            if (!events.empty())
                __builtin_prefetch(all[m + 6].calendar.last_or_null());
        }
        if (m + 8 < end) {
            const auto* state = reinterpret_cast<const char*>(&all[m + 8]);
            for (std::size_t b = 0; b < sizeof(CommunityState); b += 64)
                __builtin_prefetch(state + b);
        }
        if (m + 4 < end)
            if (const std::uint32_t* top = all[m + 4].disputes.free_top())
                __builtin_prefetch(top);
        if (m + 3 < end) {
            const std::uint32_t b = run_.world.compound_begin(m + 3);
            const std::uint32_t e = run_.world.compound_end(m + 3);
            const auto* h = reinterpret_cast<const char*>(run_.handlers.data() + b);
            const auto* h_end = reinterpret_cast<const char*>(run_.handlers.data() + e);
            for (; h < h_end; h += 64)
                __builtin_prefetch(h);
            const auto* cells = reinterpret_cast<const char*>(run_.onset_cells.data() + b);
            const auto* cells_end = reinterpret_cast<const char*>(run_.onset_cells.data() + e);
            for (; cells < cells_end; cells += 64)
                __builtin_prefetch(cells);
        }
        if (m + 2 < end)
            if (const Dispute* x = all[m + 2].disputes.next_free())
                for (const std::uintptr_t line : DisputeSlots::slot_lines(x))
                    __builtin_prefetch(reinterpret_cast<const void*>(line));
        if (m + 3 < end) {
            const CommunityState& next = all[m + 3];
            for (const auto& e : next.calendar.head(head))
                if (e.time < day_end)
                    if (const Dispute* x = next.disputes.address(e.payload.dispute)) {
                        // a slot spans two or three cache lines
                        for (const std::uintptr_t line : DisputeSlots::slot_lines(x))
                            __builtin_prefetch(reinterpret_cast<const void*>(line));
                    }
        }
        if (m + 1 < end) {
            const CommunityState& next = all[m + 1];
            const Units& u = run_.world.units;
            for (const auto& e : next.calendar.head(head)) {
                if (!(e.time < day_end) || e.payload.kind == EventKind::Lever)
                    continue;
                if (const Dispute* x = next.disputes.address(e.payload.dispute))
                    prefetch_party(u, *x);
            }
        }
        // The last day's closures that no dispute event counted (a lever's event closed them) are
        // still in their slots: the day begins by taking them out. (Decided here, in the
        // community's task, from the last day's record, which finish_day only reads.)
        if (const DayCounts& last = today_done_[m].counts;
            last.resolved + last.abandoned > cs.released_today)
            sweep(m);
        cs.released_today = 0;
        run_.today[m] = DayRecord{};
        onsets::move_in(run_, m, d);
        onsets::draw(run_, m, d);
        Site site = run_.community_site(m);
        while (cs.calendar.next_time() < day_end) { // +infinity when it is empty
            const auto ev = cs.calendar.pop();
            handle(site, ev.time, ev.payload);
        }
        // Work done at each level today (the busy-time integrals up to the day's end), and the
        // occupied units and servers present at the day's end (manager staff only where a
        // manager has staff, committee members only where the committee functions), in one pass
        // over the compounds' handlers. (Groups exist only in self-governed compounds, which
        // never lose them, and committees work only where they function: other queues hold no
        // work.)
        const Compounds& cp = run_.world.compounds;
        std::array<double, community_levels> total{};
        std::uint32_t occ = 0;
        std::array<std::uint32_t, community_levels> servers{};
        for (std::uint32_t c = run_.world.compound_begin(m); c < run_.world.compound_end(m); ++c) {
            const CompoundHandlers& h = run_.handlers[c];
            const bool self_governed = cp.manager[c] == Manager::SelfGovernance;
            if (self_governed)
                total[index(Level::SelfGovernance)] += h.sg.busy_time(day_end);
            total[index(Level::Firm)] += h.firm.busy_time(day_end);
            total[index(Level::OwnersCommittee)] += h.committee.busy_time(day_end);
            occ += cp.occupied[c];
            if (self_governed)
                servers[index(Level::SelfGovernance)] += h.sg.servers();
            if (cp.has_manager_staff(c))
                servers[index(Level::Firm)] += h.firm.servers();
            if (cp.committee[c] == Committee::Functioning)
                servers[index(Level::OwnersCommittee)] += h.committee.servers();
        }
        for (const auto& q : run_.rc_queues(m)) {
            total[index(Level::ResidentsCommittee)] += q.busy_time(day_end);
            servers[index(Level::ResidentsCommittee)] += q.servers();
        }
        DayRecord& today = run_.today[m];
        for (std::size_t k = 0; k < community_levels; ++k) {
            today.busy[k] = total[k] - cs.busy_total[k];
            cs.busy_total[k] = total[k];
        }
        today.occupied = occ;
        today.servers = servers;
        run_.outbox_sizes[m] = static_cast<std::uint32_t>(cs.outbox.size());
    }

    // ---- disputes that closed ---------------------------------------------------------------
    /// A dispute's record as the run reports it: times in days since 1 January of the first
    /// reported year, and who it concerns.
    [[nodiscard]] DisputeRecord record_of(const Dispute& x) const {
        // Times from the simulation's day 0 to days since the first reported year.
        const auto shift = static_cast<double>(run_.sc.first_reported_day());
        const World& w = run_.world;
        DisputeRecord rec = x.record;
        rec.onset -= shift;
        rec.detected -= shift;
        rec.government -= shift;
        rec.closed -= shift;
        const std::uint32_t i = rec.household;
        rec.housing = static_cast<std::uint8_t>(w.compounds.housing[rec.compound]);
        rec.village = rec.community < villages_ ? 1U : 0U;
        // rec.tenure was set at onset.
        rec.nonlocal = w.units.owner_nonlocal[i];
        return rec;
    }

    /// Takes community m's closed disputes that handle() did not count out of its slots into its
    /// `finished` list (in slot order), releasing the slots. Runs in the community's own task
    /// (or the serial phase).
    void sweep(std::uint32_t m) {
        CommunityState& cs = run_.communities[m];
        DisputeSlots& slots = cs.disputes;
        for (std::size_t k = 0; k < slots.slots(); ++k)
            if (slots.in_use(k) && slots.at_slot(k).state == DisputeState::Closed) {
                finished(cs).push_back(record_of(slots.at_slot(k)));
                slots.release(k);
            }
    }

    /// Adds a dispute's record to the run's tally, and to its records when they are kept.
    void count(const DisputeRecord& rec) {
        tally_.add(rec);
        if (record_)
            records_.push_back(rec);
    }

    /// Hands the records kept so far to the sink, if there is one.
    void hand_records() {
        if (sink_ && !records_.empty()) {
            sink_(records_);
            records_.clear();
        }
    }

    /// The closed disputes community `cs` took out of its slots on `day` (the list of the day's
    /// parity; by default the day being simulated).
    [[nodiscard]] std::vector<DisputeRecord>& finished(CommunityState& cs, int day) const {
        return cs.finished[static_cast<std::size_t>(day) & 1U];
    }
    [[nodiscard]] std::vector<DisputeRecord>& finished(CommunityState& cs) const {
        return finished(cs, run_.current_day);
    }

    /// The serial phase's part of a day's end: the day's records and the town's figures set
    /// aside for finish_day, which adds them up (now, or beside the next day's communities).
    /// Nothing here runs over the communities: each community's own end of day (whether its
    /// slots hold closures still to count) is taken at the start of its next day.
    void end_day(int d) {
        // Each community's day starts by clearing its record, so the other buffer serves it.
        run_.today.swap(today_done_);
        TownDay& t = town_done_;
        t.busy = run_.town.busy_today;
        t.department_servers = 0;
        for (const auto& q : run_.town.departments)
            t.department_servers += q.servers();
        t.coordination_servers = run_.town.coordination.servers();
        t.rc_staff = 0;
        for (const double s : run_.world.residents_committees.staff)
            t.rc_staff += s;
        pending_day_ = d;
    }

    /// The day set aside by end_day: its finished disputes counted into the tally in community
    /// order (so the tally's sums do not depend on the thread count), and its row: the
    /// communities' records added in community order, and the town's.
    void finish_day() {
        if (pending_day_ < 0)
            return;
        const int d = pending_day_;
        pending_day_ = -1;
        // The communities' lists were written during their day: in a town larger than the
        // caches their records, and the lists themselves, are misses by now. Each list is asked
        // for eight communities ahead, its first two records four ahead.
        auto& all = run_.communities;
        const std::size_t n = all.size();
        for (std::size_t m = 0; m < n; ++m) {
            if (m + 8 < n)
                __builtin_prefetch(&finished(all[m + 8], d));
            if (m + 4 < n)
                if (const std::vector<DisputeRecord>& ahead = finished(all[m + 4], d);
                    !ahead.empty()) {
                    __builtin_prefetch(ahead.data());
                    __builtin_prefetch(ahead.data() + (ahead.size() > 1 ? 1 : 0));
                }
            std::vector<DisputeRecord>& done = finished(all[m], d);
            for (const DisputeRecord& rec : done)
                count(rec);
            done.clear();
        }
        hand_records();
        const auto ds = static_cast<std::size_t>(d);
        DailyRow& row = daily_[ds];
        row.day = d - run_.sc.first_reported_day();
        row.warmup = row.day < 0;
        for (const DayRecord& today : today_done_) {
            row.onsets += today.counts.onsets;
            row.detections += today.counts.detections;
            row.resolved += today.counts.resolved;
            row.abandoned += today.counts.abandoned;
            const auto& g = today.counts.government;
            row.complaints += g[static_cast<std::size_t>(GovernmentChannel::Complaint)];
            row.grid_referrals += g[static_cast<std::size_t>(GovernmentChannel::GridReferral)];
            row.timer_escalations +=
                g[static_cast<std::size_t>(GovernmentChannel::TimerEscalation)];
            month_flows_ += today.counts.handled;
            row.households += today.occupied;
            for (std::size_t k = 0; k < community_levels; ++k) {
                row.busy_server_days[k] += today.busy[k];
                row.servers[k] += today.servers[k];
            }
        }
        const TownDay& t = town_done_;
        row.busy_server_days[index(Level::Department)] = t.busy[0];
        row.busy_server_days[index(Level::Coordination)] = t.busy[1];
        row.servers[index(Level::Department)] += t.department_servers;
        row.servers[index(Level::Coordination)] = t.coordination_servers;
        if (row.day >= 0) { // staff on the handler levels, counted daily
            Resources& r = resources_[static_cast<std::size_t>(sim::year_of(row.day))];
            constexpr double year = 1.0 / sim::days_per_year;
            r[Resource::DepartmentStaff] += row.servers[index(Level::Department)] * year;
            r[Resource::CoordinationStaff] += row.servers[index(Level::Coordination)] * year;
            r[Resource::Volunteers] += (row.servers[index(Level::SelfGovernance)] +
                                        row.servers[index(Level::OwnersCommittee)]) *
                                       year;
            r[Resource::ResidentsCommitteeStaff] += t.rc_staff * year;
        }
    }

    /// A reported month's resources that change monthly: firms' staff (the whole staff of the
    /// compounds firms manage, at their staffing), interim management, and the levers' own.
    void count_month_resources(const MonthlyRow& row) {
        Resources& r = resources_[static_cast<std::size_t>(row.month / 12)];
        const double years =
            static_cast<double>(sim::month_lengths[static_cast<std::size_t>(row.month % 12)]) /
            sim::days_per_year;
        const Compounds& cp = run_.world.compounds;
        double firm_staff = 0;
        for (std::uint32_t c = 0; c < cp.size(); ++c)
            if (cp.manager[c] == Manager::Firm)
                firm_staff += firm_decisions::full_staff(run_, c) * cp.staffing[c];
        r[Resource::FirmStaff] += firm_staff * years;
        r[Resource::InterimManagement] += row.interim_managed * years;
        for (auto& lever : run_.levers)
            lever->add_resources(run_, r, years);
    }

    // ---- the town's serial phase ----------------------------------------------------------
    void town_day(int d) {
        TownState& town = run_.town;
        // Arrivals from communities join the town calendar in community order, then in the
        // order each community produced them: never in the order threads finished.
        // The communities with arrivals are found in a compact array, so the town does not touch
        // idle ones; in a town larger than the caches each one's outbox is a miss to memory, so
        // the outboxes a few communities on are asked for while one is copied (no effect on
        // results).
        auto& senders = town_senders_;
        senders.clear();
        for (std::size_t m = 0; m < run_.communities.size(); ++m)
            if (run_.outbox_sizes[m] != 0)
                senders.push_back(static_cast<std::uint32_t>(m));
        auto& all = run_.communities;
        for (std::size_t j = 0; j < senders.size(); ++j) {
            if (j + 4 < senders.size())
                __builtin_prefetch(&all[senders[j + 4]].outbox);
            if (j + 2 < senders.size()) {
                const CommunityState& soon = all[senders[j + 2]];
                __builtin_prefetch(soon.outbox.data());
                __builtin_prefetch(soon.outbox_times.data());
            }
            CommunityState& cs = all[senders[j]];
            for (std::size_t k = 0; k < cs.outbox.size(); ++k)
                town.calendar.schedule(cs.outbox_times[k], cs.outbox[k]);
            cs.outbox.clear();
            cs.outbox_times.clear();
        }
        Site site = run_.town_site();
        const double day_end = d + 1.0;
        const Units& u = run_.world.units;
        while (!town.calendar.empty() && town.calendar.next_time() < day_end) {
            const auto ev = town.calendar.pop();
            // The disputes of the next events live in communities all over the town: their
            // communities' slot tables are asked for first (the heap's first eight entries),
            // then, once those have arrived, the slots of the nearest three (no effect on
            // results).
            const auto next = town.calendar.head(8);
            for (std::size_t k = 0; k < next.size(); ++k) {
                const Event& e = next[k].payload;
                if (e.community >= all.size())
                    continue;
                const CommunityState& owner = all[e.community];
                __builtin_prefetch(&owner.disputes);
                if (k >= 3)
                    continue;
                const Dispute* x = owner.disputes.address(e.dispute);
                if (x == nullptr)
                    continue;
                for (const std::uintptr_t line : DisputeSlots::slot_lines(x))
                    __builtin_prefetch(reinterpret_cast<const void*>(line));
                // the nearest event's household, which a closure's feedback reads and writes
                if (k == 0)
                    prefetch_party(u, *x);
            }
            handle(site, ev.time, ev.payload);
        }
        double departments = 0;
        for (const auto& q : town.departments)
            departments += q.busy_time(day_end);
        const std::array<double, 2> total{departments, town.coordination.busy_time(day_end)};
        for (std::size_t k = 0; k < 2; ++k) {
            town.busy_today[k] = total[k] - town.busy_total[k];
            town.busy_total[k] = total[k];
        }
    }

    // ---- month end -------------------------------------------------------------------------
    void community_month(std::uint32_t m, int d) {
        CommunityState& cs = run_.communities[m];
        MonthSums& sums = cs.month;
        sums = MonthSums{};
        for (std::uint32_t c = run_.world.compound_begin(m); c < run_.world.compound_end(m); ++c) {
            feedback::compound_month(run_, c, sums);
            firm_decisions::compound_month(run_, c, d, sums);
            assemblies::compound_month(run_, m, c, sums);
        }
        for (auto& lever : run_.levers)
            lever->community_month(run_, m, d);
    }

    MonthlyRow month_row(int month) {
        // Partial sums were taken per community in community_month; they are added here in
        // community order, so the row does not depend on the thread count.
        MonthlyRow row;
        row.month = month - 12 * run_.sc.run.warmup_years;
        row.warmup = row.month < 0;
        row.handled = month_flows_;
        month_flows_ = HandlerFlows{};
        MonthSums total;
        for (const auto& community : run_.communities) {
            const MonthSums& m = community.month;
            total.satisfaction += m.satisfaction;
            total.trust += m.trust;
            total.owner_satisfaction += m.owner_satisfaction;
            total.occupied += m.occupied;
            total.owners += m.owners;
            total.billed += m.billed;
            total.collected += m.collected;
            total.staffing += m.staffing;
            total.firm_managed += m.firm_managed;
            total.managed += m.managed;
            for (std::size_t k = 0; k < total.by_manager.size(); ++k)
                total.by_manager[k] += m.by_manager[k];
            row.owners_committees += m.committees;
            row.functioning_committees += m.functioning;
            row.institutions += m.institutions;
        }
        row.institutions += run_.town.month;
        constexpr double nan = std::numeric_limits<double>::quiet_NaN();
        const auto ratio = [](double a, double b) { return b > 0 ? a / b : nan; };
        row.mean_satisfaction = ratio(total.satisfaction, static_cast<double>(total.occupied));
        row.mean_trust = ratio(total.trust, static_cast<double>(total.occupied));
        row.mean_owner_satisfaction =
            ratio(total.owner_satisfaction, static_cast<double>(total.owners));
        row.fee_collection = ratio(total.collected, total.billed);
        row.mean_staffing = ratio(total.staffing, total.firm_managed);
        // Managers as they are after the serial phase (exits and tenders).
        const Compounds& cp = run_.world.compounds;
        for (std::uint32_t c = 0; c < cp.size(); ++c) {
            switch (cp.manager[c]) {
            case Manager::None:
                continue;
            case Manager::Firm:
                ++row.firm_managed;
                break;
            case Manager::Interim:
                ++row.interim_managed;
                break;
            case Manager::Collective:
                ++row.collective_managed;
                break;
            case Manager::SelfGovernance:
                ++row.self_governed;
                break;
            }
            ++row.managed_compounds;
        }
        row.residents_committees =
            static_cast<std::uint32_t>(run_.world.residents_committees.size());
        for (const double balance : run_.world.firms.balance) {
            row.firm_balance += balance;
            row.firms_in_deficit += balance < 0 ? 1U : 0U;
        }
        return row;
    }

    // ---- results ---------------------------------------------------------------------------
    RunResult collect(const RunKey& key, const RunOptions& options,
                      std::vector<MonthlyRow> monthly) {
        RunResult r;
        r.key = key;
        r.communities = static_cast<std::uint32_t>(run_.world.communities.size());
        r.compounds = static_cast<std::uint32_t>(run_.world.compounds.size());
        r.units = static_cast<std::uint32_t>(run_.world.units.size());
        r.monthly = std::move(monthly);

        // The disputes that closed since the last sweeps, then those still open, community by
        // community in slot order.
        const auto& communities = run_.communities;
        sim::parallel_for_each_index(communities.size(),
                                     [&](std::size_t m) { sweep(static_cast<std::uint32_t>(m)); });
        for (CommunityState& cs : run_.communities) {
            for (const DisputeRecord& rec : finished(cs))
                count(rec);
            finished(cs).clear();
        }
        for (const auto& community : communities) {
            const DisputeSlots& slots = community.disputes;
            for (std::size_t k = 0; k < slots.slots(); ++k)
                if (slots.in_use(k))
                    count(record_of(slots.at_slot(k)));
        }
        hand_records();

        r.daily = std::move(daily_);
        std::int64_t open = 0;
        for (DailyRow& row : r.daily) {
            open += static_cast<std::int64_t>(row.onsets) - row.resolved - row.abandoned;
            row.open = static_cast<std::uint32_t>(open);
        }
        SummaryInputs in;
        in.start_year = run_.sc.run.start_year;
        in.evaluated_from = evaluated_from(run_.sc);
        in.resources = &resources_;
        in.costs = run_.sc.costs ? &*run_.sc.costs : nullptr;
        build_summary(tally_, r.daily, r.monthly, in, r);
        if (options.record_disputes)
            r.disputes = std::move(records_);
        return r;
    }

    RunState run_;
    std::vector<DailyRow> daily_;      ///< the run's daily rows, filled day by day
    HandlerFlows month_flows_;         ///< the current month's handlings, added up day by day
    std::vector<Resources> resources_; ///< per reported year
    std::vector<MonthlyRow> monthly_;  ///< the finished months' rows
    int month_ = 0;                    ///< months finished
    int next_day_ = 0;                 ///< the first day not yet simulated
    /// the statistics of the disputes counted so far (closed, and at the end open)
    DisputeTally tally_;
    bool record_ = false;                ///< whether records_ is kept
    RecordSink sink_;                    ///< where records_ go day by day (none: kept)
    std::vector<DisputeRecord> records_; ///< the disputes counted so far, if kept
    /// The figures of a finished day that finish_day adds up, set aside by end_day.
    struct TownDay {
        std::array<double, 2> busy{}; ///< departments, coordination
        std::uint32_t department_servers = 0, coordination_servers = 0;
        double rc_staff = 0; ///< residents' committees' staff
    };
    std::vector<DayRecord> today_done_;       ///< the finished day's community records
    std::vector<std::uint32_t> town_senders_; ///< town_day's communities with arrivals (reused)
    TownDay town_done_;
    int pending_day_ = -1; ///< the day end_day set aside and finish_day has not added, or -1
    /// communities [0, villages_) were converted from villages
    std::uint32_t villages_ = village_converted_communities(run_.sc.town);
};

} // namespace

/// A run stopped at the start of a day before any of its levers acted (governance.hpp).
struct RunHistory {
    RunHistory(const Scenario& scenario, std::uint64_t seed, std::uint32_t replicate,
               const World* prebuilt, bool record_disputes, RecordSink sink)
        : loop(scenario, seed, replicate, prebuilt, record_disputes, std::move(sink)) {}
    DayLoop loop;
};

std::shared_ptr<const RunHistory> run_history(const Scenario& scenario, std::uint64_t seed,
                                              std::uint32_t replicate, int until_day,
                                              const RunOptions& options) {
    if (until_day > first_lever_day(scenario))
        throw std::logic_error("a shared history must stop before the scenario's levers act");
    auto history = std::make_shared<RunHistory>(scenario, seed, replicate, options.world.get(),
                                                options.record_disputes, options.on_records);
    history->loop.reuse_dispute_slots(options.reuse_dispute_slots);
    history->loop.arrivals_at_once(options.arrivals_at_once);
    history->loop.advance(until_day, options);
    return history;
}

int history_day(const RunHistory& history) {
    return history.loop.next_day();
}

int evaluated_from(const Scenario& s) {
    const int first = s.run.start_year, last = s.run.start_year + s.run.years - 1;
    if (!s.model.policy_start)
        return first;
    return std::clamp(first_whole_year(*s.model.policy_start), first, last);
}

RunResult run_replicate(const Scenario& scenario, std::uint64_t seed, const RunKey& key,
                        const RunOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    RunResult result;
    if (options.history) {
        if (!same_history(options.history->loop.scenario(), scenario) ||
            options.history->loop.seed() != seed ||
            options.history->loop.replicate() != key.replicate)
            throw std::logic_error("a run continues from another run's history");
        DayLoop loop(options.history->loop, scenario, options.record_disputes, options.on_records);
        loop.reuse_dispute_slots(options.reuse_dispute_slots);
        loop.arrivals_at_once(options.arrivals_at_once);
        result = loop.finish(key, options);
    } else {
        DayLoop loop(scenario, seed, key.replicate, options.world.get(), options.record_disputes,
                     options.on_records);
        loop.reuse_dispute_slots(options.reuse_dispute_slots);
        loop.arrivals_at_once(options.arrivals_at_once);
        result = loop.finish(key, options);
    }
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace govsim::models
