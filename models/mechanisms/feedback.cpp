#include "models/mechanisms/feedback.hpp"

#include "models/mechanisms/month_pass.hpp"
#include "models/mechanisms/onsets.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace govsim::models::feedback {
namespace {

/// The role whose onset weight a party's satisfaction enters.
Role role_of(const Dispute& x, bool occupied) {
    if (x.party == Party::Owner || !occupied)
        return Role::AbsenteeOwner;
    return x.tenant() ? Role::Tenant : Role::OwnerOccupier;
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
    float& satisfaction = x.satisfaction(u);
    float& trust_ref = x.trust(u);
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
    run.world.compounds.onset_weight[c][index(role_of(x, occupied))] +=
        onset_weight(hs, satisfaction) - onset_weight(hs, old_sat);
    onsets::inputs_changed(run, c);
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
    const month_pass::MonthTerms terms{keep, dq, shift, absent_shift};
    const month_pass::OccupiedSums o = month_pass::occupied(u, b, b + occ, terms);
    double collected = o.collected;
    const double resident_sat = o.resident_sat, let_owner_sat = o.let_owner_sat;
    const double resident_trust = o.resident_trust, tenant_sat = o.tenant_sat;
    const double tenant_trust = o.tenant_trust, tenants = o.tenants;
    // Empty units: their owners are absent and billed a share of the fee.
    const month_pass::EmptySums es = month_pass::empty(u, b + occ, e, terms);
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
    onsets::inputs_changed(run, c);
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
