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
/// The interim manager of an abandoned compound (abandonment_takeover lever): it manages the
/// compound at `levers.abandonment_takeover.interim_quality`, outside firm finances.
inline constexpr std::int32_t interim_firm = -2;

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

/// Grid cells of the grid_inspection lever (empty when the lever is off). A compound's units
/// are split into ceil(units / households_per_grid) cells of consecutive units; each cell is
/// patrolled every inspection_interval_days, first at its phase.
struct Grid {
    std::vector<std::uint32_t> first_cell; ///< per compound, and one past the last
    std::vector<double> phase;             ///< per cell: first patrol, in [0, interval)

    [[nodiscard]] bool empty() const { return phase.empty(); }
    [[nodiscard]] std::uint32_t cells(std::uint32_t compound) const {
        return first_cell[compound + 1] - first_cell[compound];
    }
};

struct World {
    Households households;
    Compounds compounds;
    Communities communities;
    Grid grid;
    std::uint32_t firms = 0;
    std::vector<double> firm_quality; ///< per firm, at full fee collection

    [[nodiscard]] std::uint32_t compound_end(std::uint32_t community) const {
        return communities.first_compound[community + 1];
    }
    /// The grid cell of a household (grid lever only).
    [[nodiscard]] std::uint32_t cell_of(std::uint32_t household) const {
        const std::uint32_t c = households.compound[household];
        const std::uint64_t local = household - compounds.first_household[c];
        return grid.first_cell[c] +
               static_cast<std::uint32_t>(local * grid.cells(c) / compounds.units[c]);
    }
};

/// Share of owners' committees that function: `handlers.owners_committee_functioning_share`,
/// or the share of the party_building or rc_supervision lever when on (the larger of the two
/// when both are).
[[nodiscard]] double committee_functioning_share(const Scenario& scenario);

/// Multiplier of the monthly owners'-committee formation probability: the product of the
/// party_building and rc_supervision multipliers of the levers that are on (1 when none is).
[[nodiscard]] double committee_formation_multiplier(const Scenario& scenario);

/// The number of village-converted communities: round(village_converted_share * communities).
/// They are communities [0, n); their compounds draw housing types from village_housing_share.
[[nodiscard]] std::uint32_t village_converted_communities(const TownSpec& town);

/// Expected share of managed compounds per firm (by rank): r^-firm_size_exponent, normalised.
[[nodiscard]] std::vector<double> firm_portfolio_shares(const TownSpec& town);

/// Cumulative firm_portfolio_shares (the last entry is 1 up to rounding).
[[nodiscard]] std::vector<double> firm_cumulative_weights(const TownSpec& town);

/// Builds the world of one run from the scenario's town figures, deterministically from
/// (seed, replicate). Nothing else in the run draws from the synthesis streams.
[[nodiscard]] World synthesise_world(const Scenario& scenario, std::uint64_t seed,
                                     std::uint32_t replicate);

/// The onset weight of one household: 1 + w * (1 - satisfaction).
[[nodiscard]] inline double onset_weight(const HouseholdSpec& spec, double satisfaction) {
    return 1.0 + spec.onset_dissatisfaction_weight * (1.0 - satisfaction);
}

} // namespace govsim::models
