#pragma once
// A calendar of timed events for discrete-event simulation inside a day. Events are
// ordered by (time, insertion sequence), so ties are broken by the order in which they
// were scheduled: deterministic, never by address or by thread.
#include <cstdint>
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
    }
    [[nodiscard]] bool empty() const { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const { return heap_.size(); }
    /// Time of the earliest event; the queue must not be empty.
    [[nodiscard]] double next_time() const { return heap_.top().time; }
    /// Removes and returns the earliest event; the queue must not be empty.
    Event pop() {
        Event e = heap_.top();
        heap_.pop();
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
};

} // namespace govsim::sim
