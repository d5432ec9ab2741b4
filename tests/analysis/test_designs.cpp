// Experimental designs (analysis/designs.hpp): the structural properties each design promises.
#include "analysis/designs.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <set>
#include <vector>

using namespace govsim::analysis;

TEST_CASE("Latin hypercube: one point per stratum in every column", "[analysis][designs]") {
    for (const std::size_t n : {1U, 2U, 7U, 100U, 1000U}) {
        const std::size_t k = 5;
        const auto points = latin_hypercube(n, k, 42);
        REQUIRE(points.size() == n);
        const auto dn = static_cast<double>(n);
        for (std::size_t c = 0; c < k; ++c) {
            std::vector<int> hits(n, 0);
            for (const auto& row : points) {
                REQUIRE(row.size() == k);
                const double x = row[c];
                REQUIRE(x >= 0.0);
                REQUIRE(x < 1.0);
                // The stratum i with i/n <= x < (i+1)/n, found without trusting floor(x n).
                auto i = static_cast<std::size_t>(x * dn);
                if (i >= n || x < static_cast<double>(i) / dn)
                    --i;
                else if (x >= static_cast<double>(i + 1) / dn)
                    ++i;
                REQUIRE(static_cast<double>(i) / dn <= x);
                REQUIRE(x < static_cast<double>(i + 1) / dn);
                ++hits[i];
            }
            for (const int h : hits)
                REQUIRE(h == 1);
        }
    }
}

TEST_CASE("Latin hypercube: a seed reproduces its design, another seed differs",
          "[analysis][designs]") {
    const auto a = latin_hypercube(50, 4, 7);
    CHECK(a == latin_hypercube(50, 4, 7));
    const auto b = latin_hypercube(50, 4, 8);
    CHECK(a != b);
    // Not just a reordering of the same strata: positions inside the strata differ too.
    std::size_t equal = 0;
    for (std::size_t r = 0; r < a.size(); ++r)
        for (std::size_t c = 0; c < 4; ++c)
            equal += a[r][c] == b[r][c] ? 1 : 0;
    CHECK(equal == 0);
    // The columns are not copies of one permutation.
    std::size_t same_stratum = 0;
    for (const auto& row : a)
        same_stratum += static_cast<int>(row[0] * 50) == static_cast<int>(row[1] * 50) ? 1 : 0;
    CHECK(same_stratum < 10);
}

TEST_CASE("Saltelli design: N (k + 2) rows; A_B^(i) is A with column i from B",
          "[analysis][designs]") {
    const std::size_t n = 64;
    const std::size_t k = 4;
    const auto d = saltelli_design(n, k, 3);
    CHECK(d.base == n);
    CHECK(d.factors == k);
    REQUIRE(d.points.size() == n * (k + 2));
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const auto& a = d.points[j];
            const auto& b = d.points[n + j];
            const auto& ab = d.points[n * (2 + i) + j];
            REQUIRE(ab.size() == k);
            for (std::size_t c = 0; c < k; ++c)
                REQUIRE(ab[c] == (c == i ? b[c] : a[c]));
        }
    // A and B are independent: no row of B repeats its row of A in any column, and each is a
    // Latin hypercube in its own right (one point per stratum).
    for (std::size_t c = 0; c < k; ++c) {
        std::set<long> strata_a;
        std::set<long> strata_b;
        for (std::size_t j = 0; j < n; ++j) {
            CHECK(d.points[j][c] != d.points[n + j][c]);
            strata_a.insert(static_cast<long>(std::floor(d.points[j][c] * n)));
            strata_b.insert(static_cast<long>(std::floor(d.points[n + j][c] * n)));
        }
        CHECK(strata_a.size() == n);
        CHECK(strata_b.size() == n);
    }
    CHECK(saltelli_design(n, k, 3).points == d.points);
    CHECK(saltelli_design(n, k, 4).points != d.points);
    CHECK_THROWS_AS(saltelli_design(1, k, 3), std::invalid_argument);
    CHECK_THROWS_AS(saltelli_design(n, 0, 3), std::invalid_argument);
}

TEST_CASE("Morris design: trajectories move each factor once by +-Delta on the grid",
          "[analysis][designs]") {
    for (const std::size_t p : {2U, 4U, 6U}) {
        const std::size_t r = 30;
        const std::size_t k = 5;
        const auto d = morris_design(r, k, p, 11);
        const double delta = static_cast<double>(p) / (2.0 * static_cast<double>(p - 1));
        CHECK(morris_delta(p) == delta);
        CHECK(d.trajectories == r);
        CHECK(d.factors == k);
        CHECK(d.levels == p);
        REQUIRE(d.points.size() == r * (k + 1));
        std::set<int> directions;
        for (const auto& row : d.points)
            for (const double x : row) {
                // On the grid {0, 1/(p-1), ..., 1}.
                const double scaled = x * static_cast<double>(p - 1);
                REQUIRE(std::abs(scaled - std::round(scaled)) < 1e-12);
                REQUIRE(x >= 0.0);
                REQUIRE(x <= 1.0);
            }
        for (std::size_t t = 0; t < r; ++t) {
            std::vector<int> moved(k, 0);
            for (std::size_t s = 0; s < k; ++s) {
                const auto& x0 = d.points[t * (k + 1) + s];
                const auto& x1 = d.points[t * (k + 1) + s + 1];
                std::size_t changes = 0;
                for (std::size_t i = 0; i < k; ++i) {
                    if (x0[i] == x1[i])
                        continue;
                    ++changes;
                    ++moved[i];
                    const double step = x1[i] - x0[i];
                    REQUIRE(std::abs(std::abs(step) - delta) < 1e-12);
                    directions.insert(step > 0 ? 1 : -1);
                }
                REQUIRE(changes == 1);
            }
            for (const int m : moved)
                REQUIRE(m == 1);
        }
        CHECK(directions.size() == 2); // both directions occur
    }
    CHECK(morris_design(10, 3, 4, 5).points == morris_design(10, 3, 4, 5).points);
    CHECK(morris_design(10, 3, 4, 5).points != morris_design(10, 3, 4, 6).points);
    CHECK_THROWS_AS(morris_design(10, 3, 5, 1), std::invalid_argument); // odd levels
    CHECK_THROWS_AS(morris_design(10, 3, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(morris_design(0, 3, 4, 1), std::invalid_argument);
}

TEST_CASE("full factorial: every combination once, last factor fastest", "[analysis][designs]") {
    const auto f = full_factorial({2, 3, 2});
    REQUIRE(f.size() == 12);
    const std::vector<std::vector<std::size_t>> first = {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1},
                                                         {0, 2, 0}, {0, 2, 1}, {1, 0, 0}};
    for (std::size_t r = 0; r < first.size(); ++r)
        CHECK(f[r] == first[r]);
    CHECK(f.back() == std::vector<std::size_t>{1, 2, 1});
    CHECK(std::set<std::vector<std::size_t>>(f.begin(), f.end()).size() == 12);
    CHECK(full_factorial({4}).size() == 4);
    CHECK(full_factorial({3, 0, 2}).empty());
    CHECK(full_factorial({}).size() == 1);
    CHECK(level_coordinate(0, 3) == 0.0);
    CHECK(level_coordinate(1, 3) == 0.5);
    CHECK(level_coordinate(2, 3) == 1.0);
    CHECK(level_coordinate(0, 1) == 0.5);
}
