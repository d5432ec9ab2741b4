// The pilot comparison: metrics with intervals and paired differences from the baseline.
#include "models/comparison.hpp"
#include "models/experiment.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace govsim;
using models::Metric;

namespace {

/// A run of two years (2014, 2015), both evaluated, with the complaints given for each year.
models::RunResult synthetic(const std::string& town, const std::string& model,
                            std::uint32_t replicate, double first_year, double second_year) {
    models::RunResult r;
    r.key = {0, "test", town, model, replicate};
    r.years.resize(2);
    r.years[0].year = 2014;
    r.years[1].year = 2015;
    r.years[0].stats.complaints = static_cast<std::uint64_t>(first_year);
    r.years[1].stats.complaints = static_cast<std::uint64_t>(second_year);
    r.evaluated_from = 2014;
    r.evaluated_to = 2015;
    r.evaluation.stats.complaints = r.years[0].stats.complaints + r.years[1].stats.complaints;
    r.total = r.evaluation;
    return r;
}

models::RunResult synthetic(const std::string& town, const std::string& model,
                            std::uint32_t replicate, double complaints_per_year) {
    return synthetic(town, model, replicate, complaints_per_year, complaints_per_year);
}

const models::ComparisonRow& row(const models::Comparison& c, const std::string& town,
                                 const std::string& model, Metric m, int year = 0) {
    const auto& rows = c.rows;
    for (const auto& r : rows)
        if (r.town == town && r.model == model && r.metric == m && r.year == year)
            return r;
    FAIL("no row for " << town << " " << model);
    return rows.front();
}

} // namespace

TEST_CASE("differences are paired by replicate", "[comparison]") {
    // Replicates vary a lot, but the model is always 3 complaints a year below the baseline:
    // the paired difference is exactly -3 with no spread, though the two means' intervals
    // overlap widely.
    std::vector<models::RunResult> runs;
    for (std::uint32_t k = 0; k < 6; ++k) {
        runs.push_back(synthetic("lishui", "baseline", k, 100.0 + 40.0 * k));
        runs.push_back(synthetic("lishui", "grid", k, 97.0 + 40.0 * k));
    }
    const auto rows = models::compare_models(runs);
    const auto& grid = row(rows, "lishui", "grid", Metric::ComplaintsPerYear);
    const auto& base = row(rows, "lishui", "baseline", Metric::ComplaintsPerYear);
    CHECK(grid.replicates == 6);
    CHECK(grid.baseline == "baseline");
    CHECK(grid.difference == Approx(-3.0));
    CHECK(grid.difference_lower == Approx(-3.0));
    CHECK(grid.difference_upper == Approx(-3.0));
    CHECK(grid.mean == Approx(base.mean - 3.0));
    CHECK(grid.lower < base.upper); // unpaired intervals would not separate them
    CHECK(base.difference == 0.0);
}

TEST_CASE("each town is compared with its own baseline", "[comparison]") {
    std::vector<models::RunResult> runs;
    for (std::uint32_t k = 0; k < 3; ++k) {
        runs.push_back(synthetic("dali", "baseline", k, 50.0 + k));
        runs.push_back(synthetic("dali", "denghu", k, 40.0 + k));
        runs.push_back(synthetic("lishui", "baseline", k, 80.0 + k));
        runs.push_back(synthetic("lishui", "denghu", k, 90.0 + k));
    }
    const auto rows = models::compare_models(runs);
    // towns x models x metrics x (the evaluation period and its two years)
    CHECK(rows.rows.size() == 2 * 2 * models::metric_count * 3);
    CHECK(rows.rows.front().town == "dali"); // towns in order of appearance
    CHECK(rows.rows.front().year == 0);      // the evaluation period first
    CHECK(row(rows, "dali", "denghu", Metric::ComplaintsPerYear).difference == Approx(-10.0));
    CHECK(row(rows, "lishui", "denghu", Metric::ComplaintsPerYear).difference == Approx(10.0));
}

TEST_CASE("two identical models differ by exactly zero (common random numbers)",
          "[comparison][determinism]") {
    auto a = govsim::test::small_lishui(15000, 3, 1);
    auto b = a;
    b.model.name = "identical-twin";
    models::ExperimentOptions o;
    o.seed = 9;
    o.replicates = 3;
    const auto runs = models::run_experiment(std::vector<models::Scenario>{a, b}, o);
    REQUIRE(runs.size() == 6);
    const auto rows = models::compare_models(runs);
    for (std::size_t m = 0; m < models::metric_count; ++m) {
        const auto& twin = row(rows, a.town.name, "identical-twin", static_cast<Metric>(m));
        INFO(models::metric_names[m]);
        CHECK(twin.difference == 0.0);
        CHECK(twin.difference_lower == 0.0);
        CHECK(twin.difference_upper == 0.0);
        CHECK(twin.upper > twin.lower); // while replicates themselves do vary
    }
}

TEST_CASE("the comparison CSV has a header and one line per row", "[comparison]") {
    std::vector<models::RunResult> runs{synthetic("t", "baseline", 0, 1),
                                        synthetic("t", "baseline", 1, 2)};
    const auto rows = models::compare_models(runs);
    const auto csv = models::comparison_csv(rows);
    // No equity groups and no model but the baseline (so no costs) in these synthetic runs.
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(rows.rows.size() + 1));
    CHECK(csv.rfind("town,model,dimension,group,metric,year,first_year,last_year,replicates,mean,"
                    "lower,upper,baseline,difference",
                    0) == 0);
    CHECK(csv.find("complaints_per_year") != std::string::npos);
}

TEST_CASE("relative changes come with paired-bootstrap intervals", "[comparison]") {
    // The model is always 10% below the baseline: the relative change is -0.1 whatever the
    // resample, so its interval collapses on it; the absolute difference varies by replicate.
    std::vector<models::RunResult> runs;
    for (std::uint32_t k = 0; k < 8; ++k) {
        runs.push_back(synthetic("t", "baseline", k, 100.0 + 20.0 * k));
        runs.push_back(synthetic("t", "model", k, 90.0 + 18.0 * k));
    }
    const auto c = models::compare_models(runs);
    const auto& r = row(c, "t", "model", Metric::ComplaintsPerYear);
    CHECK(r.relative == Approx(-0.1));
    CHECK(r.relative_lower == Approx(-0.1));
    CHECK(r.relative_upper == Approx(-0.1));
    CHECK(r.difference_upper - r.difference_lower > 1.0);
    // With noise around -10%, the interval holds the truth and has width.
    std::vector<models::RunResult> noisy;
    for (std::uint32_t k = 0; k < 12; ++k) {
        const double base = 100.0 + 10.0 * (k % 5);
        noisy.push_back(synthetic("t", "baseline", k, base));
        noisy.push_back(synthetic("t", "model", k, 0.9 * base + (k % 2 ? 3.0 : -3.0)));
    }
    const auto noisy_comparison = models::compare_models(noisy);
    const auto& n = row(noisy_comparison, "t", "model", Metric::ComplaintsPerYear);
    CHECK(n.relative_lower < -0.1);
    CHECK(n.relative_upper > -0.1);
    CHECK(n.relative_upper < 0.0);
    // Deterministic: the same runs give the same bootstrap interval.
    const auto again_comparison = models::compare_models(noisy);
    const auto& again = row(again_comparison, "t", "model", Metric::ComplaintsPerYear);
    CHECK(again.relative_lower == n.relative_lower);
}

TEST_CASE("time to effect is the first year whose paired difference is significant",
          "[comparison]") {
    // No difference in 2014 (identical runs), 5 fewer complaints in 2015.
    std::vector<models::RunResult> runs;
    for (std::uint32_t k = 0; k < 6; ++k) {
        runs.push_back(synthetic("t", "baseline", k, 50.0 + k, 60.0 + 2 * k));
        runs.push_back(synthetic("t", "slow", k, 50.0 + k, 55.0 + 2 * k + (k % 2)));
        runs.push_back(synthetic("t", "never", k, 50.0 + k, 60.0 + 2 * k + (k % 2 ? 1 : -1)));
    }
    const auto c = models::compare_models(runs);
    CHECK(row(c, "t", "slow", Metric::ComplaintsPerYear, 2014).difference == 0.0);
    CHECK(row(c, "t", "slow", Metric::ComplaintsPerYear, 2015).difference_upper < 0.0);
    CHECK(row(c, "t", "slow", Metric::ComplaintsPerYear).first_significant_year == 2015);
    CHECK(row(c, "t", "never", Metric::ComplaintsPerYear).first_significant_year == 0);
    CHECK(row(c, "t", "baseline", Metric::ComplaintsPerYear).first_significant_year == 0);
}

TEST_CASE("a gain is priced per unit only where it is significant", "[comparison][costs]") {
    std::vector<models::RunResult> runs;
    for (std::uint32_t k = 0; k < 10; ++k) {
        auto b = synthetic("t", "baseline", k, 100.0);
        b.evaluation.public_cost = 2e6 + 1e5 * k; // yuan over the two years
        b.evaluation.stats.resolved = 400 + 10 * k;
        auto m = synthetic("t", "costly", k, 80.0);
        m.evaluation.public_cost = b.evaluation.public_cost + 1e6; // 500,000 yuan a year more
        m.evaluation.stats.resolved = b.evaluation.stats.resolved + 100 + (k % 3); // ~50 a year
        auto z = synthetic("t", "useless", k, 100.0);
        z.evaluation.public_cost = b.evaluation.public_cost + 1e6;
        z.evaluation.stats.resolved = b.evaluation.stats.resolved + (k % 2 ? 3 : -3);
        runs.push_back(b);
        runs.push_back(m);
        runs.push_back(z);
    }
    const auto c = models::compare_models(runs);
    REQUIRE(c.costs.size() == 2);
    const auto& costly = c.costs[0];
    CHECK(costly.model == "costly");
    CHECK(costly.extra_cost == Approx(5e5));
    CHECK(costly.complaints_avoided == Approx(20.0));
    CHECK(costly.cost_per_complaint_avoided == Approx(5e5 / 20.0));
    CHECK(costly.cost_per_extra_resolved == Approx(5e5 / costly.extra_resolved));
    CHECK(costly.cost_per_extra_resolved_lower <= costly.cost_per_extra_resolved);
    CHECK(costly.cost_per_extra_resolved_upper >= costly.cost_per_extra_resolved);
    const auto& useless = c.costs[1];
    CHECK(std::isnan(useless.cost_per_extra_resolved)); // no significant gain to price
    CHECK(std::isnan(useless.cost_per_complaint_avoided));
}
