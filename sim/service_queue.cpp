#include "sim/service_queue.hpp"

#include <cassert>
#include <cmath>

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
    // Under FIFO the key is the arrival time, which never decreases, so arrival order (the
    // ticket breaks ties) orders the room; under Priority the key does.
    const Ticket ticket{discipline_ == Discipline::Priority ? priority : time, next_ticket_++};
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
    if (waiting_.empty() || busy_ > servers_) { // after a cut, a finishing server leaves
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

Capacity capacity_of(double staff_equivalents) {
    if (!(staff_equivalents >= 1.0))
        return Capacity{};
    const double servers = std::round(staff_equivalents);
    return Capacity{static_cast<std::uint32_t>(servers), staff_equivalents / servers};
}

std::vector<std::uint32_t> ServiceQueue::set_capacity(const Capacity& capacity, double time) {
    account(time);
    speed_ = capacity.speed;
    return set_servers(capacity.servers, time);
}

std::vector<std::uint32_t> ServiceQueue::set_servers(std::uint32_t servers, double time) {
    assert(servers >= 1);
    account(time);
    servers_ = servers;
    std::vector<std::uint32_t> started;
    while (busy_ < servers_ && !waiting_.empty()) {
        const auto first = waiting_.begin();
        started.push_back(first->job);
        waiting_.erase(first);
        ++busy_;
    }
    return started;
}

} // namespace govsim::sim
