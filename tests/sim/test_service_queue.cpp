// A handler's service queue: admission, service order, capacity, reneging and the busy-time
// integral on hand-worked examples; and the analytic M/M/c check of MODEL.md §8, which compares
// a long simulated run with Erlang C within a batch-means confidence interval.
#include "analysis/queueing.hpp"
#include "analysis/statistics.hpp"
#include "sim/event_queue.hpp"
#include "sim/random.hpp"
#include "sim/service_queue.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

using govsim::sim::Admission;
using govsim::sim::Discipline;
using govsim::sim::ServiceQueue;

TEST_CASE("an arriving job starts at once while a server is free", "[sim][service_queue]") {
    ServiceQueue q(2, 0, Discipline::Fifo);
    CHECK(q.arrive(1, 0.0).admission == Admission::Started);
    CHECK(q.arrive(2, 0.5).admission == Admission::Started);
    CHECK(q.busy() == 2);
    CHECK(q.waiting() == 0);
}

TEST_CASE("an arriving job waits when all servers are busy", "[sim][service_queue]") {
    ServiceQueue q(1, 0, Discipline::Fifo);
    REQUIRE(q.arrive(1, 0.0).admission == Admission::Started);
    CHECK(q.arrive(2, 1.0).admission == Admission::Waiting);
    CHECK(q.busy() == 1);
    CHECK(q.waiting() == 1);
    CHECK(q.complete(2.0) == std::optional<std::uint32_t>{2});
    CHECK(q.busy() == 1); // the freed server took job 2
    CHECK(q.complete(3.0) == std::nullopt);
    CHECK(q.busy() == 0);
}

TEST_CASE("added servers start waiting jobs at once, removed ones leave as they finish",
          "[sim][service_queue]") {
    ServiceQueue q(1, 0, Discipline::Fifo);
    CHECK(q.arrive(1, 0.0).admission == Admission::Started);
    CHECK(q.arrive(2, 0.1).admission == Admission::Waiting);
    CHECK(q.arrive(3, 0.2).admission == Admission::Waiting);
    CHECK(q.arrive(4, 0.3).admission == Admission::Waiting);
    // Two servers hired at t = 1: the two oldest waiting jobs start, in order.
    CHECK(q.set_servers(3, 1.0) == std::vector<std::uint32_t>{2, 3});
    CHECK(q.busy() == 3);
    CHECK(q.waiting() == 1);
    // Cut to one server: nobody is interrupted...
    CHECK(q.set_servers(1, 2.0).empty());
    CHECK(q.busy() == 3);
    // ...the first two to finish leave without taking job 4, the third takes it.
    CHECK_FALSE(q.complete(3.0).has_value());
    CHECK_FALSE(q.complete(4.0).has_value());
    CHECK(q.busy() == 1);
    CHECK(q.complete(5.0) == std::optional<std::uint32_t>{4});
    CHECK(q.busy() == 1);
    // Busy time: 1 server on [0,1), 3 on [1,3), 2 on [3,4), 1 on [4,5].
    CHECK(q.busy_time(5.0) == Approx(1 + 6 + 2 + 1));
}

TEST_CASE("a capacity in staff-equivalents is integer servers at a speed that keeps it",
          "[sim][service_queue]") {
    using govsim::sim::capacity_of;
    for (const double x : {1.0, 1.25, 1.49, 1.5, 2.4, 7.75, 100.3}) {
        const auto c = capacity_of(x);
        CHECK(c.servers == static_cast<std::uint32_t>(std::round(x)));
        CHECK(c.servers * c.speed == Approx(x));
    }
    // Below one staff-equivalent a handler still has someone on duty, at full speed.
    for (const double x : {0.0, 0.3, 0.99}) {
        CHECK(capacity_of(x).servers == 1);
        CHECK(capacity_of(x).speed == 1.0);
    }
    ServiceQueue q(1, 0, Discipline::Fifo);
    CHECK(q.speed() == 1.0);
    (void)q.set_capacity(capacity_of(2.5), 0.0);
    CHECK(q.servers() == 3);
    CHECK(q.speed() == Approx(2.5 / 3));
}

TEST_CASE("FIFO discipline serves waiting jobs in arrival order", "[sim][service_queue]") {
    ServiceQueue q(1, 0, Discipline::Fifo);
    REQUIRE(q.arrive(0, 0.0).admission == Admission::Started);
    // The priority argument is ignored under FIFO.
    for (std::uint32_t job = 1; job <= 5; ++job)
        REQUIRE(q.arrive(job, job, 10.0 - job).admission == Admission::Waiting);
    std::vector<std::uint32_t> order;
    for (double t = 10.0; auto next = q.complete(t); t += 1.0)
        order.push_back(*next);
    CHECK(order == std::vector<std::uint32_t>{1, 2, 3, 4, 5});
}

TEST_CASE("priority discipline serves the smallest key first, ties in arrival order",
          "[sim][service_queue]") {
    ServiceQueue q(1, 0, Discipline::Priority);
    REQUIRE(q.arrive(0, 0.0, 0.0).admission == Admission::Started);
    q.arrive(1, 1.0, 5.0);
    q.arrive(2, 2.0, 1.0);
    q.arrive(3, 3.0, 3.0);
    q.arrive(4, 4.0, 1.0); // same key as job 2, arrived later
    q.arrive(5, 5.0, -2.0);
    std::vector<std::uint32_t> order;
    for (double t = 10.0; auto next = q.complete(t); t += 1.0)
        order.push_back(*next);
    CHECK(order == std::vector<std::uint32_t>{5, 2, 4, 3, 1});
}

TEST_CASE("a full waiting room rejects arrivals until a place frees", "[sim][service_queue]") {
    ServiceQueue q(1, 2, Discipline::Fifo);
    CHECK(q.arrive(1, 0.0).admission == Admission::Started);
    CHECK(q.arrive(2, 0.1).admission == Admission::Waiting);
    CHECK(q.arrive(3, 0.2).admission == Admission::Waiting);
    CHECK(q.arrive(4, 0.3).admission == Admission::Rejected);
    CHECK(q.waiting() == 2);
    CHECK(q.complete(1.0) == std::optional<std::uint32_t>{2}); // job 4 never entered
    CHECK(q.arrive(5, 1.1).admission == Admission::Waiting);
    CHECK(q.complete(2.0) == std::optional<std::uint32_t>{3});
    CHECK(q.complete(3.0) == std::optional<std::uint32_t>{5});
}

TEST_CASE("capacity 0 means an unlimited waiting room", "[sim][service_queue]") {
    ServiceQueue q(1, 0, Discipline::Fifo);
    REQUIRE(q.arrive(0, 0.0).admission == Admission::Started);
    for (std::uint32_t job = 1; job <= 10'000; ++job)
        REQUIRE(q.arrive(job, 0.0).admission == Admission::Waiting);
    CHECK(q.waiting() == 10'000);
}

TEST_CASE("reneging removes a waiting job and fails for one that has started",
          "[sim][service_queue]") {
    for (const auto discipline : {Discipline::Fifo, Discipline::Priority}) {
        ServiceQueue q(1, 0, discipline);
        const auto a = q.arrive(1, 0.0, 4.0);
        const auto b = q.arrive(2, 1.0, 3.0);
        const auto c = q.arrive(3, 2.0, 2.0);
        REQUIRE(a.admission == Admission::Started);
        REQUIRE(b.admission == Admission::Waiting);
        REQUIRE(c.admission == Admission::Waiting);

        CHECK_FALSE(q.renege(a.ticket)); // in service: nothing changes
        CHECK(q.busy() == 1);
        CHECK(q.waiting() == 2);

        CHECK(q.renege(b.ticket));
        CHECK(q.waiting() == 1);
        CHECK_FALSE(q.renege(b.ticket)); // already gone

        CHECK(q.complete(3.0) == std::optional<std::uint32_t>{3}); // job 2 is never served
        CHECK_FALSE(q.renege(c.ticket));                           // started now
        CHECK(q.complete(4.0) == std::nullopt);

        // withdraw() is renege() telling which job left.
        const auto d = q.arrive(4, 5.0, 1.0);
        const auto e = q.arrive(5, 5.5, 0.5);
        REQUIRE(d.admission == Admission::Started);
        REQUIRE(e.admission == Admission::Waiting);
        CHECK(q.withdraw(d.ticket) == std::nullopt); // in service
        CHECK(q.withdraw(e.ticket) == std::optional<std::uint32_t>{5});
        CHECK(q.withdraw(e.ticket) == std::nullopt);
        CHECK(q.waiting() == 0);
    }
}

TEST_CASE("the flat waiting room serves and reneges exactly as an ordered set would",
          "[sim][service_queue]") {
    // A random mix of arrivals (FIFO and priority keys, switching discipline), completions,
    // reneges of waiting and of started jobs, and server changes, against a reference that
    // keeps the waiters in a std::map ordered by (key, ticket). Long enough that the room
    // grows past its reclaim threshold and both sides of a removal get shifted.
    govsim::sim::Stream rng(20261202, 1, 2, 3);
    ServiceQueue q(2, 0, Discipline::Fifo);
    std::map<std::pair<double, std::uint64_t>, std::uint32_t> reference;
    std::vector<ServiceQueue::Ticket> tickets; // of every job that had to wait
    std::uint32_t busy = 0, servers = 2, next_job = 0;
    double t = 0;
    std::size_t reneged = 0, middle_inserts = 0;
    for (int step = 0; step < 40000; ++step) {
        t += rng.uniform();
        const double u = rng.uniform();
        if (u < 0.45) {
            if (rng.uniform() < 0.01)
                q.set_discipline(rng.uniform() < 0.5 ? Discipline::Fifo : Discipline::Priority);
            const double priority = t - 50.0 * rng.uniform(); // an onset before now
            const auto a = q.arrive(next_job, t, priority);
            if (a.admission == Admission::Started) {
                REQUIRE(busy < servers);
                ++busy;
            } else {
                REQUIRE(a.admission == Admission::Waiting);
                if (!reference.empty() &&
                    std::make_pair(a.ticket.key, a.ticket.id) < reference.rbegin()->first)
                    ++middle_inserts;
                reference.emplace(std::make_pair(a.ticket.key, a.ticket.id), next_job);
                tickets.push_back(a.ticket);
            }
            ++next_job;
        } else if (u < 0.75) {
            if (busy == 0)
                continue;
            const auto next = q.complete(t);
            if (reference.empty() || busy > servers) {
                REQUIRE(!next);
                --busy;
            } else {
                REQUIRE(next);
                CHECK(*next == reference.begin()->second);
                reference.erase(reference.begin());
            }
        } else if (u < 0.98) {
            if (tickets.empty())
                continue;
            const auto i = rng.below(static_cast<std::uint32_t>(tickets.size()));
            const auto ticket = tickets[i];
            const bool waiting = reference.erase(std::make_pair(ticket.key, ticket.id)) > 0;
            CHECK(q.renege(ticket) == waiting);
            reneged += waiting;
        } else {
            servers = 1 + rng.below(4);
            const auto started = q.set_servers(servers, t);
            for (const auto job : started) {
                REQUIRE(!reference.empty());
                CHECK(job == reference.begin()->second);
                reference.erase(reference.begin());
                ++busy;
            }
        }
        REQUIRE(q.waiting() == reference.size());
        REQUIRE(q.busy() == busy);
    }
    CHECK(reneged > 1000);
    CHECK(middle_inserts > 1000);
}

TEST_CASE("busy time integrates the number of busy servers over time", "[sim][service_queue]") {
    // Two servers. Jobs A, B, C arrive at 0, 1, 2; C waits. Completions at 3 (C starts), 5, 6.
    // Busy servers: 1 on [0,1), 2 on [1,5), 1 on [5,6), 0 after:
    // integral = 1*1 + 2*4 + 1*1 = 10 server-time units.
    ServiceQueue q(2, 0, Discipline::Fifo);
    CHECK(q.busy_time(0.0) == 0.0);
    q.arrive(0, 0.0);
    CHECK(q.busy_time(0.5) == Approx(0.5));
    q.arrive(1, 1.0);
    q.arrive(2, 2.0);
    CHECK(q.busy_time(2.0) == Approx(3.0));
    CHECK(q.complete(3.0) == std::optional<std::uint32_t>{2});
    CHECK(q.busy_time(4.0) == Approx(7.0));
    CHECK(q.complete(5.0) == std::nullopt);
    CHECK(q.busy_time(5.5) == Approx(9.5));
    CHECK(q.complete(6.0) == std::nullopt);
    CHECK(q.busy_time(6.0) == Approx(10.0));
    CHECK(q.busy_time(100.0) == Approx(10.0));
}

// ---------------------------------------------------------------------------------------------
// Analytic check (MODEL.md §8): M/M/c against Erlang C.

namespace {

struct MmcRun {
    std::vector<double> waits;       // per customer after the warm-up, in arrival order
    std::vector<double> utilisation; // per batch of customers: busy time / (c * elapsed time)
    double overall_utilisation;      // over the whole measured period
};

/// Simulates an M/M/c FIFO queue with unlimited room for `warmup + measured` customers, using
/// the engine's own parts: keyed streams, the event calendar and the service queue. Service
/// times are drawn when a job starts. Customers are numbered from 0 in arrival order; the
/// measured period runs from the arrival of customer `warmup` to that of customer
/// `warmup + measured` (drawn, but not admitted), and is cut into `batches` batches of customers
/// for the utilisation.
MmcRun simulate_mmc(std::uint32_t c, double lambda, double mu, std::uint32_t warmup,
                    std::uint32_t measured, std::size_t batches, std::uint64_t seed) {
    enum class Kind : std::uint8_t { Arrival, Completion };
    struct Payload {
        Kind kind;
        std::uint32_t job;
    };
    const std::uint32_t total = warmup + measured;
    govsim::sim::Stream arrivals(seed, 0, 0, 0);
    govsim::sim::Stream services(seed, 0, 0, 1);
    govsim::sim::EventQueue<Payload> calendar;
    ServiceQueue queue(c, 0, Discipline::Fifo);

    std::vector<double> arrival_time(total, 0.0);
    std::vector<double> wait(total, -1.0);
    const std::uint32_t batch_size = measured / static_cast<std::uint32_t>(batches);
    std::vector<double> boundary_time;
    std::vector<double> boundary_busy;

    auto start_service = [&](std::uint32_t job, double now) {
        wait[job] = now - arrival_time[job];
        calendar.schedule(now + services.exponential(1.0 / mu), {Kind::Completion, job});
    };

    calendar.schedule(arrivals.exponential(1.0 / lambda), {Kind::Arrival, 0});
    while (!calendar.empty()) {
        const auto event = calendar.pop();
        const double now = event.time;
        if (event.payload.kind == Kind::Arrival) {
            const std::uint32_t job = event.payload.job;
            if (job >= warmup && (job - warmup) % batch_size == 0) {
                boundary_time.push_back(now);
                boundary_busy.push_back(queue.busy_time(now));
            }
            if (job == total)
                continue; // an arrival that only closes the last batch: not admitted
            arrival_time[job] = now;
            if (queue.arrive(job, now).admission == Admission::Started)
                start_service(job, now);
            calendar.schedule(now + arrivals.exponential(1.0 / lambda), {Kind::Arrival, job + 1});
        } else if (const auto next = queue.complete(now)) {
            start_service(*next, now);
        }
    }

    MmcRun run;
    run.waits.assign(wait.begin() + warmup, wait.end());
    const std::size_t k = std::min(batches, boundary_time.size() - 1);
    for (std::size_t i = 0; i < k; ++i)
        run.utilisation.push_back((boundary_busy[i + 1] - boundary_busy[i]) /
                                  (c * (boundary_time[i + 1] - boundary_time[i])));
    run.overall_utilisation =
        (boundary_busy[k] - boundary_busy[0]) / (c * (boundary_time[k] - boundary_time[0]));
    return run;
}

void check_mmc(std::uint32_t c, double rho) {
    const double mu = 1.0;
    const double lambda = rho * c * mu;
    const std::size_t batches = 30;
    const auto run = simulate_mmc(c, lambda, mu, 20'000, 210'000, batches, 2024 + c);

    // Every customer was served, none waited a negative time.
    REQUIRE(std::all_of(run.waits.begin(), run.waits.end(), [](double w) { return w >= 0.0; }));

    using namespace govsim::analysis;
    const double wq_theory = mmc_mean_wait(c, lambda, mu);
    // Batch means of successive waits are nearly independent when a batch (7000 customers) is
    // far longer than the queue's relaxation time (tens of customers at these loads).
    const std::vector<double> wq_batches = batch_means(run.waits, batches);
    REQUIRE(wq_batches.size() == batches);
    const double wq_sim = mean(wq_batches);
    const double wq_se = sample_sd(wq_batches) / std::sqrt(double(batches));
    const Interval wq_ci = mean_ci(wq_batches);
    INFO("M/M/" << c << " rho=" << rho << ": Wq simulated " << wq_sim << " (batch-means SE "
                << wq_se << ", 95% CI " << wq_ci.lower << ".." << wq_ci.upper << "), Erlang C "
                << wq_theory);
    CHECK(std::abs(wq_sim - wq_theory) < 4.0 * wq_se);
    // The check has power: the interval pins Wq down to a few percent.
    CHECK(wq_se < 0.05 * wq_theory);

    REQUIRE(run.utilisation.size() == batches);
    const double util_se = sample_sd(run.utilisation) / std::sqrt(double(batches));
    const Interval util_ci = mean_ci(run.utilisation);
    INFO("utilisation simulated " << run.overall_utilisation << " (batch-means SE " << util_se
                                  << ", 95% CI " << util_ci.lower << ".." << util_ci.upper
                                  << "), theory " << rho);
    CHECK(std::abs(run.overall_utilisation - rho) < 4.0 * util_se);
}

} // namespace

TEST_CASE("M/M/1 mean waiting time matches Erlang C within its batch-means interval",
          "[sim][service_queue][analytic]") {
    check_mmc(1, 0.7);
}

TEST_CASE("M/M/3 mean waiting time matches Erlang C within its batch-means interval",
          "[sim][service_queue][analytic]") {
    check_mmc(3, 0.8);
}
