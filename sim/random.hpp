#pragma once
// Keyed random streams. A stream is derived from (seed, replicate, entity, purpose) by
// SplitMix64-style mixing, so an entity's draws never depend on which thread runs it, on
// how many threads there are, or on what other entities drew. No engine is ever shared
// between tasks; code that draws receives its Stream explicitly.
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/version.hpp>
#include <cstdint>
#include <limits>

// Stream::normal and Stream::unit_exponential take the first step of Boost.Random's ziggurats
// themselves where the installed Boost is the version whose code that step follows (Debian 12's
// 1.74); with any other, Boost draws alone. tests/sim/test_random.cpp checks the draws are
// Boost's, bit for bit.
#define GOVSIM_BOOST_ZIGGURAT_STEP (BOOST_VERSION == 107400)

namespace govsim::sim {

/// One step of SplitMix64 (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
[[nodiscard]] std::uint64_t splitmix64(std::uint64_t x) noexcept;

/// Mixes the four parts of a stream key into one 64-bit seed. Distinct keys give
/// (with overwhelming probability) unrelated seeds; the same key always gives the same seed.
[[nodiscard]] std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t replicate,
                                        std::uint64_t entity, std::uint64_t purpose) noexcept;

/// The 64-bit finaliser of SplitMix64 (Stafford's "variant 13"): a bijection of 64-bit words
/// whose every output bit depends on every input bit.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// A keyed SplitMix64 engine (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
/// generators", OOPSLA): a Weyl sequence state += gamma with an odd increment of the stream's
/// own, each state passed through mix64. Distinct keys give distinct starting states and, with
/// overwhelming probability, distinct increments, so streams are not shifted copies of one
/// sequence. 16 bytes of state (a Mersenne Twister holds 2.5 KB); period 2^64; the paper's
/// generator passes BigCrush. A UniformRandomBitGenerator, so Boost.Random's distributions
/// draw from it.
class KeyedEngine {
public:
    using result_type = std::uint64_t;
    explicit KeyedEngine(std::uint64_t key) noexcept;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
    result_type operator()() noexcept {
        state_ += gamma_;
        return mix64(state_);
    }
    [[nodiscard]] std::uint64_t gamma() const { return gamma_; }
    /// The output k calls ahead (k >= 1), without drawing it: the state is a Weyl sequence.
    [[nodiscard]] result_type peek(std::uint64_t k) const noexcept {
        return mix64(state_ + k * gamma_);
    }

private:
    std::uint64_t state_;
    std::uint64_t gamma_;
};

/// A random stream: a KeyedEngine seeded from a stream key, with the few draws the simulator
/// needs (exponential and normal draws by Boost.Random's ziggurat samplers). Copyable (copying
/// duplicates the stream's state); 16 bytes.
class Stream {
public:
    Stream() : Stream(0, 0, 0, 0) {}
    Stream(std::uint64_t seed, std::uint64_t replicate, std::uint64_t entity,
           std::uint64_t purpose);

    /// Uniform on [0, 1) with 53 random bits.
    [[nodiscard]] double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    /// Bernoulli trial with success probability p (p <= 0 never, p >= 1 always).
    [[nodiscard]] bool bernoulli(double p) {
        if (p <= 0.0)
            return false;
        if (p >= 1.0)
            return true;
        return uniform() < p;
    }
    /// Exponential with the given mean (mean <= 0 gives 0).
    [[nodiscard]] double exponential(double mean) {
        return mean <= 0.0 ? 0.0 : mean * unit_exponential();
    }
    /// Exponential with mean 1: Boost.Random's exponential_distribution, bit for bit, its
    /// ziggurat's first step (as for `normal`, with 256 strips and no sign) taken inline.
    [[nodiscard]] double unit_exponential() {
#if GOVSIM_BOOST_ZIGGURAT_STEP
        const double* const table_x = boost::random::detail::exponential_table<double>::table_x;
        const auto [r, strip] = peek_ziggurat_pair();
        const double x = r * table_x[strip];
        if (x < table_x[strip + 1]) [[likely]] {
            (void)engine_();
            return x; // Boost: (0 + x) / 1, the same
        }
#endif
        boost::random::exponential_distribution<double> dist(1.0);
        return dist(engine_);
    }
    /// Poisson count with the given mean (mean <= 0 gives 0): inversion below a mean of 10,
    /// Boost.Random's transformed rejection (PTRD) above. Throws std::range_error for a
    /// mean above max_poisson_mean (or NaN), whose draws would not fit 32 bits.
    [[nodiscard]] std::uint32_t poisson(double mean);
    static constexpr double max_poisson_mean = 1e9;
    /// Uniform integer in [0, n) for n >= 1.
    [[nodiscard]] std::uint32_t below(std::uint32_t n) {
        return scale_below(engine_(), n);
    }
    /// What below(n) will return k draws ahead (k >= 1: the next), leaving the stream as it
    /// is, so that memory indexed by it can be asked for early.
    [[nodiscard]] std::uint32_t peek_below(std::uint64_t k, std::uint32_t n) const {
        return scale_below(engine_.peek(k), n);
    }
    /// Normal with the given mean and standard deviation (sd 0 gives the mean): Boost.Random's
    /// normal_distribution, bit for bit. Its ziggurat's first step takes one 64-bit output: the
    /// low 8 bits pick one of 128 strips and a sign, the bits above them a uniform r in [0, 1)
    /// (bit 11 cleared, as Boost 1.74's generate_int_float_pair does for a 64-bit engine), and
    /// x = r * table_x[strip] is accepted at once if below table_x[strip + 1] (97% of draws).
    /// That step is taken here, inline, on the output the engine gives next (with Boost 1.74:
    /// GOVSIM_BOOST_ZIGGURAT_STEP); in any other case Boost's own code draws from the same
    /// position. (About 1.5 ns less a draw; synthesis takes six a unit. A test compares this
    /// with Boost's distribution draw by draw.)
    [[nodiscard]] double normal(double mean, double sd) {
        if (sd <= 0.0)
            return mean;
#if GOVSIM_BOOST_ZIGGURAT_STEP
        const double* const table_x = boost::random::detail::normal_table<double>::table_x;
        const auto [r, strip] = peek_ziggurat_pair();
        const int i = strip >> 1;
        const double x = r * table_x[i];
        if (x < table_x[i + 1]) [[likely]] {
            (void)engine_();
            return x * ((strip & 1) * 2 - 1) * sd + mean;
        }
#endif
        boost::random::normal_distribution<double> dist(mean, sd);
        return dist(engine_);
    }
    /// Lognormal with the given mean and coefficient of variation (cv 0 gives the mean).
    [[nodiscard]] double lognormal_mean_cv(double mean, double cv);
    /// A draw from a Boost.Random distribution object (built once where many draws share its
    /// parameters, so that its set-up is not paid per draw).
    template <class Distribution>
    [[nodiscard]] auto draw(Distribution& distribution) {
        return distribution(engine_);
    }
    /// Raw 64-bit output, for tests and for deriving sub-keys.
    [[nodiscard]] std::uint64_t next_u64() {
        return engine_();
    }

private:
#if GOVSIM_BOOST_ZIGGURAT_STEP
    struct ZigguratPair {
        double r;  ///< uniform in [0, 1)
        int strip; ///< the output's low 8 bits
    };
    /// What Boost 1.74's generate_int_float_pair<double, 8> makes of the engine's next output
    /// (without drawing it): the low 8 bits, and the 56 above them, bit 11 of the output
    /// cleared, as a fraction of 2^56.
    [[nodiscard]] ZigguratPair peek_ziggurat_pair() const {
        const std::uint64_t u = engine_.peek(1);
        return {static_cast<double>((u & ~(std::uint64_t{1} << 11)) >> 8) * 0x1.0p-56,
                static_cast<int>(u & 0xFFU)};
    }
#endif
    /// A 64-bit output to [0, n): Lemire's multiply-shift; the tiny bias (n / 2^64) is far
    /// below anything measurable.
    [[nodiscard]] static std::uint32_t scale_below(std::uint64_t x, std::uint32_t n) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::uint32_t>((static_cast<u128>(x) * n) >> 64);
    }
    KeyedEngine engine_;
};

} // namespace govsim::sim
