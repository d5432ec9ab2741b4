// Information platform (Denghu, 信息平台): a multi-department platform on which cases move
// between handlers: faster hand-offs, fewer routing errors, quicker intake by departments.
#include "models/levers/fields.hpp"
#include "models/run_state.hpp"
#include "sim/config.hpp"

namespace govsim::models {
namespace {

class InformationPlatform final : public Lever {
public:
    double handoff_multiplier = 0.3;       ///< every hand-off delay, and a routing error's
    double routing_error_multiplier = 0.3; ///< the routing-error probability
    double intake_delay_multiplier = 0.5;  ///< department and coordination intake delays

    [[nodiscard]] std::string_view name() const override { return "information_platform"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<InformationPlatform>(*this);
    }
    /// The parameters of [levers.information_platform], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("handoff_multiplier", l.handoff_multiplier, limits::multiplier());
        visit("routing_error_multiplier", l.routing_error_multiplier, limits::multiplier());
        visit("intake_delay_multiplier", l.intake_delay_multiplier, limits::multiplier());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void adjust(Effective& eff) const override {
        eff.handoff_days *= handoff_multiplier;
        eff.routing_error_days *= handoff_multiplier;
        eff.routing_error_probability *= routing_error_multiplier;
        for (auto& days : eff.department_intake_days)
            days *= intake_delay_multiplier;
        eff.coordination_intake_days *= intake_delay_multiplier;
    }

    /// One platform, running while the lever acts.
    void add_resources(const RunState&, Resources& r, double years) override {
        r[Resource::InformationPlatform] += years;
    }
};

} // namespace

std::unique_ptr<Lever> read_information_platform(sim::ConfigTable& t) {
    return read_fields<InformationPlatform>(t);
}

} // namespace govsim::models
