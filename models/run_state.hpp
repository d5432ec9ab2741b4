#pragma once
// The state of one run, shared by the day loop (models/day_loop.cpp), the mechanisms
// (models/mechanisms/) and the levers (models/levers/): the world, the effective parameter
// tables, each community's disputes, calendar, queues and streams, the town's departments and
// coordination, and the day's and month's records. A community's state is touched only by the
// community's own task in the parallel phase; the town's only in the serial phase.
#include "models/levers/levers.hpp"
#include "models/scenario.hpp"
#include "models/summary.hpp"
#include "models/world.hpp"
#include "sim/event_queue.hpp"
#include "sim/random.hpp"
#include "sim/service_queue.hpp"

#include <array>
#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace govsim::models {

/// The scenario's handling parameters as the levers change them, computed once per run: the
/// day loop reads these whatever levers are on, so with every lever off they are the
/// scenario's values, bit for bit.
struct Effective {
    PerCategory<double> rate{}; ///< rate_per_1000_households_per_year
    PerCategory<PerLevel<double>> service_days{}, success{};
    PerLevel<double> patience_days{};
    std::vector<std::uint32_t> department_servers;
    std::vector<double> department_intake_days;
    double coordination_intake_days = 0;
    double handoff_days = 0, routing_error_probability = 0, routing_error_days = 0;
    /// multiplies the success of joint meetings (leading group)
    double meeting_success_multiplier = 1;
    sim::Discipline discipline = sim::Discipline::Fifo;
};

/// The scenario's own tables, before any lever.
[[nodiscard]] Effective baseline_parameters(const Scenario& scenario);

enum class DisputeState : std::uint8_t { Reporting, Travelling, Waiting, InService, Closed };

/// A dispute while it lives: its record plus where it is now.
struct Dispute {
    DisputeRecord record;
    DisputeState state = DisputeState::Reporting;
    Party party = Party::Resident;
    /// found by a lever (grid patrol) before the party reported it: dispatched, not routed
    bool dispatched = false;
    /// handed into a government channel by escalation (not by a patrol's dispatch) at least
    /// once: a party who then gives up loses trust (feedback::close)
    bool escalated_to_government = false;
    /// 0 while in a queue; i + 1 while lever i holds it (a joint meeting's list)
    std::uint8_t held_by = 0;
    /// the residents' committee queue it joined (an index among its community's), kept so that
    /// it leaves the same queue if communities are split while it waits
    std::uint32_t rc_slot = 0;
    sim::ServiceQueue::Ticket ticket{};
};

enum class EventKind : std::uint8_t {
    Detect,
    Arrive,
    Complete,
    Renege,
    Lever, ///< an event of a lever (Event::lever), handled by its on_event hook
};

/// An event on a community's or the town's calendar. Disputes are addressed by
/// (community, index in that community's list).
struct Event {
    std::uint32_t community;
    std::uint32_t dispute;
    EventKind kind;
    Level level;
    std::uint8_t lever = 0; ///< for EventKind::Lever: the lever's index in the run
    std::uint8_t tag = 0;   ///< for EventKind::Lever: what the lever's event is
};

/// Handler levels inside the community (self-governance, firm, owners' committee, RC): their
/// daily busy time and servers are kept per community, indexed by level.
inline constexpr std::size_t community_levels = index(Level::Department);

struct DayCounts {
    std::uint32_t onsets = 0, detections = 0, resolved = 0, abandoned = 0;
    /// first entries into a government channel, by GovernmentChannel (index 0 unused)
    std::array<std::uint32_t, 4> government{};
    HandlerFlows handled; ///< handlings finished at each level
};

/// One community's contribution to the current day's row.
struct DayRecord {
    DayCounts counts;
    std::array<double, community_levels> busy{}; ///< server-days of the community's levels
    std::uint32_t occupied = 0;                  ///< at the end of the day
    std::array<std::uint32_t, community_levels> servers{};
};

/// A community's partial sums for the month's row.
struct MonthSums {
    double satisfaction = 0, trust = 0, owner_satisfaction = 0;
    double billed = 0, collected = 0, margin = 0, staffing = 0;
    std::uint64_t occupied = 0, owners = 0;
    std::uint32_t firm_managed = 0, managed = 0, committees = 0, functioning = 0;
    std::array<std::uint32_t, 5> by_manager{};
    InstitutionStats institutions;
};

/// Everything one community owns; its day touches nothing else but its outbox.
struct CommunityState {
    std::vector<Dispute> disputes;
    sim::EventQueue<Event> calendar;
    std::vector<sim::ServiceQueue> sg_queues;        ///< per compound (self-governance groups)
    std::vector<sim::ServiceQueue> firm_queues;      ///< per compound: the manager's staff
    std::vector<sim::ServiceQueue> committee_queues; ///< per compound: the owners' committee
    std::vector<sim::ServiceQueue> rc_queues;        ///< per residents' committee
    sim::Stream onset, detection, handling, decision, monthly, assembly;
    /// per compound (local index): the cumulative onset hazard left before its next onset, a
    /// unit exponential gap as it is drawn (mechanisms/onsets.cpp)
    std::vector<double> onset_hazard;
    std::vector<Event> outbox; ///< arrivals at town level, with their times
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
    sim::Stream handling, decision, tender;
    std::array<double, 2> busy_today{}; ///< departments, coordination
    std::array<double, 2> busy_total{};
    InstitutionStats month; ///< the serial phase's part of the month (tenders, exits)
};

/// The streams and calendar of the site (a community, or the town) handling an event.
struct Site {
    sim::EventQueue<Event>& calendar;
    sim::Stream& handling;
    sim::Stream& decision;
    CommunityState* community; ///< null for the town
};

struct RunState {
    /// Synthesises the run's world, or copies `prebuilt` if given (which must be what
    /// synthesise_world gives for this scenario, seed and replicate).
    RunState(const Scenario& scenario, std::uint64_t seed, std::uint32_t replicate,
             const World* prebuilt = nullptr);
    /// A copy of `history` — a run of a scenario with the same_history as `scenario`, stopped
    /// before any of its levers acted — that goes on under `scenario`: its levers are
    /// instantiated anew, none acting yet. Throws std::logic_error if a lever of `history`
    /// acts, or one of `scenario`'s would have started before the day `history` stopped at.
    RunState(const RunState& history, const Scenario& scenario);
    RunState(const RunState&) = delete;
    RunState& operator=(const RunState&) = delete;

    const Scenario& sc;
    const std::uint64_t seed;
    const std::uint32_t replicate;
    World world;
    Effective eff;
    /// every lever switched on, fresh for this run, in the registry's order; Event::lever and
    /// Dispute::held_by index this
    std::vector<std::unique_ptr<Lever>> all_levers;
    /// the day each of all_levers starts acting (its own start, else the model's policy start)
    std::vector<int> lever_start_day;
    /// the levers acting now, in the registry's order: the hooks the mechanisms call
    std::vector<Lever*> levers;
    std::vector<std::unique_ptr<CommunityState>> communities;
    TownState town;
    std::vector<std::uint32_t> outbox_sizes; ///< per community, set at the end of its day
    std::vector<DayRecord> today;            ///< per community: the current day's contribution
    int days = 0;
    int current_day = 0; ///< the day being simulated

    // ---- helpers shared by the mechanisms ------------------------------------------------
    [[nodiscard]] Dispute& dispute(const Event& e) {
        return communities[e.community]->disputes[e.dispute];
    }
    [[nodiscard]] const CategorySpec& category(const Dispute& x) const {
        return sc.categories[index(x.record.category)];
    }
    /// Today's counts of community m; every event counted happens today.
    DayCounts& counts(std::uint32_t m) { return today[m].counts; }
    [[nodiscard]] Site community_site(std::uint32_t m) {
        CommunityState& cs = *communities[m];
        return Site{cs.calendar, cs.handling, cs.decision, &cs};
    }
    [[nodiscard]] Site town_site() {
        return Site{town.calendar, town.handling, town.decision, nullptr};
    }
    /// The index of compound c among its community's compounds.
    [[nodiscard]] std::uint32_t local(std::uint32_t c) const {
        return c - world.compound_begin(world.compounds.community[c]);
    }
    /// The queue of the level an event names, for its dispute.
    [[nodiscard]] sim::ServiceQueue& queue(const Event& e);
    /// The slot among its community's residents' committees of the committee serving compound c.
    [[nodiscard]] std::uint32_t committee_slot(std::uint32_t c) const {
        return world.compounds.residents_committee[c] -
               world.communities.first_committee[world.compounds.community[c]];
    }
    /// Starts the levers whose start day is `day` (serial, before the day's community phase):
    /// the parameter tables are rebuilt with every lever acting, queues follow them, and each
    /// new lever's start hook runs. Returns whether any started.
    bool start_levers(int day);

private:
    /// Rebuilds eff from the scenario and the acting levers, and makes the queues follow it.
    void apply_parameters(double t);
    /// Staffs the residents' committees and gives their queues (new ones after a split) and the
    /// managers' queues their capacities.
    void staff_handlers(double t);
};

} // namespace govsim::models
