#pragma once
// A handler's queue: c identical servers and a waiting room of finite (or unlimited)
// capacity, served in first-come-first-served or priority (e.g. oldest-first) order.
// The queue is passive: it decides who is served next and keeps the busy-time integral,
// while the caller draws service times and schedules completions and patience deadlines
// on its own event calendar. This keeps all random draws in the caller's keyed streams.
#include <cstdint>
#include <optional>
#include <vector>

namespace govsim::sim {

enum class Discipline : std::uint8_t {
    Fifo,     ///< first come, first served (by arrival time at this queue)
    Priority, ///< smallest priority key first (e.g. onset time: oldest-first); ties FIFO
};

/// A handler's capacity in staff-equivalents, as integer servers working at a speed: x >= 1
/// staff-equivalents are round(x) servers, each working x / round(x) times as fast (so capacity
/// is continuous in staff); below 1, one server at full speed (a handler that exists always has
/// someone on duty). The caller divides service times by the speed.
struct Capacity {
    std::uint32_t servers = 1;
    double speed = 1.0;
};
[[nodiscard]] Capacity capacity_of(double staff_equivalents);

/// What happened to an arriving job.
enum class Admission : std::uint8_t { Started, Waiting, Rejected };

class ServiceQueue {
public:
    /// `servers` >= 1; `capacity` is the most jobs that may wait (0 means unlimited).
    ServiceQueue(std::uint32_t servers, std::uint32_t capacity, Discipline discipline);

    /// Identifies a waiting job, for renege(). Keep it with the job.
    struct Ticket {
        double key = 0.0;
        std::uint64_t id = 0;
    };
    /// A job arrives at `time`. If a server is free it starts at once (Started); else it waits
    /// (Waiting) unless the waiting room is full (Rejected). `priority` is used only under
    /// Discipline::Priority.
    struct Arrival {
        Admission admission;
        Ticket ticket;
    };
    Arrival arrive(std::uint32_t job, double time, double priority = 0.0);

    /// A server finishes at `time`. Returns the next waiting job, which starts now, if any.
    std::optional<std::uint32_t> complete(double time);

    /// The waiting job with this ticket leaves (impatience). Returns false if it is no longer
    /// waiting (it has started), in which case nothing changes.
    bool renege(const Ticket& ticket) { return withdraw(ticket).has_value(); }
    /// As renege(), returning the job that left (nothing if it was not waiting).
    std::optional<std::uint32_t> withdraw(const Ticket& ticket);

    /// Changes the number of servers at `time` (at least 1): staff hired or cut. With more
    /// servers, waiting jobs start at once; their ids are returned in the order they start (the
    /// caller schedules their completions). With fewer, no job is interrupted: busy servers
    /// above the new number leave as they finish, without taking another job.
    std::vector<std::uint32_t> set_servers(std::uint32_t servers, double time);
    /// As set_servers, also setting the servers' speed (Capacity).
    std::vector<std::uint32_t> set_capacity(const Capacity& capacity, double time);

    /// Changes the discipline for jobs arriving from now on (a policy adopted mid-run): jobs
    /// already waiting keep their place. Under FIFO a job's key is its arrival time, under
    /// Priority its priority, so a job of either kind is ordered against the other by time.
    void set_discipline(Discipline discipline) { discipline_ = discipline; }

    [[nodiscard]] std::uint32_t servers() const { return servers_; }
    /// How fast each server works (1 unless set by set_capacity); service times are divided
    /// by it.
    [[nodiscard]] double speed() const { return speed_; }
    [[nodiscard]] std::uint32_t busy() const { return busy_; }
    [[nodiscard]] std::size_t waiting() const { return room_.size() - head_; }
    /// Integral of the number of busy servers over time, up to `time` (server-days).
    [[nodiscard]] double busy_time(double time) const {
        return busy_area_ +
               (time > last_time_ ? static_cast<double>(busy_) * (time - last_time_) : 0.0);
    }

private:
    struct Waiter {
        double key;
        std::uint64_t ticket;
        std::uint32_t job;
        bool operator<(const Waiter& o) const {
            return key < o.key || (key == o.key && ticket < o.ticket);
        }
    };
    void account(double time);
    /// Takes the first waiter out of the room.
    std::uint32_t pop_first();

    // The fields a day's pass reads for every queue (busy_time, servers) come first, so that
    // they share a cache line.
    double busy_area_ = 0.0;
    double last_time_ = 0.0;
    std::uint32_t busy_ = 0;
    std::uint32_t servers_;
    std::uint32_t capacity_;
    std::uint32_t head_ = 0;
    double speed_ = 1.0;
    std::uint64_t next_ticket_ = 0;
    /// The waiting room: room_[head_, end) sorted by (key, ticket), a flat array rather than a
    /// tree (24 bytes a waiter, contiguous). A job leaves the front by moving head_; a job that
    /// reneges is removed by shifting whichever side of it is shorter; arrivals under FIFO are
    /// appended (their key, the arrival time, never decreases). The slots before head_ are
    /// reclaimed when they outnumber the waiters.
    std::vector<Waiter> room_;
    Discipline discipline_;
};

} // namespace govsim::sim
