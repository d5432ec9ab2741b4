// The event calendar: events come out in time order, simultaneous ones in scheduling order.
#include "sim/event_queue.hpp"

#include <catch2/catch.hpp>
#include <limits>
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
