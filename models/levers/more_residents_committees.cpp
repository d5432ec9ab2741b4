// More residents' committees (Lishui, 计划增加社区居委会): communities are split so that no
// residents' committee serves more than a given number of households; each new committee has
// staff of its own (at least residents_committees.min_staff), so the town gains committees,
// staff and smaller caseloads.
#include "models/levers/fields.hpp"
#include "models/mechanisms/community_work.hpp"
#include "models/run_state.hpp"
#include "sim/config.hpp"

namespace govsim::models {
namespace {

class MoreResidentsCommittees final : public Lever {
public:
    double max_households_per_committee = 1500;

    [[nodiscard]] std::string_view name() const override { return "more_residents_committees"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<MoreResidentsCommittees>(*this);
    }
    /// The parameters of [levers.more_residents_committees], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("max_households_per_committee", l.max_households_per_committee,
              limits::households_per_unit_range());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void start(RunState& run) override {
        community_work::split_committees(run, max_households_per_committee);
    }
};

} // namespace

std::unique_ptr<Lever> read_more_residents_committees(sim::ConfigTable& t) {
    return read_fields<MoreResidentsCommittees>(t);
}

} // namespace govsim::models
