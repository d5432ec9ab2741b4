// Keyed random streams: reproducibility, independence of keys, and the moments of each draw.
// Statistical checks use a tolerance of 5 standard errors derived from the sample size and the
// distribution's known moments (false-failure probability below 1e-6 per check), never a tuned
// number; the seeds are fixed, so the tests are deterministic.
#include "sim/random.hpp"

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

using govsim::sim::Stream;

namespace {

constexpr int kDraws = 200'000;
constexpr double kZ = 5.0; // tolerance in standard errors

std::vector<std::uint64_t> raw(Stream s, int n) {
    std::vector<std::uint64_t> out;
    for (int i = 0; i < n; ++i)
        out.push_back(s.next_u64());
    return out;
}

struct Moments {
    double mean;
    double variance;
};

template <class Draw>
Moments moments(Draw draw, int n) {
    double sum = 0.0;
    double sum_sq = 0.0;
    for (int i = 0; i < n; ++i) {
        const double x = draw();
        sum += x;
        sum_sq += x * x;
    }
    const double dn = static_cast<double>(n);
    const double m = sum / dn;
    return {m, (sum_sq - dn * m * m) / (dn - 1.0)};
}

} // namespace

TEST_CASE("the same stream key always gives the same sequence", "[sim][random]") {
    CHECK(raw(Stream(42, 3, 17, 2), 1000) == raw(Stream(42, 3, 17, 2), 1000));
    CHECK(govsim::sim::stream_seed(42, 3, 17, 2) == govsim::sim::stream_seed(42, 3, 17, 2));
}

TEST_CASE("streams differing in seed, replicate, entity or purpose give different sequences",
          "[sim][random]") {
    const auto base = raw(Stream(42, 3, 17, 2), 64);
    const std::vector<std::vector<std::uint64_t>> others =
        {
            raw(Stream(43, 3, 17, 2), 64), raw(Stream(42, 4, 17, 2), 64),
            raw(Stream(42, 3, 18, 2), 64), raw(Stream(42, 3, 17, 3), 64),
            raw(Stream(42, 17, 3, 2), 64), // swapped parts are a different key
        };
    for (const auto& other : others) {
        // Unrelated 64-bit sequences share a value at the same position with probability ~2^-58.
        for (std::size_t i = 0; i < base.size(); ++i)
            CHECK(base[i] != other[i]);
    }
}

TEST_CASE("draws from one stream do not depend on draws from another", "[sim][random]") {
    const auto alone = raw(Stream(7, 0, 1, 0), 500);

    Stream a(7, 0, 1, 0);
    Stream b(7, 0, 2, 0);
    std::vector<std::uint64_t> interleaved;
    for (int i = 0; i < 500; ++i) {
        interleaved.push_back(a.next_u64());
        for (int k = 0; k < i % 5; ++k) // an irregular number of draws from the other stream
            (void)b.exponential(1.0);
    }
    CHECK(alone == interleaved);
}

TEST_CASE("peek_below tells the k-th next below draw without moving the stream", "[sim][random]") {
    for (const std::uint32_t n : {1U, 7U, 800U, 4'000'000'000U}) {
        Stream s(11, 2, 5, 1);
        (void)s.next_u64(); // from a state that is not the first
        const Stream before = s;
        std::vector<std::uint32_t> peeked;
        for (std::uint64_t k = 1; k <= 50; ++k)
            peeked.push_back(s.peek_below(k, n));
        CHECK(s.next_u64() == Stream(before).next_u64()); // peeking drew nothing
        s = before;
        for (std::uint64_t k = 1; k <= 50; ++k) {
            INFO("n " << n << ", k " << k);
            CHECK(s.below(n) == peeked[k - 1]);
        }
    }
}

TEST_CASE("uniform draws lie in the half-open unit interval with mean 1/2 and variance 1/12",
          "[sim][random]") {
    Stream s(1, 0, 0, 0);
    double lo = 1.0;
    double hi = 0.0;
    const auto m = moments(
        [&] {
            const double u = s.uniform();
            lo = std::min(lo, u);
            hi = std::max(hi, u);
            return u;
        },
        kDraws);
    CHECK(lo >= 0.0);
    CHECK(hi < 1.0);
    const double n = kDraws;
    // SE of the mean: sigma / sqrt(n); of the sample variance: sqrt((mu4 - sigma^4) / n), with
    // mu4 = 1/80 and sigma^4 = 1/144 for the standard uniform, so mu4 - sigma^4 = 1/180.
    CHECK(std::abs(m.mean - 0.5) < kZ * std::sqrt(1.0 / 12.0 / n));
    CHECK(std::abs(m.variance - 1.0 / 12.0) < kZ * std::sqrt(1.0 / 180.0 / n));
}

TEST_CASE("normal draws are Boost.Random's normal_distribution's, bit for bit", "[sim][random]") {
    // Stream::normal takes the ziggurat's first step itself: every draw, and the stream's
    // position after it, must be what Boost's distribution gives on the same stream, including
    // the draws that take Boost's slower paths (about 3% of them; 2 million draws per case).
    std::size_t draws = 0, different = 0;
    for (const auto& [mean, sd] : {std::pair{0.0, 1.0}, {0.6, 0.2}, {-3.5, 17.25}, {1e6, 1e-3}})
        for (std::uint64_t key = 1; key <= 2; ++key) {
            Stream fast(key, 2, 3, 4), boost_stream = fast;
            for (int n = 0; n < 1'000'000; ++n) {
                const double x = fast.normal(mean, sd);
                boost::random::normal_distribution<double> dist(mean, sd);
                const double y = boost_stream.draw(dist);
                different += std::memcmp(&x, &y, sizeof x) == 0 ? 0U : 1U;
                ++draws;
            }
            CHECK(fast.next_u64() == boost_stream.next_u64()); // still in step
        }
    CHECK(draws == 8'000'000U);
    CHECK(different == 0);
}

TEST_CASE("exponential draws are Boost.Random's exponential_distribution's, bit for bit",
          "[sim][random]") {
    std::size_t different = 0;
    for (std::uint64_t key = 1; key <= 4; ++key) {
        Stream fast(key, 5, 6, 7), boost_stream = fast;
        for (int n = 0; n < 1'000'000; ++n) {
            const double x = fast.unit_exponential();
            boost::random::exponential_distribution<double> dist(1.0);
            const double y = boost_stream.draw(dist);
            different += std::memcmp(&x, &y, sizeof x) == 0 ? 0U : 1U;
        }
        CHECK(fast.next_u64() == boost_stream.next_u64()); // still in step
    }
    CHECK(different == 0);
}

TEST_CASE("exponential draws are non-negative with the requested mean", "[sim][random]") {
    for (const double mean : {0.5, 3.0, 40.0}) {
        Stream s(2, 0, 0, static_cast<std::uint64_t>(mean * 10));
        bool negative = false;
        const auto m = moments(
            [&] {
                const double x = s.exponential(mean);
                negative = negative || x < 0.0;
                return x;
            },
            kDraws);
        CHECK_FALSE(negative);
        // The exponential's standard deviation equals its mean.
        CHECK(std::abs(m.mean - mean) < kZ * mean / std::sqrt(double{kDraws}));
    }
    Stream s(2, 0, 0, 99);
    CHECK(s.exponential(0.0) == 0.0);
    CHECK(s.exponential(-1.0) == 0.0);
}

TEST_CASE("Poisson draws have the requested mean for small and large means", "[sim][random]") {
    // 2.5 uses the multiplication method, 80 the Boost distribution.
    for (const double mean : {0.2, 2.5, 80.0}) {
        Stream s(3, 0, 0, static_cast<std::uint64_t>(mean * 10));
        const auto m = moments([&] { return static_cast<double>(s.poisson(mean)); }, kDraws);
        INFO("mean " << mean << ": sample mean " << m.mean << ", variance " << m.variance);
        // The Poisson's variance equals its mean.
        CHECK(std::abs(m.mean - mean) < kZ * std::sqrt(mean / double{kDraws}));
    }
    Stream s(3, 0, 0, 99);
    CHECK(s.poisson(0.0) == 0u);
}

TEST_CASE("lognormal draws have the requested mean", "[sim][random]") {
    const double mean = 4.0;
    const double cv = 0.5;
    Stream s(4, 0, 0, 0);
    const auto m = moments([&] { return s.lognormal_mean_cv(mean, cv); }, kDraws);
    CHECK(std::abs(m.mean - mean) < kZ * mean * cv / std::sqrt(double{kDraws}));
    CHECK(s.lognormal_mean_cv(mean, 0.0) == mean);
}

TEST_CASE("bernoulli draws succeed with the requested probability", "[sim][random]") {
    const double p = 0.3;
    Stream s(5, 0, 0, 0);
    const auto m = moments([&] { return s.bernoulli(p) ? 1.0 : 0.0; }, kDraws);
    CHECK(std::abs(m.mean - p) < kZ * std::sqrt(p * (1.0 - p) / double{kDraws}));
    CHECK_FALSE(s.bernoulli(0.0));
    CHECK(s.bernoulli(1.0));
}

TEST_CASE("below(n) covers exactly 0 to n-1 with equal frequencies", "[sim][random]") {
    Stream s(6, 0, 0, 0);
    for (const std::uint32_t n : {1u, 2u, 7u, 1000u}) {
        std::vector<int> counts(n, 0);
        bool out_of_range = false;
        const int draws = 50 * static_cast<int>(n) + 10'000;
        for (int i = 0; i < draws; ++i) {
            const std::uint32_t k = s.below(n);
            if (k >= n)
                out_of_range = true;
            else
                ++counts[k];
        }
        INFO("n = " << n);
        CHECK_FALSE(out_of_range);
        const double p = 1.0 / n;
        const double se = std::sqrt(p * (1.0 - p) / draws);
        int unseen = 0;
        int far = 0;
        for (const int c : counts) {
            unseen += c == 0 ? 1 : 0;
            far += std::abs(c / double(draws) - p) > kZ * se ? 1 : 0;
        }
        CHECK(unseen == 0);
        CHECK(far == 0);
    }
}
