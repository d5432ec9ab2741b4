// Robustness of a model comparison (analysis/robustness.hpp) on a small example worked by hand.
#include "analysis/robustness.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

using namespace govsim::analysis;

namespace {

// 3 parameter draws x 3 models, lower is better, model 0 the baseline:
//   draw 0: 10  8  9    ranks 3 1 2
//   draw 1: 10 12  7    ranks 2 3 1
//   draw 2: 10  9  9    ranks 3, {1,2}, {1,2} (models 1 and 2 tied for best)
const std::vector<std::vector<double>> kValues = {{10, 8, 9}, {10, 12, 7}, {10, 9, 9}};

void check_hand_worked(const std::vector<ModelRobustness>& r, double sign) {
    REQUIRE(r.size() == 3);
    // Means; quantiles (type 7) of model 1's values {8, 9, 12}: p05 = 8 + 0.1 * 1 = 8.1,
    // p95 = 9 + 0.9 * 3 = 11.7.
    CHECK(r[0].mean == Approx(sign * 10));
    CHECK(r[1].mean == Approx(sign * 29.0 / 3));
    CHECK(r[2].mean == Approx(sign * 25.0 / 3));
    if (sign > 0) {
        CHECK(r[1].p05 == Approx(8.1));
        CHECK(r[1].p95 == Approx(11.7));
    } else {
        CHECK(r[1].p05 == Approx(-11.7));
        CHECK(r[1].p95 == Approx(-8.1));
    }
    // Beats the baseline: model 1 on draws 0 and 2, model 2 on all three.
    CHECK(r[0].p_beats_baseline == 0);
    CHECK(r[1].p_beats_baseline == Approx(2.0 / 3));
    CHECK(r[2].p_beats_baseline == Approx(1.0));
    // Rank distributions.
    CHECK(r[0].rank_probability[0] == Approx(0).margin(1e-15));
    CHECK(r[0].rank_probability[1] == Approx(1.0 / 3));
    CHECK(r[0].rank_probability[2] == Approx(2.0 / 3));
    CHECK(r[1].rank_probability[0] == Approx(0.5));
    CHECK(r[1].rank_probability[1] == Approx(1.0 / 6));
    CHECK(r[1].rank_probability[2] == Approx(1.0 / 3));
    CHECK(r[2].rank_probability[0] == Approx(0.5));
    CHECK(r[2].rank_probability[1] == Approx(0.5));
    CHECK(r[2].rank_probability[2] == Approx(0).margin(1e-15));
    for (std::size_t k = 0; k < 3; ++k) {
        double row = 0;
        double column = 0;
        for (std::size_t j = 0; j < 3; ++j) {
            row += r[k].rank_probability[j];
            column += r[j].rank_probability[k];
        }
        CHECK(row == Approx(1.0));
        CHECK(column == Approx(1.0));
    }
    // Regret against the best on each draw: model 0: 2, 3, 1; model 1: 0, 5, 0; model 2: 1, 0, 0.
    CHECK(r[0].expected_regret == Approx(2.0));
    CHECK(r[1].expected_regret == Approx(5.0 / 3));
    CHECK(r[2].expected_regret == Approx(1.0 / 3));
    for (const auto& m : r) {
        CHECK(m.expected_regret >= 0);
        CHECK(m.draws == 3);
    }
}

} // namespace

TEST_CASE("robustness of a ranking: a 3 x 3 example worked by hand", "[analysis][robustness]") {
    check_hand_worked(robustness(kValues, 0, true), 1);
}

TEST_CASE("robustness: higher-is-better mirrors lower-is-better", "[analysis][robustness]") {
    auto negated = kValues;
    for (auto& row : negated)
        for (auto& v : row)
            v = -v;
    check_hand_worked(robustness(negated, 0, false), -1);
}

TEST_CASE("robustness: a model best on every draw has no regret and rank 1 always",
          "[analysis][robustness]") {
    const std::vector<std::vector<double>> values = {{5, 3, 4}, {6, 1, 9}, {2, 0, 2}};
    const auto r = robustness(values, 0, true);
    CHECK(r[1].expected_regret == 0);
    CHECK(r[1].rank_probability[0] == 1);
    CHECK(r[1].p_beats_baseline == 1);
    CHECK(r[0].expected_regret == Approx((2.0 + 5.0 + 2.0) / 3));
}

TEST_CASE("robustness: a draw with a missing value is left out for every model",
          "[analysis][robustness]") {
    auto values = kValues;
    values.push_back({1, std::nan(""), 100});
    check_hand_worked(robustness(values, 0, true), 1);
    const auto none = robustness({{std::nan(""), 1.0}}, 0, true);
    CHECK(none[0].draws == 0);
    CHECK(std::isnan(none[1].mean));
    CHECK_THROWS_AS(robustness({}, 0, true), std::invalid_argument);
    CHECK_THROWS_AS(robustness({{1, 2}, {1}}, 0, true), std::invalid_argument);
    CHECK_THROWS_AS(robustness({{1, 2}}, 2, true), std::invalid_argument);
}
