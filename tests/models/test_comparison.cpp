// The pilot comparison: metrics with intervals and paired differences from the baseline.
#include "models/comparison.hpp"
#include "models/experiment.hpp"
#include "test_helpers.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace govsim;
using models::Metric;

namespace {

models::RunResult synthetic(const std::string& town, const std::string& model,
                            std::uint32_t replicate, double complaints_per_year) {
    models::RunResult r;
    r.key = {0, "test", town, model, replicate};
    r.years.resize(2);
    r.total.stats.complaints = static_cast<std::uint64_t>(complaints_per_year * 2);
    return r;
}

const models::ComparisonRow& row(const std::vector<models::ComparisonRow>& rows,
                                 const std::string& town, const std::string& model, Metric m) {
    for (const auto& r : rows)
        if (r.town == town && r.model == model && r.metric == m)
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
    CHECK(rows.size() == 2 * 2 * models::metric_count);
    CHECK(rows.front().town == "dali"); // towns in order of appearance
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
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(rows.size() + 1));
    CHECK(csv.rfind("town,model,metric,replicates,mean,lower,upper,baseline,difference", 0) == 0);
    CHECK(csv.find("complaints_per_year") != std::string::npos);
}
