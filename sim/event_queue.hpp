#pragma once
// A calendar of timed events for discrete-event simulation inside a day. Events are
// ordered by (time, insertion sequence), so ties are broken by the order in which they
// were scheduled: deterministic, never by address or by thread.
#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

namespace govsim::sim {

template <class Payload>
class EventQueue {
public:
    struct Event {
        double time;
        std::uint64_t seq;
        Payload payload;
    };

    void schedule(double time, const Payload& payload) {
        heap_.push(Event{time, next_seq_++, payload});
        next_time_ = heap_.top().time;
    }
    [[nodiscard]] bool empty() const { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const { return heap_.size(); }
    /// Time of the earliest event; +infinity when the queue is empty. Kept beside the heap, so
    /// asking whether anything is due today does not touch the heap's storage (a cache miss
    /// per community and day in a large town).
    [[nodiscard]] double next_time() const { return next_time_; }
    /// Removes and returns the earliest event; the queue must not be empty.
    Event pop() {
        Event e = heap_.top();
        heap_.pop();
        next_time_ = heap_.empty() ? std::numeric_limits<double>::infinity() : heap_.top().time;
        return e;
    }

private:
    struct Later {
        bool operator()(const Event& a, const Event& b) const {
            return a.time > b.time || (a.time == b.time && a.seq > b.seq);
        }
    };
    std::priority_queue<Event, std::vector<Event>, Later> heap_;
    std::uint64_t next_seq_ = 0;
    double next_time_ = std::numeric_limits<double>::infinity();
};

} // namespace govsim::sim
