#include "sim/service_queue.hpp"

#include <algorithm>
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

ServiceQueue::Arrival ServiceQueue::arrive(std::uint32_t job, double time, double priority) {
    account(time);
    // Under FIFO the key is the arrival time, which never decreases, so arrival order (the
    // ticket breaks ties) orders the room; under Priority the key does.
    const Ticket ticket{discipline_ == Discipline::Priority ? priority : time, next_ticket_++};
    if (busy_ < servers_) {
        ++busy_;
        return {Admission::Started, ticket};
    }
    if (capacity_ != 0 && waiting() >= capacity_)
        return {Admission::Rejected, ticket};
    const Waiter w{ticket.key, ticket.id, job};
    if (waiting() == 0 || room_.back() < w) { // the usual case: it joins the end
        room_.push_back(w);
    } else {
        const auto first = room_.begin() + head_;
        const auto at = std::upper_bound(first, room_.end(), w);
        if (head_ > 0 && at - first < room_.end() - at) { // shift the shorter, front side
            std::move(first, at, first - 1);
            --head_;
            *(at - 1) = w;
        } else {
            room_.insert(at, w);
        }
    }
    return {Admission::Waiting, ticket};
}

std::uint32_t ServiceQueue::pop_first() {
    assert(waiting() > 0);
    const std::uint32_t job = room_[head_].job;
    ++head_;
    if (head_ == room_.size()) { // empty: start again at the front
        room_.clear();
        head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= room_.size()) { // reclaim the slots before head_
        room_.erase(room_.begin(), room_.begin() + head_);
        head_ = 0;
    }
    return job;
}

std::optional<std::uint32_t> ServiceQueue::complete(double time) {
    account(time);
    assert(busy_ > 0);
    if (waiting() == 0 || busy_ > servers_) { // after a cut, a finishing server leaves
        --busy_;
        return std::nullopt;
    }
    return pop_first(); // the freed server takes it at once: busy_ is unchanged
}

std::optional<std::uint32_t> ServiceQueue::withdraw(const Ticket& ticket) {
    // The waiter's key is (key, id) and ids are unique, so the lookup finds exactly this job.
    const Waiter w{ticket.key, ticket.id, 0};
    const auto first = room_.begin() + head_;
    const auto it = std::lower_bound(first, room_.end(), w);
    if (it == room_.end() || it->key != w.key || it->ticket != w.ticket)
        return std::nullopt;
    const std::uint32_t job = it->job;
    if (it - first < room_.end() - it) { // shift the shorter, front side
        std::move_backward(first, it, it + 1);
        ++head_;
        if (head_ == room_.size()) {
            room_.clear();
            head_ = 0;
        }
    } else {
        room_.erase(it);
    }
    return job;
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
    while (busy_ < servers_ && waiting() > 0) {
        started.push_back(pop_first());
        ++busy_;
    }
    return started;
}

} // namespace govsim::sim
