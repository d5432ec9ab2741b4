#pragma once
// Keyed random streams. A stream is derived from (seed, replicate, entity, purpose) by
// SplitMix64-style mixing, so an entity's draws never depend on which thread runs it, on
// how many threads there are, or on what other entities drew. No engine is ever shared
// between tasks; code that draws receives its Stream explicitly.
#include <boost/random/mersenne_twister.hpp>
#include <cstdint>

namespace govsim::sim {

/// One step of SplitMix64 (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
[[nodiscard]] std::uint64_t splitmix64(std::uint64_t x) noexcept;

/// Mixes the four parts of a stream key into one 64-bit seed. Distinct keys give
/// (with overwhelming probability) unrelated seeds; the same key always gives the same seed.
[[nodiscard]] std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t replicate,
                                        std::uint64_t entity, std::uint64_t purpose) noexcept;

/// A random stream: a Boost.Random engine seeded from a stream key, with the few
/// draws the simulator needs. Copyable (copying duplicates the stream's state).
class Stream {
public:
    Stream() : Stream(0, 0, 0, 0) {}
    Stream(std::uint64_t seed, std::uint64_t replicate, std::uint64_t entity,
           std::uint64_t purpose);

    /// Uniform on [0, 1) with 53 random bits.
    [[nodiscard]] double uniform();
    /// Bernoulli trial with success probability p (p <= 0 never, p >= 1 always).
    [[nodiscard]] bool bernoulli(double p);
    /// Exponential with the given mean (mean <= 0 gives 0).
    [[nodiscard]] double exponential(double mean);
    /// Poisson count with the given mean (mean <= 0 gives 0). Throws std::range_error for a
    /// mean above max_poisson_mean (or NaN), whose draws would not fit 32 bits.
    [[nodiscard]] std::uint32_t poisson(double mean);
    static constexpr double max_poisson_mean = 1e9;
    /// Uniform integer in [0, n) for n >= 1.
    [[nodiscard]] std::uint32_t below(std::uint32_t n);
    /// Normal with the given mean and standard deviation (sd 0 gives the mean).
    [[nodiscard]] double normal(double mean, double sd);
    /// Lognormal with the given mean and coefficient of variation (cv 0 gives the mean).
    [[nodiscard]] double lognormal_mean_cv(double mean, double cv);
    /// Raw 64-bit output, for tests and for deriving sub-keys.
    [[nodiscard]] std::uint64_t next_u64() { return engine_(); }

private:
    boost::random::mt19937_64 engine_;
};

} // namespace govsim::sim
