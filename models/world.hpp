#pragma once
// The governance world of one run: units with their owners and households, compounds,
// communities, residents' committees and property firms, synthesised deterministically from a
// town's figures (models/world.cpp). Units are grouped by compound and compounds by community,
// so that a community's agents are contiguous and a day's update streams through memory.
#include "models/agents/compounds.hpp"
#include "models/agents/firms.hpp"
#include "models/agents/residents_committees.hpp"
#include "models/agents/units.hpp"
#include "models/scenario.hpp"

#include <cstdint>
#include <vector>

namespace govsim::models {

struct Communities {
    /// compounds [first_compound[m], first_compound[m+1])
    std::vector<std::uint32_t> first_compound;
    /// residents' committees [first_committee[m], first_committee[m+1])
    std::vector<std::uint32_t> first_committee;
    [[nodiscard]] std::size_t size() const { return first_compound.size() - 1; }
};

struct World {
    Units units;
    Compounds compounds;
    Communities communities;
    ResidentsCommittees residents_committees;
    Firms firms;

    [[nodiscard]] std::uint32_t compound_begin(std::uint32_t community) const {
        return communities.first_compound[community];
    }
    [[nodiscard]] std::uint32_t compound_end(std::uint32_t community) const {
        return communities.first_compound[community + 1];
    }
};

/// The expected occupied share of a town's units on simulated day `day`: occupancy_start on
/// the first reported day, rising by occupancy_growth_per_year (backward into the warm-up as
/// well), within [0, occupancy_max].
[[nodiscard]] double occupancy_path(const TownSpec& town, int day, int first_reported_day);

/// The move-in day of a unit whose uniform rank is `rank`: the first day on which the
/// occupancy path exceeds it (0 if it already does on day 0), or `never` within `days` days.
[[nodiscard]] std::int32_t move_in_day(const TownSpec& town, double rank, int first_reported_day,
                                       int days);

/// The number of village-converted communities: round(village_converted_share * communities).
/// They are communities [0, n); their compounds draw housing types from village_housing_share.
[[nodiscard]] std::uint32_t village_converted_communities(const TownSpec& town);

/// Expected share of managed compounds per firm (by rank): r^-firm_size_exponent, normalised.
[[nodiscard]] std::vector<double> firm_portfolio_shares(const TownSpec& town);

/// Cumulative firm_portfolio_shares (the last entry is 1 up to rounding).
[[nodiscard]] std::vector<double> firm_cumulative_weights(const TownSpec& town);

/// Share of owners' committees that function in the long run: revival / (revival + dormancy),
/// the stationary share of the committees' two-state chain (all of them with no turnover).
[[nodiscard]] double committee_functioning_share(const OwnersCommitteeSpec& spec);

/// Staff of a residents' committee serving `households` (units at full occupancy).
[[nodiscard]] double residents_committee_staff(const ResidentsCommitteeSpec& spec,
                                               double households);

/// Sets a residents' committee's capacity on compound disputes, in staff-equivalents:
/// staff * dispute_share + extra (staff added by levers' duties, e.g. grid administrators).
void set_committee_capacity(World& world, const ResidentsCommitteeSpec& spec, std::uint32_t rc,
                            double extra = 0);

/// Builds the world of one run from the scenario's town figures, deterministically from
/// (seed, replicate). Nothing else in the run draws from the synthesis streams.
/// It reads exactly the parts of the scenario that same_synthesis compares.
[[nodiscard]] World synthesise_world(const Scenario& scenario, std::uint64_t seed,
                                     std::uint32_t replicate);

/// Whether synthesise_world gives the same world for both scenarios (with the same seed and
/// replicate): every part of the scenario it reads is equal. Keep in step with
/// synthesise_world: the runner shares one synthesised town between the scenarios (the
/// governance models) that pass this test.
[[nodiscard]] bool same_synthesis(const Scenario& a, const Scenario& b);

/// The onset weight of a party: 1 + w * (1 - satisfaction).
[[nodiscard]] inline double onset_weight(const HouseholdSpec& spec, double satisfaction) {
    return 1.0 + spec.onset_dissatisfaction_weight * (1.0 - satisfaction);
}

} // namespace govsim::models
