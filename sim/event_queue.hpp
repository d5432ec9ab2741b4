#pragma once
// A calendar of timed events for discrete-event simulation inside a day. Events are
// ordered by (time, insertion sequence), so ties are broken by the order in which they
// were scheduled: deterministic, never by address or by thread.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
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
        heap_.push_back(Event{time, next_seq_++, payload});
        std::push_heap(heap_.begin(), heap_.end(), Later{});
        next_time_ = heap_.front().time;
    }
    [[nodiscard]] bool empty() const { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const { return heap_.size(); }
    /// Time of the earliest event; +infinity when the queue is empty. Kept beside the heap, so
    /// asking whether anything is due today does not touch the heap's storage (a cache miss
    /// per community and day in a large town).
    [[nodiscard]] double next_time() const { return next_time_; }
    /// The first min(n, size()) events of the heap in storage order: the earliest, then its
    /// children, and so on (for a prefetch ahead of the day; not in time order).
    [[nodiscard]] std::span<const Event> head(std::size_t n) const {
        return {heap_.data(), std::min(n, heap_.size())};
    }
    /// The heap's last event (the one a pop moves first), or null when the queue is empty.
    [[nodiscard]] const Event* last_or_null() const {
        return heap_.empty() ? nullptr : &heap_.back();
    }
    /// Removes and returns the earliest event; the queue must not be empty.
    Event pop() {
        std::pop_heap(heap_.begin(), heap_.end(), Later{});
        Event e = heap_.back();
        heap_.pop_back();
        next_time_ = heap_.empty() ? std::numeric_limits<double>::infinity() : heap_.front().time;
        return e;
    }

private:
    struct Later {
        bool operator()(const Event& a, const Event& b) const {
            return a.time > b.time || (a.time == b.time && a.seq > b.seq);
        }
    };
    /// a binary heap (std::push_heap / std::pop_heap), earliest first: what std::priority_queue
    /// keeps, with its storage in reach of a prefetch
    std::vector<Event> heap_;
    std::uint64_t next_seq_ = 0;
    double next_time_ = std::numeric_limits<double>::infinity();
};

} // namespace govsim::sim
