// The month's pass over units (models/mechanisms/month_pass.hpp): its baseline (SSE2) and
// AVX2 forms give the same bits, unit by unit and sum by sum, and both give what the formula
// gives one unit at a time (docs/ODD.md §7.9).
#include "models/mechanisms/month_pass.hpp"
#include "sim/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace govsim::models;
using month_pass::Isa;

namespace {

/// n units with random states: let or not, satisfaction, trust and thresholds in [0, 1], about
/// one in ten of each exactly 0 and one in ten exactly 1. With `wide`, the other values are
/// spread over sixty binary orders of magnitude, so that sums round and their order matters
/// (with values of one magnitude, sums of floats are exact in double precision in any order).
Units random_units(std::uint32_t n, std::uint64_t seed, bool wide = false) {
    govsim::sim::Stream rng(seed, 0, 0, 0);
    Units u;
    u.resize(n);
    const auto value = [&rng, wide]() -> float {
        const double x = rng.uniform();
        if (x < 0.05)
            return 0.0F;
        if (x < 0.1)
            return 1.0F;
        const double v = rng.uniform();
        return static_cast<float>(wide ? std::ldexp(v, -static_cast<int>(rng.below(61))) : v);
    };
    for (std::uint32_t i = 0; i < n; ++i) {
        u.let[i] = rng.bernoulli(0.4) ? 1 : 0;
        u.owner_satisfaction[i] = value();
        u.tenant_satisfaction[i] = value();
        u.owner_trust[i] = value();
        u.tenant_trust[i] = value();
        u.fee_threshold[i] = value();
    }
    return u;
}

/// The formula one unit at a time (the sums in unit order).
month_pass::OccupiedSums occupied_reference(Units& u, std::uint32_t b, std::uint32_t e,
                                            const month_pass::MonthTerms& m) {
    month_pass::OccupiedSums r;
    for (std::uint32_t i = b; i < e; ++i) {
        const bool let = u.let[i] != 0;
        const auto s = static_cast<float>(m.keep * u.owner_satisfaction[i] + m.dq);
        u.owner_satisfaction[i] = s;
        if (let)
            u.tenant_satisfaction[i] = static_cast<float>(m.keep * u.tenant_satisfaction[i] + m.dq);
        const double threshold = u.fee_threshold[i] + m.shift + (let ? m.absent_shift : 0.0);
        r.collected += s >= threshold ? 1 : 0;
        (let ? r.let_owner_sat : r.resident_sat) += s;
        if (let) {
            r.tenant_sat += u.tenant_satisfaction[i];
            r.tenant_trust += u.tenant_trust[i];
            r.tenants += 1;
        } else {
            r.resident_trust += u.owner_trust[i];
        }
    }
    return r;
}

bool same_units(const Units& a, const Units& b) {
    return a.owner_satisfaction == b.owner_satisfaction &&
           a.tenant_satisfaction == b.tenant_satisfaction && a.owner_trust == b.owner_trust &&
           a.tenant_trust == b.tenant_trust && a.fee_threshold == b.fee_threshold && a.let == b.let;
}

} // namespace

TEST_CASE("the month's pass: both compiled forms give the same bits, and the formula's values",
          "[agents][feedback][month_pass]") {
    const bool avx2 = month_pass::has_avx2();
    if (!avx2)
        WARN("this processor has no AVX2: only the baseline form is checked");
    std::size_t ranges = 0;
    // With `wide` units and no drift term (dq = 0, so small satisfactions stay small), the sums
    // round: the forms must take them in the same lanes and order to agree bit for bit.
    for (const bool wide : {false, true}) {
        const month_pass::MonthTerms m = wide ? month_pass::MonthTerms{0.9, 0.0, 0.0, 1e-9}
                                              : month_pass::MonthTerms{0.9, 0.1 * 0.37, 0.05, 0.1};
        for (std::uint32_t n : {0U, 1U, 3U, 4U, 5U, 7U, 8U, 13U, 64U, 301U, 1000U}) {
            for (std::uint32_t offset : {0U, 1U, 3U}) { // ranges that do not start on a block
                const std::uint32_t b = offset, e = offset + n;
                const Units start = random_units(e + 2, 1000 + n + offset, wide);

                Units ref = start;
                const auto r_ref = occupied_reference(ref, b, e, m);
                Units base = start;
                const auto r_base = month_pass::occupied(Isa::Baseline, base, b, e, m);
                REQUIRE(same_units(base, ref)); // every unit exactly the formula's
                CHECK(r_base.collected == r_ref.collected);
                CHECK(r_base.tenants == r_ref.tenants);
                CHECK(r_base.resident_sat == Approx(r_ref.resident_sat).epsilon(1e-13));
                CHECK(r_base.let_owner_sat == Approx(r_ref.let_owner_sat).epsilon(1e-13));
                CHECK(r_base.resident_trust == Approx(r_ref.resident_trust).epsilon(1e-13));
                CHECK(r_base.tenant_sat == Approx(r_ref.tenant_sat).epsilon(1e-13));
                CHECK(r_base.tenant_trust == Approx(r_ref.tenant_trust).epsilon(1e-13));

                Units empty_base = start;
                const auto e_base = month_pass::empty(Isa::Baseline, empty_base, b, e, m);
                double sat = 0, paying = 0;
                for (std::uint32_t i = b; i < e; ++i) {
                    const auto s = static_cast<float>(m.keep * start.owner_satisfaction[i] + m.dq);
                    REQUIRE(empty_base.owner_satisfaction[i] == s);
                    REQUIRE(empty_base.tenant_satisfaction[i] == start.tenant_satisfaction[i]);
                    sat += s;
                    paying += s >= start.fee_threshold[i] + m.shift + m.absent_shift ? 1 : 0;
                }
                CHECK(e_base.paying == paying);
                CHECK(e_base.sat == Approx(sat).epsilon(1e-13));

                if (avx2) {
                    Units fast = start;
                    const auto r_fast = month_pass::occupied(Isa::Avx2, fast, b, e, m);
                    REQUIRE(same_units(fast, base));
                    CHECK(r_fast == r_base); // bit for bit
                    Units empty_fast = start;
                    CHECK(month_pass::empty(Isa::Avx2, empty_fast, b, e, m) == e_base);
                    REQUIRE(same_units(empty_fast, empty_base));
                }
                ++ranges;
            }
        }
    }
    CHECK(ranges == 66);
}

TEST_CASE("resizing units keeps the units kept and zeroes the units added", "[agents][units]") {
    Units u;
    u.resize(3);
    u.owner_satisfaction[2] = 0.5F;
    u.let[1] = 1;
    u.move_in_day[0] = 7;
    u.resize(6);
    CHECK(u.owner_satisfaction[2] == 0.5F);
    CHECK(u.let[1] == 1);
    CHECK(u.move_in_day[0] == 7);
    for (std::uint32_t i = 3; i < 6; ++i) {
        CHECK(u.owner_satisfaction[i] == 0.0F);
        CHECK(u.tenant_trust[i] == 0.0F);
        CHECK(u.let[i] == 0);
        CHECK(u.cars[i] == 0);
        CHECK(u.move_in_day[i] == 0);
    }
}
