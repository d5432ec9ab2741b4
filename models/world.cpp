#include "models/world.hpp"

#include "models/streams.hpp"
#include "sim/calendar.hpp"
#include "sim/parallel.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace govsim::models {

void Units::resize(std::size_t n) {
    move_in_day.resize(n, 0);
    for (auto* column : {&let, &owner_nonlocal, &cars})
        column->resize(n, 0);
    for (auto* column : {&floor_area_m2, &owner_satisfaction, &owner_trust, &fee_threshold,
                         &tenant_satisfaction, &tenant_trust})
        column->resize(n, 0.0F);
}

void Units::resize_for_overwrite(std::size_t n) {
    move_in_day.resize(n);
    let.resize(n);
    owner_nonlocal.resize(n);
    cars.resize(n);
    floor_area_m2.resize(n);
    owner_satisfaction.resize(n);
    owner_trust.resize(n);
    fee_threshold.resize(n);
    tenant_satisfaction.resize(n);
    tenant_trust.resize(n);
}

void Compounds::resize(std::size_t n) {
    community.resize(n);
    residents_committee.resize(n);
    first_unit.resize(n);
    units.resize(n);
    housing.resize(n);
    parking_spaces.resize(n);
    floor_area_m2.resize(n);
    manager.resize(n, Manager::None);
    firm.resize(n, no_firm);
    base_quality.resize(n);
    service_quality.resize(n);
    staffing.resize(n, 1.0);
    margin.resize(n);
    margin_average.resize(n);
    abandoned.resize(n);
    motion.resize(n, Motion::None);
    committee.resize(n, Committee::None);
    occupied.resize(n);
    cars.resize(n);
    tenants.resize(n);
    nonlocal.resize(n);
    onset_weight.resize(n);
    billed.resize(n);
    collected.resize(n);
    mean_owner_satisfaction.resize(n);
    std::array<float, category_count> ones{};
    ones.fill(1.0F);
    onset_multiplier.resize(n, ones);
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

/// The cumulative distribution of a Poisson count with mean `mean` over 0..largest, until
/// the mass left is below double precision; the last entry takes the rest (1).
std::vector<double> poisson_cdf(double mean, std::uint32_t largest) {
    std::vector<double> cdf;
    double p = std::exp(-mean), sum = 0;
    for (std::uint32_t k = 0; k < largest && 1.0 - sum > 0x1.0p-53; ++k) {
        sum += p;
        cdf.push_back(sum);
        p *= mean / (k + 1);
    }
    cdf.push_back(1.0);
    return cdf;
}

/// A draw from a table of cumulative probabilities (inversion): the first k with u < cdf[k].
/// The table is nondecreasing, so k is the number of entries (the last aside) that u is not
/// below; counted without a branch per entry (for a Poisson count of mean about 1, a search
/// loop's exit was a mispredicted branch every other draw).
std::uint32_t count_below(sim::Stream& rng, const std::vector<double>& cdf) {
    const double u = rng.uniform();
    const double* c = cdf.data();
    const std::size_t n = cdf.size() - 1;
    std::uint32_t k = 0;
    std::size_t j = 0;
    // Four entries at a time; a group that ends above u ends the count (after the first group
    // for almost every draw of a count of mean about 1).
    for (; j + 4 <= n; j += 4) {
        k += (u >= c[j] ? 1U : 0U) + (u >= c[j + 1] ? 1U : 0U) + (u >= c[j + 2] ? 1U : 0U) +
             (u >= c[j + 3] ? 1U : 0U);
        if (u < c[j + 3])
            return k;
    }
    for (; j < n; ++j)
        k += u >= c[j] ? 1U : 0U;
    return k;
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

double occupancy_path(const TownSpec& town, int day, int first_reported_day) {
    const double share = town.occupancy_start + town.occupancy_growth_per_year *
                                                    (day - first_reported_day) / sim::days_per_year;
    return std::clamp(share, 0.0, town.occupancy_max);
}

std::int32_t move_in_day(const TownSpec& town, double rank, int first_reported_day, int days) {
    if (rank < occupancy_path(town, 0, first_reported_day))
        return 0;
    if (days < 1 || town.occupancy_growth_per_year <= 0 ||
        rank >= occupancy_path(town, days - 1, first_reported_day))
        return never;
    // The first day d with occupancy_path(d) > rank, from the path's inverse (then checked, so
    // rounding never moves a household in early).
    auto d = static_cast<int>(
        std::ceil(first_reported_day + (rank - town.occupancy_start) * sim::days_per_year /
                                           town.occupancy_growth_per_year));
    d = std::clamp(d, 1, days - 1);
    while (d > 1 && occupancy_path(town, d - 1, first_reported_day) > rank)
        --d;
    while (d < days - 1 && !(occupancy_path(town, d, first_reported_day) > rank))
        ++d;
    return static_cast<std::int32_t>(d);
}

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

double committee_functioning_share(const OwnersCommitteeSpec& spec) {
    const double total = spec.revival_per_month + spec.dormancy_per_month;
    return total > 0 ? spec.revival_per_month / total : 1.0;
}

double residents_committee_staff(const ResidentsCommitteeSpec& spec, double households) {
    return std::max<double>(spec.min_staff, households / 1000.0 * spec.staff_per_1000_households);
}

void set_committee_capacity(World& world, const ResidentsCommitteeSpec& spec, std::uint32_t rc,
                            double extra) {
    ResidentsCommittees& rcs = world.residents_committees;
    rcs.capacity[rc] = rcs.staff[rc] * spec.dispute_share + extra;
}

bool same_synthesis(const Scenario& a, const Scenario& b) {
    return a.town == b.town && a.households == b.households && a.owners == b.owners &&
           a.firms == b.firms && a.collectives == b.collectives &&
           a.owners_committees == b.owners_committees &&
           a.residents_committees == b.residents_committees && a.days() == b.days() &&
           a.first_reported_day() == b.first_reported_day();
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
    world.communities.first_compound.assign(static_cast<std::size_t>(n_comm) + 1, 0);
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
    Firms& fm = world.firms;
    fm.quality.resize(town.firms);
    fm.balance.assign(town.firms, 0.0);
    fm.compounds.assign(town.firms, 0);
    for (auto& q : fm.quality)
        q = clamp01(firms.normal(scenario.firms.quality_mean, scenario.firms.quality_sd));

    // 4. Compound attributes. The first round(village_converted_share * communities)
    // communities are the village-converted ones; their compounds draw their housing type from
    // village_housing_share (one draw either way, so the draws do not depend on the split), and
    // their resettlement compounds are managed by the village collective with probability
    // collective_managed_share. Otherwise a firm manages a compound with probability
    // firm_managed_share[type], drawn by Zipf weights rank^-firm_size_exponent (with exponent
    // 0, by one uniform draw over the firms).
    sim::Stream comp(seed, replicate, stream_entity::synthesis, purpose::compound_attributes);
    const std::uint32_t converted = village_converted_communities(town);
    std::vector<double> firm_cumulative;
    if (town.firm_size_exponent > 0.0)
        firm_cumulative = firm_cumulative_weights(town);
    const double functioning_share = committee_functioning_share(scenario.owners_committees);
    std::uint32_t first = 0;
    for (std::size_t c = 0; c < n_comp; ++c) {
        cp.first_unit[c] = first;
        first += cp.units[c];
        const bool village = cp.community[c] < converted;
        const auto type = static_cast<HousingType>(
            draw_category(comp, village ? town.village_housing_share : town.housing_share));
        cp.housing[c] = type;
        cp.parking_spaces[c] = static_cast<std::uint32_t>(
            std::llround(cp.units[c] * town.parking_spaces_per_unit[index(type)]));
        if (village && type == HousingType::Resettlement &&
            comp.bernoulli(town.collective_managed_share)) {
            cp.manager[c] = Manager::Collective;
            cp.base_quality[c] = scenario.collectives.service_quality;
        } else if (town.firms > 0 && comp.bernoulli(town.firm_managed_share[index(type)])) {
            const auto f =
                firm_cumulative.empty() ? comp.below(town.firms) : draw_firm(comp, firm_cumulative);
            cp.manager[c] = Manager::Firm;
            cp.firm[c] = static_cast<std::int32_t>(f);
            cp.base_quality[c] = fm.quality[f];
            ++fm.compounds[f];
            fm.balance[f] += scenario.firms.initial_reserve_months *
                             scenario.firms.fee_per_unit_month * cp.units[c];
        }
        cp.service_quality[c] = cp.manager[c] == Manager::None
                                    ? scenario.firms.unmanaged_service_quality
                                    : cp.base_quality[c];
        if (comp.bernoulli(town.owners_committee_initial_share))
            cp.committee[c] =
                comp.bernoulli(functioning_share) ? Committee::Functioning : Committee::Dormant;
    }

    // 5. Units, each compound from its own stream so that compounds are independent.
    Units& u = world.units;
    u.resize_for_overwrite(first); // every attribute of every unit is written below
    const OwnerSpec& os = scenario.owners;
    const int first_reported = scenario.first_reported_day();
    const std::vector<double> cars_cdf = poisson_cdf(town.cars_per_household_mean, 255);
    sim::parallel_for_each_index(
        n_comp, [&](std::size_t c) __attribute__((flatten)) {
            sim::Stream rng(seed, replicate, stream_entity::synthesis_compound(c),
                            purpose::households);
            const std::uint32_t b = cp.first_unit[c];
            const std::uint32_t e = b + cp.units[c];
            // Move-in days first, sorted, so the occupied units are always a prefix. The other
            // attributes are independent of the move-in day, so drawing them afterwards in unit
            // order gives the same joint distribution.
            // A unit is occupied from the first day the town's occupancy reaches its own uniform
            // rank, so the expected occupied share follows occupancy_path day by day.
            // Sorted in three parts: the units occupied from day 0 (the first), those never
            // occupied (the last: `never` is the largest day), and the days between them, the
            // only ones that need a sort (none in a town whose occupancy does not grow).
            std::int32_t* const day = u.move_in_day.data();
            std::uint32_t at_start = 0;
            for (std::uint32_t i = b; i < e; ++i) {
                day[i] = move_in_day(town, rng.uniform(), first_reported, days);
                at_start += day[i] == 0 ? 1 : 0;
            }
            if (at_start < e - b) {
                std::int32_t* const middle =
                    std::partition(day + b, day + e, [](std::int32_t d) { return d == 0; });
                std::int32_t* const last =
                    std::partition(middle, day + e, [](std::int32_t d) { return d != never; });
                std::sort(middle, last);
            }
            const double area_mean = os.floor_area_mean_m2[index(cp.housing[c])];
            // The floor area's lognormal parameters, once per compound (not per unit): a draw
            // is exp of a normal draw, as Boost.Random's lognormal_distribution takes it.
            const double area_sigma2 = std::log1p(os.floor_area_cv * os.floor_area_cv);
            const double area_mu = std::log(area_mean) - 0.5 * area_sigma2;
            const double area_sigma = std::sqrt(area_sigma2);
            double area = 0;
            // The columns through restrict pointers: a byte store would otherwise oblige the
            // compiler to reload every column's address after it.
            std::uint8_t* __restrict owner_nonlocal = u.owner_nonlocal.data();
            std::uint8_t* __restrict let = u.let.data();
            std::uint8_t* __restrict cars = u.cars.data();
            float* __restrict floor_area_m2 = u.floor_area_m2.data();
            float* __restrict owner_satisfaction = u.owner_satisfaction.data();
            float* __restrict owner_trust = u.owner_trust.data();
            float* __restrict fee_threshold = u.fee_threshold.data();
            float* __restrict tenant_satisfaction = u.tenant_satisfaction.data();
            float* __restrict tenant_trust = u.tenant_trust.data();
            for (std::uint32_t i = b; i < e; ++i) {
                const bool nonlocal = rng.bernoulli(town.nonlocal_share);
                owner_nonlocal[i] = nonlocal ? 1 : 0;
                let[i] =
                    rng.bernoulli(nonlocal ? town.tenant_share_nonlocal : town.tenant_share_local)
                        ? 1
                        : 0;
                cars[i] = static_cast<std::uint8_t>(count_below(rng, cars_cdf));
                const auto a = static_cast<float>(
                    os.floor_area_cv > 0 ? std::exp(rng.normal(area_mu, area_sigma)) : area_mean);
                floor_area_m2[i] = a;
                area += a;
                owner_satisfaction[i] =
                    clamp01(rng.normal(hh.satisfaction_initial_mean, hh.satisfaction_initial_sd));
                owner_trust[i] = clamp01(
                    rng.normal(nonlocal ? hh.trust_initial_nonlocal : hh.trust_initial_local,
                               hh.trust_initial_sd));
                fee_threshold[i] = clamp01(rng.normal(hh.fee_threshold_mean, hh.fee_threshold_sd));
                tenant_satisfaction[i] =
                    clamp01(rng.normal(hh.satisfaction_initial_mean, hh.satisfaction_initial_sd));
                tenant_trust[i] = clamp01(rng.normal(hh.trust_initial_tenant, hh.trust_initial_sd));
            }
            cp.floor_area_m2[c] = area;
        });

    // 6. One residents' committee per community, staffed for the units it serves.
    ResidentsCommittees& rcs = world.residents_committees;
    world.communities.first_committee.resize(static_cast<std::size_t>(n_comm) + 1);
    for (std::uint32_t m = 0; m < n_comm; ++m) {
        world.communities.first_committee[m] = m;
        const std::uint32_t b = world.compound_begin(m), e = world.compound_end(m);
        std::uint64_t comm_units = 0;
        for (std::uint32_t c = b; c < e; ++c) {
            comm_units += cp.units[c];
            cp.residents_committee[c] = m;
        }
        rcs.community.push_back(m);
        rcs.first_compound.push_back(b);
        rcs.end_compound.push_back(e);
        rcs.households.push_back(static_cast<double>(comm_units));
        rcs.staff.push_back(residents_committee_staff(scenario.residents_committees,
                                                      static_cast<double>(comm_units)));
        rcs.capacity.push_back(0);
        set_committee_capacity(world, scenario.residents_committees, m);
    }
    world.communities.first_committee[n_comm] = n_comm;
    // Aggregates over occupied units start empty: households move in on day 0 and later
    // through the run's daily move-in step.
    return world;
}

} // namespace govsim::models
