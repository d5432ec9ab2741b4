#include "models/mechanisms/feedback.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace govsim::models::feedback {
namespace {

/// The role whose onset weight a party's satisfaction enters.
Role role_of(const Units& u, std::uint32_t i, Party party, bool occupied) {
    if (party == Party::Owner || !occupied)
        return Role::AbsenteeOwner;
    return u.let[i] ? Role::Tenant : Role::OwnerOccupier;
}

// The month's pass over a compound's units, two units at a time in GCC/Clang vector types
// (SSE2 on the baseline x86-64 target; no fused multiply-add, so every lane computes exactly
// what the scalar code computes). Per unit: satisfaction s' = float(keep * s + dq), the fee
// paid when s' >= threshold + shift (+ the absent owner's shift), and the role sums. The sums
// are taken in two lanes, added in lane order, then the remainder unit: a fixed order, the
// same on every machine and thread count. (Sums of floats in [0, 1] over a compound are
// exact in double precision unless some value is below about 2^-29, so in practice they
// equal the sums taken one by one.) Counts are kept as integers.
// Internal helpers pass vectors by value; no other translation unit calls them, so their
// calling convention (which -Wpsabi warns may differ between targets) does not matter.
#pragma GCC diagnostic ignored "-Wpsabi"
using f2 = float __attribute__((vector_size(8)));
using d2 = double __attribute__((vector_size(16)));
using i2 = std::int32_t __attribute__((vector_size(8)));
using l2 = std::int64_t __attribute__((vector_size(16)));
using u8x2 = std::uint8_t __attribute__((vector_size(2)));
constexpr std::uint32_t lanes = 2;

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
    return (i2)v;
} // the same 8 bytes, read as integers
double lane_sum(d2 v) {
    return v[0] + v[1];
}

struct OccupiedSums {
    double collected = 0, resident_sat = 0, let_owner_sat = 0, resident_trust = 0;
    double tenant_sat = 0, tenant_trust = 0, tenants = 0;
};

OccupiedSums occupied_month(Units& u, std::uint32_t b, std::uint32_t e, double keep, double dq,
                            double shift, double absent_shift) {
    float* os = u.owner_satisfaction.data();
    float* ts = u.tenant_satisfaction.data();
    const float* thr = u.fee_threshold.data();
    const float* ot = u.owner_trust.data();
    const float* tt = u.tenant_trust.data();
    const std::uint8_t* let = u.let.data();
    const d2 vkeep = d2{} + keep, vdq = d2{} + dq, one = d2{} + 1.0;
    d2 resident_sat{}, let_owner_sat{}, resident_trust{}, tenant_sat{}, tenant_trust{};
    l2 collected{};
    i2 tenants{};
    std::uint32_t i = b;
    for (; i + lanes <= e; i += lanes) {
        const i2 li = __builtin_convertvector(load<u8x2>(let + i), i2);
        const d2 l = __builtin_convertvector(li, d2);
        const f2 s = narrow(vkeep * widen(load<f2>(os + i)) + vdq);
        store(os + i, s);
        const f2 t_old = load<f2>(ts + i);
        const f2 t = narrow(vkeep * widen(t_old) + vdq);
        const i2 is_let = li > 0; // all ones where let
        store(ts + i, (bits(t) & is_let) | (bits(t_old) & ~is_let));
        const d2 sd = widen(s), td = widen(t);
        collected -= sd >= widen(load<f2>(thr + i)) + shift + l * absent_shift; // true is -1
        resident_sat += (one - l) * sd;
        let_owner_sat += l * sd;
        resident_trust += (one - l) * widen(load<f2>(ot + i));
        tenant_sat += l * td;
        tenant_trust += l * widen(load<f2>(tt + i));
        tenants += li;
    }
    OccupiedSums r{static_cast<double>(collected[0] + collected[1]),
                   lane_sum(resident_sat),
                   lane_sum(let_owner_sat),
                   lane_sum(resident_trust),
                   lane_sum(tenant_sat),
                   lane_sum(tenant_trust),
                   static_cast<double>(tenants[0] + tenants[1])};
    for (; i < e; ++i) {
        const double l = let[i];
        const float s = static_cast<float>(keep * os[i] + dq);
        os[i] = s;
        const float t = static_cast<float>(keep * ts[i] + dq);
        ts[i] = l > 0 ? t : ts[i];
        r.collected += s >= thr[i] + shift + l * absent_shift ? 1.0 : 0.0;
        r.resident_sat += (1.0 - l) * s;
        r.let_owner_sat += l * s;
        r.resident_trust += (1.0 - l) * ot[i];
        r.tenant_sat += l * t;
        r.tenant_trust += l * tt[i];
        r.tenants += l;
    }
    return r;
}

struct EmptySums {
    double sat = 0, paying = 0;
};

EmptySums empty_month(Units& u, std::uint32_t b, std::uint32_t e, double keep, double dq,
                      double shift, double absent_shift) {
    float* os = u.owner_satisfaction.data();
    const float* thr = u.fee_threshold.data();
    const d2 vkeep = d2{} + keep, vdq = d2{} + dq;
    d2 sat{};
    l2 paying{};
    std::uint32_t i = b;
    for (; i + lanes <= e; i += lanes) {
        const f2 s = narrow(vkeep * widen(load<f2>(os + i)) + vdq);
        store(os + i, s);
        const d2 sd = widen(s);
        sat += sd;
        paying -= sd >= widen(load<f2>(thr + i)) + shift + absent_shift;
    }
    EmptySums r{lane_sum(sat), static_cast<double>(paying[0] + paying[1])};
    for (; i < e; ++i) {
        const float s = static_cast<float>(keep * os[i] + dq);
        os[i] = s;
        r.sat += s;
        r.paying += s >= thr[i] + shift + absent_shift ? 1.0 : 0.0;
    }
    return r;
}

} // namespace

void close(RunState& run, double t, const Event& e, bool resolved) {
    Dispute& x = run.dispute(e);
    x.state = DisputeState::Closed;
    x.record.closed = t;
    x.record.outcome = resolved ? 1 : 2;
    DayCounts& dc = run.counts(e.community);
    (resolved ? dc.resolved : dc.abandoned) += 1;
    if (!run.sc.mechanisms.closure_feedback)
        return;

    const FeedbackSpec& fb = run.sc.feedback;
    Units& u = run.world.units;
    const std::uint32_t i = x.record.household;
    float& satisfaction = u.satisfaction(i, x.party);
    float& trust_ref = u.trust(i, x.party);
    const double open_days = t - x.record.onset;
    const double old_sat = satisfaction;
    double sat = old_sat - fb.satisfaction_per_day_open * open_days;
    double trust = trust_ref;
    const bool government = e.level >= Level::Department;
    if (resolved) {
        sat += fb.satisfaction_resolved;
        if (government)
            trust += fb.trust_resolved_by_government;
    } else {
        sat -= fb.satisfaction_abandoned;
        if (x.escalated_to_government)
            trust -= fb.trust_abandoned_after_complaint;
    }
    satisfaction = static_cast<float>(std::clamp(sat, 0.0, 1.0));
    trust_ref = static_cast<float>(std::clamp(trust, 0.0, 1.0));
    const Compounds& cp = run.world.compounds;
    const std::uint32_t c = x.record.compound;
    const bool occupied = i < cp.first_unit[c] + cp.occupied[c];
    const HouseholdSpec& hs = run.sc.households;
    run.world.compounds.onset_weight[c][index(role_of(u, i, x.party, occupied))] +=
        onset_weight(hs, satisfaction) - onset_weight(hs, old_sat);
}

void compound_month(RunState& run, std::uint32_t c, MonthSums& sums) {
    Compounds& cp = run.world.compounds;
    Units& u = run.world.units;
    const HouseholdSpec& hs = run.sc.households;
    const OwnerSpec& os = run.sc.owners;
    // Satisfaction moves a share d of the way to the service quality q: s' = (1 - d) s + d q,
    // a convex combination of two values in [0, 1], so it needs no clamping.
    const double d = run.sc.mechanisms.satisfaction_drift ? hs.satisfaction_drift_per_month : 0;
    const double dq = d * cp.service_quality[c];
    const double keep = 1.0 - d;
    const std::uint32_t b = cp.first_unit[c], occ = cp.occupied[c], e = b + cp.units[c];
    const double shift = os.fee_threshold_shift[index(cp.housing[c])];
    const double absent_shift = os.absentee_fee_threshold_shift;
    const double empty_bill = os.empty_unit_fee_share;
    // Occupied units: the owner lives there, or lets the unit to a tenant household. The fee
    // is the owner's, billed in full; an absent owner pays at a higher threshold. Each unit's
    // arithmetic is the scalar formula's, in the same order and precision, so a unit's values
    // do not depend on the lanes; the sums are taken in lanes (docs/ODD.md §7.9).
    const OccupiedSums o = occupied_month(u, b, b + occ, keep, dq, shift, absent_shift);
    double collected = o.collected;
    const double resident_sat = o.resident_sat, let_owner_sat = o.let_owner_sat;
    const double resident_trust = o.resident_trust, tenant_sat = o.tenant_sat;
    const double tenant_trust = o.tenant_trust, tenants = o.tenants;
    // Empty units: their owners are absent and billed a share of the fee.
    const EmptySums es = empty_month(u, b + occ, e, keep, dq, shift, absent_shift);
    const double empty_sat = es.sat, empty_paying = es.paying;
    const double empty = static_cast<double>(e - b - occ);
    const double billed = occ + empty * empty_bill;
    collected += empty_paying * empty_bill;
    const double owner_sat = resident_sat + let_owner_sat + empty_sat;
    const double absent_sat = let_owner_sat + empty_sat;
    const double absent_n = tenants + empty;
    // Onset weights, exactly: the weight 1 + w (1 - s) is linear in s, so a role's sum is
    // n (1 + w) - w * (sum of s).
    const double w = hs.onset_dissatisfaction_weight;
    const double resident_owners = static_cast<double>(occ) - tenants;
    auto& weight = cp.onset_weight[c];
    weight[index(Role::OwnerOccupier)] = resident_owners * (1.0 + w) - w * resident_sat;
    weight[index(Role::Tenant)] = tenants * (1.0 + w) - w * tenant_sat;
    weight[index(Role::AbsenteeOwner)] = absent_n * (1.0 + w) - w * absent_sat;
    sums.satisfaction += resident_sat + tenant_sat;
    sums.trust += resident_trust + tenant_trust;
    const double fee = run.sc.firms.fee_per_unit_month;
    cp.billed[c] = fee * billed;
    cp.collected[c] = fee * collected;
    cp.mean_owner_satisfaction[c] = cp.units[c] > 0 ? owner_sat / cp.units[c] : 0.0;
    sums.occupied += occ;
    sums.owners += cp.units[c];
    sums.owner_satisfaction += owner_sat;
}

} // namespace govsim::models::feedback
