// The analysis of a designed experiment's runs (models/design_analysis.hpp): the same code path
// that reads simulation runs, fed with runs whose metric is a known function of the design
// point, must recover that function's analytic Sobol indices, Morris effects and robustness.
#include "../common/hdf5_reading.hpp"
#include "../common/temp_dir.hpp"
#include "analysis/designs.hpp"
#include "analysis/priors.hpp"
#include "models/design_analysis.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

using namespace govsim;
using models::Metric;
using models::RunResult;

namespace {

constexpr double pi = std::numbers::pi;

/// A run of (town, model, replicate) whose mean resolution time over its evaluation period is
/// `value` (and its resolved share `share`).
RunResult run_with(const std::string& town, const std::string& model, std::uint32_t replicate,
                   double value, double share = 0.5) {
    RunResult r;
    r.key.town = town;
    r.key.model = model;
    r.key.replicate = replicate;
    r.evaluated_from = r.evaluated_to = 2017;
    r.evaluation.stats.mean_resolution_days = value;
    r.evaluation.stats.disputes = 1000;
    r.evaluation.stats.resolved = static_cast<std::uint64_t>(std::llround(share * 1000));
    return r;
}

double ishigami(double x1, double x2, double x3) {
    return std::sin(x1) + 7 * std::pow(std::sin(x2), 2) + 0.1 * std::pow(x3, 4) * std::sin(x1);
}

} // namespace

TEST_CASE("point means average replicates in replicate order, whatever the order runs arrive",
          "[design][analysis]") {
    models::PointMeans a({"t"}, {"m"}, 2, 3), b({"t"}, {"m"}, 2, 3);
    const std::vector<double> v{0.1, 0.2, 0.7};
    for (std::uint32_t r = 0; r < 3; ++r)
        a.add(1, run_with("t", "m", r, v[r]));
    for (std::uint32_t r = 3; r-- > 0;)
        b.add(1, run_with("t", "m", r, v[r]));
    CHECK(a.mean(0, 0, 1, Metric::MeanResolution) == b.mean(0, 0, 1, Metric::MeanResolution));
    CHECK(a.mean(0, 0, 1, Metric::MeanResolution) == Approx(1.0 / 3));
    CHECK(a.mean(0, 0, 1, Metric::ResolvedShare) == Approx(0.5));
    CHECK(std::isnan(a.mean(0, 0, 0, Metric::MeanResolution))); // nothing added there
    CHECK_FALSE(a.complete());
    CHECK_THROWS_AS(a.add(1, run_with("t", "m", 0, 1)), std::invalid_argument); // twice
    CHECK_THROWS_AS(a.add(2, run_with("t", "m", 0, 1)), std::invalid_argument); // no point 2
    CHECK_THROWS_AS(a.add(0, run_with("t", "x", 0, 1)), std::invalid_argument); // no model x
    CHECK_THROWS_AS(a.add(0, run_with("t", "m", 3, 1)), std::invalid_argument); // replicate 3
    for (std::uint32_t r = 0; r < 3; ++r)
        a.add(0, run_with("t", "m", r, 1));
    CHECK(a.complete());
}

TEST_CASE("Sobol rows of runs whose metric is the Ishigami function hold its analytic indices",
          "[design][analysis][sensitivity]") {
    // Two replicates at each point, noise +e and -e around the function: their mean is it.
    const auto design = analysis::saltelli_design(2048, 3, 99);
    models::PointMeans means({"t"}, {"m"}, design.points.size(), 2);
    for (std::size_t p = 0; p < design.points.size(); ++p) {
        const auto& u = design.points[p];
        const double y = ishigami(-pi + 2 * pi * u[0], -pi + 2 * pi * u[1], -pi + 2 * pi * u[2]);
        means.add(p, run_with("t", "m", 0, y + 0.25));
        means.add(p, run_with("t", "m", 1, y - 0.25));
    }
    REQUIRE(means.complete());
    models::SensitivityOptions o;
    o.resamples = 300;
    o.confidence = 0.99;
    o.seed = 5;
    const auto rows = models::sobol_rows(means, design, {"x1", "x2", "x3"}, o);
    REQUIRE(rows.size() == models::metric_count * 3);
    // Analytic (Ishigami and Homma 1990, a = 7, b = 0.1).
    const double first[3] = {0.3139, 0.4424, 0.0};
    const double total[3] = {0.5576, 0.4424, 0.2437};
    std::size_t checked = 0;
    for (const auto& r : rows) {
        if (r.metric != Metric::MeanResolution)
            continue;
        const std::size_t k = static_cast<std::size_t>(r.parameter[1] - '1');
        INFO(r.parameter << ": S1 " << r.first << " [" << r.first_lower << ", " << r.first_upper
                         << "], ST " << r.total << " [" << r.total_lower << ", " << r.total_upper
                         << "]");
        CHECK(r.method == "sobol");
        CHECK(r.points == 2048);
        CHECK((r.first_lower <= first[k] && first[k] <= r.first_upper));
        CHECK((r.total_lower <= total[k] && total[k] <= r.total_upper));
        CHECK(std::isnan(r.mu_star));
        ++checked;
    }
    CHECK(checked == 3);
    // A metric that does not vary over the design has no indices (NaN), not an error.
    for (const auto& r : rows)
        if (r.metric == Metric::ResolvedShare)
            CHECK(std::isnan(r.total));
}

TEST_CASE("Morris rows of runs with a linear metric give its slopes and no spread",
          "[design][analysis][sensitivity]") {
    // y = 3 u1 - 2 u2 + 0 u3 in unit coordinates: mu* = 3, 2, 0; sigma = 0.
    const auto design = analysis::morris_design(20, 3, 4, 11);
    models::PointMeans means({"t"}, {"m"}, design.points.size(), 1);
    for (std::size_t p = 0; p < design.points.size(); ++p) {
        const auto& u = design.points[p];
        means.add(p, run_with("t", "m", 0, 3 * u[0] - 2 * u[1]));
    }
    const auto rows = models::morris_rows(means, design, {"a", "b", "c"}, {});
    const double slope[3] = {3, 2, 0};
    for (const auto& r : rows) {
        if (r.metric != Metric::MeanResolution)
            continue;
        const std::size_t k = static_cast<std::size_t>(r.parameter[0] - 'a');
        CHECK(r.mu_star == Approx(slope[k]).margin(1e-9));
        CHECK(r.sigma == Approx(0).margin(1e-9));
        CHECK(r.points == 20);
        CHECK(std::isnan(r.total));
    }
    // The design and the runs must match.
    CHECK_THROWS_AS(models::morris_rows(means, design, {"a", "b"}, {}), std::invalid_argument);
}

TEST_CASE("robustness rows rank models over draws, by each metric's direction",
          "[design][analysis][robustness]") {
    // 3 draws x 3 models (baseline first) on the mean resolution time (lower is better):
    //   draw 0: 10  8  9;  draw 1: 10 12  7;  draw 2: 10  9  9
    // and on the resolved share (higher is better): the same numbers / 100.
    const std::vector<std::string> models{"baseline", "a", "b"};
    const double v[3][3] = {{10, 8, 9}, {10, 12, 7}, {10, 9, 9}};
    models::PointMeans means({"t"}, {"b", "baseline", "a"}, 3, 1); // another order of models
    for (std::size_t d = 0; d < 3; ++d)
        for (std::size_t m = 0; m < 3; ++m)
            means.add(d, run_with("t", models[m], 0, v[d][m], v[d][m] / 100));
    const auto rows = models::robustness_rows(means, "baseline");
    REQUIRE(rows.size() == models::metric_count * 3);
    const auto find = [&](Metric metric, const std::string& model) {
        for (const auto& r : rows)
            if (r.metric == metric && r.model == model)
                return r;
        FAIL("no row");
        return rows.front();
    };
    const auto time_a = find(Metric::MeanResolution, "a");
    CHECK(time_a.baseline == "baseline");
    CHECK(time_a.lower_is_better);
    CHECK(time_a.draws == 3);
    CHECK(time_a.p_beats_baseline == Approx(2.0 / 3));
    CHECK(time_a.expected_regret == Approx(5.0 / 3));
    CHECK(time_a.mean == Approx(29.0 / 3));
    CHECK(std::isnan(find(Metric::MeanResolution, "baseline").p_beats_baseline));
    CHECK(find(Metric::MeanResolution, "b").p_beats_baseline == Approx(1.0));
    // Higher is better for the resolved share: now the baseline beats "a" on draw 1 only...
    const auto share_a = find(Metric::ResolvedShare, "a");
    CHECK_FALSE(share_a.lower_is_better);
    CHECK(share_a.p_beats_baseline == Approx(1.0 / 3));
    // ...and "a" is best on draw 1 (0.12), so its regret is (0.02 + 0 + 0.01) / 3.
    CHECK(share_a.expected_regret == Approx(0.01).margin(1e-12));
    double sum = 0;
    for (const double p : share_a.rank_probability)
        sum += p;
    CHECK(sum == Approx(1.0));
}

TEST_CASE("sensitivity and robustness tables are written to the results file and as CSV",
          "[design][analysis][results]") {
    const auto design = analysis::morris_design(4, 2, 4, 3);
    models::PointMeans means({"t"}, {"baseline", "a"}, design.points.size(), 1);
    for (std::size_t p = 0; p < design.points.size(); ++p) {
        means.add(p, run_with("t", "baseline", 0, design.points[p][0]));
        means.add(p, run_with("t", "a", 0, design.points[p][1]));
    }
    const auto sens = models::morris_rows(means, design, {"p", "q"}, {});
    const auto rob = models::robustness_rows(means, "baseline");
    test::TempDir dir("govsim-design-analysis");
    const auto path = dir.path() / "r.h5";
    {
        sim::ResultsFile file(path);
        models::write_sensitivity(file, sens);
        models::write_robustness(file, rob);
        file.commit();
    }
    test::Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    CHECK(test::dataset_rows(file.get(), "sensitivity") == sens.size());
    CHECK(test::dataset_rows(file.get(), "robustness") == rob.size());
    const auto columns = test::member_names(file.get(), "robustness");
    CHECK(std::find(columns.begin(), columns.end(), "rank_2") != columns.end());
    CHECK(std::find(columns.begin(), columns.end(), "p_beats_baseline") != columns.end());
    const std::string csv = models::sensitivity_csv(sens);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(sens.size() + 1));
    CHECK(csv.rfind("town,model,metric,parameter,method", 0) == 0);
    const std::string rcsv = models::robustness_csv(rob);
    CHECK(std::count(rcsv.begin(), rcsv.end(), '\n') == static_cast<long>(rob.size() + 1));
    CHECK_FALSE(models::sensitivity_table(sens, {Metric::MeanResolution}).empty());
    CHECK_FALSE(models::robustness_table(rob, {Metric::MeanResolution}).empty());
}

TEST_CASE("a factorial sweep's rows are each point's means; its table shows them, up to a limit",
          "[design][analysis][sweep]") {
    // 2 models x 3 points x 2 replicates; the mean resolution time of replicate r at point p is
    // 10 p + r (so its mean over replicates is 10 p + 0.5), the resolved share (p + 1) / 10.
    models::PointMeans means(3, 2);
    const std::vector<std::vector<double>> values{{5, 0.1}, {5, 0.4}, {15, 0.1}};
    for (const std::string model : {"baseline", "denghu"})
        for (std::size_t p = 0; p < 3; ++p)
            for (std::uint32_t r = 0; r < 2; ++r)
                means.add(p, run_with("dali", model, r, 10.0 * static_cast<double>(p) + r,
                                      static_cast<double>(p + 1) / 10));
    const auto rows = models::sweep_rows(means, values);
    REQUIRE(rows.size() == 6);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CAPTURE(i);
        CHECK(rows[i].town == "dali");
        CHECK(rows[i].model == (i < 3 ? "baseline" : "denghu"));
        CHECK(rows[i].point == i % 3);
        CHECK(rows[i].values == values[i % 3]);
        const auto p = static_cast<double>(i % 3);
        CHECK(rows[i].mean[models::index(Metric::MeanResolution)] == Approx(10 * p + 0.5));
        CHECK(rows[i].mean[models::index(Metric::ResolvedShare)] == Approx((p + 1) / 10));
    }
    CHECK_THROWS_AS(models::sweep_rows(means, {{5, 0.1}}), std::invalid_argument);

    const std::vector<std::string> names{"levers.rapid_response.response_deadline_days",
                                         "escalation.escalate_base"};
    const std::string all =
        models::sweep_table(rows, names, 2, {Metric::MeanResolution, Metric::ResolvedShare});
    CHECK(all.find("dali / baseline: each design point's mean over 2 replicates") !=
          std::string::npos);
    CHECK(all.find("dali / denghu") != std::string::npos);
    CHECK(all.find("escalation.escalate_base") != std::string::npos);
    CHECK(all.find("mean days") != std::string::npos);
    CHECK(all.find("resolved %") != std::string::npos);
    CHECK(all.find("complaints/yr") == std::string::npos); // a metric not asked for
    // Point 2 of a model: 15 and 0.1, a mean of 20.5 days, 30.0% resolved.
    CHECK(all.find("      2") != std::string::npos);
    CHECK(all.find("20.5") != std::string::npos);
    CHECK(all.find("30.0") != std::string::npos);
    CHECK(all.find("more line") == std::string::npos);
    // At most four lines of points: the second model's last two are left out, and said so.
    const std::string four = models::sweep_table(rows, names, 2, {Metric::MeanResolution}, 4);
    CHECK(four.find("10.5") != std::string::npos); // denghu's point 1
    CHECK(four.find("... and 2 more lines of design points") != std::string::npos);
    CHECK(four.find("20.5") != std::string::npos); // baseline's point 2 is shown
    std::size_t lines = 0;
    for (const char c : four)
        lines += c == '\n' ? 1U : 0U;
    CHECK(lines == 2 * 3 + 4 + 1); // two blocks' blank line, title and header; 4 points; the note
}
