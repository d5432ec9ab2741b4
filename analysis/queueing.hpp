#pragma once
// Analytic results for the M/M/c queue (Poisson arrivals at rate lambda, c identical servers
// with exponential service at rate mu, unlimited waiting room, FIFO), used to check the
// simulator against theory (MODEL.md §8). Offered load a = lambda / mu (in Erlangs); the queue
// is stable when a < c, i.e. utilisation rho = a / c < 1.
//
// Erlang B is computed by the standard recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)),
// which involves no factorials or powers and stays in [0, 1] at every step, so it is stable for
// thousands of servers; Erlang C follows from B as C = c B / (c - a (1 - B)).
#include <cassert>
#include <cstdint>

namespace govsim::analysis {

/// Erlang B: probability that an arrival finds all c servers busy in the M/M/c/c loss system
/// with offered load a >= 0.
[[nodiscard]] inline double erlang_b(std::uint32_t c, double a) {
    assert(a >= 0.0);
    double b = 1.0;
    for (std::uint32_t k = 1; k <= c; ++k)
        b = a * b / (static_cast<double>(k) + a * b);
    return b;
}

/// Erlang C: probability that an arrival has to wait in M/M/c with offered load a; requires
/// c >= 1 and 0 <= a < c.
[[nodiscard]] inline double erlang_c(std::uint32_t c, double a) {
    assert(c >= 1 && a >= 0.0 && a < static_cast<double>(c));
    const double b = erlang_b(c, a);
    return static_cast<double>(c) * b / (static_cast<double>(c) - a * (1.0 - b));
}

/// Server utilisation rho = lambda / (c mu).
[[nodiscard]] inline double mmc_utilisation(std::uint32_t c, double lambda, double mu) {
    assert(c >= 1 && lambda >= 0.0 && mu > 0.0);
    return lambda / (static_cast<double>(c) * mu);
}

/// Mean waiting time in queue (before service starts) Wq = C(c, a) / (c mu - lambda), in the
/// time unit of 1 / lambda. Requires a stable queue: lambda < c mu.
[[nodiscard]] inline double mmc_mean_wait(std::uint32_t c, double lambda, double mu) {
    assert(c >= 1 && lambda >= 0.0 && mu > 0.0);
    assert(lambda < static_cast<double>(c) * mu && "M/M/c queue must be stable");
    return erlang_c(c, lambda / mu) / (static_cast<double>(c) * mu - lambda);
}

/// Mean number waiting Lq = lambda Wq (Little's law).
[[nodiscard]] inline double mmc_mean_queue_length(std::uint32_t c, double lambda, double mu) {
    return lambda * mmc_mean_wait(c, lambda, mu);
}

} // namespace govsim::analysis
