// The experiment runner's failure isolation: one run's exception never changes another run's
// result (that loops nested in a run are never cancelled from outside it is checked for each
// backend of the parallel loops in test_parallel_backends.cpp).
#include "sim/experiment.hpp"
#include "sim/parallel.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace govsim;

namespace {

/// A run's result from a nested parallel loop: the sum of i * k over k in [0, n). It is wrong
/// (smaller) if any iteration of the nested loop was skipped.
std::uint64_t nested_sum(std::size_t i, std::size_t n) {
    std::vector<std::uint64_t> parts(n);
    sim::parallel_for_each_index(n, [&](std::size_t k) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        parts[k] = i * k;
    });
    return std::accumulate(parts.begin(), parts.end(), std::uint64_t{0});
}

} // namespace

TEST_CASE("one run's failure changes no other run's result and is reported once", "[runner]") {
    const sim::ThreadLimit threads(2);
    std::vector<std::size_t> indices(12);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    for (int trial = 0; trial < 3; ++trial) {
        std::mutex mutex;
        std::vector<std::pair<std::size_t, std::uint64_t>> delivered;
        try {
            sim::run_indices<std::uint64_t>(
                indices,
                [](std::size_t i) {
                    if (i == 3)
                        throw std::length_error("run 3 fails");
                    return nested_sum(i, 200);
                },
                [&](std::size_t i, std::uint64_t&& r) {
                    const std::lock_guard lock(mutex);
                    delivered.emplace_back(i, r);
                });
            FAIL("the failure was not reported");
        } catch (const sim::RunFailure& e) {
            CHECK(e.index() == 3);
            CHECK(std::string(e.what()) == "run 3 fails");
            CHECK(e.other_failures() == 0);
            CHECK_THROWS_AS(std::rethrow_exception(e.cause()), std::length_error);
        }
        // Runs in flight finished; those not started were skipped; nothing delivered is wrong.
        for (const auto& [i, r] : delivered) {
            INFO("run " << i);
            CHECK(i != 3);
            CHECK(r == i * (199 * 200 / 2));
        }
    }
}

TEST_CASE("a failing sink is a failure of that run only", "[runner]") {
    std::vector<std::size_t> indices{0, 1, 2, 3, 4, 5};
    std::atomic<int> stored{0};
    try {
        sim::run_indices<std::uint64_t>(
            indices, [](std::size_t i) { return nested_sum(i, 50); },
            [&](std::size_t i, std::uint64_t&&) {
                if (i == 2)
                    throw std::runtime_error("cannot save run 2");
                ++stored;
            });
        FAIL("the failure was not reported");
    } catch (const sim::RunFailure& e) {
        CHECK(e.index() == 2);
    }
    CHECK(stored <= 5);
}

TEST_CASE("without failures every index is delivered once", "[runner]") {
    std::vector<std::size_t> indices{7, 3, 11, 0};
    const auto results =
        sim::run_indices<std::uint64_t>(indices, [](std::size_t i) { return nested_sum(i, 10); });
    REQUIRE(results.size() == 4);
    for (std::size_t k = 0; k < indices.size(); ++k)
        CHECK(results[k] == indices[k] * 45);
}

TEST_CASE("shares deal runs round-robin and cover each index once", "[runner]") {
    std::vector<int> seen(10, 0);
    for (std::size_t part = 0; part < 3; ++part)
        for (const std::size_t i : sim::indices_of(10, {part, 3}))
            ++seen[i];
    CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
    CHECK(sim::indices_of(10, {1, 3}) == std::vector<std::size_t>{1, 4, 7});
    CHECK(sim::indices_of(2, {2, 3}).empty());
    CHECK_THROWS_AS(sim::indices_of(10, {3, 3}), std::invalid_argument);
}

TEST_CASE("inside a serial scope, loops run in order on the calling thread", "[sim][parallel]") {
    const sim::ThreadLimit limit(2);
    std::vector<std::size_t> order;
    std::vector<std::thread::id> threads;
    {
        const sim::SerialScope serial;
        REQUIRE(sim::serial_here());
        sim::parallel_for_each_index(200, [&](std::size_t i) {
            order.push_back(i); // unsynchronised: safe only if the calls are serial
            threads.push_back(std::this_thread::get_id());
        });
        // An exception still leaves the loop, as a parallel loop's would.
        CHECK_THROWS_AS(
            sim::parallel_for_each_index(
                3, [](std::size_t i) { i == 1 ? throw std::runtime_error("x") : void(); }),
            std::runtime_error);
    }
    REQUIRE_FALSE(sim::serial_here());
    REQUIRE(order.size() == 200);
    for (std::size_t i = 0; i < order.size(); ++i)
        REQUIRE(order[i] == i);
    REQUIRE(std::all_of(threads.begin(), threads.end(),
                        [](std::thread::id t) { return t == std::this_thread::get_id(); }));
    // An inactive scope changes nothing.
    const sim::SerialScope inactive(false);
    CHECK_FALSE(sim::serial_here());
}
