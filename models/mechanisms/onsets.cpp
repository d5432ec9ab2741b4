#include "models/mechanisms/onsets.hpp"

#include "models/mechanisms/detection.hpp"
#include "sim/calendar.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace govsim::models::onsets {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::array<double, feature_count> features(const RunState& run, std::uint32_t c) {
    const Compounds& cp = run.world.compounds;
    std::array<double, feature_count> f{};
    const double occ = cp.occupied[c];
    const double spaces = std::max<double>(cp.parking_spaces[c], 1.0);
    f[index(Feature::ParkingPressure)] = std::max(0.0, cp.cars[c] / spaces - 1.0);
    f[index(Feature::ServiceGap)] = 1.0 - cp.service_quality[c];
    f[index(Feature::NoOwnersCommittee)] = cp.committee[c] == Committee::Functioning ? 0.0 : 1.0;
    f[index(Feature::TenantShare)] = occ > 0 ? cp.tenants[c] / occ : 0.0;
    f[index(Feature::NonlocalShare)] = occ > 0 ? cp.nonlocal[c] / occ : 0.0;
    f[index(Feature::Unmanaged)] = cp.manager[c] == Manager::None ? 1.0 : 0.0;
    f[index(Feature::Resettlement)] = cp.housing[c] == HousingType::Resettlement ? 1.0 : 0.0;
    f[index(Feature::OldHousing)] = cp.housing[c] == HousingType::OldUnmanaged ? 1.0 : 0.0;
    return f;
}

/// The role of unit i's party: the household living there (owner-occupier or tenant), or the
/// absent owner (of a let or empty unit).
bool has_role(const Units& u, std::uint32_t i, bool occupied, Role role) {
    switch (role) {
    case Role::OwnerOccupier:
        return occupied && !u.let[i];
    case Role::Tenant:
        return occupied && u.let[i];
    case Role::AbsenteeOwner:
        break;
    }
    return !occupied || u.let[i];
}

Party party_of(Role role) {
    return role == Role::AbsenteeOwner ? Party::Owner : Party::Resident;
}

void start_dispute(RunState& run, std::uint32_t m, std::uint32_t c, std::uint32_t i, Role role,
                   Category k, double t) {
    const Party party = party_of(role);
    CommunityState& cs = run.communities[m];
    Dispute x;
    x.party = party;
    x.record.community = m;
    x.record.compound = c;
    x.record.household = i;
    x.record.category = k;
    x.record.onset = t;
    x.record.detected = nan;
    x.record.government = nan;
    x.record.closed = nan;
    x.record.last_level = Level::Firm; // not routed yet
    x.record.party = static_cast<std::uint8_t>(party);
    // The party's tenure, which its role decides (a tenant household lives only in a let unit,
    // an owner-occupier only in one not let): the events read it instead of the unit's flag.
    x.record.tenure =
        static_cast<std::uint8_t>(role == Role::Tenant          ? Tenure::Tenant
                                  : role == Role::OwnerOccupier ? Tenure::OwnerOccupier
                                                                : Tenure::AbsentOwner);
    const std::uint32_t id = cs.disputes.next_id();
    const double detected = detection::detection_time(run, m, x);
    cs.disputes.push_back(x);
    ++run.counts(m).onsets;
    cs.calendar.schedule(detected, Event{m, id, EventKind::Detect, Level::Firm});
}

} // namespace

void recompute_aggregates(RunState& run, std::uint32_t c) {
    Compounds& cp = run.world.compounds;
    const Units& u = run.world.units;
    const HouseholdSpec& hs = run.sc.households;
    const std::uint32_t b = cp.first_unit[c], occ = cp.occupied[c], e = b + cp.units[c];
    std::uint32_t cars = 0, tenants = 0, nonlocal = 0;
    std::array<double, role_count> w{};
    for (std::uint32_t i = b; i < b + occ; ++i) {
        cars += u.cars[i];
        nonlocal += u.owner_nonlocal[i];
        if (u.let[i]) {
            ++tenants;
            w[index(Role::Tenant)] += onset_weight(hs, u.tenant_satisfaction[i]);
            w[index(Role::AbsenteeOwner)] += onset_weight(hs, u.owner_satisfaction[i]);
        } else {
            w[index(Role::OwnerOccupier)] += onset_weight(hs, u.owner_satisfaction[i]);
        }
    }
    for (std::uint32_t i = b + occ; i < e; ++i)
        w[index(Role::AbsenteeOwner)] += onset_weight(hs, u.owner_satisfaction[i]);
    cp.cars[c] = cars;
    cp.tenants[c] = tenants;
    cp.nonlocal[c] = nonlocal;
    cp.onset_weight[c] = w;
    inputs_changed(run, c);
}

void move_in(RunState& run, std::uint32_t m, int day) {
    // The community's earliest next move-in day first, so that a day without one does not read
    // its compounds (in a town whose occupancy stays as it is, every day after the first).
    CommunityState& cs = run.communities[m];
    if (cs.next_move_in > day)
        return;
    Compounds& cp = run.world.compounds;
    const Units& u = run.world.units;
    const HouseholdSpec& hs = run.sc.households;
    std::int32_t earliest = never;
    for (std::uint32_t c = run.world.compound_begin(m); c < run.world.compound_end(m); ++c) {
        // The compound's next move-in day is kept beside its handlers, so a day without one
        // does not read the units.
        std::int32_t& next = run.handlers[c].next_move_in;
        if (next > day) {
            earliest = std::min(earliest, next);
            continue;
        }
        while (cp.occupied[c] < cp.units[c]) {
            const std::uint32_t i = cp.first_unit[c] + cp.occupied[c];
            if (u.move_in_day[i] > day) {
                next = u.move_in_day[i];
                break;
            }
            next = never;
            inputs_changed(run, c);
            ++cp.occupied[c];
            cp.cars[c] += u.cars[i];
            cp.nonlocal[c] += u.owner_nonlocal[i];
            auto& w = cp.onset_weight[c];
            if (u.let[i]) { // a tenant moves in; the owner stays away
                ++cp.tenants[c];
                w[index(Role::Tenant)] += onset_weight(hs, u.tenant_satisfaction[i]);
            } else { // the owner moves in
                const double wi = onset_weight(hs, u.owner_satisfaction[i]);
                w[index(Role::AbsenteeOwner)] -= wi;
                w[index(Role::OwnerOccupier)] += wi;
            }
        }
        earliest = std::min(earliest, next);
    }
    cs.next_move_in = earliest;
}

CellRates rates(const RunState& run, std::uint32_t c) {
    const Compounds& cp = run.world.compounds;
    const auto f = features(run, c);
    const auto& w = cp.onset_weight[c];
    const Effective& eff = run.eff;
    // Categories in the inner loops (they vectorise); each category's own arithmetic is in
    // the order of its formula: mult_k = 1 + sum_j effect_kj f_j, in feature order.
    PerCategory<double> mult;
    mult.fill(1.0);
    for (std::size_t j = 0; j < feature_count; ++j)
        for (std::size_t k = 0; k < category_count; ++k)
            mult[k] += eff.onset_effects[j][k] * f[j];
    PerCategory<double> per_weight;
    for (std::size_t k = 0; k < category_count; ++k)
        per_weight[k] = eff.rate_per_weight_day[k] * (mult[k] > 0.0 ? mult[k] : 0.0) *
                        cp.onset_multiplier[c][k];
    CellRates cell{};
    for (std::size_t r = 0; r < role_count; ++r)
        for (std::size_t k = 0; k < category_count; ++k) {
            const double x = per_weight[k] * eff.raised_by[r][k] * w[r];
            cell[k * role_count + r] = x > 0 ? x : 0.0;
        }
    return cell;
}

double total(const CellRates& cells) {
    double sum = 0;
    for (const double x : cells)
        sum += x;
    return sum;
}

void draw(RunState& run, std::uint32_t m, int day) {
    CommunityState& cs = run.communities[m];
    const Compounds& cp = run.world.compounds;
    const Units& u = run.world.units;
    const HouseholdSpec& hs = run.sc.households;
    const double w_max = onset_weight(hs, 0.0);
    const double day_start = day;
    // The last representable time before the day's end: an onset is always in its own day.
    const double last_time = sim::last_time_of_day(day);
    const std::uint32_t first = run.world.compound_begin(m);
    for (std::uint32_t c = first; c < run.world.compound_end(m); ++c) {
        if (cp.occupied[c] == 0)
            continue;
        // The rates' total, reused while the compound's inputs stay as they were (most days:
        // they change with a closure, a move-in, the month's pass or a lever, each of which
        // calls inputs_changed). The rates themselves are kept beside the total
        // (run.onset_cells) for a day with an onset: the same inputs gave them.
        CompoundHandlers& h = run.handlers[c];
        if (!h.rates_current) {
            run.onset_cells[c] = rates(run, c);
            h.rates_total = onsets::total(run.onset_cells[c]);
            h.rates_current = true;
        }
        const double total = h.rates_total;
        if (!(total > 0))
            continue; // no hazard accrues: the compound's clock stands still
        // The compound's onsets form a Poisson process whose rate is `total` through the day
        // (the superposition of its parties' processes). Its cumulative hazard runs on from
        // day to day; an onset happens each time it passes the next of a sequence of unit
        // exponential gaps (the time-change theorem), so a day without onsets costs no draw
        // and each onset costs one gap (docs/ODD.md §7.2).
        double& left = h.onset_hazard; // hazard left before the next onset
        double used = 0;               // hazard of the day passed so far
        const CellRates& cell = run.onset_cells[c];
        while (used + left < total) {
            used += left;
            left = cs.onset.unit_exponential();
            const double t = std::min(day_start + used / total, last_time);
            // The (category, role) cell in proportion to its rate, then a unit of that role:
            // uniform over the units where such a party can be (the occupied prefix for
            // households, all units for absent owners), accepted in proportion to the
            // party's onset weight (rejection sampling, exact for weights <= w_max).
            double pick = cs.onset.uniform() * total;
            std::size_t j = 0;
            while (j + 1 < cell.size() && (pick >= cell[j] || cell[j] <= 0)) {
                pick -= cell[j];
                ++j;
            }
            while (cell[j] <= 0) // rounding past the last cell with a rate
                --j;
            const auto k = static_cast<Category>(j / role_count);
            const auto role = static_cast<Role>(j % role_count);
            const std::uint32_t range = role == Role::AbsenteeOwner ? cp.units[c] : cp.occupied[c];
            std::uint32_t i = 0;
            // The party's satisfaction and trust columns (the role decides them: a tenant's or
            // an owner's); the detection delay reads the trust as soon as a unit is accepted.
            const bool tenant = role == Role::Tenant;
            const float* const sat =
                tenant ? u.tenant_satisfaction.data() : u.owner_satisfaction.data();
            const float* const trust = tenant ? u.tenant_trust.data() : u.owner_trust.data();
            for (;;) {
                // This candidate is the next draw: its flag, satisfaction and trust are asked for
                // together, so that their misses overlap instead of following one another; and
                // the flag and satisfaction of the draw after it, the next candidate if this
                // one has the wrong role (results are unaffected). Asking for more (the
                // candidate after a rejection on the weight, the later ones' trust) helped at
                // district scale but cost as much at 32x, where each is a memory access.
                {
                    const std::uint32_t now = cp.first_unit[c] + cs.onset.peek_below(1, range);
                    __builtin_prefetch(u.let.data() + now);
                    __builtin_prefetch(sat + now);
                    __builtin_prefetch(trust + now);
                    const std::uint32_t next = cp.first_unit[c] + cs.onset.peek_below(2, range);
                    __builtin_prefetch(u.let.data() + next);
                    __builtin_prefetch(sat + next);
                }
                i = cp.first_unit[c] + cs.onset.below(range);
                const bool occupied = i < cp.first_unit[c] + cp.occupied[c];
                if (!has_role(u, i, occupied, role))
                    continue;
                if (cs.onset.uniform() * w_max <= onset_weight(hs, sat[i])) // the party's
                    break;
            }
            start_dispute(run, m, c, i, role, k, t);
        }
        left -= total - used;
    }
}

} // namespace govsim::models::onsets
