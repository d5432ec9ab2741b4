// The parallel loops' contract (sim/parallel.hpp), checked for each backend the build has: TBB's
// (unless the build uses std::thread for the thread sanitizer) and std::thread's (always).
#include "sim/parallel.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

using namespace govsim;

namespace {

/// The plain loop on a backend's ranged loop, as sim::parallel_for_each_index is built on the
/// build's backend.
template <class Backend>
struct PlainLoop {
    template <class Body>
    static void loop(std::size_t n, Body&& body) {
        Backend::ranges(n, [&](std::size_t i, std::size_t) { body(i); });
    }
};

struct StdBackend : PlainLoop<StdBackend> {
    using Limit = sim::std_threads::ThreadLimit;
    template <class Body>
    static void ranges(std::size_t n, Body&& body) {
        sim::std_threads::parallel_for_each_index_in_range(n, body);
    }
    static std::size_t available() { return sim::std_threads::available_threads(); }
    static std::size_t machine() { return sim::std_threads::default_threads(); }
};

#if !GOVSIM_STD_THREADS
struct TbbBackend : PlainLoop<TbbBackend> {
    using Limit = sim::tbb_threads::ThreadLimit;
    template <class Body>
    static void ranges(std::size_t n, Body&& body) {
        sim::tbb_threads::parallel_for_each_index_in_range(n, body);
    }
    static std::size_t available() { return sim::tbb_threads::available_threads(); }
    static std::size_t machine() { return sim::tbb_threads::default_threads(); }
};
#define GOVSIM_BACKENDS StdBackend, TbbBackend
#else
#define GOVSIM_BACKENDS StdBackend
#endif

} // namespace

TEMPLATE_TEST_CASE("a parallel loop calls every index once, in runs a thread does in order",
                   "[sim][parallel]", GOVSIM_BACKENDS) {
    const typename TestType::Limit limit(2);
    for (const std::size_t n : {0UL, 1UL, 2UL, 3UL, 17UL, 1000UL}) {
        std::vector<std::atomic<int>> calls(n);
        std::vector<std::thread::id> by(n);
        std::vector<std::size_t> end_of(n);
        TestType::ranges(n, [&](std::size_t i, std::size_t end) {
            ++calls[i];
            by[i] = std::this_thread::get_id();
            end_of[i] = end;
            // long enough that both threads take part
            std::this_thread::sleep_for(std::chrono::microseconds(20));
        });
        for (std::size_t i = 0; i < n; ++i) {
            REQUIRE(calls[i] == 1);
            REQUIRE(end_of[i] > i);
            REQUIRE(end_of[i] <= n);
        }
        // body(i, end): the units i + 1 .. end - 1 are run after i by the same thread.
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < end_of[i]; ++j) {
                REQUIRE(by[j] == by[i]);
                REQUIRE(end_of[j] == end_of[i]);
            }
    }
}

TEMPLATE_TEST_CASE("a parallel loop uses the threads its limit allows, and no more",
                   "[sim][parallel]", GOVSIM_BACKENDS) {
    if (TestType::machine() < 2) {
        WARN("one hardware thread: not checked");
        return;
    }
    const auto threads_used = [](std::size_t limit) {
        const typename TestType::Limit l(limit);
        CHECK(TestType::available() == limit);
        std::mutex mutex;
        std::set<std::thread::id> seen;
        std::atomic<int> now{0}, most{0};
        TestType::loop(64, [&](std::size_t) {
            const int running = ++now;
            int m = most.load();
            while (running > m && !most.compare_exchange_weak(m, running)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            --now;
            const std::lock_guard lock(mutex);
            seen.insert(std::this_thread::get_id());
        });
        CHECK(most.load() <= static_cast<int>(limit));
        return seen.size();
    };
    CHECK(threads_used(1) == 1);
    // 64 bodies of 2 ms: with two threads allowed, both take some (the loop gives a slower
    // thread fewer, never none while bodies wait). A thread the machine keeps busy elsewhere
    // for the whole loop could miss it, so up to three tries.
    std::size_t used = 0;
    for (int attempt = 0; attempt < 3 && used < 2; ++attempt)
        used = threads_used(2);
    CHECK(used == 2);
}

TEMPLATE_TEST_CASE("a parallel loop throws its body's exception, and a loop nested in a sibling "
                   "unit is not cut short",
                   "[sim][parallel]", GOVSIM_BACKENDS) {
    const typename TestType::Limit limit(2);
    for (int trial = 0; trial < 5; ++trial) {
        std::atomic<std::size_t> done{0};
        std::atomic<bool> nested_returned{false};
        CHECK_THROWS_AS(
            TestType::loop(2,
                           [&](std::size_t unit) {
                               if (unit == 0) {
                                   std::this_thread::sleep_for(std::chrono::milliseconds(2));
                                   throw std::runtime_error("unit 0");
                               }
                               TestType::loop(200, [&](std::size_t) {
                                   std::this_thread::sleep_for(std::chrono::microseconds(50));
                                   ++done;
                               });
                               nested_returned = true;
                           }),
            std::runtime_error);
        if (nested_returned)
            CHECK(done == 200);
        else
            CHECK(done == 0);
    }
    // After a failure, no body is begun: a loop of slow bodies whose first throws stops early.
    std::atomic<int> begun{0};
    CHECK_THROWS_WITH(TestType::loop(400,
                                     [&](std::size_t i) {
                                         ++begun;
                                         if (i == 0)
                                             throw std::length_error("first");
                                         std::this_thread::sleep_for(
                                             std::chrono::microseconds(200));
                                     }),
                      "first");
    CHECK(begun < 400);
    // std::thread's loop checks before each body (TBB finishes the range a thread has begun).
    if constexpr (std::is_same_v<TestType, StdBackend>)
        CHECK(begun < 200);
    // The loops afterwards still use every thread and call every body.
    std::atomic<int> calls{0};
    TestType::loop(100, [&](std::size_t) { ++calls; });
    CHECK(calls == 100);
}

TEST_CASE("std::thread loops: nested loops share the limit, and threads are handed back",
          "[sim][parallel]") {
    if (sim::std_threads::default_threads() < 2) {
        WARN("one hardware thread: not checked");
        return;
    }
    const sim::std_threads::ThreadLimit limit(2);
    std::atomic<int> now{0}, most{0};
    StdBackend::loop(4, [&](std::size_t) {
        StdBackend::loop(8, [&](std::size_t) {
            const int running = ++now;
            int m = most.load();
            while (running > m && !most.compare_exchange_weak(m, running)) {
            }
            std::this_thread::sleep_for(std::chrono::microseconds(300));
            --now;
        });
    });
    CHECK(most.load() <= 2);
    CHECK(sim::std_threads::detail::helpers_running.load() == 0);
    // A limit that ends gives its threads back; an inner limit lower than an outer one rules.
    {
        const sim::std_threads::ThreadLimit one(1);
        CHECK(sim::std_threads::available_threads() == 1);
    }
    CHECK(sim::std_threads::available_threads() == 2);
}
