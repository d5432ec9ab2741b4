// Party building and the "two committees" (Shenzhen, 党组织扎根居民区): party branches rooted
// in compounds, and party members on owners' committees (cross-membership of the community
// party committee with the residents' and owners' committees). Where a branch exists it helps
// convene owners' assemblies and brings owners out to vote, and the residents' committee
// mediates its compound's disputes better; a committee with party members works more steadily
// and mediates better; where such a committee functions beside a branch, the two committees
// cooperate and owners'-rights disputes arise less often. Bonuses act only where a handler can
// resolve a category at all (the day loop adds them only to success above 0).
#include "models/levers/fields.hpp"
#include "models/mechanisms/onsets.hpp"
#include "models/run_state.hpp"
#include "models/streams.hpp"
#include "sim/config.hpp"

#include <vector>

namespace govsim::models {
namespace {

class PartyBuilding final : public Lever {
public:
    /// share of compounds with a party branch once the lever acts
    double branch_share = 0.6;
    /// share of owners' committees (existing and newly elected) with party members
    double cross_membership_share = 0.5;
    /// monthly probability that a branch convenes an assembly to elect a committee
    double convening_per_month = 0.03;
    /// added to owners' turnout where a branch mobilises
    double turnout_bonus = 0.1;
    /// multiply a cross-member committee's dormancy / revival probabilities
    double dormancy_multiplier = 0.5;
    double revival_multiplier = 2;
    /// added to the success of owners' committees with party members and of the RC in
    /// compounds with a branch, where that success is above 0
    double mediation_success_bonus = 0.1;
    /// multiplies the owners'-rights onset rate where the two committees cooperate
    double owners_rights_rate_multiplier = 0.7;

    [[nodiscard]] std::string_view name() const override { return "party_building"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<PartyBuilding>(*this);
    }
    /// The parameters of [levers.party_building], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("branch_share", l.branch_share, sim::NumberRange::probability());
        visit("cross_membership_share", l.cross_membership_share, sim::NumberRange::probability());
        visit("convening_per_month", l.convening_per_month, sim::NumberRange::probability());
        visit("turnout_bonus", l.turnout_bonus, sim::NumberRange::probability());
        visit("dormancy_multiplier", l.dormancy_multiplier, limits::multiplier());
        visit("revival_multiplier", l.revival_multiplier, limits::multiplier());
        visit("mediation_success_bonus", l.mediation_success_bonus,
              sim::NumberRange::probability());
        visit("owners_rights_rate_multiplier", l.owners_rights_rate_multiplier,
              limits::multiplier());
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    void start(RunState& run) override {
        const Compounds& cp = run.world.compounds;
        branch_.assign(cp.size(), 0);
        cross_.assign(cp.size(), 0);
        streams_.clear();
        for (std::uint32_t m = 0; m < run.world.communities.size(); ++m) {
            streams_.emplace_back(run.seed, run.replicate, stream_entity::community(m),
                                  purpose::party);
            for (std::uint32_t c = run.world.compound_begin(m); c < run.world.compound_end(m);
                 ++c) {
                branch_[c] = streams_[m].bernoulli(branch_share) ? 1 : 0;
                if (cp.committee[c] != Committee::None)
                    cross_[c] = streams_[m].bernoulli(cross_membership_share) ? 1 : 0;
            }
            cooperation(run, m);
        }
    }

    /// The compounds' party branches, while the lever acts.
    void add_resources(const RunState&, Resources& r, double years) override {
        double branches = 0;
        for (const auto b : branch_)
            branches += b;
        r[Resource::PartyBranches] += branches * years;
    }

    void on_committee_elected(RunState&, std::uint32_t m, std::uint32_t c) override {
        cross_[c] = streams_[m].bernoulli(cross_membership_share) ? 1 : 0;
    }

    void assembly_influence(const RunState&, std::uint32_t c,
                            AssemblyInfluence& influence) const override {
        if (branch_[c]) {
            influence.convening_per_month += convening_per_month;
            influence.turnout_bonus += turnout_bonus;
        }
        if (cross_[c]) {
            influence.dormancy_multiplier *= dormancy_multiplier;
            influence.revival_multiplier *= revival_multiplier;
        }
    }

    [[nodiscard]] double success_bonus(const RunState&, const Dispute& x,
                                       Level level) const override {
        const std::uint32_t c = x.record.compound;
        if ((level == Level::OwnersCommittee && cross_[c]) ||
            (level == Level::ResidentsCommittee && branch_[c]))
            return mediation_success_bonus;
        return 0;
    }

    void community_month(RunState& run, std::uint32_t m, int) override { cooperation(run, m); }

private:
    /// Owners'-rights onsets are less frequent where a branch and a functioning committee with
    /// party members work together.
    void cooperation(RunState& run, std::uint32_t m) const {
        Compounds& cp = run.world.compounds;
        const auto rights = index(Category::OwnersRights);
        for (std::uint32_t c = run.world.compound_begin(m); c < run.world.compound_end(m); ++c) {
            const bool two_committees =
                branch_[c] && cross_[c] && cp.committee[c] == Committee::Functioning;
            const float multiplier =
                two_committees ? static_cast<float>(owners_rights_rate_multiplier) : 1.0F;
            if (cp.onset_multiplier[c][rights] != multiplier) {
                cp.onset_multiplier[c][rights] = multiplier;
                onsets::inputs_changed(run, c);
            }
        }
    }

    std::vector<std::uint8_t> branch_; ///< per compound: a party branch
    std::vector<std::uint8_t> cross_;  ///< per compound: its committee has party members
    std::vector<sim::Stream> streams_; ///< per community
};

} // namespace

std::unique_ptr<Lever> read_party_building(sim::ConfigTable& t) {
    return read_fields<PartyBuilding>(t);
}

} // namespace govsim::models
