// Self-governance groups (Denghu / Guihuajing, 以自治团体模式管理): where no firm manages a
// compound, its residents may form a self-governance group that manages it: basic service at
// a quality of its own, and volunteers who mediate the disputes they can (docs/ODD.md §7.10).
#include "models/levers/fields.hpp"
#include "models/mechanisms/firm_decisions.hpp"
#include "models/mechanisms/handling.hpp"
#include "models/run_state.hpp"
#include "models/streams.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace govsim::models {
namespace {

class SelfGovernance final : public Lever {
public:
    /// monthly probability that residents form a group in an unmanaged, occupied compound
    double formation_per_month = 0.1;
    /// service quality of a group's management (cleaning, security by residents, repairs)
    double service_quality = 0.45;
    /// volunteer mediators per 1,000 units (at least one per group)
    double volunteers_per_1000_units = 3;
    /// per category: probability that the group's mediation resolves it (0: not taken)
    PerCategory<double> success{};
    /// per category: mean mediation time
    PerCategory<double> service_days{};
    /// mean time a party waits for the group before giving up on it
    double patience_days = 14;

    [[nodiscard]] std::string_view name() const override { return "self_governance"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<SelfGovernance>(*this);
    }
    /// The parameters of [levers.self_governance], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("formation_per_month", l.formation_per_month, sim::NumberRange::probability());
        visit("service_quality", l.service_quality, sim::NumberRange::probability());
        visit("volunteers_per_1000_units", l.volunteers_per_1000_units, limits::staff_per_1000());
        visit("success", l.success, sim::NumberRange::probability());
        visit("service_days", l.service_days, limits::days());
        visit("patience_days", l.patience_days, limits::days());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void adjust(Effective& eff) const override {
        const auto sg = index(Level::SelfGovernance);
        for (std::size_t k = 0; k < category_count; ++k) {
            eff.success[k][sg] = success[k];
            eff.service_days[k][sg] = service_days[k];
        }
        eff.patience_days[sg] = patience_days;
    }

    void start(RunState& run) override {
        streams_.clear();
        for (std::size_t m = 0; m < run.world.communities.size(); ++m)
            streams_.emplace_back(run.seed, run.replicate, stream_entity::community(m),
                                  purpose::self_governance);
    }

    void community_month(RunState& run, std::uint32_t m, int day) override {
        Compounds& cp = run.world.compounds;
        for (std::uint32_t c = run.world.compound_begin(m); c < run.world.compound_end(m); ++c) {
            if (cp.manager[c] != Manager::None || cp.occupied[c] == 0 ||
                !streams_[m].bernoulli(formation_per_month))
                continue;
            cp.manager[c] = Manager::SelfGovernance;
            cp.base_quality[c] = service_quality;
            cp.abandoned[c] = 0;
            handling::set_capacity(run, m, run.handlers[c].sg, Level::SelfGovernance,
                                   cp.units[c] / 1000.0 * volunteers_per_1000_units, day + 1.0);
            firm_decisions::update_service(run, c, day + 1.0);
        }
    }

private:
    std::vector<sim::Stream> streams_; ///< per community
};

} // namespace

std::unique_ptr<Lever> read_self_governance(sim::ConfigTable& t) {
    auto lever = read_fields<SelfGovernance>(t);
    // A group that takes a category (success > 0) must take time over it.
    const auto& l = static_cast<const SelfGovernance&>(*lever);
    for (std::size_t c = 0; c < category_count; ++c)
        if (l.success[c] > 0 && !(l.service_days[c] > 0))
            throw t.table("service_days")
                .error(category_names[c],
                       fmt::format("a positive number where success.{} > 0 ({})", category_names[c],
                                   sim::format_number(l.success[c])),
                       sim::format_number(l.service_days[c]),
                       "a category missing from service_days is 0");
    return lever;
}

} // namespace govsim::models
