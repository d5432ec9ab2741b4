// Outcomes that count failure and cost: government cases by channel, shares that add up, the
// open-dispute burden, resources and their money cost, and a handler level that resolves
// nothing must not look like an improvement.
#include "models/comparison.hpp"
#include "models/experiment.hpp"
#include "models/governance.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <numeric>

using namespace govsim;
using govsim::test::run_one;
using models::GovernmentChannel;
using models::Metric;
using models::Resource;
using models::RunResult;
using models::Scenario;

namespace {

const models::ComparisonRow& row(const models::Comparison& c, const std::string& model, Metric m) {
    for (const auto& r : c.rows)
        if (r.model == model && r.metric == m && r.year == 0)
            return r;
    FAIL("no row for " << model);
    return c.rows.front();
}

} // namespace

TEST_CASE("government cases are counted by channel, in days, years and records alike",
          "[outcomes]") {
    auto s = govsim::test::small_lishui(60000, 6, 2, 1);
    // The grid finds disputes (referrals) and the deadline moves waiting ones (timer escalations).
    govsim::test::add_levers(
        s, "[levers.grid_inspection]\ninspection_interval_days = 7\nhouseholds_per_grid = 300\n"
           "detection_probability = 0.6\nadministrators_per_grid = 0.2\n"
           "inspector_staff_per_cell = 0.1\n"
           "[levers.rapid_response]\noldest_first = true\n"
           "response_deadline_days = 7\n");
    const auto r = run_one(s, 5);
    std::array<std::uint64_t, 4> from_days{}, from_records{};
    for (const auto& d : r.daily) {
        if (d.warmup)
            continue;
        from_days[1] += d.complaints;
        from_days[2] += d.grid_referrals;
        from_days[3] += d.timer_escalations;
    }
    for (const auto& d : r.disputes) {
        if (std::isnan(d.government)) {
            CHECK(d.channel == 0);
            continue;
        }
        CHECK(d.channel != 0);
        CHECK(d.government >= d.detected);
        if (d.government >= 0)
            ++from_records[d.channel];
    }
    const auto& t = r.total.stats;
    CHECK(t.complaints == from_days[1]);
    CHECK(t.grid_referrals == from_days[2]);
    CHECK(t.timer_escalations == from_days[3]);
    CHECK(t.complaints == from_records[1]);
    CHECK(t.grid_referrals == from_records[2]);
    CHECK(t.timer_escalations == from_records[3]);
    CHECK(t.grid_referrals > 0);
    CHECK(t.timer_escalations > 0);
    CHECK(t.government_cases() == t.complaints + t.grid_referrals + t.timer_escalations);
    // Years add up to the whole run; shares to 1.
    std::uint64_t cases = 0;
    double open_days = 0;
    for (const auto& y : r.years) {
        cases += y.stats.government_cases();
        open_days += y.open_dispute_days;
        CHECK(y.stats.share(y.stats.resolved) + y.stats.share(y.stats.abandoned) +
                  y.stats.share(y.stats.open_at_end) ==
              Approx(1.0));
    }
    CHECK(cases == t.government_cases());
    CHECK(open_days == Approx(r.total.open_dispute_days));
    // The burden is the integral of the backlog: the end-of-day backlog summed over the
    // reported days differs from it by less than one day per dispute opened or closed in them.
    double backlog_days = 0, movements = 0;
    for (const auto& d : r.daily)
        if (!d.warmup) {
            backlog_days += d.open;
            movements += d.onsets + d.resolved + d.abandoned;
        }
    CHECK(std::abs(backlog_days - r.total.open_dispute_days) <= movements);
    // The burden counts a dispute given up as unsolved until the end of the run.
    CHECK(r.total.unresolved_dispute_days > r.total.open_dispute_days);
    CHECK(r.total.burden_per_1000_households ==
          Approx(r.total.unresolved_dispute_days * 1000.0 * 365 / (r.total.households * 730)));
}

TEST_CASE("a handler level that resolves nothing does not improve resolution or the burden",
          "[outcomes][mechanism]") {
    // Self-governance groups that mediate parking and neighbour disputes but almost never
    // resolve one, and manage no better than nobody: an added step that can only delay. Fewer
    // disputes may reach government (households give up at the new step); resolution and the
    // burden must not improve.
    auto base = govsim::test::small_lishui(120000, 10, 2, 1);
    base.run.name = "useless-level";
    auto with = base;
    with.model.name = "useless";
    govsim::test::add_levers(
        with, fmt::format("[levers.self_governance]\nformation_per_month = 0.5\n"
                          "service_quality = {}\nvolunteers_per_1000_units = 5\n"
                          "success = {{ neighbour = 0.01, parking = 0.01 }}\n"
                          "service_days = {{ neighbour = 5, parking = 3 }}\npatience_days = 14\n",
                          base.firms.unmanaged_service_quality));
    models::ExperimentOptions o;
    o.seed = 17;
    o.replicates = 6;
    const auto runs = models::run_experiment(std::vector<Scenario>{base, with}, o);
    const auto c = models::compare_models(runs);
    const auto& resolved = row(c, "useless", Metric::ResolvedShare);
    const auto& burden = row(c, "useless", Metric::Burden);
    const auto& abandoned = row(c, "useless", Metric::AbandonedShare);
    INFO("resolved share difference " << resolved.difference << " [" << resolved.difference_lower
                                      << ", " << resolved.difference_upper << "]");
    INFO("burden difference " << burden.difference << " [" << burden.difference_lower << ", "
                              << burden.difference_upper << "]");
    CHECK_FALSE(resolved.difference_lower > 0);
    CHECK_FALSE(burden.difference_upper < 0);
    // The level is live (volunteers counted): the test is not vacuous.
    double volunteers_base = 0, volunteers_with = 0;
    for (const auto& r : runs)
        (r.key.model == "useless" ? volunteers_with : volunteers_base) +=
            r.total.resources[Resource::Volunteers];
    CHECK(volunteers_with > volunteers_base);
    CHECK(abandoned.difference_lower > 0); // households give up at the new step
}

TEST_CASE("each lever counts the resources it uses, from its start, priced by [costs]",
          "[outcomes][costs]") {
    auto base = govsim::test::small_lishui(60000, 6, 2, 1);
    const auto b = run_one(base, 3);
    auto s = base;
    s.model.name = "costly";
    s.model.policy_start = sim::Date{2015, 1, 1};
    govsim::test::add_levers(
        s, "[levers.grid_inspection]\ninspection_interval_days = 7\nhouseholds_per_grid = 300\n"
           "detection_probability = 0.6\nadministrators_per_grid = 0.2\n"
           "inspector_staff_per_cell = 0.1\n"
           "[levers.joint_meeting]\ninterval_days = 14\ncases_per_meeting = 20\nsuccess = 0.8\n"
           "[levers.information_platform]\nhandoff_multiplier = 0.3\n"
           "routing_error_multiplier = 0.3\nintake_delay_multiplier = 0.5\n"
           "[levers.party_building]\nbranch_share = 0.6\ncross_membership_share = 0.5\n"
           "convening_per_month = 0.03\nturnout_bonus = 0.1\ndormancy_multiplier = 0.5\n"
           "revival_multiplier = 2\nmediation_success_bonus = 0.1\n"
           "owners_rights_rate_multiplier = 0.7\n"
           "[levers.more_residents_committees]\nmax_households_per_committee = 1500\n");
    const auto r = run_one(s, 3);
    REQUIRE(r.years.size() == 2);
    const auto& y0 = r.years[0].resources; // 2014: before the policy start
    const auto& y1 = r.years[1].resources; // 2015: every lever acting
    for (const Resource k : {Resource::GridStaff, Resource::JointMeetings,
                             Resource::InformationPlatform, Resource::PartyBranches}) {
        INFO(models::resource_names[static_cast<std::size_t>(k)]);
        CHECK(y0[k] == 0.0);
        CHECK(y1[k] > 0.0);
        CHECK(b.years[1].resources[k] == 0.0);
    }
    CHECK(y1[Resource::InformationPlatform] == Approx(1.0));
    // A meeting every 14 days from 1 January 2015: 26 in the year.
    CHECK(y1[Resource::JointMeetings] == 26.0);
    // Splitting residents' committees adds committees with their minimum staff.
    CHECK(y1[Resource::ResidentsCommitteeStaff] >
          b.years[1].resources[Resource::ResidentsCommitteeStaff]);
    CHECK(y0[Resource::ResidentsCommitteeStaff] ==
          Approx(b.years[0].resources[Resource::ResidentsCommitteeStaff]));
    // Every resource priced at its unit cost; firm staff is fee-funded, not public money.
    REQUIRE(s.costs);
    double public_yuan = 0, fee_yuan = 0;
    for (std::size_t k = 0; k < models::resource_count; ++k)
        (models::fee_funded(static_cast<Resource>(k)) ? fee_yuan : public_yuan) +=
            r.years[1].resources.amount[k] * s.costs->per_unit[k];
    CHECK(r.years[1].public_cost == Approx(public_yuan));
    CHECK(r.years[1].fee_funded_cost == Approx(fee_yuan));
    CHECK(r.years[1].public_cost > b.years[1].public_cost);
    CHECK(r.years[0].public_cost == Approx(b.years[0].public_cost));
    // The evaluation period starts with the first whole year of the policy.
    CHECK(r.evaluated_from == 2015);
    CHECK(r.evaluation.stats.disputes == r.years[1].stats.disputes);
    CHECK(b.evaluated_from == 2014);
    // Without [costs] resources are still counted, money is NaN.
    auto free = base;
    free.costs.reset();
    const auto f = run_one(free, 3);
    CHECK(std::isnan(f.total.public_cost));
    CHECK(f.total.resources[Resource::DepartmentStaff] ==
          Approx(b.total.resources[Resource::DepartmentStaff]));
}

TEST_CASE("equity groups partition the evaluation period's disputes", "[outcomes][equity]") {
    auto s = govsim::test::small_lishui(60000, 6, 2, 1);
    s.model.policy_start = sim::Date{2014, 6, 1};
    s.town.village_converted_share = 0.5; // both kinds of community
    const auto r = run_one(s, 8);
    REQUIRE(r.evaluated_from == 2015);
    std::array<std::uint64_t, 4> disputes{}, complaints{};
    std::uint64_t tenants = 0, tenant_complaints = 0;
    for (const auto& e : r.equity) {
        const auto d = static_cast<std::size_t>(e.dimension);
        disputes[d] += e.stats.disputes;
        complaints[d] += e.stats.complaints;
        CHECK(e.stats.disputes == e.stats.resolved + e.stats.abandoned + e.stats.open_at_end);
        if (e.dimension == models::EquityDimension::Tenure &&
            e.group == static_cast<std::uint8_t>(models::Tenure::Tenant)) {
            tenants = e.stats.disputes;
            tenant_complaints = e.stats.complaints;
        }
    }
    const std::uint64_t n = r.evaluation.stats.disputes;
    CHECK(disputes[0] == n);           // housing
    CHECK(disputes[1] == n);           // community
    CHECK(disputes[2] == n);           // tenure
    CHECK(disputes[3] == n - tenants); // origin: owners only
    CHECK(tenants > 0);
    CHECK(complaints[0] == complaints[2]);
    CHECK(complaints[3] == complaints[2] - tenant_complaints);
    // Each record's groups match the world it came from.
    std::size_t village = 0;
    for (const auto& d : r.disputes)
        village += d.village;
    CHECK(village > 0);
    CHECK(village < r.disputes.size());
}
