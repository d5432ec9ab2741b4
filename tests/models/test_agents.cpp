// The decision rules of the model's agents (docs/ODD.md §7.11-7.13): owners' assemblies and
// their voting rules, firms' staffing, exit and tenders, who raises which disputes, and what
// levers may and may not open. Rules are tested on the mechanism, directly on a run's state
// where that is clearest, never by a hard-coded outcome.
#include "models/governance.hpp"
#include "models/mechanisms/assemblies.hpp"
#include "models/mechanisms/feedback.hpp"
#include "models/mechanisms/firm_decisions.hpp"
#include "models/mechanisms/onsets.hpp"
#include "models/run_state.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace govsim;
using govsim::test::run_one;
using models::AssemblyRule;
using models::Category;
using models::Level;
using models::Manager;
using models::RunState;
using models::Scenario;
using models::assemblies::Ballot;
using models::assemblies::passes;

namespace {

/// Households move in on day 0 and owners are billed, as at the end of a first month.
void first_month(RunState& run) {
    for (std::uint32_t m = 0; m < run.world.communities.size(); ++m)
        models::onsets::move_in(run, m, 0);
    models::MonthSums sums;
    for (std::uint32_t c = 0; c < run.world.compounds.size(); ++c)
        models::feedback::compound_month(run, c, sums);
}

/// The first compound a firm manages, and its firm.
std::uint32_t first_firm_compound(const RunState& run) {
    const auto& cp = run.world.compounds;
    for (std::uint32_t c = 0; c < cp.size(); ++c)
        if (cp.manager[c] == Manager::Firm)
            return c;
    FAIL("no firm-managed compound");
    return 0;
}

} // namespace

// ---- owners' assemblies ----------------------------------------------------------------------

TEST_CASE("Property Law 2007: a motion needs more than half of all owners and of all area",
          "[agents][assemblies]") {
    Ballot b{100, 10000, 80, 8000, 51, 5100};
    CHECK(passes(AssemblyRule::PropertyLaw2007, b));
    b.yes_area = 5000; // exactly half the area is not more than half
    CHECK_FALSE(passes(AssemblyRule::PropertyLaw2007, b));
    b = Ballot{100, 10000, 100, 10000, 50, 9000}; // most of the area, half the heads
    CHECK_FALSE(passes(AssemblyRule::PropertyLaw2007, b));
    // Abstention counts against: 60 take part and all vote yes, but they hold 45% of the area.
    b = Ballot{100, 10000, 60, 4500, 60, 4500};
    CHECK_FALSE(passes(AssemblyRule::PropertyLaw2007, b));
}

TEST_CASE("Civil Code 2021: a quorum of two thirds, then majorities of the participants",
          "[agents][assemblies]") {
    // 60 of 100 take part: no quorum, whatever they vote.
    CHECK_FALSE(passes(AssemblyRule::CivilCode2021, Ballot{100, 10000, 60, 6000, 60, 6000}));
    // 67 take part with 67% of the area; 34 of them, with more than half their area, vote yes:
    // the motion passes although only a third of all owners voted for it.
    CHECK(passes(AssemblyRule::CivilCode2021, Ballot{100, 10000, 67, 6700, 34, 3400}));
    CHECK_FALSE(passes(AssemblyRule::PropertyLaw2007, Ballot{100, 10000, 67, 6700, 34, 3400}));
    // The quorum needs area too.
    CHECK_FALSE(passes(AssemblyRule::CivilCode2021, Ballot{100, 10000, 70, 6000, 70, 6000}));
}

TEST_CASE("an assembly with too few owners present fails", "[agents][assemblies]") {
    // Every owner is non-local and lets the unit: nobody who votes lives there.
    auto s = test::small_lishui(30000, 4, 1);
    s.town.nonlocal_share = 1;
    s.town.tenant_share_nonlocal = 1;
    s.town.occupancy_start = 1;
    s.town.occupancy_max = 1;
    s.assemblies.turnout_dissatisfaction_weight = 0;
    s.assemblies.turnout_absent_nonlocal = 0.1;
    s.assemblies.support_election = 1;
    RunState run(s, 5, 0);
    const std::uint32_t c = 0;
    sim::Stream rng(1, 0, 0, 0);
    const auto all_yes = [](std::uint32_t) { return true; };
    const Ballot few = models::assemblies::vote(run, c, rng, 0.0, all_yes);
    CHECK(few.owners == run.world.compounds.units[c]);
    CHECK(few.area == Approx(run.world.compounds.floor_area_m2[c]));
    // About a tenth take part (within 5 binomial standard errors), all vote yes: no majority.
    const double n = few.owners;
    CHECK(std::abs(few.participants / n - 0.1) < 5 * std::sqrt(0.09 / n));
    CHECK(few.yes == few.participants);
    CHECK_FALSE(passes(AssemblyRule::PropertyLaw2007, few));
    CHECK_FALSE(passes(AssemblyRule::CivilCode2021, few));
    // The same owners all present: it passes under either rule.
    const Ballot all = models::assemblies::vote(run, c, rng, 0.9, all_yes);
    CHECK(all.participants == n);
    CHECK(passes(AssemblyRule::PropertyLaw2007, all));
    CHECK(passes(AssemblyRule::CivilCode2021, all));

    // In whole runs: assemblies are held (owners elsewhere can still be asked: the RC convenes),
    // and none elects a committee.
    s.assemblies.rc_help_per_month = 0.2;
    s.town.owners_committee_initial_share = 0;
    const auto r = run_one(s, 6, 0, test::Records::Dropped);
    CHECK(r.total.institutions.assemblies > 5);
    CHECK(r.total.institutions.committees_elected == 0);
    CHECK(r.monthly.back().owners_committees == 0);
}

TEST_CASE("resident owners convene assemblies, and more where they are dissatisfied",
          "[agents][assemblies]") {
    auto s = test::small_lishui(60000, 6, 2);
    s.town.compound_units_mean = 200;
    s.town.owners_committee_initial_share = 0;
    s.town.tenant_share_local = 0;
    s.town.tenant_share_nonlocal = 0;
    s.town.occupancy_start = 0.9;
    s.assemblies.initiative_per_month = 0.02;
    const auto content = run_one(s, 7, 0, test::Records::Dropped);
    s.households.satisfaction_initial_mean = 0.1;
    s.mechanisms.satisfaction_drift = false; // keep them dissatisfied
    const auto angry = run_one(s, 7, 0, test::Records::Dropped);
    const double a = content.total.institutions.assemblies;
    const double b = angry.total.institutions.assemblies;
    REQUIRE(a > 20);
    CHECK(b > a + 5 * std::sqrt(a + b)); // counts of rare events: Poisson standard errors
    // With no owner living there, nobody convenes.
    s.town.tenant_share_local = 1;
    s.town.tenant_share_nonlocal = 1;
    CHECK(run_one(s, 7, 0, test::Records::Dropped).total.institutions.assemblies == 0);
}

// ---- the month's pass over units ----------------------------------------------------------------

TEST_CASE("the month's pass gives every unit the drift formula, and the compound the sums and fees "
          "of its units taken one by one",
          "[agents][feedback]") {
    // Compounds of many sizes (odd and even, so the lanes' remainder is exercised), part
    // occupied, with tenants and absent owners, a service quality away from satisfaction.
    auto s = test::small_lishui(40000, 5, 1);
    s.town.compound_units_mean = 61;
    s.town.compound_units_cv = 0.8;
    s.town.compound_units_min = 1;
    s.town.occupancy_start = 0.7;
    s.town.tenant_share_local = 0.3;
    s.town.tenant_share_nonlocal = 0.6;
    RunState run(s, 21, 0);
    for (std::uint32_t m = 0; m < run.world.communities.size(); ++m)
        models::onsets::move_in(run, m, 0);
    auto& cp = run.world.compounds;
    auto& u = run.world.units;
    REQUIRE(cp.size() > 50);
    const auto before = u; // a copy of the units' state
    const auto& hs = s.households;
    const auto& os = s.owners;
    const double d = hs.satisfaction_drift_per_month, keep = 1.0 - d;
    const double w = hs.onset_dissatisfaction_weight;
    std::size_t odd = 0, empties = 0;
    for (std::uint32_t c = 0; c < cp.size(); ++c) {
        cp.service_quality[c] = 0.2 + 0.6 * (c % 7) / 6.0;
        models::MonthSums sums;
        models::feedback::compound_month(run, c, sums);
        const std::uint32_t b = cp.first_unit[c], occ = cp.occupied[c], e = b + cp.units[c];
        odd += cp.units[c] % 2;
        empties += e - b - occ;
        const double dq = d * cp.service_quality[c];
        const double shift = os.fee_threshold_shift[models::index(cp.housing[c])];
        double collected = 0, resident_sat = 0, absent_sat = 0, tenant_sat = 0, trust = 0;
        double tenants = 0;
        for (std::uint32_t i = b; i < e; ++i) {
            const bool occupied = i < b + occ, let = occupied && before.let[i];
            const auto s_i = static_cast<float>(keep * before.owner_satisfaction[i] + dq);
            const float t_i = let ? static_cast<float>(keep * before.tenant_satisfaction[i] + dq)
                                  : before.tenant_satisfaction[i];
            REQUIRE(u.owner_satisfaction[i] == s_i); // exactly the scalar formula
            REQUIRE(u.tenant_satisfaction[i] == t_i);
            const double absent = occupied ? (let ? os.absentee_fee_threshold_shift : 0.0)
                                           : os.absentee_fee_threshold_shift;
            const double pays = s_i >= before.fee_threshold[i] + shift + absent ? 1.0 : 0.0;
            collected += occupied ? pays : pays * os.empty_unit_fee_share;
            if (!occupied || let)
                absent_sat += s_i;
            else
                resident_sat += s_i;
            if (let) {
                tenants += 1;
                tenant_sat += t_i;
                trust += before.tenant_trust[i];
            } else if (occupied) {
                trust += before.owner_trust[i];
            }
        }
        const double fee = s.firms.fee_per_unit_month;
        CHECK(cp.collected[c] == Approx(fee * collected).epsilon(1e-12));
        CHECK(cp.billed[c] ==
              Approx(fee * (occ + (e - b - occ) * os.empty_unit_fee_share)).epsilon(1e-12));
        // residents: owner-occupiers and tenants (an absent owner is not a resident)
        CHECK(sums.satisfaction == Approx(resident_sat + tenant_sat).epsilon(1e-12));
        CHECK(sums.trust == Approx(trust).epsilon(1e-12));
        CHECK(sums.owner_satisfaction == Approx(resident_sat + absent_sat).epsilon(1e-12));
        const auto& weight = cp.onset_weight[c];
        const double residents = occ - tenants, absent_n = e - b - residents;
        CHECK(weight[models::index(models::Role::OwnerOccupier)] ==
              Approx(residents * (1 + w) - w * resident_sat).epsilon(1e-12).margin(1e-9));
        CHECK(weight[models::index(models::Role::Tenant)] ==
              Approx(tenants * (1 + w) - w * tenant_sat).epsilon(1e-12).margin(1e-9));
        CHECK(weight[models::index(models::Role::AbsenteeOwner)] ==
              Approx(absent_n * (1 + w) - w * absent_sat).epsilon(1e-12).margin(1e-9));
    }
    CHECK(odd > 5);
    CHECK(empties > 100);
}

// ---- firms --------------------------------------------------------------------------------------

TEST_CASE("a firm whose collections fall cuts staff, with a lag, and later exits",
          "[agents][firms]") {
    auto s = test::small_lishui(30000, 4, 2);
    s.mechanisms.tenders = false;
    s.assemblies.retender_after_abandonment_per_month = 0;
    s.households.fee_threshold_mean = 1.0; // nobody pays
    s.households.fee_threshold_sd = 0;
    s.owners.fee_threshold_shift = {0.1, 0.1, 0.1};
    const auto r = run_one(s, 11, 0, test::Records::Dropped);
    // Staffing moves a quarter of the way to its floor each month: it falls month on month,
    // never below the floor.
    const double floor = s.firms.min_staffing_share;
    double previous = 1.0;
    for (std::size_t m = 0; m < 3; ++m) {
        INFO("month " << m);
        const double staffing = r.monthly[m].mean_staffing;
        CHECK(staffing < previous);
        CHECK(staffing ==
              Approx(previous - s.firms.staffing_adjustment_per_month * (previous - floor)));
        previous = staffing;
    }
    // Firms carry the first losses (averaged margins, a reserve) and then leave.
    std::size_t first_exit = r.monthly.size();
    for (std::size_t m = 0; m < r.monthly.size() && first_exit == r.monthly.size(); ++m)
        if (r.monthly[m].institutions.abandonments > 0)
            first_exit = m;
    REQUIRE(first_exit < r.monthly.size());
    CHECK(first_exit > 0);
    CHECK(r.monthly.back().firm_managed < r.monthly.front().firm_managed);

    SECTION("switched off, staffing stays full and no firm leaves") {
        s.mechanisms.firm_staffing = false;
        s.mechanisms.firm_exit = false;
        const auto fixed = run_one(s, 11, 0, test::Records::Dropped);
        for (const auto& m : fixed.monthly)
            CHECK(m.mean_staffing == 1.0);
        CHECK(fixed.total.institutions.abandonments == 0);
    }
}

TEST_CASE("a firm carries a loss-making compound on its reserve, and leaves when the reserve runs "
          "out",
          "[agents][firms]") {
    auto s = test::small_lishui(30000, 4, 1);
    s.mechanisms.tenders = false;
    RunState run(s, 12, 0);
    auto& cp = run.world.compounds;
    auto& firms = run.world.firms;
    const std::uint32_t c = first_firm_compound(run);
    const auto f = static_cast<std::size_t>(cp.firm[c]);
    for (std::uint32_t k = 0; k < cp.size(); ++k) { // every other compound breaks even
        cp.margin[k] = 0;
        cp.margin_average[k] = 0;
        cp.billed[k] = 100;
    }
    // A modest loss (5% of fees, under the exit threshold of 15%) with money in reserve: kept.
    cp.margin_average[c] = -5;
    firms.balance[f] = 1000;
    models::firm_decisions::firms_month(run, 30);
    CHECK(cp.manager[c] == Manager::Firm);
    // The same loss once the firm's balance is negative: it leaves (弃管).
    firms.balance[f] = -1;
    models::firm_decisions::firms_month(run, 58);
    CHECK(cp.manager[c] == Manager::None);
    CHECK(cp.abandoned[c] == 1);
    CHECK(run.town.month.abandonments == 1);
    // A deep loss is left even with money in reserve.
    RunState other(s, 12, 0);
    auto& cp2 = other.world.compounds;
    for (std::uint32_t k = 0; k < cp2.size(); ++k)
        cp2.billed[k] = 100;
    cp2.margin_average[c] = -20;
    models::firm_decisions::firms_month(other, 30);
    CHECK(cp2.manager[c] == Manager::None);
}

TEST_CASE("a dismissed firm is replaced through a tender", "[agents][firms]") {
    auto s = test::small_lishui(30000, 4, 1);
    RunState run(s, 13, 0);
    first_month(run);
    auto& cp = run.world.compounds;
    const std::uint32_t c = first_firm_compound(run);
    const std::int32_t dismissed = cp.firm[c];
    cp.motion[c] = models::Motion::Dismiss;
    models::firm_decisions::firms_month(run, 30);
    CHECK(run.town.month.dismissals == 1);
    CHECK(run.town.month.tenders == 1);
    REQUIRE(run.town.month.firms_hired == 1);
    REQUIRE(cp.manager[c] == Manager::Firm);
    CHECK(cp.firm[c] != dismissed);
    // The owners took the bidder of the highest quality: no firm that could bid is better.
    const auto& firms = run.world.firms;
    const double chosen = firms.quality[static_cast<std::size_t>(cp.firm[c])];
    for (std::size_t f = 0; f < firms.size(); ++f)
        if (static_cast<std::int32_t>(f) != dismissed && firms.balance[f] >= 0)
            CHECK(firms.quality[f] <= chosen);
    CHECK(cp.staffing[c] == 1.0);
    CHECK(cp.service_quality[c] == Approx(chosen));

    SECTION("no bidder without money: the compound stays without a firm") {
        RunState broke(s, 13, 0);
        first_month(broke);
        for (auto& balance : broke.world.firms.balance)
            balance = -1;
        broke.world.compounds.motion[c] = models::Motion::Dismiss;
        models::firm_decisions::firms_month(broke, 30);
        CHECK(broke.town.month.tenders == 1);
        CHECK(broke.town.month.firms_hired == 0);
        CHECK(broke.world.compounds.manager[c] == Manager::None);
    }
}

TEST_CASE("patrols cost firm staff time, and only where a firm manages", "[agents][firms][grid]") {
    auto s = test::small_lishui(30000, 4, 1);
    s.town.firm_managed_share = {0.5, 0.5, 0.5};
    const RunState off(s, 14, 0);
    test::add_levers(s, "[levers.grid_inspection]\ninspection_interval_days = 3.5\n"
                        "households_per_grid = 300\ndetection_probability = 0.5\n"
                        "administrators_per_grid = 0.25\ninspector_staff_per_cell = 0.2\n");
    const RunState on(s, 14, 0);
    const auto& cp = off.world.compounds;
    std::size_t managed = 0, unmanaged = 0;
    for (std::uint32_t c = 0; c < cp.size(); ++c) {
        const double before = models::firm_decisions::manager_capacity(off, c);
        const double after = models::firm_decisions::manager_capacity(on, c);
        if (cp.manager[c] == Manager::Firm) {
            ++managed;
            const double cells = std::max(1.0, std::ceil(cp.units[c] / 300.0));
            CHECK(after == Approx(before - cells * 0.2 * s.firms.dispute_staff_share));
            CHECK(on.world.compounds.service_quality[c] < off.world.compounds.service_quality[c]);
        } else {
            ++unmanaged;
            CHECK(after == before);
        }
    }
    CHECK(managed > 0);
    CHECK(unmanaged > 0);
}

// ---- who raises which dispute -------------------------------------------------------------------

TEST_CASE("owners raise owners'-rights disputes, tenants never do, absent owners raise only what "
          "they may",
          "[agents][owners]") {
    auto s = test::small_lishui(60000, 6, 1);
    s.town.tenant_share_local = 0.4;
    s.town.tenant_share_nonlocal = 0.4;
    const auto r = run_one(s, 15);
    const auto world = models::synthesise_world(s, 15, 0);
    std::size_t rights_by_owners = 0, by_absent = 0;
    std::size_t tenants = 0;
    for (const auto& d : r.disputes) {
        const bool let = world.units.let[d.household] != 0;
        const bool moved_in = world.units.move_in_day[d.household] <= static_cast<int>(d.onset);
        // The party's tenure (set at onset from its role, and read by its events instead of the
        // unit's flag) is the unit's: a tenant household where the unit is let.
        const auto tenure = d.party == 1 ? models::Tenure::AbsentOwner
                            : let        ? models::Tenure::Tenant
                                         : models::Tenure::OwnerOccupier;
        REQUIRE(d.tenure == static_cast<std::uint8_t>(tenure));
        tenants += tenure == models::Tenure::Tenant ? 1 : 0;
        if (d.party == 0) { // the household living there
            REQUIRE(moved_in);
            if (d.category == Category::OwnersRights) {
                REQUIRE_FALSE(let); // a tenant has no owners' rights to claim
                ++rights_by_owners;
            }
        } else { // the absent owner of a let or empty unit
            REQUIRE((let || !moved_in));
            const auto& by = s.categories[models::index(d.category)].raised_by;
            REQUIRE(by.absentee_owner > 0);
            ++by_absent;
        }
    }
    CHECK(rights_by_owners > 50);
    CHECK(by_absent > 50);
    CHECK(tenants > 50);
}

// ---- what levers may open --------------------------------------------------------------------

TEST_CASE("a level with success 0 for a category stays 0 under every lever", "[agents][levers]") {
    auto s = test::small_lishui(30000, 4, 1);
    test::add_levers(
        s, "[levers.leading_group]\ndepartment_success_multiplier = 1.5\n"
           "department_server_multiplier = 1.5\nmeeting_success_multiplier = 1.1\n"
           "[levers.party_building]\nbranch_share = 1\ncross_membership_share = 1\n"
           "convening_per_month = 0.01\nturnout_bonus = 0.1\ndormancy_multiplier = 0.5\n"
           "revival_multiplier = 2\nmediation_success_bonus = 0.3\n"
           "owners_rights_rate_multiplier = 0.7\n"
           "[levers.grid_inspection]\ninspection_interval_days = 1\nhouseholds_per_grid = 300\n"
           "detection_probability = 1\nadministrators_per_grid = 0.25\n"
           "inspector_staff_per_cell = 0.1\n"
           "[levers.information_platform]\nhandoff_multiplier = 0.3\n"
           "routing_error_multiplier = 0.3\nintake_delay_multiplier = 0.5\n");
    // The parameter tables: no lever here opens a level to a category.
    const RunState run(s, 16, 0);
    const auto base = models::baseline_parameters(s);
    for (std::size_t k = 0; k < models::category_count; ++k)
        for (std::size_t l = 0; l < models::level_count; ++l)
            if (base.success[k][l] == 0)
                CHECK(run.eff.success[k][l] == 0);
    // In runs: illegal construction, which nothing below a department can stop, is never
    // resolved below one, and the grid sends what it finds to a department.
    s.categories[models::index(Category::Construction)].rate_per_1000_households_per_year *= 10;
    const auto r = run_one(s, 16);
    std::size_t construction = 0;
    for (const auto& d : r.disputes)
        if (d.category == Category::Construction && d.outcome == 1) {
            ++construction;
            CHECK(d.last_level >= Level::Department);
        }
    CHECK(construction > 20);
}
