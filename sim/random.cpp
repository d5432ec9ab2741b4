#include "sim/random.hpp"

#include <bit>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

namespace govsim::sim {

std::uint64_t splitmix64(std::uint64_t x) noexcept {
    return mix64(x + 0x9e3779b97f4a7c15ULL);
}

namespace {

/// An increment for a Weyl sequence from a 64-bit word (the paper's mixGamma): odd, and with
/// at least 24 bit changes between neighbouring bits, since increments with few changes (such
/// as 1) make consecutive states too alike for the finaliser to hide.
std::uint64_t weyl_increment(std::uint64_t z) {
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
    z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    z = (z ^ (z >> 33)) | 1ULL;
    if (std::popcount(z ^ (z >> 1)) < 24)
        z ^= 0xaaaaaaaaaaaaaaaaULL;
    return z;
}

} // namespace

KeyedEngine::KeyedEngine(std::uint64_t key) noexcept
    : state_(splitmix64(key)), gamma_(weyl_increment(splitmix64(key ^ 0x5851f42d4c957f2dULL))) {
}

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t replicate, std::uint64_t entity,
                          std::uint64_t purpose) noexcept {
    // Chain the mixer so that each part passes through a full avalanche before the next
    // is combined: (a, b) and (b, a) give different seeds.
    std::uint64_t h = splitmix64(seed);
    h = splitmix64(h ^ replicate);
    h = splitmix64(h ^ entity);
    h = splitmix64(h ^ purpose);
    return h;
}

Stream::Stream(std::uint64_t seed, std::uint64_t replicate, std::uint64_t entity,
               std::uint64_t purpose)
    : engine_(stream_seed(seed, replicate, entity, purpose)) {
}

std::uint32_t Stream::poisson(double mean) {
    if (mean <= 0.0)
        return 0;
    // A count must fit its type: a larger mean (from rates beyond the scenario loader's
    // engineering limits) is an error, never a silently wrong draw.
    if (!(mean <= max_poisson_mean))
        throw std::range_error(fmt::format("a Poisson draw with mean {} exceeds the largest "
                                           "supported mean {}",
                                           mean, max_poisson_mean));
    boost::random::poisson_distribution<std::uint32_t, double> dist(mean);
    return dist(engine_);
}

double Stream::lognormal_mean_cv(double mean, double cv) {
    if (cv <= 0.0)
        return mean;
    const double sigma2 = std::log1p(cv * cv);
    const double mu = std::log(mean) - 0.5 * sigma2;
    boost::random::lognormal_distribution<double> dist(mu, std::sqrt(sigma2));
    return dist(engine_);
}

} // namespace govsim::sim
