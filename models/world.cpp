#include "models/world.hpp"

#include "models/streams.hpp"
#include "sim/parallel.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace govsim::models {

void Households::resize(std::size_t n) {
    // The attribute arrays are allocated (and their pages touched) in parallel: at district
    // scale this is a noticeable share of a run's serial time otherwise.
    sim::parallel_for_each_index(8, [&](std::size_t k) {
        switch (k) {
        case 0:
            compound.resize(n);
            break;
        case 1:
            move_in_day.resize(n);
            break;
        case 2:
            tenant.resize(n);
            break;
        case 3:
            nonlocal.resize(n);
            break;
        case 4:
            cars.resize(n);
            break;
        case 5:
            satisfaction.resize(n);
            break;
        case 6:
            trust.resize(n);
            break;
        default:
            fee_threshold.resize(n);
            break;
        }
    });
}

void Compounds::resize(std::size_t n) {
    community.resize(n);
    first_household.resize(n);
    units.resize(n);
    housing.resize(n);
    parking_spaces.resize(n);
    firm.resize(n, no_firm);
    base_quality.resize(n);
    service_quality.resize(n);
    firm_servers.resize(n);
    loss_months.resize(n);
    owners_committee.resize(n);
    committee_functioning.resize(n);
    occupied.resize(n);
    cars.resize(n);
    tenants.resize(n);
    nonlocal.resize(n);
    paying.resize(n);
    onset_weight.resize(n);
}

namespace {

float clamp01(double x) {
    return static_cast<float>(std::clamp(x, 0.0, 1.0));
}

template <class Array>
std::size_t draw_category(sim::Stream& rng, const Array& shares) {
    const double u = rng.uniform();
    double acc = 0.0;
    for (std::size_t k = 0; k < shares.size(); ++k) {
        acc += shares[k];
        if (u < acc)
            return k;
    }
    // Rounding: fall back to the last category with a positive share.
    for (std::size_t k = shares.size(); k-- > 0;)
        if (shares[k] > 0.0)
            return k;
    return 0;
}

/// The firm of a managed compound: the first rank whose cumulative weight exceeds a uniform
/// draw (the last firm on rounding).
std::uint32_t draw_firm(sim::Stream& rng, const std::vector<double>& cumulative) {
    const double u = rng.uniform() * cumulative.back();
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    return static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(
        it - cumulative.begin(), static_cast<std::ptrdiff_t>(cumulative.size()) - 1));
}

} // namespace

std::uint32_t village_converted_communities(const TownSpec& town) {
    return static_cast<std::uint32_t>(
        std::llround(town.village_converted_share * static_cast<double>(town.communities)));
}

std::vector<double> firm_portfolio_shares(const TownSpec& town) {
    std::vector<double> w(town.firms);
    double sum = 0.0;
    for (std::uint32_t r = 0; r < town.firms; ++r) {
        w[r] = std::pow(static_cast<double>(r + 1), -town.firm_size_exponent);
        sum += w[r];
    }
    for (auto& x : w)
        x /= sum;
    return w;
}

std::vector<double> firm_cumulative_weights(const TownSpec& town) {
    std::vector<double> w = firm_portfolio_shares(town);
    std::partial_sum(w.begin(), w.end(), w.begin());
    return w;
}

double committee_functioning_share(const Scenario& scenario) {
    const PartyBuildingLever& party = scenario.levers.party_building;
    const RcSupervisionLever& rc = scenario.levers.rc_supervision;
    if (party.enabled && rc.enabled)
        return std::max(party.committee_functioning_share, rc.committee_functioning_share);
    if (party.enabled)
        return party.committee_functioning_share;
    if (rc.enabled)
        return rc.committee_functioning_share;
    return scenario.handlers.owners_committee_functioning_share;
}

double committee_formation_multiplier(const Scenario& scenario) {
    double m = 1.0;
    if (scenario.levers.party_building.enabled)
        m *= scenario.levers.party_building.committee_formation_multiplier;
    if (scenario.levers.rc_supervision.enabled)
        m *= scenario.levers.rc_supervision.committee_formation_multiplier;
    return m;
}

World synthesise_world(const Scenario& scenario, std::uint64_t seed, std::uint32_t replicate) {
    const TownSpec& town = scenario.town;
    const HouseholdSpec& hh = scenario.households;
    const int days = scenario.days();
    World world;

    // 1. Compound sizes until the town's units are placed.
    sim::Stream sizes(seed, replicate, stream_entity::synthesis, purpose::compound_sizes);
    const auto total_units = static_cast<std::uint64_t>(
        std::llround(town.residents_at_full_occupancy / town.residents_per_household));
    std::vector<std::uint32_t> units;
    std::uint64_t placed = 0;
    while (placed < total_units) {
        const double draw =
            sizes.lognormal_mean_cv(town.compound_units_mean, town.compound_units_cv);
        auto n = std::max<std::uint64_t>(town.compound_units_min,
                                         static_cast<std::uint64_t>(std::llround(draw)));
        n = std::min<std::uint64_t>(n, total_units - placed);
        if (n < town.compound_units_min && !units.empty())
            units.back() += static_cast<std::uint32_t>(n); // no undersized last compound
        else
            units.push_back(static_cast<std::uint32_t>(n));
        placed += n;
    }

    // 2. Compounds are dealt to communities in turn, then grouped by community.
    const std::uint32_t n_comm = town.communities;
    const std::size_t n_comp = units.size();
    world.communities.first_compound.assign(std::size_t{n_comm} + 1, 0); // no 32-bit wrap
    std::vector<std::uint32_t> order(n_comp);
    std::iota(order.begin(), order.end(), 0U);
    std::stable_sort(order.begin(), order.end(), [n_comm](std::uint32_t a, std::uint32_t b) {
        return a % n_comm < b % n_comm;
    });
    Compounds& cp = world.compounds;
    cp.resize(n_comp);
    for (std::size_t i = 0; i < n_comp; ++i) {
        cp.units[i] = units[order[i]];
        cp.community[i] = order[i] % n_comm;
        ++world.communities.first_compound[cp.community[i] + 1];
    }
    std::partial_sum(world.communities.first_compound.begin(),
                     world.communities.first_compound.end(),
                     world.communities.first_compound.begin());

    // 3. Firms and their quality.
    sim::Stream firms(seed, replicate, stream_entity::synthesis, purpose::firms);
    world.firms = town.firms;
    world.firm_quality.resize(town.firms);
    for (auto& q : world.firm_quality)
        q = clamp01(firms.normal(scenario.firms.quality_mean, scenario.firms.quality_sd));

    // 4. Compound attributes. The first round(village_converted_share * communities)
    // communities are the village-converted ones; their compounds draw their housing type from
    // village_housing_share (one draw either way, so the draws do not depend on the split).
    // A managed compound goes to a firm by Zipf weights rank^-firm_size_exponent; with
    // exponent 0, by one uniform draw over the firms.
    sim::Stream comp(seed, replicate, stream_entity::synthesis, purpose::compound_attributes);
    const std::uint32_t converted = village_converted_communities(town);
    std::vector<double> firm_cumulative;
    if (town.firm_size_exponent > 0.0)
        firm_cumulative = firm_cumulative_weights(town);
    // The party-building and RC-supervision levers act on existing committees too.
    const double functioning_share = committee_functioning_share(scenario);
    std::uint32_t first = 0;
    for (std::size_t c = 0; c < n_comp; ++c) {
        cp.first_household[c] = first;
        first += cp.units[c];
        const auto type = static_cast<HousingType>(draw_category(
            comp, cp.community[c] < converted ? town.village_housing_share : town.housing_share));
        cp.housing[c] = type;
        cp.parking_spaces[c] = static_cast<std::uint32_t>(
            std::llround(cp.units[c] * town.parking_spaces_per_unit[index(type)]));
        if (town.firms > 0 && comp.bernoulli(town.firm_managed_share[index(type)])) {
            cp.firm[c] = static_cast<std::int32_t>(firm_cumulative.empty()
                                                       ? comp.below(town.firms)
                                                       : draw_firm(comp, firm_cumulative));
            cp.base_quality[c] = world.firm_quality[static_cast<std::size_t>(cp.firm[c])];
        }
        cp.service_quality[c] =
            cp.firm[c] == no_firm ? scenario.firms.unmanaged_service_quality : cp.base_quality[c];
        cp.firm_servers[c] = std::max<std::uint32_t>(
            1, static_cast<std::uint32_t>(std::llround(
                   cp.units[c] / 1000.0 * scenario.handlers.firm_staff_per_1000_units)));
        cp.owners_committee[c] = comp.bernoulli(town.owners_committee_initial_share) ? 1 : 0;
        cp.committee_functioning[c] =
            cp.owners_committee[c] && comp.bernoulli(functioning_share) ? 1 : 0;
    }

    // 5. Households, each compound from its own stream so that compounds are independent.
    Households& h = world.households;
    h.resize(first);
    const double later_share =
        town.occupancy_start >= 1.0
            ? 0.0
            : (town.occupancy_end - town.occupancy_start) / (1.0 - town.occupancy_start);
    sim::parallel_for_each_index(n_comp, [&](std::size_t c) {
        sim::Stream rng(seed, replicate, stream_entity::synthesis_compound(c), purpose::households);
        const std::uint32_t b = cp.first_household[c];
        const std::uint32_t e = b + cp.units[c];
        // Move-in days first, sorted, so the occupied households are always a prefix. The
        // other attributes are independent of the move-in day, so drawing them afterwards in
        // unit order gives the same joint distribution.
        for (std::uint32_t i = b; i < e; ++i) {
            if (rng.bernoulli(town.occupancy_start))
                h.move_in_day[i] = 0;
            else if (days > 1 && rng.bernoulli(later_share))
                h.move_in_day[i] =
                    1 + static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(days - 1)));
            else
                h.move_in_day[i] = never;
        }
        std::sort(h.move_in_day.begin() + b, h.move_in_day.begin() + e);
        for (std::uint32_t i = b; i < e; ++i) {
            h.compound[i] = static_cast<std::uint32_t>(c);
            const bool nonlocal = rng.bernoulli(town.nonlocal_share);
            h.nonlocal[i] = nonlocal ? 1 : 0;
            h.tenant[i] =
                rng.bernoulli(nonlocal ? town.tenant_share_nonlocal : town.tenant_share_local) ? 1
                                                                                               : 0;
            h.cars[i] = static_cast<std::uint8_t>(
                std::min<std::uint32_t>(rng.poisson(town.cars_per_household_mean), 255));
            h.satisfaction[i] =
                clamp01(rng.normal(hh.satisfaction_initial_mean, hh.satisfaction_initial_sd));
            h.trust[i] =
                clamp01(rng.normal(nonlocal ? hh.trust_initial_nonlocal : hh.trust_initial_local,
                                   hh.trust_initial_sd));
            h.fee_threshold[i] = clamp01(rng.normal(hh.fee_threshold_mean, hh.fee_threshold_sd));
        }
    });

    // 6. Grid cells (grid_inspection lever): ceil(units / households_per_grid) per compound,
    // fixed from units like RC staff, each with a patrol phase from its compound's own stream.
    const GridInspectionLever& grid = scenario.levers.grid_inspection;
    if (grid.enabled) {
        world.grid.first_cell.assign(n_comp + 1, 0);
        for (std::size_t c = 0; c < n_comp; ++c) {
            const auto cells = static_cast<std::uint32_t>(
                std::ceil(cp.units[c] / std::max(grid.households_per_grid, 1.0)));
            world.grid.first_cell[c + 1] = world.grid.first_cell[c] + std::max(cells, 1U);
        }
        world.grid.phase.resize(world.grid.first_cell.back());
        sim::parallel_for_each_index(n_comp, [&](std::size_t c) {
            sim::Stream rng(seed, replicate, stream_entity::synthesis_compound(c),
                            purpose::grid_phases);
            for (std::uint32_t k = world.grid.first_cell[c]; k < world.grid.first_cell[c + 1]; ++k)
                world.grid.phase[k] = rng.uniform() * grid.inspection_interval_days;
        });
    }

    // 7. Residents'-committee staff per community, from the units it holds (more under the
    // more_residents_committees lever), plus the grid administrators of its cells.
    double rc_staff_per_1000 = scenario.handlers.rc_staff_per_1000_households;
    if (scenario.levers.more_residents_committees.enabled)
        rc_staff_per_1000 *= scenario.levers.more_residents_committees.rc_staff_multiplier;
    world.communities.rc_servers.resize(n_comm);
    for (std::uint32_t m = 0; m < n_comm; ++m) {
        std::uint64_t comm_units = 0;
        std::uint32_t comm_cells = 0;
        for (std::uint32_t c = world.communities.first_compound[m];
             c < world.communities.first_compound[m + 1]; ++c) {
            comm_units += cp.units[c];
            if (grid.enabled)
                comm_cells += world.grid.cells(c);
        }
        const double staff = static_cast<double>(comm_units) / 1000.0 * rc_staff_per_1000 *
                             scenario.handlers.rc_dispute_share;
        world.communities.rc_servers[m] =
            std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::llround(staff)));
        if (grid.enabled)
            world.communities.rc_servers[m] +=
                static_cast<std::uint32_t>(std::llround(comm_cells * grid.administrators_per_grid));
    }
    // Aggregates over occupied households start empty: households move in on day 0 and
    // later through the run's daily move-in step.
    return world;
}

} // namespace govsim::models
