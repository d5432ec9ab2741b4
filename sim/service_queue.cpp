#include "sim/service_queue.hpp"

#include <cassert>

namespace govsim::sim {

ServiceQueue::ServiceQueue(std::uint32_t servers, std::uint32_t capacity, Discipline discipline)
    : servers_(servers), capacity_(capacity), discipline_(discipline) {
    assert(servers_ >= 1);
}

void ServiceQueue::account(double time) {
    if (time > last_time_) {
        busy_area_ += static_cast<double>(busy_) * (time - last_time_);
        last_time_ = time;
    }
}

double ServiceQueue::busy_time(double time) const {
    return busy_area_ +
           (time > last_time_ ? static_cast<double>(busy_) * (time - last_time_) : 0.0);
}

ServiceQueue::Arrival ServiceQueue::arrive(std::uint32_t job, double time, double priority) {
    account(time);
    // Under FIFO the ticket (arrival order) alone orders the room; under Priority the key does.
    const Ticket ticket{discipline_ == Discipline::Priority ? priority : 0.0, next_ticket_++};
    if (busy_ < servers_) {
        ++busy_;
        return {Admission::Started, ticket};
    }
    if (capacity_ != 0 && waiting_.size() >= capacity_)
        return {Admission::Rejected, ticket};
    waiting_.insert(Waiter{ticket.key, ticket.id, job});
    return {Admission::Waiting, ticket};
}

std::optional<std::uint32_t> ServiceQueue::complete(double time) {
    account(time);
    assert(busy_ > 0);
    if (waiting_.empty()) {
        --busy_;
        return std::nullopt;
    }
    const auto first = waiting_.begin();
    const std::uint32_t job = first->job;
    waiting_.erase(first);
    return job; // the freed server takes it at once: busy_ is unchanged
}

bool ServiceQueue::renege(const Ticket& ticket) {
    // The waiter's key is (key, id) and ids are unique, so the lookup finds exactly this job.
    const auto it = waiting_.find(Waiter{ticket.key, ticket.id, 0});
    if (it == waiting_.end())
        return false;
    waiting_.erase(it);
    return true;
}

} // namespace govsim::sim
