#pragma once
// The governance world of one run: households, compounds and communities as
// structure-of-arrays stores, synthesised deterministically from a town's figures.
// Households are grouped by compound and compounds by community, so that a community's
// agents are contiguous and a day's update streams through memory. Within a compound,
// households are ordered by the day they move in, so the occupied ones are a prefix.
#include "models/scenario.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace govsim::models {

inline constexpr std::int32_t never = std::numeric_limits<std::int32_t>::max();
inline constexpr std::int32_t no_firm = -1;

/// Households, one entry per dwelling unit (an unoccupied unit is a household not yet moved in).
struct Households {
    std::vector<std::uint32_t> compound;
    std::vector<std::int32_t> move_in_day; ///< first occupied day; `never` if it stays empty
    std::vector<std::uint8_t> tenant;      ///< 1 tenant household (owner absent), 0 owner-occupier
    std::vector<std::uint8_t> nonlocal;    ///< 1 when the unit's owner is not a Foshan resident
    std::vector<std::uint8_t> cars;
    std::vector<float> satisfaction;  ///< with service, in [0, 1]
    std::vector<float> trust;         ///< in institutions, in [0, 1]
    std::vector<float> fee_threshold; ///< pays while satisfaction >= threshold

    [[nodiscard]] std::size_t size() const { return compound.size(); }
    void resize(std::size_t n);
};

/// Compounds (小区). Aggregates over *occupied* households are kept up to date as households
/// move in and as their satisfaction changes.
struct Compounds {
    std::vector<std::uint32_t> community;
    std::vector<std::uint32_t> first_household;
    std::vector<std::uint32_t> units;
    std::vector<HousingType> housing;
    std::vector<std::uint32_t> parking_spaces;
    std::vector<std::int32_t> firm;   ///< managing firm, or no_firm
    std::vector<double> base_quality; ///< the firm's service quality at full collection
    std::vector<double>
        service_quality; ///< current quality (firms.unmanaged_service_quality when unmanaged)
    std::vector<std::uint32_t> firm_servers;    ///< firm staff handling disputes here
    std::vector<std::uint32_t> loss_months;     ///< consecutive loss-making months
    std::vector<std::uint8_t> owners_committee; ///< an owners' committee exists
    std::vector<std::uint8_t> committee_functioning;
    // Aggregates over occupied households.
    std::vector<std::uint32_t> occupied;
    std::vector<std::uint32_t> cars;
    std::vector<std::uint32_t> tenants;
    std::vector<std::uint32_t> nonlocal;
    std::vector<std::uint32_t> paying; ///< households paying their fee (updated monthly)
    std::vector<double> onset_weight;  ///< sum of household onset weights

    [[nodiscard]] std::size_t size() const { return community.size(); }
    void resize(std::size_t n);
};

struct Communities {
    std::vector<std::uint32_t>
        first_compound;                    ///< compounds [first_compound[c], first_compound[c+1])
    std::vector<std::uint32_t> rc_servers; ///< residents'-committee staff on compound disputes
    [[nodiscard]] std::size_t size() const { return rc_servers.size(); }
};

struct World {
    Households households;
    Compounds compounds;
    Communities communities;
    std::uint32_t firms = 0;
    std::vector<double> firm_quality; ///< per firm, at full fee collection

    [[nodiscard]] std::uint32_t compound_end(std::uint32_t community) const {
        return communities.first_compound[community + 1];
    }
};

/// Builds the world of one run from the scenario's town figures, deterministically from
/// (seed, replicate). Nothing else in the run draws from the synthesis streams.
[[nodiscard]] World synthesise_world(const Scenario& scenario, std::uint64_t seed,
                                     std::uint32_t replicate);

/// The onset weight of one household: 1 + w * (1 - satisfaction).
[[nodiscard]] inline double onset_weight(const HouseholdSpec& spec, double satisfaction) {
    return 1.0 + spec.onset_dissatisfaction_weight * (1.0 - satisfaction);
}

} // namespace govsim::models
