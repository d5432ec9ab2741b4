// Town synthesis (models/world.cpp): the synthesised world's marginals match the town figures
// they were generated from, within tolerances computed from the sample size (5 standard errors
// of the estimate, never tuned numbers), and the world is a function of (seed, replicate) only.
#include "models/scenario_loader.hpp"
#include "models/world.hpp"
#include "sim/parallel.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

using namespace govsim;
using models::HousingType;
using models::World;

namespace {

/// Tolerance of every sampled marginal, in standard errors of its estimate.
constexpr double z = 5.0;

/// A town under the baseline, composed as a scenario in scenarios/ would be.
std::string town_text(const std::string& town, const std::string& overrides = "") {
    return fmt::format("include = [\"parameters/nanhai.toml\", \"towns/{}.toml\", "
                       "\"models/baseline.toml\"]\n"
                       "[run]\nname = \"synthesis\"\nstart_year = 2014\nyears = 2\n"
                       "replicates = 1\nseed = 1\n{}",
                       town, overrides);
}

models::Scenario town_scenario(const std::string& town, const std::string& overrides = "") {
    return models::parse_scenario(town_text(town, overrides),
                                  test::source_path("scenarios/synthesis.toml"));
}

std::string load_error(const std::string& town, const std::string& overrides) {
    try {
        (void)town_scenario(town, overrides);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

/// An observed share `hits / n` is within z binomial standard errors of p (exact when p is 0
/// or 1, where the standard error vanishes).
void check_share(const char* what, std::uint64_t hits, std::uint64_t n, double p) {
    INFO(what << ": " << hits << " of " << n << ", expected share " << p);
    REQUIRE(n > 0);
    const double share = static_cast<double>(hits) / static_cast<double>(n);
    const double se = std::sqrt(p * (1.0 - p) / static_cast<double>(n));
    CHECK(std::abs(share - p) <= z * se + 1e-12);
}

bool identical(const World& a, const World& b) {
    const auto& ua = a.units;
    const auto& ub = b.units;
    const auto& ca = a.compounds;
    const auto& cb = b.compounds;
    const auto& ra = a.residents_committees;
    const auto& rb = b.residents_committees;
    return ua.move_in_day == ub.move_in_day && ua.let == ub.let &&
           ua.owner_nonlocal == ub.owner_nonlocal && ua.cars == ub.cars &&
           ua.floor_area_m2 == ub.floor_area_m2 && ua.owner_satisfaction == ub.owner_satisfaction &&
           ua.owner_trust == ub.owner_trust && ua.fee_threshold == ub.fee_threshold &&
           ua.tenant_satisfaction == ub.tenant_satisfaction && ua.tenant_trust == ub.tenant_trust &&
           ca.community == cb.community && ca.first_unit == cb.first_unit && ca.units == cb.units &&
           ca.housing == cb.housing && ca.parking_spaces == cb.parking_spaces &&
           ca.manager == cb.manager && ca.firm == cb.firm && ca.base_quality == cb.base_quality &&
           ca.service_quality == cb.service_quality && ca.committee == cb.committee &&
           ca.residents_committee == cb.residents_committee &&
           a.communities.first_compound == b.communities.first_compound &&
           a.communities.first_committee == b.communities.first_committee && ra.staff == rb.staff &&
           ra.capacity == rb.capacity && a.firms.quality == b.firms.quality &&
           a.firms.balance == b.firms.balance;
}

} // namespace

TEST_CASE("a synthesised town's marginals match its figures", "[synthesis]") {
    const std::string name = GENERATE(as<std::string>{}, "lishui", "guicheng", "dali", "nanhai");
    INFO("town " << name);
    const auto s = town_scenario(name);
    const models::TownSpec& t = s.town;
    const World w = models::synthesise_world(s, 20160301, 0);
    const auto& cp = w.compounds;
    const auto& h = w.units;
    const std::size_t n_comp = cp.size();
    const std::size_t n_hh = h.size();
    REQUIRE(n_comp > 0);

    SECTION("units: residents / household size, placed in compounds of the drawn sizes") {
        CHECK(n_hh == static_cast<std::size_t>(
                          std::llround(t.residents_at_full_occupancy / t.residents_per_household)));
        std::uint64_t units = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            CHECK(cp.first_unit[c] == units);
            units += cp.units[c];
            CHECK(cp.units[c] >= t.compound_units_min);
        }
        CHECK(units == n_hh); // compounds tile the units: compound c has [first_unit, +units)
        // Mean size: the lognormal mean, within z standard errors (sd = mean * cv) of the
        // mean of n_comp draws. The floor at compound_units_min and the merged last compound
        // shift it by far less.
        const double mean = static_cast<double>(units) / static_cast<double>(n_comp);
        const double se =
            t.compound_units_mean * t.compound_units_cv / std::sqrt(static_cast<double>(n_comp));
        INFO("mean units " << mean << " over " << n_comp << " compounds, se " << se);
        CHECK(std::abs(mean - t.compound_units_mean) <= z * se);
    }

    SECTION("communities: the town's count, every compound assigned, grouped in order") {
        REQUIRE(w.communities.size() == t.communities);
        REQUIRE(w.communities.first_compound.size() == t.communities + 1);
        CHECK(w.communities.first_compound.front() == 0);
        CHECK(w.communities.first_compound.back() == n_comp);
        for (std::uint32_t m = 0; m < t.communities; ++m) {
            CHECK(w.communities.first_compound[m] < w.communities.first_compound[m + 1]);
            for (std::uint32_t c = w.communities.first_compound[m]; c < w.compound_end(m); ++c)
                if (cp.community[c] != m)
                    FAIL("compound " << c << " in the range of community " << m);
        }
    }

    SECTION("housing types: shares of compounds, village-converted communities apart") {
        const std::uint32_t converted = models::village_converted_communities(t);
        CHECK(converted == static_cast<std::uint32_t>(std::llround(
                               t.village_converted_share * static_cast<double>(t.communities))));
        std::array<std::array<std::uint64_t, models::housing_type_count>, 2> count{};
        std::array<std::uint64_t, 2> total{};
        for (std::size_t c = 0; c < n_comp; ++c) {
            const int group = cp.community[c] < converted ? 1 : 0;
            ++count[group][models::index(cp.housing[c])];
            ++total[group];
        }
        for (int group = 0; group < 2; ++group) {
            if (total[group] == 0)
                continue;
            const auto& shares = group == 1 ? t.village_housing_share : t.housing_share;
            for (std::size_t k = 0; k < models::housing_type_count; ++k)
                check_share(group == 1 ? "village-converted housing share" : "housing share",
                            count[group][k], total[group], shares[k]);
        }
        if (name == "dali")
            CHECK(converted == 28); // 0.73 of 39: the urban-rural split is there
    }

    SECTION("managers: collectives in converted communities, firms by type, portfolios") {
        const std::uint32_t converted = models::village_converted_communities(t);
        std::array<std::uint64_t, models::housing_type_count> of_type{}, managed{};
        std::uint64_t all_managed = 0, in_first = 0, in_last = 0, village_resettlement = 0,
                      collective = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            const std::size_t k = models::index(cp.housing[c]);
            CHECK(cp.parking_spaces[c] == static_cast<std::uint32_t>(std::llround(
                                              cp.units[c] * t.parking_spaces_per_unit[k])));
            const bool village = cp.community[c] < converted;
            if (village && cp.housing[c] == HousingType::Resettlement) {
                ++village_resettlement;
                collective += cp.manager[c] == models::Manager::Collective ? 1 : 0;
            } else {
                CHECK(cp.manager[c] != models::Manager::Collective);
            }
            if (cp.manager[c] == models::Manager::Collective) {
                CHECK(cp.service_quality[c] == s.collectives.service_quality);
                continue;
            }
            ++of_type[k]; // the firm shares apply to compounds no collective manages
            if (cp.manager[c] == models::Manager::Firm) {
                ++managed[k];
                ++all_managed;
                REQUIRE(cp.firm[c] >= 0);
                REQUIRE(static_cast<std::size_t>(cp.firm[c]) < w.firms.size());
                in_first += cp.firm[c] == 0 ? 1 : 0;
                in_last += static_cast<std::size_t>(cp.firm[c]) == w.firms.size() - 1 ? 1 : 0;
                CHECK(cp.service_quality[c] ==
                      w.firms.quality[static_cast<std::size_t>(cp.firm[c])]);
            } else {
                CHECK(cp.manager[c] == models::Manager::None);
                CHECK(cp.firm[c] == models::no_firm);
                CHECK(cp.service_quality[c] == s.firms.unmanaged_service_quality);
            }
        }
        if (village_resettlement > 0)
            check_share("collective-managed share of resettlement in converted communities",
                        collective, village_resettlement, t.collective_managed_share);
        for (std::size_t k = 0; k < models::housing_type_count; ++k)
            if (of_type[k] > 0)
                check_share("firm-managed share", managed[k], of_type[k], t.firm_managed_share[k]);
        CHECK(w.firms.size() == t.firms);
        const auto portfolio = models::firm_portfolio_shares(t);
        REQUIRE(portfolio.size() == t.firms);
        check_share("largest firm's share of managed compounds", in_first, all_managed,
                    portfolio.front());
        check_share("smallest firm's share of managed compounds", in_last, all_managed,
                    portfolio.back());
        if (t.firm_size_exponent > 0)
            CHECK(portfolio.front() > portfolio.back());
        // A firm's reserve: initial_reserve_months of its compounds' full fees.
        std::vector<double> reserve(w.firms.size(), 0.0);
        for (std::size_t c = 0; c < n_comp; ++c)
            if (cp.manager[c] == models::Manager::Firm)
                reserve[static_cast<std::size_t>(cp.firm[c])] +=
                    s.firms.initial_reserve_months * s.firms.fee_per_unit_month * cp.units[c];
        for (std::size_t f = 0; f < w.firms.size(); ++f)
            CHECK(w.firms.balance[f] == Approx(reserve[f]));
    }

    SECTION("owners and households: non-local owners, let units, cars, floor area") {
        std::uint64_t nonlocal = 0, let_local = 0, let_nonlocal = 0, cars = 0;
        for (std::size_t i = 0; i < n_hh; ++i) {
            nonlocal += h.owner_nonlocal[i];
            (h.owner_nonlocal[i] ? let_nonlocal : let_local) += h.let[i];
            cars += h.cars[i];
        }
        check_share("non-local owners", nonlocal, n_hh, t.nonlocal_share);
        check_share("let units, local owners", let_local, n_hh - nonlocal, t.tenant_share_local);
        check_share("let units, non-local owners", let_nonlocal, nonlocal, t.tenant_share_nonlocal);
        // Poisson: the mean of n draws has standard error sqrt(lambda / n).
        const double mean = static_cast<double>(cars) / static_cast<double>(n_hh);
        const double se = std::sqrt(t.cars_per_household_mean / static_cast<double>(n_hh));
        INFO("mean cars " << mean);
        CHECK(std::abs(mean - t.cars_per_household_mean) <= z * se);
        // Floor area: lognormal by housing type, mean within z standard errors.
        std::array<double, models::housing_type_count> area{}, units{};
        for (std::size_t c = 0; c < n_comp; ++c) {
            double total = 0;
            for (std::uint32_t i = cp.first_unit[c]; i < cp.first_unit[c] + cp.units[c]; ++i)
                total += h.floor_area_m2[i];
            CHECK(cp.floor_area_m2[c] == Approx(total));
            area[models::index(cp.housing[c])] += total;
            units[models::index(cp.housing[c])] += cp.units[c];
        }
        for (std::size_t k = 0; k < models::housing_type_count; ++k) {
            if (units[k] < 100)
                continue;
            const double m = s.owners.floor_area_mean_m2[k];
            CHECK(std::abs(area[k] / units[k] - m) <=
                  z * m * s.owners.floor_area_cv / std::sqrt(units[k]));
        }
    }

    SECTION("occupancy: the path's share on day 0 and by the last day") {
        std::uint64_t at_start = 0, by_end = 0, late = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            // Occupied households are a prefix of their compound.
            const auto b = cp.first_unit[c];
            for (std::uint32_t i = b + 1; i < b + cp.units[c]; ++i)
                if (h.move_in_day[i - 1] > h.move_in_day[i])
                    FAIL("move-in days not sorted in compound " << c);
        }
        for (std::size_t i = 0; i < n_hh; ++i) {
            at_start += h.move_in_day[i] == 0 ? 1 : 0;
            if (h.move_in_day[i] != models::never) {
                ++by_end;
                late += h.move_in_day[i] >= s.days() ? 1 : 0;
            }
        }
        CHECK(late == 0);
        const int reported = s.first_reported_day();
        check_share("occupancy at the start", at_start, n_hh,
                    models::occupancy_path(t, 0, reported));
        check_share("occupancy at the end", by_end, n_hh,
                    models::occupancy_path(t, s.days() - 1, reported));
    }

    SECTION("residents' committees and owners' committees") {
        // One residents' committee per community, staffed for the units it serves (at least
        // min_staff), with staff * dispute share staff-equivalents on disputes.
        const auto& rcs = w.residents_committees;
        REQUIRE(rcs.size() == t.communities);
        for (std::uint32_t m = 0; m < t.communities; ++m) {
            std::uint64_t units = 0;
            for (std::uint32_t c = w.communities.first_compound[m]; c < w.compound_end(m); ++c) {
                units += cp.units[c];
                CHECK(cp.residents_committee[c] == m);
            }
            const double staff =
                std::max<double>(s.residents_committees.min_staff,
                                 static_cast<double>(units) / 1000.0 *
                                     s.residents_committees.staff_per_1000_households);
            CHECK(rcs.staff[m] == Approx(staff));
            CHECK(rcs.capacity[m] == Approx(staff * s.residents_committees.dispute_share));
        }
        std::uint64_t committees = 0, functioning = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            committees += cp.committee[c] != models::Committee::None ? 1 : 0;
            functioning += cp.committee[c] == models::Committee::Functioning ? 1 : 0;
        }
        check_share("owners' committees at start", committees, n_comp,
                    t.owners_committee_initial_share);
        if (committees > 0)
            check_share("functioning committees", functioning, committees,
                        models::committee_functioning_share(s.owners_committees));
    }
}

TEST_CASE("Dali's village-converted communities are mostly resettlement housing", "[synthesis]") {
    const auto s = town_scenario("dali");
    const World w = models::synthesise_world(s, 5, 0);
    const std::uint32_t converted = models::village_converted_communities(s.town);
    std::array<std::uint64_t, 2> resettlement{}, total{};
    for (std::size_t c = 0; c < w.compounds.size(); ++c) {
        const int group = w.compounds.community[c] < converted ? 1 : 0;
        resettlement[group] += w.compounds.housing[c] == HousingType::Resettlement ? 1 : 0;
        ++total[group];
    }
    REQUIRE(total[0] > 0);
    REQUIRE(total[1] > 0);
    CHECK(resettlement[1] * total[0] > resettlement[0] * total[1]);
}

TEST_CASE("a town's world depends only on the seed and replicate", "[synthesis][determinism]") {
    const auto s = town_scenario("dali");
    const World a = models::synthesise_world(s, 11, 2);
    CHECK(identical(a, models::synthesise_world(s, 11, 2)));
    CHECK_FALSE(identical(a, models::synthesise_world(s, 12, 2)));
    CHECK_FALSE(identical(a, models::synthesise_world(s, 11, 3)));
}

TEST_CASE("a town's world does not depend on the thread count", "[synthesis][determinism]") {
    const auto s = town_scenario("guicheng");
    World one, two;
    {
        sim::ThreadLimit limit(1);
        one = models::synthesise_world(s, 7, 1);
    }
    {
        sim::ThreadLimit limit(2);
        two = models::synthesise_world(s, 7, 1);
    }
    CHECK(identical(one, two));
}

TEST_CASE("the town keys of the urban-rural split and firm portfolios are checked",
          "[synthesis][scenario]") {
    using Catch::Matchers::Contains;
    // Each points at the value in the file that wrote it (the main file's line 9 here).
    CHECK_THAT(load_error("dali", "[town]\nvillage_converted_share = 1.2\n"),
               Contains("synthesis.toml:9:") && Contains("town.village_converted_share"));
    CHECK_THAT(load_error("dali", "[town]\nfirm_size_exponent = -1\n"),
               Contains("synthesis.toml:9:") && Contains("town.firm_size_exponent"));
    CHECK_THAT(load_error("dali", "[town]\nvillage_housing_share = { commodity = 0.5 }\n"),
               Contains("town.village_housing_share") && Contains("summing to 1"));
    // The split and the exponent change the world only where they should.
    const auto base = town_scenario("lishui");
    CHECK(base.town.village_converted_share == 0.0);
    CHECK(base.town.firm_size_exponent == 0.0);
    const auto all = town_scenario("lishui", "[town]\nvillage_converted_share = 1.0\n"
                                             "village_housing_share = { commodity = 0.0, "
                                             "resettlement = 1.0, old_unmanaged = 0.0 }\n");
    const World w = models::synthesise_world(all, 3, 0);
    for (std::size_t c = 0; c < w.compounds.size(); ++c)
        CHECK(w.compounds.housing[c] == HousingType::Resettlement);
}
