#include "models/governance.hpp"

#include "models/streams.hpp"
#include "models/summary_builder.hpp"
#include "models/world.hpp"
#include "sim/calendar.hpp"
#include "sim/event_queue.hpp"
#include "sim/parallel.hpp"
#include "sim/random.hpp"
#include "sim/service_queue.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace govsim::models {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

constexpr double inf = std::numeric_limits<double>::infinity();

enum class State : std::uint8_t { Reporting, Travelling, Waiting, InService, Closed };
enum class EventKind : std::uint8_t {
    Detect,
    Arrive,
    Complete,
    Renege,
    Deadline, ///< rapid_response: the escalation timer of a waiting dispute
    Meeting,  ///< joint_meeting: a town-level meeting (community and dispute unused)
    Takeover, ///< abandonment_takeover: interim management starts (`dispute` = the compound)
};

/// A dispute while it lives: its record plus where it is now.
struct Dispute {
    DisputeRecord record;
    State state = State::Reporting;
    bool grid_detected = false; ///< found by a grid patrol before the household reported it
    sim::ServiceQueue::Ticket ticket{};
};

/// An event on a community's or the town's calendar. Disputes are addressed by
/// (community, index in that community's list).
struct Event {
    std::uint32_t community;
    std::uint32_t dispute;
    EventKind kind;
    Level level;
};

/// Handler levels inside the community (self-governance, firm, owners' committee, RC): their
/// daily busy time and servers are kept per community, indexed by level.
constexpr std::size_t community_levels = index(Level::Department);

/// Cross-department disputes waiting for the next joint meeting (joint_meeting lever), oldest
/// onset first.
class MeetingList {
public:
    sim::ServiceQueue::Ticket add(double onset, const Event& e) {
        const sim::ServiceQueue::Ticket ticket{onset, next_id_++};
        waiting_.emplace(std::make_pair(ticket.key, ticket.id), e);
        return ticket;
    }
    /// The waiting dispute with this ticket leaves; false if it is no longer waiting.
    bool remove(const sim::ServiceQueue::Ticket& ticket) {
        return waiting_.erase(std::make_pair(ticket.key, ticket.id)) > 0;
    }
    [[nodiscard]] bool empty() const { return waiting_.empty(); }
    Event take_oldest() {
        const auto first = waiting_.begin();
        const Event e = first->second;
        waiting_.erase(first);
        return e;
    }

private:
    std::map<std::pair<double, std::uint64_t>, Event> waiting_;
    std::uint64_t next_id_ = 0;
};

/// The scenario's handling parameters as the levers change them, computed once per run: the
/// day loop reads these whatever levers are on, so a lever that is off costs nothing, and
/// with every lever off they are the scenario's values, bit for bit.
struct Effective {
    PerCategory<double> rate{}; ///< rate_per_1000_households_per_year
    PerCategory<PerLevel<double>> service_days{}, success{};
    PerLevel<double> patience_days{};
    std::vector<std::uint32_t> department_servers;
    std::vector<double> department_intake_days;
    double coordination_intake_days = 0;
    double handoff_days = 0, routing_error_probability = 0, routing_error_days = 0;
    double meeting_success = 0;
    double formation_multiplier = 1, functioning_share = 0;
};

Effective effective_parameters(const Scenario& sc) {
    const Levers& lv = sc.levers;
    Effective f;
    for (std::size_t k = 0; k < category_count; ++k) {
        const CategorySpec& cat = sc.categories[k];
        f.rate[k] = cat.rate_per_1000_households_per_year;
        f.service_days[k] = cat.service_days;
        f.success[k] = cat.success;
        // Self-governance groups exist only under their lever, with its own parameters.
        const auto sg = index(Level::SelfGovernance);
        f.service_days[k][sg] = lv.self_governance.enabled ? lv.self_governance.service_days[k] : 0;
        f.success[k][sg] = lv.self_governance.enabled ? lv.self_governance.success[k] : 0;
        if (lv.party_building.enabled)
            for (Level l : {Level::OwnersCommittee, Level::ResidentsCommittee})
                f.success[k][index(l)] = std::min(
                    1.0, f.success[k][index(l)] + lv.party_building.mediation_success_bonus);
        if (lv.leading_group.enabled)
            for (Level l : {Level::Department, Level::Coordination})
                f.success[k][index(l)] = std::min(
                    1.0, f.success[k][index(l)] * lv.leading_group.department_success_multiplier);
    }
    const auto rights = index(Category::OwnersRights);
    if (lv.party_building.enabled)
        f.rate[rights] *= lv.party_building.owners_rights_rate_multiplier;
    if (lv.rc_supervision.enabled)
        f.rate[rights] *= lv.rc_supervision.owners_rights_rate_multiplier;

    f.patience_days = sc.handlers.patience_days;
    f.patience_days[index(Level::SelfGovernance)] =
        lv.self_governance.enabled ? lv.self_governance.patience_days : 0;

    double server_multiplier = 1;
    if (lv.leading_group.enabled)
        server_multiplier *= lv.leading_group.department_server_multiplier;
    if (lv.joint_enforcement.enabled)
        server_multiplier *= lv.joint_enforcement.department_server_multiplier;
    for (const DepartmentSpec& dep : sc.handlers.departments) {
        std::uint32_t servers = dep.servers;
        if (lv.leading_group.enabled || lv.joint_enforcement.enabled)
            servers = std::max(
                servers, static_cast<std::uint32_t>(std::llround(dep.servers * server_multiplier)));
        f.department_servers.push_back(servers);
        f.department_intake_days.push_back(lv.information_platform.enabled
                                               ? dep.intake_delay_days *
                                                     lv.information_platform.intake_delay_multiplier
                                               : dep.intake_delay_days);
    }
    f.coordination_intake_days = sc.handlers.coordination_intake_delay_days;
    if (lv.information_platform.enabled)
        f.coordination_intake_days *= lv.information_platform.intake_delay_multiplier;
    // Meetings replace ad hoc convening: a dispute waits for the next meeting instead.
    if (lv.joint_meeting.enabled)
        f.coordination_intake_days = 0;

    f.handoff_days = sc.escalation.handoff_days;
    f.routing_error_probability = sc.escalation.routing_error_probability;
    f.routing_error_days = sc.escalation.routing_error_days;
    if (lv.information_platform.enabled) {
        f.handoff_days *= lv.information_platform.handoff_multiplier;
        f.routing_error_days *= lv.information_platform.handoff_multiplier;
        f.routing_error_probability *= lv.information_platform.routing_error_multiplier;
    }
    f.meeting_success = lv.joint_meeting.success;
    if (lv.leading_group.enabled)
        f.meeting_success =
            std::min(1.0, f.meeting_success * lv.leading_group.meeting_success_multiplier);
    f.formation_multiplier = committee_formation_multiplier(sc);
    f.functioning_share = committee_functioning_share(sc);
    return f;
}

struct DayCounts {
    std::uint32_t onsets = 0, detections = 0, resolved = 0, abandoned = 0, complaints = 0;
};

/// A community's contribution to the month's row.
struct MonthSums {
    double satisfaction = 0, trust = 0, margin = 0;
    std::uint64_t occupied = 0, paying = 0;
    std::uint32_t managed = 0, committees = 0, functioning = 0, abandonments = 0;
};

/// One community's contribution to the current day's row: kept in a compact array indexed by
/// community, written by the community's day and the town's serial phase, and added up in
/// community order at the end of the day.
struct DayRecord {
    DayCounts counts;
    /// server-days of the community's levels (self-governance, firm, committee, RC)
    std::array<double, community_levels> busy{};
    std::uint32_t occupied = 0; ///< at the end of the day
    std::array<std::uint32_t, community_levels> servers{};
};

/// Everything one community owns; a community's day touches nothing else but its outbox.
struct CommunityState {
    std::vector<Dispute> disputes;
    sim::EventQueue<Event> calendar;
    std::vector<sim::ServiceQueue> sg_queues;        ///< per compound (self_governance lever)
    std::vector<sim::ServiceQueue> firm_queues;      ///< per compound of the community
    std::vector<sim::ServiceQueue> committee_queues; ///< per compound of the community
    sim::ServiceQueue rc_queue{1, 0, sim::Discipline::Fifo};
    sim::Stream onset, detection, handling, decision, monthly;
    sim::Stream patrol, takeover; ///< lever streams (grid_inspection, abandonment_takeover)
    std::uint32_t sg_servers = 0; ///< self-governance volunteers of all its compounds
    std::vector<Event> outbox;    ///< arrivals at town level, with their times
    std::vector<double> outbox_times;
    /// busy-time integrals of the community's levels up to the end of the last day
    std::array<double, community_levels> busy_total{};
    MonthSums month; ///< the current month's partial sums
};

struct TownState {
    sim::EventQueue<Event> calendar;
    std::vector<Event> jobs; ///< town queue job ids index this: (community, dispute)
    std::vector<sim::ServiceQueue> departments;
    sim::ServiceQueue coordination{1, 0, sim::Discipline::Fifo};
    MeetingList meetings;  ///< joint_meeting lever: cross-department disputes waiting
    int meetings_held = 0; ///< joint_meeting lever
    sim::Stream handling, decision, meeting;
    std::vector<std::array<double, 2>> busy; ///< per day: departments, coordination
    std::array<double, 2> busy_total{};
};

class Run {
public:
    Run(const Scenario& scenario, std::uint64_t seed, std::uint32_t replicate)
        : sc_(scenario), lv_(scenario.levers), eff_(effective_parameters(scenario)),
          world_(synthesise_world(scenario, seed, replicate)), days_(scenario.days()) {
        // Rapid response: every queue serves the oldest dispute (by onset) first.
        const sim::Discipline discipline =
            lv_.rapid_response.enabled && lv_.rapid_response.oldest_first
                ? sim::Discipline::Priority
                : sim::Discipline::Fifo;
        const std::size_t n_comm = world_.communities.size();
        communities_.resize(n_comm);
        outbox_sizes_.resize(n_comm);
        today_.resize(n_comm);
        daily_.resize(static_cast<std::size_t>(days_));
        sim::parallel_for_each_index(n_comm, [&](std::size_t mi) {
            const auto m = static_cast<std::uint32_t>(mi);
            communities_[m] = std::make_unique<CommunityState>();
            CommunityState& cs = *communities_[m];
            const auto entity = stream_entity::community(m);
            cs.onset = sim::Stream(seed, replicate, entity, purpose::onset);
            cs.detection = sim::Stream(seed, replicate, entity, purpose::detection);
            cs.handling = sim::Stream(seed, replicate, entity, purpose::handling);
            cs.decision = sim::Stream(seed, replicate, entity, purpose::decision);
            cs.monthly = sim::Stream(seed, replicate, entity, purpose::monthly);
            if (lv_.grid_inspection.enabled)
                cs.patrol = sim::Stream(seed, replicate, entity, purpose::patrol);
            if (lv_.abandonment_takeover.enabled)
                cs.takeover = sim::Stream(seed, replicate, entity, purpose::takeover);
            for (std::uint32_t c = first_compound(m); c < world_.compound_end(m); ++c) {
                if (lv_.self_governance.enabled) {
                    // Volunteer mediators: max(1, round(units / 1000 x volunteers_per_1000)).
                    const auto volunteers = std::max<std::uint32_t>(
                        1, static_cast<std::uint32_t>(
                               std::llround(world_.compounds.units[c] / 1000.0 *
                                            lv_.self_governance.volunteers_per_1000_units)));
                    cs.sg_queues.emplace_back(volunteers, 0, discipline);
                    cs.sg_servers += volunteers;
                }
                cs.firm_queues.emplace_back(world_.compounds.firm_servers[c], 0, discipline);
                cs.committee_queues.emplace_back(sc_.handlers.owners_committee_servers, 0,
                                                 discipline);
            }
            cs.rc_queue = sim::ServiceQueue(world_.communities.rc_servers[m], 0, discipline);
        });
        for (const std::uint32_t servers : eff_.department_servers)
            town_.departments.emplace_back(servers, 0, discipline);
        town_.coordination = sim::ServiceQueue(sc_.handlers.coordination_servers, 0, discipline);
        town_.handling = sim::Stream(seed, replicate, stream_entity::town, purpose::handling);
        town_.decision = sim::Stream(seed, replicate, stream_entity::town, purpose::decision);
        if (lv_.joint_meeting.enabled) {
            town_.meeting = sim::Stream(seed, replicate, stream_entity::town, purpose::meeting);
            town_.calendar.schedule(lv_.joint_meeting.interval_days,
                                    Event{0, 0, EventKind::Meeting, Level::Coordination});
        }
        town_.busy.resize(static_cast<std::size_t>(days_));
    }

    RunResult simulate(const RunKey& key, const RunOptions& options) {
        int month = 0;
        std::vector<MonthlyRow> monthly;
        double firm_balance = 0;
        for (int d = 0; d < days_; ++d) {
            sim::parallel_for_each_index(communities_.size(), [&](std::size_t m) {
                community_day(static_cast<std::uint32_t>(m), d);
            });
            town_day(d);
            end_day(d);
            if (options.on_day)
                options.on_day();
            if (sim::is_month_end(d)) {
                sim::parallel_for_each_index(communities_.size(), [&](std::size_t m) {
                    community_month(static_cast<std::uint32_t>(m), d);
                });
                monthly.push_back(month_row(month++, firm_balance));
            }
        }
        return collect(key, options, std::move(monthly));
    }

private:
    // ---- helpers -------------------------------------------------------------------------
    [[nodiscard]] std::uint32_t first_compound(std::uint32_t m) const {
        return world_.communities.first_compound[m];
    }
    [[nodiscard]] const CategorySpec& category(const Dispute& x) const {
        return sc_.categories[index(x.record.category)];
    }
    [[nodiscard]] Dispute& dispute(const Event& e) {
        return communities_[e.community]->disputes[e.dispute];
    }
    [[nodiscard]] static int day_of(double t) { return static_cast<int>(t); }
    /// Today's counts of community m; every event counted happens today (time t).
    DayCounts& counts(std::uint32_t m, [[maybe_unused]] double t) {
        assert(day_of(t) == current_day_ || day_of(t) >= days_);
        return today_[m].counts;
    }

    /// Whether a handler level exists for a dispute: the firm and the owners' committee only
    /// where the compound has them, coordination only for disputes needing several departments.
    [[nodiscard]] bool available(Level level, const Dispute& x) const {
        switch (level) {
        case Level::SelfGovernance:
            // Only under its lever, and only for the categories the groups take.
            return lv_.self_governance.enabled &&
                   eff_.success[index(x.record.category)][index(Level::SelfGovernance)] > 0;
        case Level::Firm:
            return world_.compounds.firm[x.record.compound] != no_firm;
        case Level::OwnersCommittee:
            return world_.compounds.committee_functioning[x.record.compound] != 0;
        case Level::Coordination:
            return category(x).departments.size() > 1;
        default:
            return true;
        }
    }

    /// The next handler present above `level`, if any.
    [[nodiscard]] std::optional<Level> next_level(const Dispute& x, Level level) const {
        for (auto l = index(level) + 1; l < level_count; ++l)
            if (available(static_cast<Level>(l), x))
                return static_cast<Level>(l);
        return std::nullopt;
    }

    sim::ServiceQueue& queue(const Event& e) {
        CommunityState& cs = *communities_[e.community];
        const std::uint32_t local = dispute(e).record.compound - first_compound(e.community);
        switch (e.level) {
        case Level::SelfGovernance:
            return cs.sg_queues[local];
        case Level::Firm:
            return cs.firm_queues[local];
        case Level::OwnersCommittee:
            return cs.committee_queues[local];
        case Level::ResidentsCommittee:
            return cs.rc_queue;
        case Level::Department:
            return town_.departments[category(dispute(e)).departments.front()];
        case Level::Coordination:
            break;
        }
        return town_.coordination;
    }

    /// The streams and calendar of the site (a community, or the town) handling an event.
    struct Site {
        sim::EventQueue<Event>& calendar;
        sim::Stream& handling;
        sim::Stream& decision;
        CommunityState* community; ///< null for the town
    };
    Site community_site(std::uint32_t m) {
        CommunityState& cs = *communities_[m];
        return Site{cs.calendar, cs.handling, cs.decision, &cs};
    }
    Site town_site() { return Site{town_.calendar, town_.handling, town_.decision, nullptr}; }

    // ---- the community's day --------------------------------------------------------------
    void community_day(std::uint32_t m, int d) {
        CommunityState& cs = *communities_[m];
        today_[m] = DayRecord{};
        move_in(m, d);
        onsets(m, d);
        Site site = community_site(m);
        const double day_end = d + 1.0;
        while (!cs.calendar.empty() && cs.calendar.next_time() < day_end) {
            const auto ev = cs.calendar.pop();
            handle(site, ev.time, ev.payload);
        }
        // Work done at each level today: the busy-time integrals up to the day's end.
        std::array<double, community_levels> total{};
        for (const auto& q : cs.sg_queues)
            total[index(Level::SelfGovernance)] += q.busy_time(day_end);
        for (const auto& q : cs.firm_queues)
            total[index(Level::Firm)] += q.busy_time(day_end);
        for (const auto& q : cs.committee_queues)
            total[index(Level::OwnersCommittee)] += q.busy_time(day_end);
        total[index(Level::ResidentsCommittee)] = cs.rc_queue.busy_time(day_end);
        DayRecord& today = today_[m];
        for (std::size_t k = 0; k < community_levels; ++k) {
            today.busy[k] = total[k] - cs.busy_total[k];
            cs.busy_total[k] = total[k];
        }
        // Occupied households and servers present at the day's end (firm staff only in
        // managed compounds, committee members only where the committee functions).
        const Compounds& cp = world_.compounds;
        std::uint32_t occ = 0;
        std::array<std::uint32_t, community_levels> servers{};
        servers[index(Level::SelfGovernance)] = cs.sg_servers;
        servers[index(Level::ResidentsCommittee)] = cs.rc_queue.servers();
        for (std::uint32_t c = first_compound(m); c < world_.compound_end(m); ++c) {
            occ += cp.occupied[c];
            if (cp.firm[c] != no_firm)
                servers[index(Level::Firm)] += cp.firm_servers[c];
            if (cp.committee_functioning[c])
                servers[index(Level::OwnersCommittee)] += sc_.handlers.owners_committee_servers;
        }
        today.occupied = occ;
        today.servers = servers;
        outbox_sizes_[m] = static_cast<std::uint32_t>(cs.outbox.size());
    }

    /// Households whose move-in day has come join their compound's aggregates.
    void move_in(std::uint32_t m, int d) {
        Compounds& cp = world_.compounds;
        const Households& h = world_.households;
        for (std::uint32_t c = first_compound(m); c < world_.compound_end(m); ++c) {
            while (cp.occupied[c] < cp.units[c]) {
                const std::uint32_t i = cp.first_household[c] + cp.occupied[c];
                if (h.move_in_day[i] > d)
                    break;
                ++cp.occupied[c];
                cp.cars[c] += h.cars[i];
                cp.tenants[c] += h.tenant[i];
                cp.nonlocal[c] += h.nonlocal[i];
                cp.onset_weight[c] += onset_weight(sc_.households, h.satisfaction[i]);
                if (h.satisfaction[i] >= h.fee_threshold[i])
                    ++cp.paying[c];
            }
        }
    }

    [[nodiscard]] std::array<double, feature_count> features(std::uint32_t c) const {
        const Compounds& cp = world_.compounds;
        std::array<double, feature_count> f{};
        const double occ = cp.occupied[c];
        const double spaces = std::max<double>(cp.parking_spaces[c], 1.0);
        f[index(Feature::ParkingPressure)] = std::max(0.0, cp.cars[c] / spaces - 1.0);
        f[index(Feature::ServiceGap)] = 1.0 - cp.service_quality[c];
        f[index(Feature::NoOwnersCommittee)] = cp.committee_functioning[c] ? 0.0 : 1.0;
        f[index(Feature::TenantShare)] = occ > 0 ? cp.tenants[c] / occ : 0.0;
        f[index(Feature::NonlocalShare)] = occ > 0 ? cp.nonlocal[c] / occ : 0.0;
        f[index(Feature::Unmanaged)] = cp.firm[c] == no_firm ? 1.0 : 0.0;
        f[index(Feature::Resettlement)] = cp.housing[c] == HousingType::Resettlement ? 1.0 : 0.0;
        f[index(Feature::OldHousing)] = cp.housing[c] == HousingType::OldUnmanaged ? 1.0 : 0.0;
        return f;
    }

    /// Onsets: a Poisson number per compound and category, the rate being the sum of the
    /// occupied households' onset weights times the category's rate and feature effects
    /// (equivalent to every household drawing its own onsets, at a cost per event).
    void onsets(std::uint32_t m, int d) {
        CommunityState& cs = *communities_[m];
        const Compounds& cp = world_.compounds;
        const Households& h = world_.households;
        const double w_max = onset_weight(sc_.households, 0.0);
        for (std::uint32_t c = first_compound(m); c < world_.compound_end(m); ++c) {
            if (cp.occupied[c] == 0)
                continue;
            const auto f = features(c);
            for (std::size_t k = 0; k < category_count; ++k) {
                const CategorySpec& cat = sc_.categories[k];
                double mult = 1.0;
                for (std::size_t j = 0; j < feature_count; ++j)
                    mult += cat.effects[j] * f[j];
                const double rate = cp.onset_weight[c] * eff_.rate[k] / 1000.0 /
                                    sim::days_per_year * std::max(0.0, mult);
                const std::uint32_t n = cs.onset.poisson(rate);
                for (std::uint32_t r = 0; r < n; ++r) {
                    // The household: uniform over occupied ones, accepted in proportion to
                    // its onset weight (rejection sampling, exact for weights <= w_max).
                    std::uint32_t i = 0;
                    do {
                        i = cp.first_household[c] + cs.onset.below(cp.occupied[c]);
                    } while (cs.onset.uniform() * w_max >
                             onset_weight(sc_.households, h.satisfaction[i]));
                    start_dispute(m, c, i, static_cast<Category>(k), d + cs.onset.uniform());
                }
            }
        }
    }

    void start_dispute(std::uint32_t m, std::uint32_t c, std::uint32_t i, Category k, double t) {
        CommunityState& cs = *communities_[m];
        Dispute x;
        x.record.community = m;
        x.record.compound = c;
        x.record.household = i;
        x.record.category = k;
        x.record.onset = t;
        x.record.detected = nan;
        x.record.complaint = nan;
        x.record.closed = nan;
        x.record.last_level = Level::Firm; // not routed yet
        const double trust = world_.households.trust[i];
        const double delay =
            cs.detection.exponential(sc_.detection.report_delay_days *
                                     (1.0 + sc_.detection.trust_delay_elasticity * (1.0 - trust)));
        double detection = t + delay;
        if (lv_.grid_inspection.enabled) {
            // Detection at the first of the report and the first successful patrol.
            const double patrol = patrol_detection(cs, i, t);
            if (patrol < detection) {
                detection = patrol;
                x.grid_detected = true;
            }
        }
        const auto id = static_cast<std::uint32_t>(cs.disputes.size());
        cs.disputes.push_back(x);
        ++counts(m, t).onsets;
        cs.calendar.schedule(detection, Event{m, id, EventKind::Detect, Level::Firm});
    }

    /// Grid inspection: the time of the first successful patrol of household i's cell after
    /// onset t. Patrols pass every interval from the cell's phase, each finding the dispute
    /// with probability p, so the number of failed patrols is geometric: drawn at once, as
    /// floor(log(U) / log(1 - p)), rather than patrol by patrol.
    double patrol_detection(CommunityState& cs, std::uint32_t i, double t) const {
        const GridInspectionLever& grid = lv_.grid_inspection;
        const double interval = grid.inspection_interval_days;
        const double phase = world_.grid.phase[world_.cell_of(i)];
        const double p = grid.detection_probability;
        if (p <= 0.0)
            return inf;
        double patrol =
            t < phase ? phase : phase + (std::floor((t - phase) / interval) + 1.0) * interval;
        if (patrol <= t) // rounding
            patrol += interval;
        if (p < 1.0)
            patrol += std::floor(std::log1p(-cs.patrol.uniform()) / std::log1p(-p)) * interval;
        return patrol;
    }

    // ---- the lifecycle, shared by communities and the town ---------------------------------
    void handle(Site& site, double t, const Event& e) {
        switch (e.kind) {
        case EventKind::Detect:
            detect(site, t, e);
            break;
        case EventKind::Arrive:
            arrive(site, t, e);
            break;
        case EventKind::Complete:
            complete(site, t, e);
            break;
        case EventKind::Renege:
            renege(site, t, e);
            break;
        case EventKind::Deadline:
            deadline(site, t, e);
            break;
        case EventKind::Meeting:
            meeting(site, t);
            break;
        case EventKind::Takeover:
            takeover(e.dispute);
            break;
        }
    }

    /// Reported: routed to the first handler present in the compound (self-governance group,
    /// else firm, else owners' committee, else residents' committee). A routing error costs an
    /// extra hand-off. A dispute found by a grid patrol is dispatched instead.
    void detect(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        x.record.detected = t;
        ++counts(e.community, t).detections;
        if (x.grid_detected) {
            dispatch(site, t, e);
            return;
        }
        Level first = Level::ResidentsCommittee;
        for (Level l : {Level::SelfGovernance, Level::Firm, Level::OwnersCommittee})
            if (available(l, x)) {
                first = l;
                break;
            }
        double arrival = t;
        if (site.handling.bernoulli(eff_.routing_error_probability)) {
            arrival += site.handling.exponential(eff_.routing_error_days);
            ++x.record.handoffs;
        }
        x.state = State::Travelling;
        x.record.last_level = first;
        site.calendar.schedule(arrival, Event{e.community, e.dispute, EventKind::Arrive, first});
    }

    /// Grid inspection: the grid administrator sends a dispute found on patrol straight to the
    /// first handler present that can resolve its category (success > 0): no routing error,
    /// no hand-off. A referral to a department is the administrator's, not a household's
    /// escalation, so it is not a complaint.
    void dispatch(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        const auto k = index(x.record.category);
        Level target = Level::ResidentsCommittee; // if no handler can resolve it
        for (std::size_t l = 0; l < level_count; ++l) {
            const auto level = static_cast<Level>(l);
            if (eff_.success[k][l] > 0 && available(level, x)) {
                target = level;
                break;
            }
        }
        x.state = State::Travelling;
        x.record.last_level = target;
        const Event to{e.community, e.dispute, EventKind::Arrive, target};
        if (target < Level::Department)
            site.calendar.schedule(t, to);
        else
            deliver(site, to, government_arrival(site, x, target, t));
    }

    void arrive(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        if (!available(e.level, x)) {
            // The handler went away while the dispute travelled (a firm abandoned the
            // compound): it is passed on to the next handler present, without a decision.
            if (const auto next = next_level(x, e.level))
                move_to(site, t, e, *next);
            else
                close(t, e, false);
            return;
        }
        if (lv_.joint_meeting.enabled && e.level == Level::Coordination) {
            wait_for_meeting(site, t, e);
            return;
        }
        std::uint32_t job = e.dispute;
        if (!site.community) {
            job = static_cast<std::uint32_t>(town_.jobs.size());
            town_.jobs.push_back(e);
        }
        const auto admitted = queue(e).arrive(job, t, x.record.onset);
        switch (admitted.admission) {
        case sim::Admission::Started:
            start_service(site, t, e);
            break;
        case sim::Admission::Waiting:
            x.state = State::Waiting;
            x.ticket = admitted.ticket;
            site.calendar.schedule(
                t + site.handling.exponential(eff_.patience_days[index(e.level)]),
                Event{e.community, e.dispute, EventKind::Renege, e.level});
            if (lv_.rapid_response.enabled)
                site.calendar.schedule(t + lv_.rapid_response.response_deadline_days,
                                       Event{e.community, e.dispute, EventKind::Deadline, e.level});
            break;
        case sim::Admission::Rejected:
            fail(site, t, e);
            break;
        }
    }

    void start_service(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        x.state = State::InService;
        const double mean = eff_.service_days[index(x.record.category)][index(e.level)];
        site.calendar.schedule(t + site.handling.exponential(mean),
                               Event{e.community, e.dispute, EventKind::Complete, e.level});
    }

    void complete(Site& site, double t, const Event& e) {
        if (const auto next = queue(e).complete(t)) {
            const Event started = site.community
                                      ? Event{e.community, *next, EventKind::Arrive, e.level}
                                      : town_.jobs[*next];
            start_service(site, t,
                          Event{started.community, started.dispute, EventKind::Arrive, e.level});
        }
        const Dispute& x = dispute(e);
        const CategorySpec& cat = category(x);
        double p = eff_.success[index(x.record.category)][index(e.level)];
        if (e.level == Level::Department && cat.departments.size() > 1)
            p *= sc_.handlers.departments[cat.departments.front()].cross_department_success_factor;
        if (site.handling.bernoulli(p))
            close(t, e, true);
        else
            fail(site, t, e);
    }

    void renege(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        if (x.state != State::Waiting || x.record.last_level != e.level)
            return;
        const bool left = lv_.joint_meeting.enabled && e.level == Level::Coordination
                              ? town_.meetings.remove(x.ticket)
                              : queue(e).renege(x.ticket);
        if (left)
            fail(site, t, e);
    }

    /// Rapid response: a dispute still waiting when the response deadline passes is escalated
    /// by the handler to the next level present, without a household decision. At the top
    /// level present it stays.
    void deadline(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        if (x.state != State::Waiting || x.record.last_level != e.level)
            return;
        const auto next = next_level(x, e.level);
        if (next && queue(e).renege(x.ticket))
            move_to(site, t, e, *next);
    }

    /// Joint meeting: a cross-department dispute at the coordination level waits for the next
    /// meeting, and may give up meanwhile (coordination patience).
    void wait_for_meeting(Site& site, double t, const Event& e) {
        Dispute& x = dispute(e);
        x.state = State::Waiting;
        x.ticket = town_.meetings.add(x.record.onset, e);
        site.calendar.schedule(
            t + site.handling.exponential(eff_.patience_days[index(Level::Coordination)]),
            Event{e.community, e.dispute, EventKind::Renege, Level::Coordination});
    }

    /// Joint meeting at time k x interval (town phase): up to cases_per_meeting waiting
    /// disputes, oldest onset first, are resolved with the meeting's success probability or
    /// fail (the household decides what next). The next meeting is scheduled.
    void meeting(Site& site, double t) {
        const JointMeetingLever& jm = lv_.joint_meeting;
        ++town_.meetings_held;
        site.calendar.schedule((town_.meetings_held + 1) * jm.interval_days,
                               Event{0, 0, EventKind::Meeting, Level::Coordination});
        for (std::uint32_t n = 0; n < jm.cases_per_meeting && !town_.meetings.empty(); ++n) {
            const Event e = town_.meetings.take_oldest();
            dispute(e).state = State::InService;
            if (town_.meeting.bernoulli(eff_.meeting_success))
                close(t, e, true);
            else
                fail(site, t, e);
        }
    }

    /// Abandonment takeover: interim management of compound c starts. It keeps the firm's
    /// staff, gives the interim quality and stays outside firm finances (never abandons).
    void takeover(std::uint32_t c) {
        Compounds& cp = world_.compounds;
        cp.firm[c] = interim_firm;
        cp.base_quality[c] = lv_.abandonment_takeover.interim_quality;
        cp.service_quality[c] = lv_.abandonment_takeover.interim_quality;
        cp.loss_months[c] = 0;
    }

    /// Handling failed (or the household lost patience, or the queue was full): the household
    /// escalates to the next handler present, or gives up.
    void fail(Site& site, double t, const Event& e) {
        const Dispute& x = dispute(e);
        const double satisfaction = world_.households.satisfaction[x.record.household];
        const double p_escalate = sc_.escalation.escalate_base +
                                  sc_.escalation.escalate_dissatisfaction * (1.0 - satisfaction);
        std::optional<Level> next;
        if (site.decision.bernoulli(p_escalate))
            next = e.level < Level::Department &&
                           site.decision.bernoulli(sc_.escalation.direct_complaint_probability)
                       ? Level::Department
                       : next_level(x, e.level);
        // Into a government channel only if the household trusts it enough.
        if (next && *next >= Level::Department && e.level < Level::Department) {
            const double trust = world_.households.trust[x.record.household];
            if (!site.decision.bernoulli(1.0 -
                                         sc_.escalation.government_trust_weight * (1.0 - trust)))
                next.reset();
        }
        if (next)
            move_to(site, t, e, *next);
        else
            close(t, e, false);
    }

    /// Hands a dispute on to `next`, after a hand-off delay. Entering a government channel
    /// (department or coordination) for the first time is a complaint.
    void move_to(Site& site, double t, const Event& e, Level next) {
        Dispute& x = dispute(e);
        const double handed = t + site.decision.exponential(eff_.handoff_days);
        ++x.record.handoffs;
        x.state = State::Travelling;
        x.record.last_level = next;
        const Event to{e.community, e.dispute, EventKind::Arrive, next};
        if (next < Level::Department) {
            site.calendar.schedule(handed, to);
            return;
        }
        if (std::isnan(x.record.complaint)) {
            x.record.complaint = t;
            ++counts(e.community, t).complaints;
        }
        deliver(site, to, government_arrival(site, x, next, handed));
    }

    /// When a dispute handed to a government level at time t arrives there: after the
    /// level's intake delay or, under joint enforcement, at the department's next session in
    /// the dispute's community if that comes first.
    double government_arrival(Site& site, const Dispute& x, Level level, double t) {
        if (level != Level::Department)
            return t + site.decision.exponential(eff_.coordination_intake_days);
        double arrival = t + site.decision.exponential(
                                 eff_.department_intake_days[category(x).departments.front()]);
        if (lv_.joint_enforcement.enabled)
            arrival = std::min(arrival, next_session(x.record.community, t));
        return arrival;
    }

    /// Joint enforcement: departments' sessions rotate through the communities, community m's
    /// falling at interval x (m + 1/2) / communities + j x interval. The first at or after t.
    [[nodiscard]] double next_session(std::uint32_t m, double t) const {
        const double interval = lv_.joint_enforcement.presence_interval_days;
        const double phase = interval * (m + 0.5) / static_cast<double>(world_.communities.size());
        if (t <= phase)
            return phase;
        return phase + std::ceil((t - phase) / interval) * interval;
    }

    /// An arrival at a government level: from a community through its outbox (merged into
    /// the town calendar in the serial phase), from the town directly.
    void deliver(Site& site, const Event& to, double arrival) {
        if (site.community) {
            site.community->outbox.push_back(to);
            site.community->outbox_times.push_back(arrival);
        } else {
            site.calendar.schedule(arrival, to);
        }
    }

    /// Closure with feedback on the household's satisfaction and trust (and so on its onset
    /// weight, fee payment and future escalation).
    void close(double t, const Event& e, bool resolved) {
        Dispute& x = dispute(e);
        x.state = State::Closed;
        x.record.closed = t;
        x.record.outcome = resolved ? 1 : 2;
        DayCounts& dc = counts(e.community, t);
        (resolved ? dc.resolved : dc.abandoned) += 1;

        const FeedbackSpec& fb = sc_.feedback;
        Households& h = world_.households;
        const std::uint32_t i = x.record.household;
        const double open_days = t - x.record.onset;
        const double old_sat = h.satisfaction[i];
        double sat = old_sat - fb.satisfaction_per_day_open * open_days;
        double trust = h.trust[i];
        const bool government = e.level >= Level::Department;
        if (resolved) {
            sat += fb.satisfaction_resolved;
            if (government)
                trust += fb.trust_resolved_by_government;
        } else {
            sat -= fb.satisfaction_abandoned;
            if (!std::isnan(x.record.complaint))
                trust -= fb.trust_abandoned_after_complaint;
        }
        h.satisfaction[i] = static_cast<float>(std::clamp(sat, 0.0, 1.0));
        h.trust[i] = static_cast<float>(std::clamp(trust, 0.0, 1.0));
        world_.compounds.onset_weight[x.record.compound] +=
            onset_weight(sc_.households, h.satisfaction[i]) - onset_weight(sc_.households, old_sat);
    }

    /// The day's row: the communities' records added in community order, and the town's.
    void end_day(int d) {
        const auto ds = static_cast<std::size_t>(d);
        DailyRow& row = daily_[ds];
        row.day = d;
        for (const DayRecord& today : today_) {
            row.onsets += today.counts.onsets;
            row.detections += today.counts.detections;
            row.resolved += today.counts.resolved;
            row.abandoned += today.counts.abandoned;
            row.complaints += today.counts.complaints;
            row.households += today.occupied;
            for (std::size_t k = 0; k < community_levels; ++k) {
                row.busy_server_days[k] += today.busy[k];
                row.servers[k] += today.servers[k];
            }
        }
        row.busy_server_days[index(Level::Department)] = town_.busy[ds][0];
        row.busy_server_days[index(Level::Coordination)] = town_.busy[ds][1];
        for (const std::uint32_t servers : eff_.department_servers)
            row.servers[index(Level::Department)] += servers;
        row.servers[index(Level::Coordination)] = sc_.handlers.coordination_servers;
        ++current_day_;
    }

    // ---- the town's serial phase -----------------------------------------------------------
    void town_day(int d) {
        // Arrivals from communities join the town calendar in community order, then in the
        // order each community produced them: never in the order threads finished.
        for (std::size_t m = 0; m < communities_.size(); ++m) {
            if (outbox_sizes_[m] == 0)
                continue; // a compact array, so the town does not touch idle communities
            CommunityState& cs = *communities_[m];
            for (std::size_t k = 0; k < cs.outbox.size(); ++k)
                town_.calendar.schedule(cs.outbox_times[k], cs.outbox[k]);
            cs.outbox.clear();
            cs.outbox_times.clear();
        }
        Site site = town_site();
        const double day_end = d + 1.0;
        while (!town_.calendar.empty() && town_.calendar.next_time() < day_end) {
            const auto ev = town_.calendar.pop();
            handle(site, ev.time, ev.payload);
        }
        double departments = 0;
        for (const auto& q : town_.departments)
            departments += q.busy_time(day_end);
        const std::array<double, 2> total{departments, town_.coordination.busy_time(day_end)};
        for (std::size_t k = 0; k < 2; ++k) {
            town_.busy[static_cast<std::size_t>(d)][k] = total[k] - town_.busy_total[k];
            town_.busy_total[k] = total[k];
        }
    }

    // ---- month end: satisfaction drift, fees, firm finances, committees --------------------
    void community_month(std::uint32_t m, int d) {
        CommunityState& cs = *communities_[m];
        Compounds& cp = world_.compounds;
        Households& h = world_.households;
        const HouseholdSpec& hs = sc_.households;
        const FirmSpec& fs = sc_.firms;
        const HandlerSpec& hd = sc_.handlers;
        MonthSums& sums = cs.month;
        sums = MonthSums{};
        for (std::uint32_t c = first_compound(m); c < world_.compound_end(m); ++c) {
            const std::uint32_t b = cp.first_household[c];
            const std::uint32_t occ = cp.occupied[c];
            double weight = 0;
            std::uint32_t paying = 0;
            for (std::uint32_t i = b; i < b + occ; ++i) {
                sums.trust += h.trust[i];
                const double s =
                    h.satisfaction[i] +
                    hs.satisfaction_drift_per_month * (cp.service_quality[c] - h.satisfaction[i]);
                h.satisfaction[i] = static_cast<float>(std::clamp(s, 0.0, 1.0));
                weight += onset_weight(hs, h.satisfaction[i]);
                sums.satisfaction += h.satisfaction[i];
                paying += h.satisfaction[i] >= h.fee_threshold[i] ? 1U : 0U;
            }
            cp.onset_weight[c] = weight; // recomputed exactly: no drift from increments
            cp.paying[c] = paying;
            if (cp.firm[c] == interim_firm) {
                // Interim management (takeover lever): outside firm finances, fixed quality.
            } else if (cp.firm[c] != no_firm && occ > 0) {
                const double margin = fs.fee_per_unit_month * paying -
                                      fs.cost_per_unit_month * occ -
                                      fs.fixed_cost_per_unit_month * cp.units[c];
                sums.margin += margin;
                cp.loss_months[c] = margin < 0 ? cp.loss_months[c] + 1 : 0;
                if (cp.loss_months[c] >= fs.abandon_after_loss_months) {
                    // Abandonment (弃管): the firm leaves; its queue drains the cases it holds.
                    cp.firm[c] = no_firm;
                    cp.service_quality[c] = fs.unmanaged_service_quality;
                    ++sums.abandonments;
                    if (lv_.abandonment_takeover.enabled)
                        cs.calendar.schedule(
                            d + 1.0 +
                                cs.takeover.exponential(lv_.abandonment_takeover.takeover_days),
                            Event{m, c, EventKind::Takeover, Level::Firm});
                } else {
                    const double collection = static_cast<double>(paying) / occ;
                    cp.service_quality[c] =
                        cp.base_quality[c] * std::pow(collection, fs.quality_collection_elasticity);
                }
            }
            if (!cp.owners_committee[c] && occ > 0 &&
                static_cast<double>(occ) / cp.units[c] >= hd.owners_committee_formation_occupancy) {
                const double nonlocal = static_cast<double>(cp.nonlocal[c]) / occ;
                double p = hd.owners_committee_formation_per_month *
                           std::max(0.0, 1.0 - hd.owners_committee_nonlocal_penalty * nonlocal);
                if (formation_levers_)
                    p = std::min(1.0, p * eff_.formation_multiplier);
                if (cs.monthly.bernoulli(p)) {
                    cp.owners_committee[c] = 1;
                    cp.committee_functioning[c] =
                        cs.monthly.bernoulli(eff_.functioning_share) ? 1 : 0;
                }
            }
            sums.occupied += occ;
            sums.paying += paying;
            sums.managed += cp.firm[c] != no_firm ? 1U : 0U;
            sums.committees += cp.owners_committee[c];
            sums.functioning += cp.committee_functioning[c];
        }
    }

    MonthlyRow month_row(int month, double& firm_balance) {
        // Partial sums were taken per community in community_month; they are added here in
        // community order, so the row does not depend on the thread count.
        MonthlyRow row;
        row.month = month;
        MonthSums total;
        for (const auto& community : communities_) {
            const CommunityState& cs = *community;
            const MonthSums& m = cs.month;
            total.satisfaction += m.satisfaction;
            total.trust += m.trust;
            total.occupied += m.occupied;
            total.paying += m.paying;
            row.managed_compounds += m.managed;
            row.owners_committees += m.committees;
            row.functioning_committees += m.functioning;
            row.abandonments += m.abandonments;
            firm_balance += m.margin;
        }
        const double n = total.occupied > 0 ? static_cast<double>(total.occupied) : nan;
        row.mean_satisfaction = total.satisfaction / n;
        row.mean_trust = total.trust / n;
        row.fee_collection = static_cast<double>(total.paying) / n;
        row.firm_balance = firm_balance;
        return row;
    }

    // ---- results ---------------------------------------------------------------------------
    RunResult collect(const RunKey& key, const RunOptions& options,
                      std::vector<MonthlyRow> monthly) {
        RunResult r;
        r.key = key;
        r.communities = static_cast<std::uint32_t>(world_.communities.size());
        r.compounds = static_cast<std::uint32_t>(world_.compounds.size());
        r.units = static_cast<std::uint32_t>(world_.households.size());
        r.monthly = std::move(monthly);

        // Records in community order, each community's in onset order, gathered in parallel.
        std::vector<std::size_t> offset(communities_.size() + 1, 0);
        for (std::size_t m = 0; m < communities_.size(); ++m)
            offset[m + 1] = offset[m] + communities_[m]->disputes.size();
        std::vector<DisputeRecord> records(offset.back());
        sim::parallel_for_each_index(communities_.size(), [&](std::size_t m) {
            const auto& list = communities_[m]->disputes;
            for (std::size_t k = 0; k < list.size(); ++k)
                records[offset[m] + k] = list[k].record;
        });

        r.daily = std::move(daily_);
        std::int64_t open = 0;
        for (DailyRow& row : r.daily) {
            open += static_cast<std::int64_t>(row.onsets) - row.resolved - row.abandoned;
            row.open = static_cast<std::uint32_t>(open);
        }
        build_summary(records, r.daily, sc_.run.start_year, r);
        if (options.record_disputes)
            r.disputes = std::move(records);
        return r;
    }

    const Scenario& sc_;
    const Levers& lv_;
    const Effective eff_;
    /// party_building or rc_supervision on: committee formation is multiplied
    const bool formation_levers_ = lv_.party_building.enabled || lv_.rc_supervision.enabled;
    World world_;
    int days_;
    /// one heap object per community, each built (streams seeded, series allocated) by the
    /// thread that initialises it
    std::vector<std::unique_ptr<CommunityState>> communities_;
    std::vector<std::uint32_t> outbox_sizes_; ///< per community, set at the end of its day
    std::vector<DayRecord> today_;            ///< per community: the current day's contribution
    std::vector<DailyRow> daily_;             ///< the run's daily rows, filled day by day
    int current_day_ = 0;                     ///< the day being simulated (checked by counts())
    TownState town_;
};

} // namespace

RunResult run_replicate(const Scenario& scenario, std::uint64_t seed, const RunKey& key,
                        const RunOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    Run run(scenario, seed, key.replicate);
    RunResult result = run.simulate(key, options);
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace govsim::models
