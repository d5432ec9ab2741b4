// Town synthesis (models/world.cpp): the synthesised world's marginals match the town figures
// they were generated from, within tolerances computed from the sample size (5 standard errors
// of the estimate, never tuned numbers), and the world is a function of (seed, replicate) only.
#include "models/scenario_loader.hpp"
#include "models/world.hpp"
#include "sim/parallel.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>

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
    const auto& ha = a.households;
    const auto& hb = b.households;
    const auto& ca = a.compounds;
    const auto& cb = b.compounds;
    return ha.compound == hb.compound && ha.move_in_day == hb.move_in_day &&
           ha.tenant == hb.tenant && ha.nonlocal == hb.nonlocal && ha.cars == hb.cars &&
           ha.satisfaction == hb.satisfaction && ha.trust == hb.trust &&
           ha.fee_threshold == hb.fee_threshold && ca.community == cb.community &&
           ca.first_household == cb.first_household && ca.units == cb.units &&
           ca.housing == cb.housing && ca.parking_spaces == cb.parking_spaces &&
           ca.firm == cb.firm && ca.base_quality == cb.base_quality &&
           ca.service_quality == cb.service_quality && ca.firm_servers == cb.firm_servers &&
           ca.owners_committee == cb.owners_committee &&
           ca.committee_functioning == cb.committee_functioning &&
           a.communities.first_compound == b.communities.first_compound &&
           a.communities.rc_servers == b.communities.rc_servers && a.firms == b.firms &&
           a.firm_quality == b.firm_quality;
}

} // namespace

TEST_CASE("a synthesised town's marginals match its figures", "[synthesis]") {
    const std::string name = GENERATE(as<std::string>{}, "lishui", "guicheng", "dali", "nanhai");
    INFO("town " << name);
    const auto s = town_scenario(name);
    const models::TownSpec& t = s.town;
    const World w = models::synthesise_world(s, 20160301, 0);
    const auto& cp = w.compounds;
    const auto& h = w.households;
    const std::size_t n_comp = cp.size();
    const std::size_t n_hh = h.size();
    REQUIRE(n_comp > 0);

    SECTION("units: residents / household size, placed in compounds of the drawn sizes") {
        CHECK(n_hh == static_cast<std::size_t>(
                          std::llround(t.residents_at_full_occupancy / t.residents_per_household)));
        std::uint64_t units = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            CHECK(cp.first_household[c] == units);
            units += cp.units[c];
            CHECK(cp.units[c] >= t.compound_units_min);
        }
        CHECK(units == n_hh);
        for (std::size_t i = 0; i < n_hh; ++i) {
            const auto c = h.compound[i];
            if (!(i >= cp.first_household[c] && i < cp.first_household[c] + cp.units[c]))
                FAIL("household " << i << " outside its compound " << c);
        }
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

    SECTION("firms: managed shares by type, portfolios, parking by type") {
        std::array<std::uint64_t, models::housing_type_count> of_type{}, managed{};
        std::uint64_t all_managed = 0, in_first = 0, in_last = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            const std::size_t k = models::index(cp.housing[c]);
            ++of_type[k];
            CHECK(cp.parking_spaces[c] == static_cast<std::uint32_t>(std::llround(
                                              cp.units[c] * t.parking_spaces_per_unit[k])));
            if (cp.firm[c] != models::no_firm) {
                ++managed[k];
                ++all_managed;
                REQUIRE(cp.firm[c] >= 0);
                REQUIRE(static_cast<std::uint32_t>(cp.firm[c]) < w.firms);
                in_first += cp.firm[c] == 0 ? 1 : 0;
                in_last += static_cast<std::uint32_t>(cp.firm[c]) == w.firms - 1 ? 1 : 0;
                CHECK(cp.service_quality[c] ==
                      w.firm_quality[static_cast<std::size_t>(cp.firm[c])]);
            } else {
                CHECK(cp.service_quality[c] == s.firms.unmanaged_service_quality);
            }
        }
        for (std::size_t k = 0; k < models::housing_type_count; ++k)
            if (of_type[k] > 0)
                check_share("firm-managed share", managed[k], of_type[k], t.firm_managed_share[k]);
        CHECK(w.firms == t.firms);
        const auto portfolio = models::firm_portfolio_shares(t);
        REQUIRE(portfolio.size() == t.firms);
        check_share("largest firm's share of managed compounds", in_first, all_managed,
                    portfolio.front());
        check_share("smallest firm's share of managed compounds", in_last, all_managed,
                    portfolio.back());
        if (t.firm_size_exponent > 0)
            CHECK(portfolio.front() > portfolio.back());
    }

    SECTION("households: non-local, tenants, cars") {
        std::uint64_t nonlocal = 0, tenant_local = 0, tenant_nonlocal = 0, cars = 0;
        for (std::size_t i = 0; i < n_hh; ++i) {
            nonlocal += h.nonlocal[i];
            (h.nonlocal[i] ? tenant_nonlocal : tenant_local) += h.tenant[i];
            cars += h.cars[i];
        }
        check_share("non-local share", nonlocal, n_hh, t.nonlocal_share);
        check_share("tenant share, local owners", tenant_local, n_hh - nonlocal,
                    t.tenant_share_local);
        check_share("tenant share, non-local owners", tenant_nonlocal, nonlocal,
                    t.tenant_share_nonlocal);
        // Poisson: the mean of n draws has standard error sqrt(lambda / n).
        const double mean = static_cast<double>(cars) / static_cast<double>(n_hh);
        const double se = std::sqrt(t.cars_per_household_mean / static_cast<double>(n_hh));
        INFO("mean cars " << mean);
        CHECK(std::abs(mean - t.cars_per_household_mean) <= z * se);
    }

    SECTION("occupancy: the start share on day 0, the end share by the last day") {
        std::uint64_t at_start = 0, by_end = 0, late = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            // Occupied households are a prefix of their compound.
            const auto b = cp.first_household[c];
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
        check_share("occupancy at the start", at_start, n_hh, t.occupancy_start);
        check_share("occupancy at the end", by_end, n_hh, t.occupancy_end);
    }

    SECTION("staffing and committees") {
        // Residents'-committee staff: units / 1000 * staff per 1000 * dispute share, at least
        // one (grid lever off in the baseline).
        for (std::uint32_t m = 0; m < t.communities; ++m) {
            std::uint64_t units = 0;
            for (std::uint32_t c = w.communities.first_compound[m]; c < w.compound_end(m); ++c)
                units += cp.units[c];
            const double staff = static_cast<double>(units) / 1000.0 *
                                 s.handlers.rc_staff_per_1000_households *
                                 s.handlers.rc_dispute_share;
            CHECK(w.communities.rc_servers[m] ==
                  std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::llround(staff))));
        }
        std::uint64_t committees = 0, functioning = 0;
        for (std::size_t c = 0; c < n_comp; ++c) {
            committees += cp.owners_committee[c];
            functioning += cp.committee_functioning[c];
            CHECK(cp.committee_functioning[c] <= cp.owners_committee[c]);
        }
        check_share("owners' committees at start", committees, n_comp,
                    t.owners_committee_initial_share);
        if (committees > 0)
            check_share("functioning committees", functioning, committees,
                        models::committee_functioning_share(s));
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
