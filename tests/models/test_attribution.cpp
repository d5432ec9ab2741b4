// Lever attribution: Shapley shares add up to the model's change, exactly or by sampled orders,
// and a lever that changes nothing gets nothing.
#include "models/attribution.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

using namespace govsim;

namespace {

/// Three levers; the last splits communities of more than `households_per_committee`.
models::Scenario three_lever_model(double households_per_committee = 1500) {
    auto s = govsim::test::small_lishui(15000, 3, 1);
    s.model.name = "three";
    govsim::test::add_levers(s,
                             "[levers.information_platform]\nhandoff_multiplier = 0.3\n"
                             "routing_error_multiplier = 0.3\nintake_delay_multiplier = 0.5\n"
                             "[levers.joint_enforcement]\npresence_interval_days = 7\n"
                             "department_server_multiplier = 1.5\n"
                             "[levers.more_residents_committees]\nmax_households_per_committee = " +
                                 std::to_string(households_per_committee) + "\n");
    return s;
}

double sum_of_shares(const models::Attribution& a) {
    double sum = 0;
    for (const auto& s : a.shares)
        sum += s.share;
    return sum;
}

} // namespace

TEST_CASE("exact Shapley shares add up to the change the model makes", "[attribution]") {
    models::AttributionOptions o;
    o.replicates = 3;
    o.seed = 2;
    const auto a = models::attribute_levers(three_lever_model(), o);
    CHECK(a.exact);
    CHECK(a.subsets_run == 8);
    REQUIRE(a.shares.size() == 3);
    CHECK(a.shares[0].lever == "information_platform");
    CHECK(sum_of_shares(a) == Approx(a.change).margin(1e-9));
    CHECK(a.change == Approx(a.with_levers - a.without_levers).margin(1e-9));
}

TEST_CASE("sampled orders keep the shares' sum equal to the change", "[attribution]") {
    models::AttributionOptions o;
    o.replicates = 3;
    o.seed = 2;
    o.max_exact_levers = 2; // force sampling
    o.permutations = 4;
    const auto a = models::attribute_levers(three_lever_model(), o);
    CHECK_FALSE(a.exact);
    CHECK(a.subsets_run <= 8);
    CHECK(sum_of_shares(a) == Approx(a.change).margin(1e-9));
}

TEST_CASE("a lever that changes nothing gets a share of exactly zero", "[attribution]") {
    // On, but no community is large enough to split: it adds nothing.
    auto s = three_lever_model(1e9);
    models::AttributionOptions o;
    o.replicates = 3;
    const auto a = models::attribute_levers(s, o);
    REQUIRE(a.shares.size() == 3);
    CHECK(a.shares[2].lever == "more_residents_committees");
    CHECK(a.shares[2].share == 0.0);
    CHECK(a.shares[2].lower == 0.0);
    CHECK(a.shares[2].upper == 0.0);
}

TEST_CASE("a model without levers cannot be attributed", "[attribution]") {
    const auto s = govsim::test::small_lishui(15000, 3, 1);
    CHECK_THROWS_AS(models::attribute_levers(s, {}), std::invalid_argument);
}
