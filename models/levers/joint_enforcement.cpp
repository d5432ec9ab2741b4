// Joint enforcement (Lishui, Shenzhen, 联合执法进社区): departments hold sessions in each
// community on a schedule, so a complaint can reach its department at the next session, and
// enforcement in compounds becomes routine work (more case handlers).
#include "models/levers/fields.hpp"
#include "models/run_state.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <cmath>

namespace govsim::models {
namespace {

class JointEnforcement final : public Lever {
public:
    double presence_interval_days = 7;         ///< days between sessions in a community
    double department_server_multiplier = 1.5; ///< department servers (rounded, >= original)

    [[nodiscard]] std::string_view name() const override { return "joint_enforcement"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<JointEnforcement>(*this);
    }
    /// The parameters of [levers.joint_enforcement], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("presence_interval_days", l.presence_interval_days, limits::interval_days());
        visit("department_server_multiplier", l.department_server_multiplier,
              limits::server_multiplier());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void adjust(Effective& eff) const override {
        for (auto& servers : eff.department_servers)
            servers = std::max(servers, static_cast<std::uint32_t>(
                                            std::llround(servers * department_server_multiplier)));
    }

    /// A complaint reaches its department at the first of the ordinary intake and the
    /// community's next session after the hand-off. Sessions rotate through the communities:
    /// community m's at interval x (m + 1/2) / communities + j x interval.
    [[nodiscard]] double government_arrival(const RunState& run, const Dispute& x, Level level,
                                            double handed, double arrival) const override {
        if (level != Level::Department)
            return arrival;
        const double interval = presence_interval_days;
        const double phase = interval * (x.record.community + 0.5) /
                             static_cast<double>(run.world.communities.size());
        const double session =
            handed <= phase ? phase : phase + std::ceil((handed - phase) / interval) * interval;
        return std::min(arrival, session);
    }
};

} // namespace

std::unique_ptr<Lever> read_joint_enforcement(sim::ConfigTable& t) {
    return read_fields<JointEnforcement>(t);
}

} // namespace govsim::models
