// Invariants and mechanisms of a whole run: conservation of disputes, independence from
// the thread count, reproducibility, and the feedback loop of MODEL.md §4.
#include "models/experiment.hpp"
#include "models/governance.hpp"
#include "models/run_state.hpp"
#include "models/world.hpp"
#include "sim/parallel.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

using namespace govsim;
using govsim::test::run_one;
using models::RunResult;

namespace {

/// Bitwise equality of doubles, NaN included.
bool same(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void require_identical(const RunResult& a, const RunResult& b) {
    REQUIRE(a.years.size() == b.years.size());
    for (std::size_t y = 0; y < a.years.size(); ++y) {
        const auto& x = a.years[y].stats;
        const auto& z = b.years[y].stats;
        CHECK(x.disputes == z.disputes);
        CHECK(x.complaints == z.complaints);
        CHECK(x.resolved == z.resolved);
        CHECK(x.abandoned == z.abandoned);
        CHECK(x.open_at_end == z.open_at_end);
        CHECK(same(x.mean_resolution_days, z.mean_resolution_days));
        CHECK(same(x.p90_resolution_days, z.p90_resolution_days));
        CHECK(same(x.mean_detection_days, z.mean_detection_days));
        CHECK(same(a.years[y].households, b.years[y].households));
    }
    REQUIRE(a.daily.size() == b.daily.size());
    for (std::size_t d = 0; d < a.daily.size(); ++d) {
        CHECK(a.daily[d].onsets == b.daily[d].onsets);
        CHECK(a.daily[d].complaints == b.daily[d].complaints);
        for (std::size_t k = 0; k < models::level_count; ++k)
            CHECK(same(a.daily[d].busy_server_days[k], b.daily[d].busy_server_days[k]));
    }
    REQUIRE(a.monthly.size() == b.monthly.size());
    for (std::size_t m = 0; m < a.monthly.size(); ++m) {
        CHECK(same(a.monthly[m].mean_satisfaction, b.monthly[m].mean_satisfaction));
        CHECK(same(a.monthly[m].firm_balance, b.monthly[m].firm_balance));
    }
    REQUIRE(a.disputes.size() == b.disputes.size());
    for (std::size_t i = 0; i < a.disputes.size(); ++i) {
        CHECK(same(a.disputes[i].closed, b.disputes[i].closed));
        CHECK(a.disputes[i].household == b.disputes[i].household);
    }
}

} // namespace

TEST_CASE("every dispute is resolved, abandoned or still open at the end",
          "[model][conservation]") {
    const auto s = govsim::test::small_lishui();
    const auto r = run_one(s, 7);
    std::uint64_t total = 0, complaints = 0;
    for (const auto& y : r.years) {
        CHECK(y.stats.disputes == y.stats.resolved + y.stats.abandoned + y.stats.open_at_end);
        total += y.stats.disputes;
        complaints += y.stats.complaints;
    }
    REQUIRE(total > 100); // the run must exercise the lifecycle for the invariant to mean much
    CHECK(total == r.disputes.size());
    // The daily flows tell the same story as the records.
    std::uint64_t onsets = 0, closed = 0, daily_complaints = 0;
    for (const auto& d : r.daily) {
        onsets += d.onsets;
        closed += d.resolved + d.abandoned;
        daily_complaints += d.complaints;
    }
    CHECK(onsets == total);
    CHECK(r.daily.back().open == total - closed);
    CHECK(daily_complaints == complaints);
    std::uint64_t open_records = 0;
    for (const auto& rec : r.disputes) {
        if (rec.outcome == 0) {
            ++open_records;
            CHECK(std::isnan(rec.closed));
        } else {
            CHECK(rec.closed >= rec.onset);
            CHECK(rec.detected >= rec.onset);
            CHECK(rec.closed >= rec.detected);
        }
        if (!std::isnan(rec.government)) {
            CHECK(rec.government >= rec.detected);
            CHECK(rec.last_level >= models::Level::Department);
        }
    }
    CHECK(open_records == r.daily.back().open);
}

TEST_CASE("categories add up to the year's totals", "[model][conservation]") {
    const auto s = govsim::test::small_lishui();
    const auto r = run_one(s, 11, 0, test::Records::Dropped);
    for (const auto& y : r.years) {
        models::DisputeStats sum;
        for (const auto& c : r.category_years)
            if (c.year == y.year) {
                sum.disputes += c.stats.disputes;
                sum.complaints += c.stats.complaints;
                sum.resolved += c.stats.resolved;
                sum.open_at_end += c.stats.open_at_end;
            }
        CHECK(sum.disputes == y.stats.disputes);
        CHECK(sum.complaints == y.stats.complaints);
        CHECK(sum.resolved == y.stats.resolved);
        CHECK(sum.open_at_end == y.stats.open_at_end);
    }
}

TEST_CASE("results are identical for 1 and 2 threads, bit for bit", "[model][determinism]") {
    const auto s = govsim::test::small_lishui(40000, 6);
    RunResult one, two;
    {
        sim::ThreadLimit limit(1);
        one = run_one(s, 99, 3);
    }
    {
        sim::ThreadLimit limit(2);
        two = run_one(s, 99, 3);
    }
    require_identical(one, two);
}

TEST_CASE("an experiment's replicates do not depend on the thread count", "[model][determinism]") {
    auto s = govsim::test::small_lishui(15000, 3, 1);
    models::ExperimentOptions o;
    o.seed = 5;
    o.replicates = 3;
    std::vector<RunResult> one, two;
    {
        sim::ThreadLimit limit(1);
        one = models::run_experiment(s, o);
    }
    {
        sim::ThreadLimit limit(2);
        two = models::run_experiment(s, o);
    }
    REQUIRE(one.size() == 3);
    for (std::size_t i = 0; i < one.size(); ++i) {
        CHECK(one[i].key.replicate == i);
        require_identical(one[i], two[i]);
    }
}

TEST_CASE("models that share a synthesised town give the runs they give alone, bit for bit",
          "[model][determinism]") {
    // Two models on one town (the second with levers, so its run differs) and a third scenario
    // on another town: the runner synthesises the first town once per replicate and the two
    // models copy it; every run must be the run made alone, which synthesises its own town.
    const auto base = govsim::test::small_lishui(15000, 3, 1);
    auto levers = base;
    levers.model.name = "with-levers";
    govsim::test::add_levers(levers, "[levers.more_residents_committees]\n"
                                     "enabled = true\n"
                                     "max_households_per_committee = 1500\n"
                                     "[levers.information_platform]\n"
                                     "enabled = true\n"
                                     "handoff_multiplier = 0.3\n"
                                     "routing_error_multiplier = 0.3\n"
                                     "intake_delay_multiplier = 0.5\n");
    auto other = base;
    other.town.residents_at_full_occupancy = 12000;
    other.town.name = "other";
    REQUIRE(models::same_synthesis(base, levers));
    REQUIRE_FALSE(models::same_synthesis(base, other));
    models::ExperimentOptions o;
    o.seed = 21;
    o.replicates = 2;
    const std::vector<models::Scenario> scenarios{base, levers, other};
    std::vector<RunResult> shared;
    {
        sim::ThreadLimit limit(2);
        shared = models::run_experiment(scenarios, o);
    }
    REQUIRE(shared.size() == 6);
    for (std::size_t i = 0; i < shared.size(); ++i) {
        const auto& s = scenarios[i / 2];
        const auto alone =
            run_one(s, o.seed, static_cast<std::uint32_t>(i % 2), test::Records::Dropped);
        INFO("run " << i);
        require_identical(shared[i], alone);
    }
    // The levers change the run: sharing did not make the models' runs the same.
    CHECK(shared[1].total.stats.complaints + shared[1].total.stats.resolved !=
          shared[3].total.stats.complaints + shared[3].total.stats.resolved);
}

TEST_CASE("a run is reproduced from its seed, and another seed or replicate differs",
          "[model][determinism]") {
    const auto s = govsim::test::small_lishui(20000, 3, 1);
    const auto a = run_one(s, 1234, 0);
    const auto b = run_one(s, 1234, 0);
    require_identical(a, b);
    const auto c = run_one(s, 1235, 0);
    const auto d = run_one(s, 1234, 1);
    CHECK(c.disputes.size() != a.disputes.size());
    CHECK(d.disputes.size() != a.disputes.size());
}

TEST_CASE("occupied households follow the occupancy path, warm-up included", "[model][synthesis]") {
    // A year of warm-up: the path runs back into it, and the first reported day has the start
    // share.
    const auto s = govsim::test::small_lishui(60000, 4, 2, 1);
    const auto r = run_one(s, 3, 0, test::Records::Dropped);
    const double units = r.units;
    // Binomial sampling error of the shares: a few standard errors of sqrt(p(1-p)/n).
    const double se = std::sqrt(0.25 / units);
    const auto path = [&](int day) {
        return models::occupancy_path(s.town, day + s.first_reported_day(), s.first_reported_day());
    };
    REQUIRE(r.daily.size() == 3 * 365U);
    for (const auto& d : r.daily) {
        // households at the end of day d: those moved in on days up to d
        if (d.day % 73 == 0) {
            INFO("day " << d.day);
            CHECK(std::abs(d.households / units - path(d.day)) < 5 * se + 1.0 / 365);
        }
        CHECK(d.warmup == (d.day < 0));
    }
    CHECK(r.daily.front().day == -365);
    CHECK(std::abs(r.daily[365].households / units - s.town.occupancy_start) < 5 * se + 1.0 / 365);
    for (std::size_t d = 1; d < r.daily.size(); ++d)
        CHECK(r.daily[d].households >= r.daily[d - 1].households);
    // Occupancy stops rising at its maximum.
    auto full = s;
    full.town.occupancy_growth_per_year = 0.5;
    full.town.occupancy_max = 0.9;
    const auto f = run_one(full, 3, 0, test::Records::Dropped);
    CHECK(std::abs(f.daily.back().households / units - 0.9) < 5 * se);
}

TEST_CASE("every unit is occupied from its own move-in day, day by day", "[model][synthesis]") {
    // Occupancy grows through the warm-up and both years: units move in on most days.
    const auto s = govsim::test::small_lishui(60000, 4, 2, 1);
    models::RunOptions options;
    std::size_t days = 0, wrong = 0, moved_in = 0;
    std::uint32_t first_day_occupied = 0;
    options.on_day_state = [&](const models::RunState& state) {
        const auto& cp = state.world.compounds;
        const auto& u = state.world.units;
        std::uint32_t occupied = 0;
        for (std::uint32_t c = 0; c < cp.size(); ++c) {
            std::uint32_t due = 0; // units whose move-in day has come
            for (std::uint32_t i = cp.first_unit[c]; i < cp.first_unit[c] + cp.units[c]; ++i)
                due += u.move_in_day[i] <= state.current_day ? 1U : 0U;
            wrong += cp.occupied[c] == due ? 0U : 1U;
            occupied += cp.occupied[c];
        }
        if (days++ == 0)
            first_day_occupied = occupied;
        moved_in = occupied - first_day_occupied;
    };
    models::RunKey key{0, s.run.name, s.town.name, s.model.name, 0};
    (void)models::run_replicate(s, 5, key, options);
    CHECK(days == 3 * 365U);
    CHECK(moved_in > 1000); // households moved in after the first day
    CHECK(wrong == 0);
}

TEST_CASE("firms abandon compounds whose fees no longer cover costs", "[model][feedback]") {
    auto s = govsim::test::small_lishui(30000, 4, 1);
    s.mechanisms.tenders = false;
    s.firms.staff_cost_month = 5; // comfortably profitable: no abandonment
    const auto keep = run_one(s, 21, 0, test::Records::Dropped);
    s.firms.staff_cost_month = 60; // costs far above the fee: every firm loses money
    const auto lose = run_one(s, 21, 0, test::Records::Dropped);
    CHECK(keep.total.institutions.abandonments == 0);
    CHECK(lose.total.institutions.abandonments > 0);
    CHECK(lose.monthly.back().managed_compounds < keep.monthly.back().managed_compounds);
}

TEST_CASE("unresolved disputes lower satisfaction and with it fee collection",
          "[model][feedback]") {
    auto s = govsim::test::small_lishui(30000, 4, 1);
    s.mechanisms.satisfaction_drift = false; // isolate the dispute feedback
    const auto base = run_one(s, 8, 0, test::Records::Dropped);
    s.feedback.satisfaction_abandoned = 0.6;
    s.feedback.satisfaction_per_day_open = 0.02;
    const auto harsh = run_one(s, 8, 0, test::Records::Dropped);
    CHECK(harsh.monthly.back().mean_satisfaction < base.monthly.back().mean_satisfaction);
    CHECK(harsh.monthly.back().fee_collection < base.monthly.back().fee_collection);
}

TEST_CASE("households without trust in institutions do not complain when trust gates complaints",
          "[model][feedback]") {
    auto s = govsim::test::small_lishui(30000, 4, 1);
    s.households.trust_initial_local = 0;
    s.households.trust_initial_nonlocal = 0;
    s.households.trust_initial_tenant = 0;
    s.households.trust_initial_sd = 0;
    s.feedback.trust_resolved_by_government = 0; // nobody can gain trust either
    s.escalation.government_trust_weight = 1;
    const auto gated = run_one(s, 4, 0, test::Records::Dropped);
    s.escalation.government_trust_weight = 0;
    const auto open = run_one(s, 4, 0, test::Records::Dropped);
    CHECK(gated.years[0].stats.complaints == 0);
    CHECK(open.years[0].stats.complaints > 0);
}

TEST_CASE("abandoned compounds fall back to the unmanaged service level", "[model][feedback]") {
    auto s = govsim::test::small_lishui(30000, 4, 1);
    s.firms.staff_cost_month = 60; // every firm loses money and leaves
    s.mechanisms.tenders = false;  // and none comes back
    s.assemblies.retender_after_abandonment_per_month = 0;
    s.households.satisfaction_drift_per_month = 1.0; // satisfaction = service quality each month
    s.feedback = models::FeedbackSpec{0, 0, 0, 0, 0};
    s.households.satisfaction_initial_sd = 0;
    s.town.firm_managed_share = {1, 1, 1};
    s.firms.unmanaged_service_quality = 0.05;
    const auto low = run_one(s, 6, 0, test::Records::Dropped);
    s.firms.unmanaged_service_quality = 0.5;
    const auto high = run_one(s, 6, 0, test::Records::Dropped);
    REQUIRE(low.monthly.back().managed_compounds == 0);
    CHECK(low.monthly.back().mean_satisfaction == Approx(0.05));
    CHECK(high.monthly.back().mean_satisfaction == Approx(0.5));
}
