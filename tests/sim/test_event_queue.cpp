// The event calendar: events come out in time order, simultaneous ones in scheduling order.
#include "sim/event_queue.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <queue>
#include <random>
#include <vector>

using govsim::sim::EventQueue;

TEST_CASE("event queue pops events in time order", "[sim][event_queue]") {
    EventQueue<int> q;
    const std::vector<double> times = {5.0, 0.5, 3.25, 9.0, 0.0, 7.5, 1.0};
    for (std::size_t i = 0; i < times.size(); ++i)
        q.schedule(times[i], static_cast<int>(i));
    REQUIRE(q.size() == times.size());
    CHECK(q.next_time() == 0.0);

    std::vector<double> popped;
    while (!q.empty()) {
        const double next = q.next_time();
        const auto e = q.pop();
        CHECK(e.time == next);
        CHECK(times[static_cast<std::size_t>(e.payload)] == e.time);
        popped.push_back(e.time);
    }
    CHECK(popped == std::vector<double>{0.0, 0.5, 1.0, 3.25, 5.0, 7.5, 9.0});
    // Empty, the next time is +infinity, so "anything before t?" needs no emptiness check.
    CHECK(q.next_time() == std::numeric_limits<double>::infinity());
    q.schedule(4.0, 0);
    CHECK(q.next_time() == 4.0);
}

TEST_CASE("event queue breaks ties in time by scheduling order", "[sim][event_queue]") {
    EventQueue<int> q;
    q.schedule(2.0, 10);
    q.schedule(1.0, 0);
    q.schedule(2.0, 11);
    q.schedule(1.0, 1);
    q.schedule(2.0, 12);
    q.schedule(1.0, 2);

    std::vector<int> order;
    while (!q.empty())
        order.push_back(q.pop().payload);
    CHECK(order == std::vector<int>{0, 1, 2, 10, 11, 12});
}

TEST_CASE("event queue keeps order when events are scheduled while popping", "[sim][event_queue]") {
    EventQueue<int> q;
    q.schedule(1.0, 1);
    q.schedule(3.0, 3);
    std::vector<int> order;
    while (!q.empty()) {
        const auto e = q.pop();
        order.push_back(e.payload);
        if (e.payload == 1) {
            q.schedule(3.0, 4); // same time as an earlier-scheduled event: comes after it
            q.schedule(2.0, 2);
        }
    }
    CHECK(order == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("event queue pops as a priority queue on (time, scheduling order) does",
          "[sim][event_queue]") {
    // The calendar keeps a binary heap of its own (so that its storage can be prefetched);
    // this checks it against the standard library's priority queue over random schedules and
    // pops, times drawn from a few values so that ties are frequent.
    struct Entry {
        double time;
        int seq;
        bool operator<(const Entry& o) const { // std::priority_queue pops the largest
            return time > o.time || (time == o.time && seq > o.seq);
        }
    };
    EventQueue<int> q;
    std::priority_queue<Entry> reference;
    std::mt19937_64 rng(12345);
    int seq = 0;
    for (int step = 0; step < 20000; ++step) {
        if (reference.empty() || rng() % 3 != 0) {
            const double t = static_cast<double>(rng() % 50) * 0.5;
            q.schedule(t, seq);
            reference.push({t, seq});
            ++seq;
        } else {
            const auto e = q.pop();
            REQUIRE(e.payload == reference.top().seq);
            REQUIRE(e.time == reference.top().time);
            reference.pop();
        }
        REQUIRE(q.size() == reference.size());
        REQUIRE(q.next_time() == (reference.empty() ? std::numeric_limits<double>::infinity()
                                                    : reference.top().time));
        // The head of the heap starts with the earliest event and holds nothing earlier.
        const auto head = q.head(7);
        REQUIRE(head.size() == std::min<std::size_t>(7, q.size()));
        if (!head.empty())
            REQUIRE(head.front().payload == reference.top().seq);
        for (const auto& e : head)
            REQUIRE(e.time >= q.next_time());
    }
}
