// A run's time axis: the warm-up is simulated but not reported, and governance levers act from
// the model's policy start (or a lever's own start) — before it a model's run is the baseline's,
// bit for bit, under common random numbers.
#include "common/temp_dir.hpp"
#include "models/checkpoint.hpp"
#include "models/experiment.hpp"
#include "models/governance.hpp"
#include "models/scenario_loader.hpp"
#include "models/world.hpp"
#include "sim/config.hpp"
#include "sim/parallel.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace govsim;
using govsim::test::run_one;
using models::DisputeRecord;
using models::RunResult;
using models::Scenario;

namespace {

bool same(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Every field the same; y's times are first moved by `shift` days (as the results move them).
bool same_record(const DisputeRecord& x, const DisputeRecord& y, double shift = 0) {
    return x.community == y.community && x.compound == y.compound && x.household == y.household &&
           x.category == y.category && same(x.onset, y.onset + shift) &&
           same(x.detected, y.detected + shift) && same(x.government, y.government + shift) &&
           same(x.closed, y.closed + shift) && x.outcome == y.outcome &&
           x.last_level == y.last_level && x.handoffs == y.handoffs && x.party == y.party &&
           x.channel == y.channel;
}

/// The grid, with patrols that find nearly everything: a lever whose effect shows at once.
const std::string grid = "[levers.grid_inspection]\ninspection_interval_days = 1\n"
                         "households_per_grid = 300\ndetection_probability = 1\n"
                         "administrators_per_grid = 0.5\ninspector_staff_per_cell = 0.1\n";

} // namespace

TEST_CASE("the warm-up is simulated but not reported", "[time][warmup]") {
    // A: two reported years after one of warm-up. B: the same three years, all reported, with
    // the occupancy path anchored a year earlier so that it is the same path.
    auto a = test::small_lishui(30000, 4, 2, 1);
    auto b = a;
    b.run.start_year = a.run.start_year - 1;
    b.run.years = 3;
    b.run.warmup_years = 0;
    b.town.occupancy_start = a.town.occupancy_start - a.town.occupancy_growth_per_year;
    const auto ra = run_one(a, 5);
    const auto rb = run_one(b, 5);
    // The same simulation: every day, month and dispute, a year apart in labels.
    REQUIRE(ra.daily.size() == rb.daily.size());
    for (std::size_t d = 0; d < ra.daily.size(); ++d) {
        REQUIRE(ra.daily[d].day == rb.daily[d].day - 365);
        REQUIRE(ra.daily[d].warmup == (d < 365));
        REQUIRE_FALSE(rb.daily[d].warmup);
        REQUIRE((ra.daily[d].onsets == rb.daily[d].onsets &&
                 ra.daily[d].households == rb.daily[d].households &&
                 ra.daily[d].complaints == rb.daily[d].complaints));
    }
    REQUIRE(ra.monthly.size() == rb.monthly.size());
    CHECK(ra.monthly.front().month == -12);
    CHECK(ra.monthly.front().warmup);
    REQUIRE(ra.disputes.size() == rb.disputes.size());
    for (std::size_t i = 0; i < ra.disputes.size(); ++i)
        REQUIRE(same_record(ra.disputes[i], rb.disputes[i], -365.0));
    // (B's times moved back a year are A's, bit for bit: A's were moved by the same subtraction.)
    // Reported: A's years are B's last two, exactly; the warm-up year is not in /summary.
    REQUIRE(ra.years.size() == 2);
    REQUIRE(rb.years.size() == 3);
    for (std::size_t y = 0; y < 2; ++y) {
        const auto &x = ra.years[y], &z = rb.years[y + 1];
        CHECK(x.year == z.year);
        CHECK(x.stats.disputes == z.stats.disputes);
        CHECK(x.stats.complaints == z.stats.complaints);
        CHECK(x.stats.resolved == z.stats.resolved);
        CHECK(x.stats.open_at_end == z.stats.open_at_end);
        CHECK(same(x.households, z.households));
        CHECK(x.institutions == z.institutions);
    }
    // The pooled row covers the reported years only: disputes that arose in the warm-up are in
    // no reported year.
    std::uint64_t warmup_disputes = 0;
    for (const auto& r : ra.disputes)
        warmup_disputes += r.onset < 0 ? 1U : 0U;
    CHECK(warmup_disputes > 100);
    CHECK(ra.total.stats.disputes == ra.years[0].stats.disputes + ra.years[1].stats.disputes);
    CHECK(ra.total.stats.disputes + warmup_disputes == ra.disputes.size());
}

TEST_CASE("before its policy start a model runs as the baseline, bit for bit", "[time][policy]") {
    auto base = test::small_lishui(60000, 6, 2, 1);
    auto model = base;
    model.model.name = "grid";
    test::add_levers(model, grid);
    model.model.policy_start = sim::Date{2014, 7, 1};
    const auto rb = run_one(base, 9);
    const auto rm = run_one(model, 9);
    // Day 0 is 1 January 2014; the policy starts on day 181 (1 July), after a year of warm-up.
    const int start = sim::day_of(sim::Date{2014, 7, 1}, 2014);
    REQUIRE(start == 181);
    // Records come community by community, each community's in onset order: the disputes that
    // began before the start are each community's first ones in both runs.
    const auto by_community = [](const RunResult& r) {
        std::vector<std::vector<DisputeRecord>> out;
        for (const auto& d : r.disputes) {
            if (out.size() <= d.community)
                out.resize(d.community + 1);
            out[d.community].push_back(d);
        }
        return out;
    };
    const auto cb = by_community(rb), cm = by_community(rm);
    REQUIRE(cb.size() == cm.size());
    std::size_t before = 0;
    for (std::size_t m = 0; m < cb.size(); ++m)
        for (std::size_t i = 0; i < cb[m].size() && i < cm[m].size(); ++i) {
            const auto &x = cb[m][i], &y = cm[m][i];
            if (x.onset >= start)
                break;
            // A dispute that began before the start and whose every step came before it too.
            if (std::isnan(x.closed) || x.closed >= start)
                continue;
            ++before;
            REQUIRE(same_record(x, y));
        }
    CHECK(before > 1000);
    for (std::size_t d = 0; d < rb.daily.size(); ++d) {
        if (rb.daily[d].day >= start)
            break;
        REQUIRE((rb.daily[d].onsets == rm.daily[d].onsets &&
                 rb.daily[d].detections == rm.daily[d].detections &&
                 rb.daily[d].resolved == rm.daily[d].resolved &&
                 rb.daily[d].complaints == rm.daily[d].complaints &&
                 same(rb.daily[d].busy_server_days[1], rm.daily[d].busy_server_days[1])));
    }
    // After it the grid acts: disputes are found sooner.
    const auto mean_delay = [start](const RunResult& r) {
        double sum = 0;
        std::size_t n = 0;
        for (const auto& d : r.disputes)
            if (d.onset > start + 30 && !std::isnan(d.detected)) {
                sum += d.detected - d.onset;
                ++n;
            }
        return sum / static_cast<double>(n);
    };
    CHECK(mean_delay(rm) < 0.8 * mean_delay(rb));
}

TEST_CASE("a lever's own start phases it in after the model's", "[time][policy]") {
    auto base = test::small_lishui(30000, 4, 2, 0);
    auto phased = base;
    // The model starts on 1 January 2014 (day 0), its grid only on 1 January 2015.
    phased.model.policy_start = sim::Date{2014, 1, 1};
    test::add_levers(phased, "[levers.grid_inspection]\nstart = 2015-01-01\n"
                             "inspection_interval_days = 1\nhouseholds_per_grid = 300\n"
                             "detection_probability = 1\nadministrators_per_grid = 0.5\n"
                             "inspector_staff_per_cell = 0.1\n");
    REQUIRE(phased.levers.entries().front().start == sim::Date{2015, 1, 1});
    const auto rb = run_one(base, 10);
    const auto rp = run_one(phased, 10);
    for (std::size_t d = 0; d < 365; ++d)
        REQUIRE(rb.daily[d].detections == rp.daily[d].detections);
    bool differs = false;
    for (std::size_t d = 365; d < rb.daily.size(); ++d)
        differs = differs || rb.daily[d].detections != rp.daily[d].detections;
    CHECK(differs);
}

TEST_CASE("policy and lever start dates are read and checked", "[time][policy][scenario]") {
    const std::string text =
        sim::read_text_file(test::source_path("scenarios/lishui-baseline.toml"));
    const auto with = [&](const std::string& extra) {
        return models::parse_scenario(text + extra, test::source_path("scenarios/x.toml"));
    };
    CHECK(with("\n[model]\nname = \"m\"\npolicy_start = 2014-09-01\n").model.policy_start ==
          sim::Date{2014, 9, 1});
    // The run reports 2014-2015: a policy start must leave a whole reported year after it (the
    // evaluation period), so 1 January 2015 is the latest.
    CHECK(with("\n[model]\nname = \"m\"\npolicy_start = 2015-01-01\n").model.policy_start ==
          sim::Date{2015, 1, 1});
    CHECK_THROWS_WITH(with("\n[model]\nname = \"m\"\npolicy_start = 2015-01-02\n"),
                      Catch::Matchers::Contains("model.policy_start: expected a date on or before "
                                                "2015-01-01") &&
                          Catch::Matchers::Contains("found 2015-01-02"));
    CHECK_THROWS_WITH(with("\n[model]\nname = \"m\"\npolicy_start = 2016-02-29\n"),
                      Catch::Matchers::Contains("model.policy_start: expected a date") &&
                          Catch::Matchers::Contains("no leap days"));
    CHECK_THROWS_WITH(with("\n[model]\nname = \"m\"\npolicy_start = \"2016-09-01\"\n"),
                      Catch::Matchers::Contains("model.policy_start: expected a date"));
    std::string negative = text;
    negative.replace(negative.find("warmup_years = 1"), 16, "warmup_years = -1");
    CHECK_THROWS_WITH(models::parse_scenario(negative, test::source_path("scenarios/x.toml")),
                      Catch::Matchers::Contains("run.warmup_years"));
}

namespace {

void require_same_stats(const models::DisputeStats& a, const models::DisputeStats& b) {
    REQUIRE((a.disputes == b.disputes && a.complaints == b.complaints &&
             a.grid_referrals == b.grid_referrals && a.timer_escalations == b.timer_escalations &&
             a.resolved == b.resolved && a.abandoned == b.abandoned &&
             a.open_at_end == b.open_at_end));
    REQUIRE((same(a.mean_resolution_days, b.mean_resolution_days) &&
             same(a.median_resolution_days, b.median_resolution_days) &&
             same(a.p90_resolution_days, b.p90_resolution_days) &&
             same(a.mean_detection_days, b.mean_detection_days) &&
             same(a.share_resolved_within_30_days, b.share_resolved_within_30_days)));
}

void require_same_year(const models::YearRow& a, const models::YearRow& b) {
    REQUIRE(a.year == b.year);
    REQUIRE((same(a.households, b.households) &&
             same(a.dispute_rate_per_1000_households, b.dispute_rate_per_1000_households) &&
             same(a.open_dispute_days, b.open_dispute_days) &&
             same(a.unresolved_dispute_days, b.unresolved_dispute_days) &&
             same(a.burden_per_1000_households, b.burden_per_1000_households) &&
             same(a.public_cost, b.public_cost) && same(a.fee_funded_cost, b.fee_funded_cost)));
    require_same_stats(a.stats, b.stats);
    for (std::size_t k = 0; k < a.resources.amount.size(); ++k)
        REQUIRE(same(a.resources.amount[k], b.resources.amount[k]));
    const auto& x = a.institutions;
    const auto& y = b.institutions;
    REQUIRE((x.assemblies == y.assemblies && x.committees_elected == y.committees_elected &&
             x.dismissals == y.dismissals && x.tenders == y.tenders &&
             x.firms_hired == y.firms_hired && x.abandonments == y.abandonments &&
             x.committees_dormant == y.committees_dormant &&
             x.committees_revived == y.committees_revived));
}

/// Every figure of two runs the same, bit for bit (the wall time aside).
void require_same_run(const RunResult& a, const RunResult& b) {
    REQUIRE((a.communities == b.communities && a.compounds == b.compounds && a.units == b.units));
    REQUIRE(a.years.size() == b.years.size());
    for (std::size_t y = 0; y < a.years.size(); ++y)
        require_same_year(a.years[y], b.years[y]);
    require_same_year(a.total, b.total);
    require_same_year(a.evaluation, b.evaluation);
    REQUIRE((a.evaluated_from == b.evaluated_from && a.evaluated_to == b.evaluated_to));
    REQUIRE(a.category_years.size() == b.category_years.size());
    for (std::size_t k = 0; k < a.category_years.size(); ++k) {
        require_same_stats(a.category_years[k].stats, b.category_years[k].stats);
        REQUIRE(same(a.category_years[k].unresolved_dispute_days,
                     b.category_years[k].unresolved_dispute_days));
    }
    REQUIRE(a.equity.size() == b.equity.size());
    for (std::size_t k = 0; k < a.equity.size(); ++k)
        require_same_stats(a.equity[k].stats, b.equity[k].stats);
    REQUIRE(a.daily.size() == b.daily.size());
    for (std::size_t d = 0; d < a.daily.size(); ++d) {
        const auto &x = a.daily[d], &y = b.daily[d];
        REQUIRE((x.day == y.day && x.households == y.households && x.onsets == y.onsets &&
                 x.detections == y.detections && x.resolved == y.resolved &&
                 x.abandoned == y.abandoned && x.complaints == y.complaints &&
                 x.grid_referrals == y.grid_referrals &&
                 x.timer_escalations == y.timer_escalations && x.open == y.open &&
                 x.servers == y.servers));
        for (std::size_t k = 0; k < x.busy_server_days.size(); ++k)
            REQUIRE(same(x.busy_server_days[k], y.busy_server_days[k]));
    }
    REQUIRE(a.monthly.size() == b.monthly.size());
    for (std::size_t m = 0; m < a.monthly.size(); ++m) {
        const auto &x = a.monthly[m], &y = b.monthly[m];
        REQUIRE((same(x.mean_satisfaction, y.mean_satisfaction) &&
                 same(x.mean_trust, y.mean_trust) &&
                 same(x.mean_owner_satisfaction, y.mean_owner_satisfaction) &&
                 same(x.fee_collection, y.fee_collection) &&
                 same(x.mean_staffing, y.mean_staffing) && same(x.firm_balance, y.firm_balance)));
        REQUIRE((x.managed_compounds == y.managed_compounds && x.firm_managed == y.firm_managed &&
                 x.self_governed == y.self_governed && x.owners_committees == y.owners_committees &&
                 x.functioning_committees == y.functioning_committees &&
                 x.residents_committees == y.residents_committees &&
                 x.firms_in_deficit == y.firms_in_deficit));
    }
    REQUIRE(a.disputes.size() == b.disputes.size());
    for (std::size_t k = 0; k < a.disputes.size(); ++k)
        REQUIRE(same_record(a.disputes[k], b.disputes[k]));
}

} // namespace

TEST_CASE("models continue from a shared history to the runs they give alone, bit for bit",
          "[time][policy][determinism]") {
    // The pilot's models on one town, from a policy start after a warm-up year; the runner
    // simulates the days before it once per replicate and every model goes on from a copy.
    auto base = test::small_lishui(20000, 4, 2, 1);
    base.model.policy_start = sim::Date{2014, 7, 1};
    std::vector<Scenario> scenarios;
    for (const char* name : {"baseline", "lishui", "denghu", "shenzhen", "nanhai-opinions"}) {
        auto s = base;
        s.model.name = name;
        std::ifstream file(test::source_path(std::string("scenarios/models/") + name + ".toml"));
        std::stringstream text;
        text << file.rdbuf();
        // The model file's lever sections (its [model] table comes first).
        const std::string all = text.str();
        const auto end = all.find("\n[priors]");
        if (const auto at = all.find("\n[levers."); at != std::string::npos)
            test::add_levers(s, all.substr(at + 1, end == std::string::npos ? end : end - at));
        scenarios.push_back(s);
    }
    // A lever phased in before the others' start moves the group's history end earlier.
    auto early = scenarios[1];
    early.model.name = "early-grid";
    test::add_levers(early, std::string("[levers.grid_inspection]\nstart = 2014-03-01\n") +
                                grid.substr(grid.find('\n') + 1));
    scenarios.push_back(early);
    // Another escalation: the same town but another history (it shares only the town).
    auto other = scenarios[2];
    other.model.name = "other-history";
    other.escalation.escalate_base *= 0.5;
    scenarios.push_back(other);

    const int first_year = base.first_simulated_year();
    const int policy_day = sim::day_of(sim::Date{2014, 7, 1}, first_year);
    REQUIRE(policy_day > 0);
    for (std::size_t s = 1; s < 5; ++s) {
        REQUIRE(models::same_history(scenarios[0], scenarios[s]));
        REQUIRE(models::first_lever_day(scenarios[s]) == policy_day);
    }
    REQUIRE(models::first_lever_day(scenarios[0]) == base.days()); // no levers
    REQUIRE(models::first_lever_day(early) == sim::day_of(sim::Date{2014, 3, 1}, first_year));
    REQUIRE_FALSE(models::same_history(scenarios[0], other));
    REQUIRE(models::same_synthesis(scenarios[0], other));

    models::ExperimentOptions o;
    o.seed = 33;
    o.replicates = 2;
    o.record_disputes = true;
    std::vector<RunResult> shared;
    {
        sim::ThreadLimit limit(2);
        shared = models::run_experiment(scenarios, o);
    }
    REQUIRE(shared.size() == scenarios.size() * 2);
    for (std::size_t i = 0; i < shared.size(); ++i) {
        const auto& s = scenarios[i / 2];
        models::RunKey key{static_cast<std::uint32_t>(i), s.run.name, s.town.name, s.model.name,
                           static_cast<std::uint32_t>(i % 2)};
        models::RunOptions alone;
        alone.record_disputes = true;
        INFO("run " << i << " (" << s.model.name << ")");
        require_same_run(shared[i], models::run_replicate(s, o.seed, key, alone));
    }

    // Saved to a store as `govsim run` saves them, handed to no sink: each run's records go to
    // a file that becomes its checkpoint, a shared history's to one of its own, which every
    // run continuing from it is handed first (and which goes once they all have).
    {
        const test::TempDir dir("govsim-history");
        models::Fingerprint fingerprint;
        fingerprint.add("test", "shared history");
        const models::Checkpoint store(dir.path() / "store", fingerprint);
        auto saved = o;
        saved.checkpoint = &store;
        const models::ExperimentPlan plan(scenarios, o.seed, o.replicates, true);
        {
            sim::ThreadLimit limit(2);
            models::run_runs(plan, plan.all(), saved, {});
        }
        for (std::size_t i = 0; i < shared.size(); ++i) {
            INFO("run " << i << " from the store");
            const auto back = store.load(plan.shape(i));
            REQUIRE(back.has_value());
            require_same_run(*back, shared[i]);
        }
        for (const auto& e : std::filesystem::directory_iterator(dir.path() / "store"))
            CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
    }

    // Directly: a history stopped at the policy start, continued by each model.
    models::RunOptions with_history;
    with_history.record_disputes = true;
    // (A run keeping records continues from a history that kept them.)
    with_history.history = models::run_history(scenarios[0], 5, 1, policy_day, with_history);
    REQUIRE(models::history_day(*with_history.history) == policy_day);
    for (std::size_t s = 0; s < 5; ++s) {
        models::RunKey key{0, "x", "t", scenarios[s].model.name, 1};
        models::RunOptions alone;
        alone.record_disputes = true;
        INFO(scenarios[s].model.name);
        require_same_run(models::run_replicate(scenarios[s], 5, key, with_history),
                         models::run_replicate(scenarios[s], 5, key, alone));
    }
    // A history cannot run past a lever's start, nor be continued by a run it does not fit.
    CHECK_THROWS_AS(models::run_history(scenarios[1], 5, 1, policy_day + 1), std::logic_error);
    models::RunKey key{0, "x", "t", "early", 1};
    CHECK_THROWS_AS(models::run_replicate(early, 5, key, with_history), std::logic_error);
    CHECK_THROWS_AS(models::run_replicate(other, 5, key, with_history), std::logic_error);
    CHECK_THROWS_AS(models::run_replicate(scenarios[1], 6, key, with_history), std::logic_error);
}
