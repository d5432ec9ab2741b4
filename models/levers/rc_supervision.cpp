// Residents' committees guide and supervise owners' committees (the district's Opinions,
// 加强居委会对业主委员会的指导和监督): the residents' committee helps convene owners'
// assemblies (calling one is the main obstacle) and gathers votes, and it corrects committees
// that fail their owners: supervised committees go dormant less often and revive sooner.
#include "models/levers/fields.hpp"
#include "models/run_state.hpp"
#include "sim/config.hpp"

namespace govsim::models {
namespace {

class RcSupervision final : public Lever {
public:
    /// monthly probability that the RC convenes an assembly where no committee exists
    double convening_per_month = 0.03;
    /// added to owners' turnout (ballots collected door to door, proxies for absent owners)
    double turnout_bonus = 0.1;
    double dormancy_multiplier = 0.5;
    double revival_multiplier = 2;

    [[nodiscard]] std::string_view name() const override { return "rc_supervision"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<RcSupervision>(*this);
    }
    /// The parameters of [levers.rc_supervision], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("convening_per_month", l.convening_per_month, sim::NumberRange::probability());
        visit("turnout_bonus", l.turnout_bonus, sim::NumberRange::probability());
        visit("dormancy_multiplier", l.dormancy_multiplier, limits::multiplier());
        visit("revival_multiplier", l.revival_multiplier, limits::multiplier());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void assembly_influence(const RunState&, std::uint32_t,
                            AssemblyInfluence& influence) const override {
        influence.convening_per_month += convening_per_month;
        influence.turnout_bonus += turnout_bonus;
        influence.dormancy_multiplier *= dormancy_multiplier;
        influence.revival_multiplier *= revival_multiplier;
    }
};

} // namespace

std::unique_ptr<Lever> read_rc_supervision(sim::ConfigTable& t) {
    return read_fields<RcSupervision>(t);
}

} // namespace govsim::models
