#include "analysis/designs.hpp"

#include "sim/random.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace govsim::analysis {

namespace {

// Stream purposes (the stream's entity is the column or trajectory).
constexpr std::uint64_t purpose_lhs_order = 101;
constexpr std::uint64_t purpose_lhs_position = 102;
constexpr std::uint64_t purpose_morris = 103;

/// A uniformly random permutation of 0..n-1 (Fisher-Yates).
std::vector<std::size_t> permutation(std::size_t n, sim::Stream& stream) {
    std::vector<std::size_t> p(n);
    std::iota(p.begin(), p.end(), std::size_t{0});
    for (std::size_t i = n; i > 1; --i) {
        const std::size_t j = stream.below(static_cast<std::uint32_t>(i));
        std::swap(p[i - 1], p[j]);
    }
    return p;
}

} // namespace

UnitPoints latin_hypercube(std::size_t points, std::size_t factors, std::uint64_t seed) {
    if (points > std::size_t{0xffffffffU})
        throw std::invalid_argument("latin_hypercube: too many points");
    UnitPoints out(points, std::vector<double>(factors));
    const auto n = static_cast<double>(points);
    for (std::size_t c = 0; c < factors; ++c) {
        sim::Stream order(seed, 0, c, purpose_lhs_order);
        sim::Stream position(seed, 0, c, purpose_lhs_position);
        const auto stratum = permutation(points, order);
        for (std::size_t r = 0; r < points; ++r) {
            const auto s = static_cast<double>(stratum[r]);
            const double top = (s + 1) / n;
            double x = (s + position.uniform()) / n;
            // (s + u) / n can round up to the next stratum's edge; keep it inside its own.
            while (x >= top)
                x = std::nextafter(x, 0.0);
            out[r][c] = x;
        }
    }
    return out;
}

SaltelliDesign saltelli_design(std::size_t base, std::size_t factors, std::uint64_t seed) {
    if (base < 2)
        throw std::invalid_argument("saltelli_design: base needs at least 2 rows");
    if (factors == 0)
        throw std::invalid_argument("saltelli_design: no factors");
    const UnitPoints ab = latin_hypercube(base, 2 * factors, seed);
    SaltelliDesign d;
    d.base = base;
    d.factors = factors;
    d.points.assign(base * (factors + 2), std::vector<double>(factors));
    for (std::size_t j = 0; j < base; ++j) {
        for (std::size_t c = 0; c < factors; ++c) {
            d.points[j][c] = ab[j][c];                  // A
            d.points[base + j][c] = ab[j][factors + c]; // B
        }
        for (std::size_t i = 0; i < factors; ++i) {
            auto& row = d.points[base * (2 + i) + j];
            row = d.points[j];
            row[i] = d.points[base + j][i];
        }
    }
    return d;
}

double morris_delta(std::size_t levels) {
    const auto p = static_cast<double>(levels);
    return p / (2 * (p - 1));
}

double level_coordinate(std::size_t index, std::size_t levels) {
    if (levels < 2)
        return 0.5;
    return static_cast<double>(index) / static_cast<double>(levels - 1);
}

MorrisDesign morris_design(std::size_t trajectories, std::size_t factors, std::size_t levels,
                           std::uint64_t seed) {
    if (trajectories == 0)
        throw std::invalid_argument("morris_design: no trajectories");
    if (factors == 0)
        throw std::invalid_argument("morris_design: no factors");
    if (levels < 2 || levels % 2 != 0 || levels > std::size_t{0xffffffffU})
        throw std::invalid_argument("morris_design: the number of levels must be even and >= 2 "
                                    "(found " +
                                    std::to_string(levels) + ")");
    const std::size_t step = levels / 2; // Delta in grid steps
    MorrisDesign d;
    d.trajectories = trajectories;
    d.factors = factors;
    d.levels = levels;
    d.points.reserve(trajectories * (factors + 1));
    for (std::size_t t = 0; t < trajectories; ++t) {
        sim::Stream stream(seed, 0, t, purpose_morris);
        std::vector<std::size_t> index(factors);
        std::vector<bool> up(factors);
        for (std::size_t f = 0; f < factors; ++f) {
            index[f] =
                stream.below(static_cast<std::uint32_t>(levels - step)); // x* in [0, 1-Delta]
            up[f] = stream.below(2) == 0;
            if (!up[f])
                index[f] += step; // start at x* + Delta, step down to x*
        }
        const auto order = permutation(factors, stream);
        auto point = [&] {
            std::vector<double> row(factors);
            for (std::size_t f = 0; f < factors; ++f)
                row[f] = level_coordinate(index[f], levels);
            return row;
        };
        d.points.push_back(point());
        for (const std::size_t f : order) {
            index[f] = up[f] ? index[f] + step : index[f] - step;
            d.points.push_back(point());
        }
    }
    return d;
}

std::vector<std::vector<std::size_t>> full_factorial(const std::vector<std::size_t>& levels) {
    std::size_t total = 1;
    for (const std::size_t n : levels) {
        if (n != 0 && total > static_cast<std::size_t>(-1) / n)
            throw std::invalid_argument("full_factorial: too many combinations");
        total *= n;
    }
    std::vector<std::vector<std::size_t>> out;
    out.reserve(total);
    std::vector<std::size_t> current(levels.size(), 0);
    for (std::size_t r = 0; r < total; ++r) {
        out.push_back(current);
        for (std::size_t f = levels.size(); f-- > 0;) { // odometer: last factor fastest
            if (++current[f] < levels[f])
                break;
            current[f] = 0;
        }
    }
    return out;
}

} // namespace govsim::analysis
