// Leading group (Lishui, 领导小组): a leading group for compound governance chaired by the
// town head gives departments and joint meetings priority.
#include "models/levers/fields.hpp"
#include "models/run_state.hpp"
#include "sim/config.hpp"

#include <algorithm>
#include <cmath>

namespace govsim::models {
namespace {

class LeadingGroup final : public Lever {
public:
    double department_success_multiplier = 1.2; ///< department and coordination success, capped
    double department_server_multiplier = 1.5;  ///< department servers (rounded, >= original)
    double meeting_success_multiplier = 1.1;    ///< joint meetings' success, capped

    [[nodiscard]] std::string_view name() const override { return "leading_group"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<LeadingGroup>(*this);
    }
    /// The parameters of [levers.leading_group], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("department_success_multiplier", l.department_success_multiplier,
              limits::multiplier());
        visit("department_server_multiplier", l.department_server_multiplier,
              limits::server_multiplier());
        visit("meeting_success_multiplier", l.meeting_success_multiplier, limits::multiplier());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void adjust(Effective& eff) const override {
        for (auto& success : eff.success)
            for (Level l : {Level::Department, Level::Coordination})
                success[index(l)] =
                    std::min(1.0, success[index(l)] * department_success_multiplier);
        for (auto& servers : eff.department_servers)
            servers = std::max(servers, static_cast<std::uint32_t>(
                                            std::llround(servers * department_server_multiplier)));
        eff.meeting_success_multiplier *= meeting_success_multiplier;
    }
};

} // namespace

std::unique_ptr<Lever> read_leading_group(sim::ConfigTable& t) {
    return read_fields<LeadingGroup>(t);
}

} // namespace govsim::models
