#include "models/mechanisms/firm_decisions.hpp"

#include "models/mechanisms/handling.hpp"
#include "models/mechanisms/onsets.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace govsim::models::firm_decisions {

double full_staff(const RunState& run, std::uint32_t c) {
    return run.world.compounds.units[c] / 1000.0 * run.sc.firms.staff_per_1000_units;
}

namespace {

/// What a firm's staffing costs at compound c per month, with the other costs.
double cost(const RunState& run, std::uint32_t c, double staffing) {
    const FirmSpec& fs = run.sc.firms;
    const Compounds& cp = run.world.compounds;
    return fs.staff_cost_month * full_staff(run, c) * staffing +
           fs.other_cost_per_occupied_unit_month * cp.occupied[c] +
           fs.fixed_cost_per_unit_month * cp.units[c];
}

double reserved_staff(const RunState& run, std::uint32_t c) {
    double reserved = 0;
    for (const auto& lever : run.levers)
        reserved += lever->manager_staff_reserved(run, c);
    return reserved;
}

/// The fees a firm of quality q expects at compound c: what its owners would pay once its
/// service had brought their satisfaction to q.
double expected_collection(const RunState& run, std::uint32_t c, double q) {
    const Compounds& cp = run.world.compounds;
    const Units& u = run.world.units;
    const OwnerSpec& os = run.sc.owners;
    const double shift = os.fee_threshold_shift[index(cp.housing[c])];
    const std::uint32_t b = cp.first_unit[c], occ = cp.occupied[c], e = b + cp.units[c];
    double potential = 0;
    for (std::uint32_t i = b; i < e; ++i) {
        const bool occupied = i < b + occ;
        const bool absent = !occupied || u.let[i];
        const double threshold =
            u.fee_threshold[i] + shift + (absent ? os.absentee_fee_threshold_shift : 0.0);
        if (q >= threshold)
            potential += occupied ? 1.0 : os.empty_unit_fee_share;
    }
    return run.sc.firms.fee_per_unit_month * potential;
}

/// Runs a tender for compound c: every firm but `excluded` whose balance is not negative bids
/// if the fees it expects would leave it bid_min_margin_share of the fees billed at full
/// staffing; the owners take the bidder of the highest quality (the lowest index on a tie).
void tender(RunState& run, std::uint32_t c, std::int32_t excluded, int day) {
    const Compounds& cp = run.world.compounds;
    const Firms& firms = run.world.firms;
    const FirmSpec& fs = run.sc.firms;
    ++run.town.month.tenders;
    std::int32_t winner = no_firm;
    const double full_cost = cost(run, c, 1.0);
    for (std::uint32_t f = 0; f < firms.size(); ++f) {
        if (static_cast<std::int32_t>(f) == excluded || firms.balance[f] < 0)
            continue;
        if (winner != no_firm &&
            firms.quality[f] <= firms.quality[static_cast<std::size_t>(winner)])
            continue; // could not win
        const double margin = expected_collection(run, c, firms.quality[f]) - full_cost;
        if (margin >= fs.bid_min_margin_share * cp.billed[c])
            winner = static_cast<std::int32_t>(f);
    }
    if (winner != no_firm) {
        assign(run, c, static_cast<std::uint32_t>(winner), day + 1.0);
        ++run.town.month.firms_hired;
    }
}

} // namespace

double manager_capacity(const RunState& run, std::uint32_t c) {
    const Compounds& cp = run.world.compounds;
    double staff = 0;
    switch (cp.manager[c]) {
    case Manager::Firm:
    case Manager::Interim:
        staff = std::max(0.0, full_staff(run, c) * cp.staffing[c] - reserved_staff(run, c)) *
                run.sc.firms.dispute_staff_share;
        break;
    case Manager::Collective:
        staff = cp.units[c] / 1000.0 * run.sc.collectives.dispute_staff_per_1000_units;
        break;
    default:
        break;
    }
    return staff;
}

void update_service(RunState& run, std::uint32_t c, double t) {
    Compounds& cp = run.world.compounds;
    // The service quality and the manager (every change of manager ends here) are inputs of
    // the onset rates.
    onsets::inputs_changed(run, c);
    switch (cp.manager[c]) {
    case Manager::Firm: {
        const double full = full_staff(run, c);
        const double effective =
            full > 0 ? std::clamp((full * cp.staffing[c] - reserved_staff(run, c)) / full, 0.0, 1.0)
                     : 0.0;
        cp.service_quality[c] =
            cp.base_quality[c] * std::pow(effective, run.sc.firms.quality_staffing_elasticity);
        break;
    }
    case Manager::None:
        cp.service_quality[c] = run.sc.firms.unmanaged_service_quality;
        break;
    default: // interim manager, collective, self-governance group: their own fixed quality
        cp.service_quality[c] = cp.base_quality[c];
        break;
    }
    if (cp.has_manager_staff(c)) {
        const std::uint32_t m = cp.community[c];
        handling::set_capacity(run, m, run.handlers[c].firm, Level::Firm, manager_capacity(run, c),
                               t);
    }
}

void compound_month(RunState& run, std::uint32_t c, int day, MonthSums& sums) {
    Compounds& cp = run.world.compounds;
    const FirmSpec& fs = run.sc.firms;
    sums.by_manager[index(cp.manager[c])] += 1;
    if (cp.manager[c] == Manager::Firm) {
        sums.billed += cp.billed[c];
        sums.collected += cp.collected[c];
        const double margin = cp.collected[c] - cost(run, c, cp.staffing[c]);
        cp.margin[c] = margin;
        const double weight = 1.0 / std::max(1.0, fs.margin_memory_months);
        cp.margin_average[c] += weight * (margin - cp.margin_average[c]);
        sums.margin += margin;
        if (run.sc.mechanisms.firm_staffing && cp.billed[c] > 0) {
            const double collection = cp.collected[c] / cp.billed[c];
            const double target = std::max(fs.min_staffing_share,
                                           std::pow(collection, fs.staffing_collection_elasticity));
            cp.staffing[c] += fs.staffing_adjustment_per_month * (target - cp.staffing[c]);
        }
        sums.staffing += cp.staffing[c];
        ++sums.firm_managed;
    }
    if (cp.manager[c] != Manager::None)
        ++sums.managed;
    update_service(run, c, day + 1.0);
}

void assign(RunState& run, std::uint32_t c, std::uint32_t f, double t) {
    Compounds& cp = run.world.compounds;
    cp.manager[c] = Manager::Firm;
    cp.firm[c] = static_cast<std::int32_t>(f);
    cp.base_quality[c] = run.world.firms.quality[f];
    cp.staffing[c] = 1.0;
    cp.margin[c] = 0;
    cp.margin_average[c] = 0;
    cp.abandoned[c] = 0;
    ++run.world.firms.compounds[f];
    update_service(run, c, t);
}

void leave(RunState& run, std::uint32_t c, bool abandonment, int day) {
    Compounds& cp = run.world.compounds;
    if (cp.manager[c] == Manager::Firm)
        --run.world.firms.compounds[static_cast<std::size_t>(cp.firm[c])];
    cp.manager[c] = Manager::None;
    cp.firm[c] = no_firm;
    cp.margin[c] = 0;
    cp.margin_average[c] = 0;
    cp.abandoned[c] = abandonment ? 1 : 0;
    update_service(run, c, day + 1.0);
    if (abandonment) {
        ++run.town.month.abandonments;
        for (auto& lever : run.levers)
            lever->on_abandonment(run, c, day);
    }
}

void firms_month(RunState& run, int day) {
    Compounds& cp = run.world.compounds;
    Firms& firms = run.world.firms;
    const FirmSpec& fs = run.sc.firms;
    const auto n = static_cast<std::uint32_t>(cp.size());
    // Balances, in compound order.
    for (std::uint32_t c = 0; c < n; ++c)
        if (cp.manager[c] == Manager::Firm)
            firms.balance[static_cast<std::size_t>(cp.firm[c])] += cp.margin[c];
    // Exits: each firm considers its worst compound (by average margin per fee billed).
    if (run.sc.mechanisms.firm_exit) {
        constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
        std::vector<std::uint32_t> worst(firms.size(), none);
        std::vector<double> worst_share(firms.size(), 0.0);
        for (std::uint32_t c = 0; c < n; ++c) {
            if (cp.manager[c] != Manager::Firm || !(cp.margin_average[c] < 0))
                continue;
            const auto f = static_cast<std::size_t>(cp.firm[c]);
            const double share = cp.margin_average[c] / std::max(cp.billed[c], 1e-9);
            if (worst[f] == none || share < worst_share[f]) {
                worst[f] = c;
                worst_share[f] = share;
            }
        }
        for (std::size_t f = 0; f < firms.size(); ++f)
            if (worst[f] != none && (worst_share[f] < -fs.exit_loss_share || firms.balance[f] < 0))
                leave(run, worst[f], true, day);
    }
    // Motions of the month, in compound order: dismissals, then tenders.
    for (std::uint32_t c = 0; c < n; ++c) {
        const Motion motion = cp.motion[c];
        cp.motion[c] = Motion::None;
        if (motion == Motion::None)
            continue;
        std::int32_t excluded = no_firm;
        if (motion == Motion::Dismiss) {
            if (cp.manager[c] != Manager::Firm)
                continue; // the firm left first
            excluded = cp.firm[c];
            leave(run, c, false, day);
            ++run.town.month.dismissals;
        }
        if (run.sc.mechanisms.tenders &&
            (cp.manager[c] == Manager::None || cp.manager[c] == Manager::Interim))
            tender(run, c, excluded, day);
    }
}

} // namespace govsim::models::firm_decisions
