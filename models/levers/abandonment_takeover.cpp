// Takeover of abandoned compounds (the district's Opinions on 物业弃管; Nanjing's public-benefit
// fallback firms): when a firm abandons a compound, an interim manager takes it over after a
// delay, with staff at full strength and a quality of its own, outside firm finances.
#include "models/levers/fields.hpp"
#include "models/mechanisms/firm_decisions.hpp"
#include "models/run_state.hpp"
#include "models/streams.hpp"
#include "sim/config.hpp"

#include <vector>

namespace govsim::models {
namespace {

class AbandonmentTakeover final : public Lever {
public:
    double takeover_days = 30;    ///< mean days from abandonment to interim management
    double interim_quality = 0.5; ///< the interim manager's service quality

    [[nodiscard]] std::string_view name() const override { return "abandonment_takeover"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<AbandonmentTakeover>(*this);
    }
    /// The parameters of [levers.abandonment_takeover], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("takeover_days", l.takeover_days, limits::days());
        visit("interim_quality", l.interim_quality, sim::NumberRange::probability());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void start(RunState& run) override {
        streams_.clear();
        for (std::size_t m = 0; m < run.world.communities.size(); ++m)
            streams_.emplace_back(run.seed, run.replicate, stream_entity::community(m),
                                  purpose::takeover);
    }

    void on_abandonment(RunState& run, std::uint32_t c, int day) override {
        const std::uint32_t m = run.world.compounds.community[c];
        run.communities[m].calendar.schedule(
            day + 1.0 + streams_[m].exponential(takeover_days),
            Event{m, c, EventKind::Lever, Level::Firm, run_index(), 0});
    }

    /// Interim management starts, unless the compound found a manager meanwhile.
    void on_event(RunState& run, Site&, double t, const Event& e) override {
        Compounds& cp = run.world.compounds;
        const std::uint32_t c = e.dispute; // the event names the compound
        if (cp.manager[c] != Manager::None)
            return;
        cp.manager[c] = Manager::Interim;
        cp.base_quality[c] = interim_quality;
        cp.staffing[c] = 1.0;
        cp.abandoned[c] = 0;
        firm_decisions::update_service(run, c, t);
    }

private:
    std::vector<sim::Stream> streams_; ///< per community
};

} // namespace

std::unique_ptr<Lever> read_abandonment_takeover(sim::ConfigTable& t) {
    return read_fields<AbandonmentTakeover>(t);
}

} // namespace govsim::models
