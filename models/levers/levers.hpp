#pragma once
// Governance levers (MODEL.md §5) as modules. A lever is one class in one file under
// models/levers/, holding its parameters (read from the scenario section [levers.<name>]) and
// implementing the hooks of the day loop it needs, like a Covasim intervention: adjust the
// parameter tables once, add state at the start of a run, move a detection time, take a
// dispute at coordination, add a queue deadline, act at month end, ... A named governance model
// is a list of lever sections (scenarios/models/), never a code path of its own; the day loop
// calls the hooks of the levers a scenario switches on, in the registry's order.
//
// Adding a lever: docs/levers.md.
#include "sim/calendar.hpp"
#include <cstdint>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace govsim::sim {
class ConfigTable;
}

namespace govsim::models {

enum class Level : std::uint8_t;
struct Resources;
struct Effective;
struct RunState;
struct Dispute;
struct Event;
struct Site;

/// What levers add to owners' assemblies and committees at one compound (month end).
struct AssemblyInfluence {
    /// monthly probability that an outside body (RC, party branch) convenes an assembly to
    /// elect a committee, added to the owners' own initiative
    double convening_per_month = 0;
    /// added to every owner's probability of taking part
    double turnout_bonus = 0;
    /// multiply a committee's monthly dormancy and revival probabilities
    double dormancy_multiplier = 1;
    double revival_multiplier = 1;
};

/// One governance lever: its parameters and its hooks. Each hook's default does nothing, so a
/// lever overrides only the points where its mechanism acts. A lever object is cloned for each
/// run, so it may keep per-run state; hooks called in the community phase (marked below) run
/// in parallel for different communities and must touch only that community's state (keep
/// per-community state in vectors indexed by community), and draw only from streams keyed by
/// the lever's own purposes (models/streams.hpp) so that the baseline's draws stay in place.
class Lever {
public:
    virtual ~Lever() = default;
    /// The scenario section's name, `[levers.<name>]`.
    [[nodiscard]] virtual std::string_view name() const = 0;
    [[nodiscard]] virtual std::unique_ptr<Lever> clone() const = 0;
    /// The lever's parameters as (key, value) pairs, written as in its scenario section.
    [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> parameters() const = 0;

    /// Before the run: change the parameter tables every mechanism reads (success, delays,
    /// servers, queue discipline).
    virtual void adjust(Effective&) const {}
    /// After synthesis, before day 0 (serial): add what the lever brings to the world.
    virtual void start(RunState&) {}
    /// Onset (community phase): when the dispute is detected, given the party's report time.
    /// A lever that finds it first returns the earlier time and may mark it dispatched.
    [[nodiscard]] virtual double detection_time(RunState&, std::uint32_t /*community*/, Dispute&,
                                                double report_time) {
        return report_time;
    }
    /// A dispute reaches coordination (town phase): true if the lever takes it over.
    [[nodiscard]] virtual bool take_at_coordination(RunState&, Site&, double /*t*/, const Event&) {
        return false;
    }
    /// A dispute the lever holds (taken at coordination) gives up waiting: true if it was still
    /// held, and the lever lets it go.
    [[nodiscard]] virtual bool withdraw(RunState&, const Event&) { return false; }
    /// When a dispute handed to a government level at `handed` arrives there, given the
    /// ordinary arrival time (either phase, read-only).
    [[nodiscard]] virtual double government_arrival(const RunState&, const Dispute&, Level,
                                                    double /*handed*/, double arrival) const {
        return arrival;
    }
    /// A dispute starts waiting in a handler's queue (either phase).
    virtual void on_wait(RunState&, Site&, double /*t*/, const Event&) {}
    /// An event this lever scheduled (Event::lever is its index in the run).
    virtual void on_event(RunState&, Site&, double /*t*/, const Event&) {}
    /// Added to a handler's success probability for a dispute (either phase, read-only). The
    /// day loop adds it only where the handler's own success is above 0.
    [[nodiscard]] virtual double success_bonus(const RunState&, const Dispute&, Level) const {
        return 0;
    }
    /// Month end (community phase): what the lever adds to assemblies at a compound.
    virtual void assembly_influence(const RunState&, std::uint32_t /*compound*/,
                                    AssemblyInfluence&) const {}
    /// An assembly elected a committee at a compound (community phase).
    virtual void on_committee_elected(RunState&, std::uint32_t /*community*/,
                                      std::uint32_t /*compound*/) {}
    /// Staff-equivalents of a compound's manager that the lever's duties take (read-only).
    [[nodiscard]] virtual double manager_staff_reserved(const RunState&,
                                                        std::uint32_t /*compound*/) const {
        return 0;
    }
    /// Staff-equivalents a residents' committee gains on disputes from the lever (grid
    /// administrators).
    [[nodiscard]] virtual double committee_extra_capacity(const RunState&,
                                                          std::uint32_t /*committee*/) const {
        return 0;
    }
    /// Month end (community phase), after the community's compounds had their month.
    virtual void community_month(RunState&, std::uint32_t /*community*/, int /*day*/) {}
    /// A firm left a compound (abandonment, 弃管) at the month end of `day` (serial).
    virtual void on_abandonment(RunState&, std::uint32_t /*compound*/, int /*day*/) {}
    /// Month end (serial), after firms' decisions and tenders.
    virtual void month_end(RunState&, int /*day*/) {}
    /// Month end of a reported month (serial, after month_end): adds the resources the lever
    /// itself used during the month, which lasted `years` years (models/summary.hpp Resource;
    /// staff on handler levels is counted by the day loop, not here).
    virtual void add_resources(const RunState&, Resources&, double /*years*/) {}

    /// The lever's index among the run's levers (set by the day loop; Event::lever).
    [[nodiscard]] std::uint8_t run_index() const { return run_index_; }
    void set_run_index(std::uint8_t index) { run_index_ = index; }

protected:
    Lever() = default;
    Lever(const Lever&) = default;
    Lever& operator=(const Lever&) = default;

private:
    std::uint8_t run_index_ = 0;
};

/// The levers a scenario names, each on or off, in the registry's order.
class Levers {
public:
    Levers() = default;
    Levers(const Levers& other);
    Levers& operator=(const Levers& other);
    Levers(Levers&&) noexcept = default;
    Levers& operator=(Levers&&) noexcept = default;
    ~Levers() = default;

    struct Entry {
        std::unique_ptr<Lever> lever;
        bool enabled = true;
        /// the lever's own start date (`start` in its section), else the model's policy start
        std::optional<sim::Date> start;
    };
    /// Adds a lever (replacing one of the same name), kept in the registry's order.
    void add(std::unique_ptr<Lever> lever, bool enabled, std::optional<sim::Date> start = {});
    [[nodiscard]] bool has(std::string_view name) const;
    [[nodiscard]] bool enabled(std::string_view name) const;
    /// Switches a lever the scenario names on or off; throws std::invalid_argument otherwise.
    void set_enabled(std::string_view name, bool on);
    /// Names of the levers switched on, in the registry's order.
    [[nodiscard]] std::vector<std::string> enabled_names() const;
    [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
    /// Fresh copies of the levers switched on, for one run, each with its start date.
    struct Instance {
        std::unique_ptr<Lever> lever;
        std::optional<sim::Date> start;
    };
    [[nodiscard]] std::vector<Instance> instantiate() const;
    /// The lever of type L, if the scenario names it (on or off).
    template <class L>
    [[nodiscard]] const L* find() const {
        for (const Entry& e : entries_)
            if (const auto* l = dynamic_cast<const L*>(e.lever.get()))
                return l;
        return nullptr;
    }

private:
    std::vector<Entry> entries_;
};

/// A lever type of the registry (models/levers/registry.cpp).
struct LeverType {
    std::string_view name;
    /// one line for --help and docs
    std::string_view summary;
    /// reads the lever's keys (every key but `enabled`) from its section; the caller finishes
    /// the table
    std::unique_ptr<Lever> (*read)(sim::ConfigTable&);
};

/// Every lever type, in the order the day loop calls them.
[[nodiscard]] std::span<const LeverType> lever_types();

/// The position of a lever type in lever_types(), or lever_types().size() if unknown.
[[nodiscard]] std::size_t lever_type_index(std::string_view name);

} // namespace govsim::models
