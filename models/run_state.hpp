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
#include <span>
#include <stdexcept>
#include <vector>

namespace govsim::models {

/// The scenario's handling parameters as the levers change them, computed once per run: the
/// day loop reads these whatever levers are on, so with every lever off they are the
/// scenario's values, bit for bit.
struct Effective {
    PerCategory<double> rate{}; ///< rate_per_1000_households_per_year
    /// rate / 1000 / days_per_year: per unit of onset weight and day (derive() sets it)
    PerCategory<double> rate_per_weight_day{};
    PerCategory<PerLevel<double>> service_days{}, success{};
    PerLevel<double> patience_days{};
    std::vector<std::uint32_t> department_servers;
    std::vector<double> department_intake_days;
    double coordination_intake_days = 0;
    double handoff_days = 0, routing_error_probability = 0, routing_error_days = 0;
    /// multiplies the success of joint meetings (leading group)
    double meeting_success_multiplier = 1;
    sim::Discipline discipline = sim::Discipline::Fifo;
    /// The categories' feature effects and the roles that raise them, by feature (or role)
    /// then category: the scenario's, laid out so that the daily onset rates run over
    /// categories in the inner loop (onsets::rates).
    std::array<PerCategory<double>, feature_count> onset_effects{};
    std::array<PerCategory<double>, role_count> raised_by{};
};

/// The scenario's own tables, before any lever.
/// Sets the tables computed from others (rate_per_weight_day), so that the daily passes do not
/// recompute them for every compound.
void derive(Effective& eff);

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

    /// Whether the party is a tenant household: its satisfaction and trust are the unit's
    /// tenant's. Set at onset (record.tenure; a unit's let flag never changes), so that the
    /// dispute's events need not read the unit's flag.
    [[nodiscard]] bool tenant() const {
        return record.tenure == static_cast<std::uint8_t>(Tenure::Tenant);
    }
    /// The party's satisfaction and trust: the tenant's columns for a tenant household, the
    /// owner's otherwise (an owner-occupier, or the absent owner of a let or empty unit).
    [[nodiscard]] float& satisfaction(Units& u) const {
        return tenant() ? u.tenant_satisfaction[record.household]
                        : u.owner_satisfaction[record.household];
    }
    [[nodiscard]] float& trust(Units& u) const {
        return tenant() ? u.tenant_trust[record.household] : u.owner_trust[record.household];
    }
    [[nodiscard]] float satisfaction(const Units& u) const {
        return tenant() ? u.tenant_satisfaction[record.household]
                        : u.owner_satisfaction[record.household];
    }
    [[nodiscard]] float trust(const Units& u) const {
        return tenant() ? u.tenant_trust[record.household] : u.owner_trust[record.household];
    }
};

/// A community's disputes while they live, in slots that are reused: the day loop counts a
/// closed dispute into the run's tally (and its record into the run's records, when asked for)
/// and releases its slot, so the list holds the disputes open at once, not every dispute of the
/// run. Events, queue jobs and levers' lists name a dispute by its *id*: its slot in the low
/// slot_bits bits and the slot's generation (how many disputes used the slot before it) above
/// them. An id left behind by a dispute that closed (a patience or deadline timer still on the
/// calendar) never reaches the dispute that reuses its slot: it reads a closed dispute, as it
/// read its own closed dispute before slots were reused, so the run's results do not change.
/// A slot whose generations run out is retired, never reused (so an id is never issued twice).
class DisputeSlots {
public:
    static constexpr unsigned slot_bits = 22;
    static constexpr std::uint32_t slot_mask = (std::uint32_t{1} << slot_bits) - 1;
    /// Generations a slot serves before it is retired.
    static constexpr std::uint32_t generations = (std::uint32_t{1} << (32 - slot_bits)) - 1;

    /// The dispute `id` names; a closed dispute if it was released (its slot reused or free).
    [[nodiscard]] Dispute& operator[](std::uint32_t id) {
        Slot& s = slots_[id & slot_mask];
        if (s.id == id) [[likely]]
            return s.dispute;
        return stale();
    }
    /// The id push_back gives the next dispute (not a count of disputes).
    [[nodiscard]] std::uint32_t next_id() const {
        if (!free_.empty()) {
            const Slot& s = slots_[free_.back()];
            return free_.back() | (s.generation << slot_bits);
        }
        if (slots_.size() > slot_mask)
            throw std::length_error("more than 4,194,303 disputes open at once in one community");
        return static_cast<std::uint32_t>(slots_.size());
    }
    /// Stores a new dispute under the id next_id() gave.
    void push_back(const Dispute& x) {
        const std::uint32_t id = next_id();
        if (free_.empty())
            slots_.emplace_back();
        else
            free_.pop_back();
        Slot& s = slots_[id & slot_mask];
        s.dispute = x;
        s.id = id;
    }

    /// Where the free list's top is kept (it names the slot push_back fills next), for a
    /// prefetch; null if no slot is free.
    [[nodiscard]] const std::uint32_t* free_top() const {
        return free_.empty() ? nullptr : &free_.back();
    }
    /// The free slot push_back fills next, for a prefetch (reads the free list's top); null if
    /// none is free (the next dispute takes a new slot at the end).
    [[nodiscard]] const Dispute* next_free() const {
        return free_.empty() ? nullptr : &slots_[free_.back()].dispute;
    }
    /// Where the dispute with `id` is kept (or last was), for a prefetch; null if no such slot.
    [[nodiscard]] const Dispute* address(std::uint32_t id) const {
        const std::size_t k = id & slot_mask;
        return k < slots_.size() ? &slots_[k].dispute : nullptr;
    }
    /// The cache lines of the slot that starts at `address(id)`, as addresses to prefetch: its
    /// start, 64 bytes on and its last byte (its id, which a lookup reads). Integers, not
    /// pointers: the slot may be the vector's last, and a prefetch reads nothing.
    [[nodiscard]] static std::array<std::uintptr_t, 3> slot_lines(const Dispute* x) {
        const auto start = reinterpret_cast<std::uintptr_t>(x);
        return {start, start + 64, start + sizeof(Slot) - 1};
    }
    [[nodiscard]] const Dispute& operator[](std::size_t id) const {
        const Slot& s = slots_[id & slot_mask];
        return s.id == id ? s.dispute : closed_;
    }
    /// Whether no dispute is in a slot.
    [[nodiscard]] bool empty() const { return free_.size() + retired_ == slots_.size(); }

    /// The disputes in the slots, in slot order (skipping free slots).
    class const_iterator {
    public:
        using value_type = Dispute;
        using difference_type = std::ptrdiff_t;
        const_iterator() = default;
        const Dispute& operator*() const { return slots_->at_slot(k_); }
        const Dispute* operator->() const { return &slots_->at_slot(k_); }
        const_iterator& operator++() {
            ++k_;
            skip();
            return *this;
        }
        const_iterator operator++(int) {
            const_iterator old = *this;
            ++*this;
            return old;
        }
        bool operator==(const const_iterator& o) const { return k_ == o.k_; }

    private:
        friend class DisputeSlots;
        const_iterator(const DisputeSlots* slots, std::size_t k) : slots_(slots), k_(k) { skip(); }
        void skip() {
            while (k_ < slots_->slots() && !slots_->in_use(k_))
                ++k_;
        }
        const DisputeSlots* slots_ = nullptr;
        std::size_t k_ = 0;
    };
    [[nodiscard]] const_iterator begin() const { return {this, 0}; }
    [[nodiscard]] const_iterator end() const { return {this, slots_.size()}; }

    // ---- for the day loop, slot by slot ---------------------------------------------------
    [[nodiscard]] std::size_t slots() const { return slots_.size(); }
    [[nodiscard]] bool in_use(std::size_t slot) const { return slots_[slot].id != free_id; }
    [[nodiscard]] const Dispute& at_slot(std::size_t slot) const { return slots_[slot].dispute; }
    /// Frees a slot in use: ids naming it read a closed dispute from now on.
    void release(std::size_t slot) {
        Slot& s = slots_[slot];
        s.id = free_id;
        if (++s.generation < generations && reuse_)
            free_.push_back(static_cast<std::uint32_t>(slot));
        else
            ++retired_;
    }
    /// Slots retired (never to be reused).
    [[nodiscard]] std::size_t retired() const { return retired_; }

    /// Whether released slots are reused (true; RunOptions::reuse_dispute_slots switches it
    /// off, to check that reusing them changes no result).
    void set_reuse(bool reuse) { reuse_ = reuse; }

private:
    bool reuse_ = true;
    /// never issued: the last slot's last generation, which retires the slot
    static constexpr std::uint32_t free_id = ~std::uint32_t{0};
    struct Slot {
        Dispute dispute;
        std::uint32_t id = free_id;   ///< the id of the dispute in it, free_id when free
        std::uint32_t generation = 0; ///< of the dispute in it, or of the next one
    };
    Dispute& stale() {
        closed_ = closed_dispute();
        return closed_;
    }
    static Dispute closed_dispute() {
        Dispute x;
        x.state = DisputeState::Closed;
        return x;
    }
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_;   ///< free slots, the last freed on top
    std::size_t retired_ = 0;           ///< slots whose generations ran out
    Dispute closed_ = closed_dispute(); ///< what a released id reads
};

enum class EventKind : std::uint8_t {
    Detect,
    Arrive,
    Complete,
    Renege,
    Lever, ///< an event of a lever (Event::lever), handled by its on_event hook
};

/// An event on a community's or the town's calendar. Disputes are addressed by
/// (community, id in that community's DisputeSlots).
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

/// A compound's handlers and onset clock. The run keeps one per compound in compound order (so
/// in community order), beside each other: a community's day reads its compounds' records in
/// one sweep of memory instead of one heap block per kind of queue.
struct CompoundHandlers {
    CompoundHandlers(std::uint32_t committee_servers, sim::Discipline discipline)
        : firm(1, 0, discipline), committee(committee_servers, 0, discipline),
          sg(1, 0, discipline) {}
    /// the cumulative onset hazard left before the compound's next onset, a unit exponential
    /// gap as it is drawn (mechanisms/onsets.cpp)
    double onset_hazard = 0;
    /// the total of the compound's onset rates (onsets::rates, onsets::total) when they were
    /// last computed, current while `rates_current`: every change to an input of the rates
    /// clears the flag (onsets::inputs_changed), and the next day's draw computes them afresh
    double rates_total = 0;
    std::int32_t next_move_in = never; ///< move-in day of its next unit to be occupied
    bool rates_current = false;
    sim::ServiceQueue firm;      ///< the manager's staff
    sim::ServiceQueue committee; ///< the owners' committee
    sim::ServiceQueue sg;        ///< the self-governance group
};

/// Everything one community owns but its compounds' handlers (RunState::handlers) and its
/// residents' committees' queues (RunState::rc_queues); its day touches nothing else but its
/// outbox. Aligned to a cache line: communities lie side by side and neighbours may be
/// written by different threads.
struct alignas(64) CommunityState {
    DisputeSlots disputes;
    /// closed disputes taken out of `disputes`, with their times in reported days and equity
    /// fields filled, until the day loop adds them to the tally: those taken out on even days
    /// in [0], on odd days in [1], so that a day's list is added up beside the next day's
    /// communities (DayLoop::finish_day) while they fill the other (models/day_loop.cpp)
    std::array<std::vector<DisputeRecord>, 2> finished;
    /// disputes released since the community's day began (closed by their own events, in its
    /// day or the town's): if fewer than the day's closures (a lever's event closed the others),
    /// the next day begins by looking for them (DayLoop::community_day)
    std::uint32_t released_today = 0;
    /// the earliest of its compounds' next move-in days (CompoundHandlers::next_move_in): a day
    /// before it, the move-in step skips the community's compounds (0 until the first step)
    std::int32_t next_move_in = 0;
    sim::EventQueue<Event> calendar;
    sim::Stream onset, detection, handling, decision, monthly, assembly;
    std::vector<Event> outbox; ///< arrivals at town level, with their times
    std::vector<double> outbox_times;
    /// busy-time integrals of the community's levels up to the end of the last day
    std::array<double, community_levels> busy_total{};
    MonthSums month; ///< the current month's partial sums
};

struct TownState {
    sim::EventQueue<Event> calendar;
    /// town queue job ids index this: (community, dispute) of a job waiting in a town queue;
    /// an id is free again once its job leaves the waiting room (free_jobs, the last freed on
    /// top), so the table holds as many jobs as ever waited at once, not every arrival
    std::vector<Event> jobs;
    std::vector<std::uint32_t> free_jobs;
    [[nodiscard]] std::uint32_t add_job(const Event& e) {
        if (free_jobs.empty()) {
            jobs.push_back(e);
            return static_cast<std::uint32_t>(jobs.size() - 1);
        }
        const std::uint32_t id = free_jobs.back();
        free_jobs.pop_back();
        jobs[id] = e;
        return id;
    }
    /// The job with `id`, whose id is then free.
    [[nodiscard]] Event take_job(std::uint32_t id) {
        free_jobs.push_back(id);
        return jobs[id];
    }
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
    /// per community, beside each other (a day's pass runs through them in order)
    std::vector<CommunityState> communities;
    /// per compound: its handlers' queues and onset clock
    std::vector<CompoundHandlers> handlers;
    /// per compound: its onset rates by category and role when they were last computed
    /// (onsets::rates; their total is CompoundHandlers::rates_total, current with it), read
    /// only on a day with an onset
    std::vector<std::array<double, category_count * role_count>> onset_cells;
    /// every community's residents' committees' queues, community after community: community
    /// m's are [rc_first[m], rc_first[m + 1]), in the order of its committee slots
    std::vector<sim::ServiceQueue> rc_queues_all;
    std::vector<std::uint32_t> rc_first;
    TownState town;
    std::vector<std::uint32_t> outbox_sizes; ///< per community, set at the end of its day
    std::vector<DayRecord> today;            ///< per community: the current day's contribution
    int days = 0;
    int current_day = 0; ///< the day being simulated
    /// An arrival due now, with nothing else due now, is handled at once (routing.cpp;
    /// RunOptions::arrivals_at_once)
    bool arrivals_at_once = true;

    // ---- helpers shared by the mechanisms ------------------------------------------------
    [[nodiscard]] Dispute& dispute(const Event& e) {
        return communities[e.community].disputes[e.dispute];
    }
    [[nodiscard]] const CategorySpec& category(const Dispute& x) const {
        return sc.categories[index(x.record.category)];
    }
    /// Today's counts of community m; every event counted happens today.
    DayCounts& counts(std::uint32_t m) { return today[m].counts; }
    [[nodiscard]] Site community_site(std::uint32_t m) {
        CommunityState& cs = communities[m];
        return Site{cs.calendar, cs.handling, cs.decision, &cs};
    }
    [[nodiscard]] Site town_site() {
        return Site{town.calendar, town.handling, town.decision, nullptr};
    }
    /// The index of compound c among its community's compounds.
    [[nodiscard]] std::uint32_t local(std::uint32_t c) const {
        return c - world.compound_begin(world.compounds.community[c]);
    }
    /// Community m's residents' committees' queues, by committee slot.
    [[nodiscard]] std::span<sim::ServiceQueue> rc_queues(std::uint32_t m) {
        return {rc_queues_all.data() + rc_first[m], rc_first[m + 1] - rc_first[m]};
    }
    [[nodiscard]] std::span<const sim::ServiceQueue> rc_queues(std::uint32_t m) const {
        return {rc_queues_all.data() + rc_first[m], rc_first[m + 1] - rc_first[m]};
    }
    /// The queue of the level an event names, for its dispute.
    [[nodiscard]] sim::ServiceQueue& queue(const Event& e);
    /// Takes the event's dispute out of the waiting room of its level's queue (a renege);
    /// whether it was waiting there. A town queue's job id is freed.
    bool leave_queue(const Event& e, const sim::ServiceQueue::Ticket& ticket) {
        const auto job = queue(e).withdraw(ticket);
        if (job && e.level >= Level::Department)
            (void)town.take_job(*job);
        return job.has_value();
    }
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
