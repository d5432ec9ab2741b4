#include "models/mechanisms/month_pass.hpp"

#include <cstring>
#include <stdexcept>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GOVSIM_MONTH_AVX2 1
#include <immintrin.h>
#endif

namespace govsim::models::month_pass {
namespace {

// Units [b, e) in blocks of four: unit b + 4j + k goes to lane k. Each lane's sums are taken
// block by block; the lanes are then added in order ((0 + 1) + 2) + 3, and the remainder units
// (fewer than four) one by one after them. Per unit, both forms compute what the scalar loop
// of the remainder computes: satisfaction in double, rounded to float; the fee threshold in
// double, (threshold + shift) + let * absent_shift. (Sums of floats in [0, 1] over a compound
// are exact in double precision unless a value is below about 2^-29, so in practice they
// equal the sums taken one by one.) Counts are integers.

/// The remainder units, one by one, added to r.
void occupied_tail(Units& u, std::uint32_t i, std::uint32_t e, const MonthTerms& m,
                   OccupiedSums& r) {
    float* os = u.owner_satisfaction.data();
    float* ts = u.tenant_satisfaction.data();
    for (; i < e; ++i) {
        const double l = u.let[i];
        const float s = static_cast<float>(m.keep * os[i] + m.dq);
        os[i] = s;
        const float t = static_cast<float>(m.keep * ts[i] + m.dq);
        ts[i] = l > 0 ? t : ts[i];
        r.collected += s >= u.fee_threshold[i] + m.shift + l * m.absent_shift ? 1.0 : 0.0;
        r.resident_sat += (1.0 - l) * s;
        r.let_owner_sat += l * s;
        r.resident_trust += (1.0 - l) * u.owner_trust[i];
        r.tenant_sat += l * t;
        r.tenant_trust += l * u.tenant_trust[i];
        r.tenants += l;
    }
}

void empty_tail(Units& u, std::uint32_t i, std::uint32_t e, const MonthTerms& m, EmptySums& r) {
    float* os = u.owner_satisfaction.data();
    for (; i < e; ++i) {
        const float s = static_cast<float>(m.keep * os[i] + m.dq);
        os[i] = s;
        r.sat += s;
        r.paying += s >= u.fee_threshold[i] + m.shift + m.absent_shift ? 1.0 : 0.0;
    }
}

// ---- the baseline form: GCC/Clang vector types, two lanes to a register -----------------
// Helpers pass vectors by value only inside this file, so their calling convention (which
// -Wpsabi warns can differ between targets) never matters.
#pragma GCC diagnostic ignored "-Wpsabi"
using f2 = float __attribute__((vector_size(8)));
using d2 = double __attribute__((vector_size(16)));
using i2 = std::int32_t __attribute__((vector_size(8)));
using l2 = std::int64_t __attribute__((vector_size(16)));
using u8x2 = std::uint8_t __attribute__((vector_size(2)));

template <class V, class T>
V load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V, class T>
void store(T* p, V v) {
    std::memcpy(p, &v, sizeof v);
}
d2 widen(f2 v) {
    return __builtin_convertvector(v, d2);
}
f2 narrow(d2 v) {
    return __builtin_convertvector(v, f2);
}
i2 bits(f2 v) {
    return (i2)v; // the same 8 bytes, read as integers
}

/// Two lanes' sums (lanes 0 and 1, or 2 and 3).
struct Pair {
    d2 resident_sat{}, let_owner_sat{}, resident_trust{}, tenant_sat{}, tenant_trust{};
    l2 collected{};
    i2 tenants{};
};

/// Units i and i + 1 into the pair's lanes.
void occupied_pair(Units& u, std::uint32_t i, const MonthTerms& m, Pair& p) {
    const d2 keep = d2{} + m.keep, dq = d2{} + m.dq, one = d2{} + 1.0;
    const i2 li = __builtin_convertvector(load<u8x2>(u.let.data() + i), i2);
    const d2 l = __builtin_convertvector(li, d2);
    const f2 s = narrow(keep * widen(load<f2>(u.owner_satisfaction.data() + i)) + dq);
    store(u.owner_satisfaction.data() + i, s);
    const f2 t_old = load<f2>(u.tenant_satisfaction.data() + i);
    const f2 t = narrow(keep * widen(t_old) + dq);
    const i2 is_let = li > 0; // all ones where let
    store(u.tenant_satisfaction.data() + i, (bits(t) & is_let) | (bits(t_old) & ~is_let));
    const d2 sd = widen(s), td = widen(t);
    const d2 threshold = widen(load<f2>(u.fee_threshold.data() + i)) + m.shift + l * m.absent_shift;
    p.collected -= sd >= threshold; // a true comparison is -1
    p.resident_sat += (one - l) * sd;
    p.let_owner_sat += l * sd;
    p.resident_trust += (one - l) * widen(load<f2>(u.owner_trust.data() + i));
    p.tenant_sat += l * td;
    p.tenant_trust += l * widen(load<f2>(u.tenant_trust.data() + i));
    p.tenants += li;
}

double lanes(d2 lo, d2 hi) {
    return ((lo[0] + lo[1]) + hi[0]) + hi[1];
}

OccupiedSums occupied_baseline(Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& m) {
    Pair lo, hi;
    std::uint32_t i = b;
    for (; i + 4 <= e; i += 4) {
        occupied_pair(u, i, m, lo);
        occupied_pair(u, i + 2, m, hi);
    }
    OccupiedSums r{
        static_cast<double>(((lo.collected[0] + lo.collected[1]) + hi.collected[0]) +
                            hi.collected[1]),
        lanes(lo.resident_sat, hi.resident_sat),
        lanes(lo.let_owner_sat, hi.let_owner_sat),
        lanes(lo.resident_trust, hi.resident_trust),
        lanes(lo.tenant_sat, hi.tenant_sat),
        lanes(lo.tenant_trust, hi.tenant_trust),
        static_cast<double>(((lo.tenants[0] + lo.tenants[1]) + hi.tenants[0]) + hi.tenants[1])};
    occupied_tail(u, i, e, m, r);
    return r;
}

EmptySums empty_baseline(Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& m) {
    const d2 keep = d2{} + m.keep, dq = d2{} + m.dq;
    d2 sat[2]{};
    l2 paying[2]{};
    std::uint32_t i = b;
    for (; i + 4 <= e; i += 4)
        for (std::uint32_t h = 0; h < 2; ++h) {
            const std::uint32_t k = i + 2 * h;
            const f2 s = narrow(keep * widen(load<f2>(u.owner_satisfaction.data() + k)) + dq);
            store(u.owner_satisfaction.data() + k, s);
            const d2 sd = widen(s);
            sat[h] += sd;
            paying[h] -=
                sd >= widen(load<f2>(u.fee_threshold.data() + k)) + m.shift + m.absent_shift;
        }
    EmptySums r{lanes(sat[0], sat[1]),
                static_cast<double>(((paying[0][0] + paying[0][1]) + paying[1][0]) + paying[1][1])};
    empty_tail(u, i, e, m, r);
    return r;
}

// ---- the AVX2 form: four lanes to a register ------------------------------------------------
#ifdef GOVSIM_MONTH_AVX2
#define GOVSIM_AVX2 __attribute__((target("avx2")))

GOVSIM_AVX2 double lanes(__m256d v) {
    alignas(32) double x[4];
    _mm256_store_pd(x, v);
    return ((x[0] + x[1]) + x[2]) + x[3];
}
GOVSIM_AVX2 double count(__m256i v) {
    alignas(32) std::int64_t x[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(x), v);
    return static_cast<double>(((x[0] + x[1]) + x[2]) + x[3]);
}

GOVSIM_AVX2 OccupiedSums occupied_avx2(Units& u, std::uint32_t b, std::uint32_t e,
                                       const MonthTerms& m) {
    float* os = u.owner_satisfaction.data();
    float* ts = u.tenant_satisfaction.data();
    const float* thr = u.fee_threshold.data();
    const float* ot = u.owner_trust.data();
    const float* tt = u.tenant_trust.data();
    const std::uint8_t* let = u.let.data();
    const __m256d keep = _mm256_set1_pd(m.keep), dq = _mm256_set1_pd(m.dq);
    const __m256d one = _mm256_set1_pd(1.0), shift = _mm256_set1_pd(m.shift);
    const __m256d absent = _mm256_set1_pd(m.absent_shift);
    __m256d resident_sat = _mm256_setzero_pd(), let_owner_sat = _mm256_setzero_pd();
    __m256d resident_trust = _mm256_setzero_pd(), tenant_sat = _mm256_setzero_pd();
    __m256d tenant_trust = _mm256_setzero_pd();
    __m256i collected = _mm256_setzero_si256();
    __m128i tenants = _mm_setzero_si128();
    std::uint32_t i = b;
    for (; i + 4 <= e; i += 4) {
        std::int32_t let4 = 0;
        std::memcpy(&let4, let + i, sizeof let4);
        const __m128i li = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(let4));
        const __m256d l = _mm256_cvtepi32_pd(li);
        const __m128 s = _mm256_cvtpd_ps(
            _mm256_add_pd(_mm256_mul_pd(keep, _mm256_cvtps_pd(_mm_loadu_ps(os + i))), dq));
        _mm_storeu_ps(os + i, s);
        const __m128 t_old = _mm_loadu_ps(ts + i);
        const __m128 t =
            _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(keep, _mm256_cvtps_pd(t_old)), dq));
        const __m128 is_let = _mm_castsi128_ps(_mm_cmpgt_epi32(li, _mm_setzero_si128()));
        _mm_storeu_ps(ts + i, _mm_blendv_ps(t_old, t, is_let));
        const __m256d sd = _mm256_cvtps_pd(s), td = _mm256_cvtps_pd(t);
        const __m256d threshold = _mm256_add_pd(
            _mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(thr + i)), shift), _mm256_mul_pd(l, absent));
        collected = _mm256_sub_epi64(collected,
                                     _mm256_castpd_si256(_mm256_cmp_pd(sd, threshold, _CMP_GE_OQ)));
        const __m256d resident = _mm256_sub_pd(one, l);
        resident_sat = _mm256_add_pd(resident_sat, _mm256_mul_pd(resident, sd));
        let_owner_sat = _mm256_add_pd(let_owner_sat, _mm256_mul_pd(l, sd));
        resident_trust = _mm256_add_pd(
            resident_trust, _mm256_mul_pd(resident, _mm256_cvtps_pd(_mm_loadu_ps(ot + i))));
        tenant_sat = _mm256_add_pd(tenant_sat, _mm256_mul_pd(l, td));
        tenant_trust =
            _mm256_add_pd(tenant_trust, _mm256_mul_pd(l, _mm256_cvtps_pd(_mm_loadu_ps(tt + i))));
        tenants = _mm_add_epi32(tenants, li);
    }
    alignas(16) std::int32_t n[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(n), tenants);
    OccupiedSums r{count(collected),
                   lanes(resident_sat),
                   lanes(let_owner_sat),
                   lanes(resident_trust),
                   lanes(tenant_sat),
                   lanes(tenant_trust),
                   static_cast<double>(((n[0] + n[1]) + n[2]) + n[3])};
    occupied_tail(u, i, e, m, r);
    return r;
}

GOVSIM_AVX2 EmptySums empty_avx2(Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& m) {
    float* os = u.owner_satisfaction.data();
    const float* thr = u.fee_threshold.data();
    const __m256d keep = _mm256_set1_pd(m.keep), dq = _mm256_set1_pd(m.dq);
    const __m256d shift = _mm256_set1_pd(m.shift), absent = _mm256_set1_pd(m.absent_shift);
    __m256d sat = _mm256_setzero_pd();
    __m256i paying = _mm256_setzero_si256();
    std::uint32_t i = b;
    for (; i + 4 <= e; i += 4) {
        const __m128 s = _mm256_cvtpd_ps(
            _mm256_add_pd(_mm256_mul_pd(keep, _mm256_cvtps_pd(_mm_loadu_ps(os + i))), dq));
        _mm_storeu_ps(os + i, s);
        const __m256d sd = _mm256_cvtps_pd(s);
        sat = _mm256_add_pd(sat, sd);
        const __m256d threshold =
            _mm256_add_pd(_mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(thr + i)), shift), absent);
        paying =
            _mm256_sub_epi64(paying, _mm256_castpd_si256(_mm256_cmp_pd(sd, threshold, _CMP_GE_OQ)));
    }
    EmptySums r{lanes(sat), count(paying)};
    empty_tail(u, i, e, m, r);
    return r;
}
#endif

bool detect_avx2() {
#ifdef GOVSIM_MONTH_AVX2
    __builtin_cpu_init(); // may run before the library's own initialisation
    return __builtin_cpu_supports("avx2") != 0;
#else
    return false;
#endif
}

const bool avx2 = detect_avx2();

} // namespace

bool has_avx2() {
    return avx2;
}

OccupiedSums occupied(Isa isa, Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& t) {
    if (isa == Isa::Baseline)
        return occupied_baseline(u, b, e, t);
#ifdef GOVSIM_MONTH_AVX2
    if (avx2)
        return occupied_avx2(u, b, e, t);
#endif
    throw std::logic_error("the AVX2 month pass without AVX2");
}

EmptySums empty(Isa isa, Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& t) {
    if (isa == Isa::Baseline)
        return empty_baseline(u, b, e, t);
#ifdef GOVSIM_MONTH_AVX2
    if (avx2)
        return empty_avx2(u, b, e, t);
#endif
    throw std::logic_error("the AVX2 month pass without AVX2");
}

OccupiedSums occupied(Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& t) {
    return occupied(avx2 ? Isa::Avx2 : Isa::Baseline, u, b, e, t);
}

EmptySums empty(Units& u, std::uint32_t b, std::uint32_t e, const MonthTerms& t) {
    return empty(avx2 ? Isa::Avx2 : Isa::Baseline, u, b, e, t);
}

} // namespace govsim::models::month_pass
